package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"efa-register/internal/catalog"
)

// throttleHit is one counted attempt in one bucket of the throttle: a
// password check that has not (yet) succeeded, or an account request. It
// counts until Until. The rows live in the database, not in memory, so that
// "efa unblock" works against a running server and several instances on
// one database share the counts.
type throttleHit struct {
	ID uint `gorm:"primaryKey"`
	// Bucket is what is counted, e.g. "login-pair:<client>|<account>".
	Bucket string `gorm:"not null;index:idx_throttle_hits_bucket_until,priority:1"`
	// Account is the lower-case e-mail address of a login's account ("" for
	// client-wide buckets), so efa unblock finds every row of an account.
	Account string `gorm:"not null;default:'';index:idx_throttle_hits_account"`
	// At and Until are Unix milliseconds: when the attempt was reserved, and
	// when it stops counting.
	At    int64 `gorm:"not null"`
	Until int64 `gorm:"not null;index:idx_throttle_hits_bucket_until,priority:2;index:idx_throttle_hits_until"`
}

func (throttleHit) TableName() string { return "throttle_hits" }

// ThrottleLimits are the limits of the login and account request throttle.
//
// A login attempt counts in three buckets, reserved together before the
// password is hashed:
//
//   - per (account, client): PairMax failures within Window, then that
//     client is refused for that account until the oldest failure expires.
//     Only the attacker's client is stopped: the owner, from any other
//     client, still logs in (issue 15, row 3). A successful login empties
//     the pair.
//   - per client, whatever the account: ClientMax failures within Window,
//     against one client trying many accounts (password spraying).
//   - per account, from all clients: never refused. From AccountSlowAfter
//     failures within Window on, every attempt on the account is slowed by
//     a delay that starts at AccountDelay and doubles with every further
//     failure up to AccountDelayMax, against guessing from many clients at
//     once. The count stops growing once the delay is at its maximum.
//
// Clients are keys from auth.ClientKey (IPv4 address, IPv6 /64). Unknown
// accounts are counted exactly like known ones, so the throttle does not
// tell which accounts exist.
//
// Account requests: RequestMax per client within RequestWindow, counted
// whether or not the request is then stored.
type ThrottleLimits struct {
	PairMax, ClientMax int
	Window             time.Duration

	AccountSlowAfter              int
	AccountDelay, AccountDelayMax time.Duration

	RequestMax    int
	RequestWindow time.Duration
}

// DefaultThrottleLimits: 5 failures per (account, client) and 20 per client
// in 15 minutes; from the 10th failure on an account in 15 minutes its
// logins wait 250 ms, 500 ms, 1 s, 2 s, then 3 s; 5 account requests per
// client and hour.
var DefaultThrottleLimits = ThrottleLimits{
	PairMax: 5, ClientMax: 20, Window: 15 * time.Minute,
	AccountSlowAfter: 10, AccountDelay: 250 * time.Millisecond, AccountDelayMax: 3 * time.Second,
	RequestMax: 5, RequestWindow: time.Hour,
}

// Throttle counts login attempts and account requests in the database.
// Every reservation is one immediate (write-locked) transaction that counts
// and inserts together, so parallel attempts cannot all see room: of 80
// attempts at once at most PairMax get through (issue 15, row 6).
//
// The table stays bounded: a reservation is refused, and inserts nothing,
// once a bucket is full, so every bucket holds at most its limit (the
// account bucket at most AccountSlowAfter plus the doublings to the
// maximum delay); expired rows are deleted at most once a minute by the
// next reservation. The number of rows is thus bounded by the password
// checks the hash gate lets through in one Window, times three.
type Throttle struct {
	s         *Store
	limits    ThrottleLimits
	lastSweep atomic.Int64 // Unix milliseconds
}

// NewThrottle returns the throttle with the given limits.
func NewThrottle(s *Store, l ThrottleLimits) *Throttle { return &Throttle{s: s, limits: l} }

// Reservation is the answer to a reservation.
type Reservation struct {
	// OK: the attempt is counted and may go ahead. Otherwise nothing was
	// counted and RetryAt is when the full buckets have room again (answer
	// 429 with Retry-After).
	OK      bool
	RetryAt time.Time
	// Delay is how long a login should wait before checking the password
	// (the account-wide slow-down; 0 mostly). Wait outside the hash gate.
	Delay time.Duration
	// Warn is set on the one reservation that brought the account to
	// AccountSlowAfter failures: tell the owner (once e-mail exists) if
	// this attempt fails too.
	Warn bool
	// Filled is set when this reservation took the last room of its first
	// bucket (a login's (account, client) pair): if the attempt fails, that
	// client is refused for the account until the oldest failure expires.
	Filled bool

	ids  []uint
	pair string
}

// ErrClientKey means a client key did not come from auth.ClientKey.
var ErrClientKey = errors.New("store: throttle client key must come from auth.ClientKey")

// maxAccountKey is the longest e-mail address there can be; longer login
// names are cut, which merges only names that are no account anyway.
const maxAccountKey = 254

func accountKey(email string) string {
	a := strings.ToLower(strings.TrimSpace(email))
	if len(a) > maxAccountKey {
		a = strings.ToValidUTF8(a[:maxAccountKey], "")
	}
	return a
}

// checkClient refuses what cannot be an auth.ClientKey: empty, a separator,
// or a whole IPv6 address (the key of an IPv6 client is its /64, and a
// whole address would let a host rotate out of its limit).
func checkClient(client string) error {
	if client == "" || strings.ContainsAny(client, "|\n") || len(client) > 64 {
		return fmt.Errorf("%w: %q", ErrClientKey, client)
	}
	if a, err := netip.ParseAddr(client); err == nil && a.Is6() {
		return fmt.Errorf("%w: %q is a whole IPv6 address", ErrClientKey, client)
	}
	return nil
}

// bucket is one counter a reservation must fit into (max 0: never full).
type bucket struct {
	name, account string
	max           int
	window        time.Duration
}

// ReserveLogin reserves one password check of client for the account named
// email (known or not), before the password is hashed. After the check call
// Succeed on a correct password; on a wrong one do nothing (the attempt
// stays counted as a failure); when the check did not run (auth.ErrBusy, a
// cancelled request, an error) call Cancel.
func (t *Throttle) ReserveLogin(ctx context.Context, email, client string, now time.Time) (Reservation, error) {
	if err := checkClient(client); err != nil {
		return Reservation{}, err
	}
	l := t.limits
	acct := accountKey(email)
	pair := "login-pair:" + client + "|" + acct
	hard := []bucket{
		{name: pair, account: acct, max: l.PairMax, window: l.Window},
		{name: "login-client:" + client, max: l.ClientMax, window: l.Window},
	}
	soft := bucket{name: "login-account:" + acct, account: acct, window: l.Window}
	r, err := t.reserve(ctx, now, hard, &soft)
	r.pair = pair
	return r, err
}

// ReserveAccountRequest reserves one account request of client, before its
// password is hashed (and after the cheap checks of the form). Call Cancel
// when the hash did not run.
func (t *Throttle) ReserveAccountRequest(ctx context.Context, client string, now time.Time) (Reservation, error) {
	if err := checkClient(client); err != nil {
		return Reservation{}, err
	}
	return t.reserve(ctx, now, []bucket{{name: "account-request:" + client, max: t.limits.RequestMax, window: t.limits.RequestWindow}}, nil)
}

// ReservePasswordReset reserves one "Passwort vergessen" request of client
// for the account named email (known or not, counted alike), before
// anything is looked up or sent: RequestMax per client and 3 per account
// within RequestWindow, so nobody floods a mailbox with reset links.
func (t *Throttle) ReservePasswordReset(ctx context.Context, email, client string, now time.Time) (Reservation, error) {
	if err := checkClient(client); err != nil {
		return Reservation{}, err
	}
	return t.reserve(ctx, now, []bucket{
		{name: "password-reset:" + client, max: t.limits.RequestMax, window: t.limits.RequestWindow},
		{name: "password-reset-account:" + accountKey(email), max: 3, window: t.limits.RequestWindow},
	}, nil)
}

// FirstWarning reports whether the owner of the account has not yet been
// told about failed logins within the last day, and notes that they are
// now (issue 15, row 3: told once). efa unblock forgets the note with the
// failures, so a later attack is told again.
func (t *Throttle) FirstWarning(ctx context.Context, email string, now time.Time) (bool, error) {
	acct := accountKey(email)
	r, err := t.reserve(ctx, now, []bucket{{name: "login-warned:" + acct, account: acct, max: 1, window: 24 * time.Hour}}, nil)
	return r.OK, err
}

// accountCap is where the account count stops: its delay is at the maximum.
func (l ThrottleLimits) accountCap() int {
	n := l.AccountSlowAfter
	for d := l.AccountDelay; d > 0 && d < l.AccountDelayMax; d *= 2 {
		n++
	}
	return n + 1
}

// delay is the slow-down after n failures on an account.
func (l ThrottleLimits) delay(n int) time.Duration {
	if l.AccountSlowAfter <= 0 || n < l.AccountSlowAfter {
		return 0
	}
	d := l.AccountDelay
	for i := l.AccountSlowAfter; i < n && d < l.AccountDelayMax; i++ {
		d *= 2
	}
	return min(d, l.AccountDelayMax)
}

func (t *Throttle) reserve(ctx context.Context, now time.Time, hard []bucket, soft *bucket) (Reservation, error) {
	ms := now.UnixMilli()
	var r Reservation
	err := t.s.write(ctx, catalog.ActorSystem, func(w *tx) error {
		r = Reservation{}
		if last := t.lastSweep.Load(); ms-last >= time.Minute.Milliseconds() && t.lastSweep.CompareAndSwap(last, ms) {
			if err := w.db.Where("until <= ?", ms).Delete(&throttleHit{}).Error; err != nil {
				return err
			}
		}
		firstCount := 0
		for i, b := range hard {
			var untils []int64
			if err := w.db.Model(&throttleHit{}).Where("bucket = ? AND until > ?", b.name, ms).Order("until").Pluck("until", &untils).Error; err != nil {
				return err
			}
			if i == 0 {
				firstCount = len(untils)
			}
			if len(untils) >= b.max {
				// Room again once count-max+1 of them have expired.
				if at := time.UnixMilli(untils[len(untils)-b.max]).UTC(); at.After(r.RetryAt) {
					r.RetryAt = at
				}
			}
		}
		if !r.RetryAt.IsZero() {
			return nil
		}
		r.OK = true
		r.Filled = len(hard) > 0 && firstCount+1 == hard[0].max
		rows := make([]throttleHit, 0, len(hard)+1)
		for _, b := range hard {
			rows = append(rows, throttleHit{Bucket: b.name, Account: b.account, At: ms, Until: ms + b.window.Milliseconds()})
		}
		if soft != nil {
			var n int64
			if err := w.db.Model(&throttleHit{}).Where("bucket = ? AND until > ?", soft.name, ms).Count(&n).Error; err != nil {
				return err
			}
			r.Delay = t.limits.delay(int(n))
			r.Warn = int(n)+1 == t.limits.AccountSlowAfter
			if int(n) < t.limits.accountCap() {
				rows = append(rows, throttleHit{Bucket: soft.name, Account: soft.account, At: ms, Until: ms + soft.window.Milliseconds()})
			}
		}
		if err := w.db.Create(&rows).Error; err != nil {
			return err
		}
		for _, h := range rows {
			r.ids = append(r.ids, h.ID)
		}
		return nil
	})
	if err != nil {
		return Reservation{}, translate(err, "throttle reserve")
	}
	return r, nil
}

// Succeed ends a login reservation whose password was right: its attempt
// no longer counts, and the failures of that client for that account are
// forgotten. It goes through even when ctx has been cancelled.
func (t *Throttle) Succeed(ctx context.Context, r Reservation) error {
	if !r.OK {
		return nil
	}
	err := t.s.write(context.WithoutCancel(ctx), catalog.ActorSystem, func(w *tx) error {
		q := w.db.Where("id IN ?", r.ids)
		if r.pair != "" {
			q = q.Or("bucket = ?", r.pair)
		}
		return q.Delete(&throttleHit{}).Error
	})
	return translate(err, "throttle succeed")
}

// Cancel takes back a reservation whose password was never checked (the
// hash gate was busy, the request ended, an error): it no longer counts.
// It goes through even when ctx has been cancelled.
func (t *Throttle) Cancel(ctx context.Context, r Reservation) error {
	if !r.OK || len(r.ids) == 0 {
		return nil
	}
	err := t.s.write(context.WithoutCancel(ctx), catalog.ActorSystem, func(w *tx) error {
		return w.db.Where("id IN ?", r.ids).Delete(&throttleHit{}).Error
	})
	return translate(err, "throttle cancel")
}

// Unblocked is one bucket that Unblock emptied.
type Unblocked struct {
	// Client is the client key of a per-(account, client) bucket; empty
	// for the account-wide count.
	Client string
	// Failures is how many attempts still counted; Until is when the
	// last of them would have expired.
	Failures int
	Until    time.Time
}

// Unblock forgets the failed logins of the account with that e-mail address
// from every client (its per-(account, client) buckets and its account-wide
// count); client-wide counts stay. It answers catalog.ErrNotFound when no
// account has the address, and lists the buckets that still counted.
func (t *Throttle) Unblock(ctx context.Context, email string, now time.Time) ([]Unblocked, error) {
	if _, err := t.s.UserByEmail(ctx, email); err != nil {
		return nil, err
	}
	acct := accountKey(email)
	ms := now.UnixMilli()
	var out []Unblocked
	err := t.s.write(ctx, catalog.ActorSystem, func(w *tx) error {
		out = nil
		var rows []throttleHit
		if err := w.db.Where("account = ? AND until > ?", acct, ms).Find(&rows).Error; err != nil {
			return err
		}
		by := map[string]*Unblocked{}
		for _, h := range rows {
			var client string
			if rest, ok := strings.CutPrefix(h.Bucket, "login-pair:"); ok {
				client, _, _ = strings.Cut(rest, "|")
			} else if !strings.HasPrefix(h.Bucket, "login-account:") {
				continue // the warning note: deleted below, no failure
			}
			u := by[client]
			if u == nil {
				u = &Unblocked{Client: client}
				by[client] = u
			}
			u.Failures++
			if until := time.UnixMilli(h.Until).UTC(); until.After(u.Until) {
				u.Until = until
			}
		}
		for _, u := range by {
			out = append(out, *u)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Client < out[j].Client })
		return w.db.Where("account = ?", acct).Delete(&throttleHit{}).Error
	})
	if err != nil {
		return nil, translate(err, "unblock")
	}
	return out, nil
}

// Package auth holds the credential primitives: argon2id password hashes
// (under a global gate that bounds their memory), API token secrets, the
// client keys the throttles count by, and the old in-memory login throttle.
// It knows nothing of HTTP or the database.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters (OWASP recommendation: 19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// ErrMismatch means the password does not match the hash.
var ErrMismatch = errors.New("auth: password mismatch")

// ErrBusy means that so many password hashes are already waiting for the
// gate that this one was turned away at once instead of queueing: the
// server is flooded. Answer 503 with a Retry-After of a few seconds, and
// release a throttle reservation (it was no attempt at the password).
var ErrBusy = errors.New("auth: too many password checks at once")

// argonKey is argon2.IDKey; tests replace it to count and hold calls.
var argonKey = argon2.IDKey

// hashGate bounds the password hashes that run at the same time, and the
// ones waiting for their turn.
//
// Memory bound: every Argon2id hash allocates its memory parameter (19 MiB)
// for its whole run, so at most cap(slots) × 19 MiB are ever in use for
// password hashing (4 × 19 MiB = 76 MiB at most, 38 MiB on two cores),
// however many logins and account requests arrive at once. Without the
// gate 80 concurrent account requests took the server from 116 MB to 1.5 GB
// (issue 15, row 2). One hash uses one core (1 lane), so more slots than
// cores would not make hashing faster, only hungrier.
//
// A waiting request holds no hash memory, but it holds the request's place
// in the server's concurrency limit; so at most maxWaiting wait, and
// the next one gets ErrBusy at once instead of crowding out cheap pages.
type hashGate struct {
	slots      chan struct{}
	waiting    atomic.Int64
	maxWaiting int64
}

func newHashGate(slots, maxWaiting int) *hashGate {
	return &hashGate{slots: make(chan struct{}, slots), maxWaiting: int64(maxWaiting)}
}

// gate is the one gate of the process: min(GOMAXPROCS, 4) hashes at once,
// 32 more waiting (a second or so of work on two cores).
var gate = newHashGate(min(max(1, runtime.GOMAXPROCS(0)), 4), 32)

// HashConcurrency is how many password hashes run at most at the same time
// (the memory bound is this × 19 MiB).
func HashConcurrency() int { return cap(gate.slots) }

// acquire takes a slot, waiting at most until ctx ends; bounded reports
// whether the queue of waiters is bounded (ErrBusy beyond it).
func (g *hashGate) acquire(ctx context.Context, bounded bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	if n := g.waiting.Add(1); bounded && n > g.maxWaiting {
		g.waiting.Add(-1)
		return ErrBusy
	}
	defer g.waiting.Add(-1)
	// A channel's waiting senders are served in order, so the wait is fair.
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *hashGate) release() { <-g.slots }

// gatedKey runs one Argon2id derivation under the gate.
func gatedKey(ctx context.Context, bounded bool, password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) ([]byte, error) {
	if err := gate.acquire(ctx, bounded); err != nil {
		return nil, err
	}
	defer gate.release()
	return argonKey(password, salt, time, memory, threads, keyLen), nil
}

// HashPasswordContext returns an argon2id hash in the PHC string format. It
// waits for the hash gate until ctx ends (then it returns ctx.Err()), and
// returns ErrBusy when too many hashes are already waiting.
func HashPasswordContext(ctx context.Context, password string) (string, error) {
	return hashPassword(ctx, true, password)
}

func hashPassword(ctx context.Context, bounded bool, password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key, err := gatedKey(ctx, bounded, []byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	if err != nil {
		return "", err
	}
	return encodeHash(salt, key), nil
}

func encodeHash(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// HashPassword is HashPasswordContext without a deadline and without
// ErrBusy: it waits for the gate as long as it takes.
//
// Deprecated: use HashPasswordContext with the request's context.
func HashPassword(password string) (string, error) {
	return hashPassword(context.Background(), false, password)
}

// phc is a parsed argon2id hash.
type phc struct {
	mem, iter uint32
	threads   uint8
	salt, key []byte
}

func parseHash(hash string) (phc, error) {
	var h phc
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return h, fmt.Errorf("auth: unsupported hash format")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return h, fmt.Errorf("auth: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.mem, &h.iter, &h.threads); err != nil || h.mem == 0 || h.iter == 0 || h.threads == 0 {
		return h, fmt.Errorf("auth: bad argon2 parameters")
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return h, fmt.Errorf("auth: bad salt")
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(h.key) == 0 {
		return h, fmt.Errorf("auth: bad key")
	}
	return h, nil
}

// CheckPasswordContext compares a password with a PHC argon2id hash in
// constant time, under the hash gate like HashPasswordContext (ctx.Err()
// or ErrBusy when it cannot run; ErrMismatch for a wrong password). It
// reads the parameters from the hash, so they can be raised later (see
// NeedsRehash).
func CheckPasswordContext(ctx context.Context, hash, password string) error {
	return checkPassword(ctx, true, hash, password)
}

func checkPassword(ctx context.Context, bounded bool, hash, password string) error {
	h, err := parseHash(hash)
	if err != nil {
		return err
	}
	got, err := gatedKey(ctx, bounded, []byte(password), h.salt, h.iter, h.mem, h.threads, uint32(len(h.key)))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(got, h.key) != 1 {
		return ErrMismatch
	}
	return nil
}

// CheckPassword is CheckPasswordContext without a deadline and without
// ErrBusy.
//
// Deprecated: use CheckPasswordContext with the request's context.
func CheckPassword(hash, password string) error {
	return checkPassword(context.Background(), false, hash, password)
}

// NeedsRehash reports whether hash was made with other parameters than
// HashPassword uses now. A login that succeeds with such a hash should store
// a new one: CheckNoUserContext costs what a hash with the current
// parameters costs, so an account with an older, cheaper hash would answer
// measurably faster than an unknown one (issue 15, row 7).
func NeedsRehash(hash string) bool {
	h, err := parseHash(hash)
	return err != nil || h.mem != argonMemory || h.iter != argonTime || h.threads != argonThreads ||
		len(h.salt) != saltLen || len(h.key) != argonKeyLen
}

// dummyHash is checked when a login names an unknown account (or one
// without a password), so that the answer takes as long as for a known one.
// It has the current parameters and a random salt and key, so it costs
// exactly one check with those parameters, and no password matches it. It
// is made without hashing anything, so no process pays for it at start.
var dummyHash = func() string {
	b := make([]byte, saltLen+argonKeyLen)
	_, _ = rand.Read(b)
	return encodeHash(b[:saltLen], b[saltLen:])
}()

// CheckNoUserContext does the work of one CheckPasswordContext with the
// current parameters, under the gate, and returns ErrMismatch (or, like
// CheckPasswordContext, ctx.Err() or ErrBusy).
func CheckNoUserContext(ctx context.Context, password string) error {
	if err := CheckPasswordContext(ctx, dummyHash, password); err != nil {
		return err
	}
	return ErrMismatch // unreachable: the dummy key is random
}

// CheckNoUser burns the time of one password check.
//
// Deprecated: use CheckNoUserContext with the request's context.
func CheckNoUser(password string) {
	_ = checkPassword(context.Background(), false, dummyHash, password)
}

// NewSecret returns a random secret with a prefix ("efa_…") and the hex
// SHA-256 of it, which is what gets stored.
func NewSecret(prefix string) (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("auth: secret: %w", err)
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret), nil
}

// HashSecret returns the hex SHA-256 of a secret. Secrets are long and random,
// so a fast hash is right here (unlike passwords).
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/netguard"
	"efa-register/internal/store"
)

// Webhooks push the change feed to registered receivers. A receiver gets
// each batch of change records (the same format as GET /api/v1/changes) by
// POST to its registered URL and to no other (redirects are not followed),
// signed with HMAC-SHA256 over "<timestamp>.<body>" with its secret. A batch
// that is not answered with 2xx is tried again after an exponential backoff;
// the webhook's cursor only moves on after a delivery, so nothing is lost
// and the order holds. Every attempt is written to the delivery log.

// Header names of a delivery.
const (
	HeaderSignature = "X-EfA-Signature"
	HeaderTimestamp = "X-EfA-Timestamp"
	HeaderDelivery  = "X-EfA-Delivery"
)

// SignWebhook returns the signature header value for body sent at timestamp
// (Unix seconds as decimal text): "sha256=" and the hex HMAC-SHA256 with
// secret over "<timestamp>.<body>".
func SignWebhook(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks a delivery's signature in constant time; receivers in
// Go can use it as it is.
func VerifyWebhook(secret, timestamp, signature string, body []byte) bool {
	return hmac.Equal([]byte(SignWebhook(secret, timestamp, body)), []byte(signature))
}

// WebhookDispatcher delivers the change feed to the registered webhooks.
type WebhookDispatcher struct {
	st  *store.Store
	log *slog.Logger
	// Client makes the deliveries; it follows no redirects.
	Client *http.Client
	// Interval is how often due webhooks are looked for (default 2 s).
	Interval time.Duration
	// BatchLimit is the most records per delivery (default 100).
	BatchLimit int
	// Backoff is the wait after the n-th failed attempt at a batch.
	Backoff func(failures int) time.Duration
	// Now is the clock (tests set it).
	Now func() time.Time
	// MaxBatchesPerPass bounds the batches one webhook gets per pass, so a
	// receiver far behind does not hold up the others.
	MaxBatchesPerPass int
	// Owner names this dispatcher in the webhook leases (several instances
	// on one database each run one; a lease makes each batch go out once).
	Owner string
	// LeaseTTL is how long a lease holds without renewal; it is renewed
	// before every batch, so it must exceed one delivery's time limit.
	LeaseTTL time.Duration
}

// NewWebhookDispatcher returns a dispatcher with the default settings.
func NewWebhookDispatcher(st *store.Store, log *slog.Logger) *WebhookDispatcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &WebhookDispatcher{
		st:  st,
		log: log,
		// Every connection passes the network guard (no loopback, private,
		// link-local or unspecified address); a redirect would send the signed
		// batch to an address nobody registered: it is answered as a failure.
		Client:            netguard.Guard{}.Client(10*time.Second, 0),
		Interval:          2 * time.Second,
		BatchLimit:        100,
		Backoff:           DefaultWebhookBackoff,
		Now:               time.Now,
		MaxBatchesPerPass: 20,
		Owner:             dispatcherOwner(),
		LeaseTTL:          time.Minute,
	}
}

// dispatcherOwner names a dispatcher: host, process and a random part, so
// two dispatchers never share a name.
func dispatcherOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = crand.Read(b)
	owner := fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
	if len(owner) > 100 {
		owner = owner[len(owner)-100:]
	}
	return owner
}

// DefaultWebhookBackoff waits 5 s after the first failure and doubles up to
// an hour, with ±10 % jitter so failed receivers are not hit in lockstep.
func DefaultWebhookBackoff(failures int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < failures && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

// Run delivers due batches until ctx ends.
func (d *WebhookDispatcher) Run(ctx context.Context) {
	t := time.NewTicker(d.Interval)
	defer t.Stop()
	for {
		if _, err := d.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("webhook pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DeliverDue makes one pass over the webhooks that are due and returns how
// many batches were delivered.
//
// It delivers only to webhooks it leased (store.LeaseDueWebhooks): with
// several instances on one database, the dispatcher of each looks, and each
// due batch goes out from one of them.
func (d *WebhookDispatcher) DeliverDue(ctx context.Context) (int, error) {
	hooks, err := d.st.LeaseDueWebhooks(ctx, d.Owner, d.Now(), d.LeaseTTL)
	if err != nil {
		return 0, err
	}
	delivered := 0
	for i, h := range hooks {
		n, err := d.deliverLeased(ctx, h)
		delivered += n
		if err != nil {
			// Release what this pass will not get to, so others need not wait for the leases to end.
			for _, rest := range hooks[i+1:] {
				_ = d.st.ReleaseWebhookLease(context.WithoutCancel(ctx), rest.ID, d.Owner)
			}
			return delivered, err
		}
	}
	return delivered, nil
}

// deliverLeased delivers up to MaxBatchesPerPass batches to one leased
// webhook, renewing the lease before each further batch, and releases the
// lease at the end.
func (d *WebhookDispatcher) deliverLeased(ctx context.Context, h store.Webhook) (int, error) {
	defer func() { _ = d.st.ReleaseWebhookLease(context.WithoutCancel(ctx), h.ID, d.Owner) }()
	delivered := 0
	for i := range d.MaxBatchesPerPass {
		if i > 0 {
			held, err := d.st.RenewWebhookLease(ctx, h.ID, d.Owner, d.Now(), d.LeaseTTL)
			if err != nil || !held {
				return delivered, err
			}
			if h, err = d.st.WebhookByID(ctx, h.ID); err != nil {
				return delivered, err
			}
		}
		ok, more, err := d.deliverNext(ctx, h)
		if err != nil {
			return delivered, err
		}
		if ok {
			delivered++
		}
		if !ok || !more {
			break
		}
	}
	return delivered, nil
}

// deliverNext sends the batch after the webhook's cursor. ok reports a
// delivery, more that further changes are ready.
func (d *WebhookDispatcher) deliverNext(ctx context.Context, h store.Webhook) (ok, more bool, err error) {
	page, err := changePage(ctx, d.st, catalog.Principal{}, h.Cursor, d.BatchLimit, d.Now())
	if err != nil {
		return false, false, err
	}
	next, err := feed.ParseCursor(page.Next)
	if err != nil {
		return false, false, err
	}
	if len(page.Changes) == 0 {
		// Events without records (organisations created, accounts, ...):
		// nothing to send, but the cursor may move on.
		if next > h.Cursor {
			return false, page.More, d.st.AdvanceWebhook(ctx, h.ID, h.Cursor, next)
		}
		return false, false, nil
	}
	body, err := feed.EncodeChangePage(page)
	if err != nil {
		return false, false, err
	}
	rec := store.WebhookDelivery{WebhookID: h.ID, Batch: fmt.Sprintf("%d:%s", h.ID, feed.Cursor(h.Cursor)),
		FromCursor: h.Cursor, ToCursor: next, Records: len(page.Changes), Attempt: h.Failures + 1, At: d.Now()}
	started := time.Now()
	status, sendErr := d.send(ctx, h, rec.Batch, body)
	rec.HTTPStatus, rec.DurationMS = status, time.Since(started).Milliseconds()
	switch {
	case sendErr == nil && status >= 200 && status < 300:
		rec.Outcome = store.DeliveryDelivered
	default:
		rec.Outcome = store.DeliveryFailed
		if sendErr != nil {
			rec.Error = sendErr.Error()
		} else {
			rec.Error = fmt.Sprintf("Antwort %d statt 2xx", status)
		}
		retry := d.Now().Add(d.Backoff(rec.Attempt))
		rec.NextAttempt = &retry
		d.log.Warn("webhook delivery failed", "webhook", h.ID, "host", hostOf(h.URL), "status", status,
			"attempt", rec.Attempt, "next_attempt", retry.UTC().Format(time.RFC3339), "err", rec.Error)
	}
	if err := d.st.RecordDelivery(ctx, rec); err != nil {
		return false, false, err
	}
	if rec.Outcome == store.DeliveryDelivered {
		d.log.Info("webhook delivered", "webhook", h.ID, "host", hostOf(h.URL), "records", rec.Records, "cursor", page.Next)
		return true, page.More, nil
	}
	return false, false, nil
}

// send POSTs one signed batch and returns the answer's status.
func (d *WebhookDispatcher) send(ctx context.Context, h store.Webhook, batch string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, errors.New("ungültige Adresse")
	}
	ts := strconv.FormatInt(d.Now().Unix(), 10)
	req.Header.Set("Content-Type", mimeJSON)
	req.Header.Set("User-Agent", "EfA-Register-Webhook/1")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderDelivery, batch)
	req.Header.Set(HeaderSignature, SignWebhook(h.Secret, ts, body))
	res, err := d.Client.Do(req)
	if err != nil {
		// The delivery log is shown to admins: a generic text, so the log
		// never maps the network (refused ports, resolver addresses). The
		// cause goes to the operator's log only (without the URL, whose path
		// or query may hold a token).
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		d.log.WarnContext(ctx, "webhook delivery failed", "webhook", h.ID, "host", hostOf(h.URL), "err", err)
		return 0, errors.New("keine Antwort (Verbindung abgelehnt, Zeitüberschreitung oder Adresse nicht erlaubt)")
	}
	defer res.Body.Close()
	// Read a little of the answer so the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, nil
}

// hostOf is the host of a URL for the logs (paths and queries may hold tokens).
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return ""
}

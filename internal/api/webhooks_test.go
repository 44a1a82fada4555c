package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"efa-register/internal/api"
	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/netguard"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

const hookSecret = "ein-geheimnis-fuer-die-tests-0123"

// receiver is a local webhook endpoint that checks signatures and can fail on purpose.
type receiver struct {
	mu       sync.Mutex
	secret   string
	fail     int // answer 500 to this many deliveries first
	got      []delivery
	received chan struct{}
}

type delivery struct {
	batch, timestamp string
	raw              []byte
	validSignature   bool
	status           int
	page             feed.ChangePage
	records          []struct {
		Cursor, Type, Entity, ID string
	}
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	d := delivery{batch: r.Header.Get(api.HeaderDelivery), timestamp: r.Header.Get(api.HeaderTimestamp), raw: body}
	d.validSignature = r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/json" &&
		api.VerifyWebhook(rv.secret, d.timestamp, r.Header.Get(api.HeaderSignature), body)
	var p struct {
		Changes []struct{ Cursor, Type, Entity, ID string }
		Next    string
		More    bool
	}
	json.Unmarshal(body, &p)
	d.records, d.page.Next, d.page.More = p.Changes, p.Next, p.More
	rv.mu.Lock()
	d.status = http.StatusOK
	if !d.validSignature {
		d.status = http.StatusUnauthorized
	} else if rv.fail > 0 {
		rv.fail--
		d.status = http.StatusInternalServerError
	}
	rv.got = append(rv.got, d)
	rv.mu.Unlock()
	w.WriteHeader(d.status)
	if rv.received != nil {
		select {
		case rv.received <- struct{}{}:
		default:
		}
	}
}

func (rv *receiver) deliveries() []delivery {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]delivery(nil), rv.got...)
}

// TestWebhookSignsRetriesAndLogs: the local receiver checks the signature,
// answers 500 once, and sees the same batch again after the backoff; the
// delivery log records both attempts and the cursor moves only after the
// delivery.
func TestWebhookSignsRetriesAndLogs(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	st.SetWebhookGuard(netguard.Guard{LoopbackInTests: true})
	rv := &receiver{secret: hookSecret, fail: 1}
	srv := httptest.NewServer(rv)
	defer srv.Close()

	head, _ := st.LastEventSeq(ctx)
	hook, err := st.AddWebhook(ctx, "test", srv.URL+"/efa/hook?portal=itplr", hookSecret, head)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolutionInput("hook-probe", "Hook-Probe")); err != nil {
		t.Fatal(err)
	}
	// The registration itself is an event (the audit trail) without a record.
	last, _ := st.LastEventSeq(ctx)

	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	d := api.NewWebhookDispatcher(st, nil)
	d.Client = netguard.Guard{LoopbackInTests: true}.Client(10*time.Second, 0)
	d.Now = func() time.Time { return now }
	d.Backoff = func(failures int) time.Duration { return time.Duration(failures) * 30 * time.Second }

	// First pass: the receiver answers 500.
	if n, err := d.DeliverDue(ctx); err != nil || n != 0 {
		t.Fatalf("first pass delivered %d, %v", n, err)
	}
	got := rv.deliveries()
	if len(got) != 1 || !got[0].validSignature || got[0].status != 500 {
		t.Fatalf("first attempt: %+v", got)
	}
	if h, _ := st.WebhookByID(ctx, hook.ID); h.Cursor != head || h.Failures != 1 || !h.NextAttempt.Equal(now.Add(30*time.Second)) {
		t.Errorf("after the failure: cursor %d (want %d), failures %d, next %v", h.Cursor, head, h.Failures, h.NextAttempt)
	}
	// Not due yet: nothing is sent.
	now = now.Add(29 * time.Second)
	if n, _ := d.DeliverDue(ctx); n != 0 || len(rv.deliveries()) != 1 {
		t.Fatalf("retried before the backoff ended: %d deliveries", len(rv.deliveries()))
	}
	// After the backoff: the retry is delivered.
	now = now.Add(2 * time.Second)
	if n, err := d.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("retry pass delivered %d, %v", n, err)
	}
	got = rv.deliveries()
	if len(got) != 2 || !got[1].validSignature || got[1].status != 200 || got[1].batch != got[0].batch {
		t.Fatalf("retry: %+v", got)
	}
	r := got[1].records
	if len(r) != 1 || r[0].Entity != "solution" || r[0].ID != "hook-probe" || r[0].Type != "created" || got[1].page.Next != feed.Cursor(last) {
		t.Errorf("batch = %+v, next %s", r, got[1].page.Next)
	}
	// The body is what the OpenAPI document's webhook promises.
	doc, _ := spec(t)
	var decoded any
	if err := json.Unmarshal(got[1].raw, &decoded); err != nil {
		t.Fatal(err)
	}
	if err := doc.Components.Schemas["ChangePage"].Value.VisitJSON(decoded, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("webhook body violates the ChangePage schema: %v", err)
	}
	if doc.Webhooks["changes"] == nil || doc.Webhooks["changes"].Post == nil {
		t.Error("the document does not describe the webhook")
	}
	h, _ := st.WebhookByID(ctx, hook.ID)
	if h.Cursor != last || h.Failures != 0 {
		t.Errorf("after the delivery: cursor %d, failures %d", h.Cursor, h.Failures)
	}
	log, err := st.WebhookDeliveries(ctx, hook.ID, 10)
	if err != nil || len(log) != 2 {
		t.Fatalf("delivery log: %+v, %v", log, err)
	}
	if l := log[1]; l.Outcome != store.DeliveryFailed || l.HTTPStatus != 500 || l.Attempt != 1 || l.NextAttempt == nil || l.Records != 1 {
		t.Errorf("failed attempt logged as %+v", l)
	}
	if l := log[0]; l.Outcome != store.DeliveryDelivered || l.HTTPStatus != 200 || l.Attempt != 2 || l.ToCursor != last || l.DurationMS > 10000 {
		t.Errorf("delivery logged as %+v", l)
	}
	// Nothing new: no further request.
	if n, _ := d.DeliverDue(ctx); n != 0 || len(rv.deliveries()) != 2 {
		t.Errorf("a pass without changes sent something")
	}

	// A receiver checking with another secret rejects the batch; the signature matters.
	if api.VerifyWebhook("anderes-geheimnis-0123456789", got[1].timestamp, api.SignWebhook(hookSecret, got[1].timestamp, []byte("x")), []byte("x")) {
		t.Error("a signature made with another secret was accepted")
	}
}

// TestWebhookGoesOnlyToTheRegisteredURL: a redirect is not followed; the
// attempt is logged as failed and the other host is never contacted.
func TestWebhookGoesOnlyToTheRegisteredURL(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	st.SetWebhookGuard(netguard.Guard{LoopbackInTests: true})
	var elsewhere int
	var mu sync.Mutex
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		elsewhere++
		mu.Unlock()
	}))
	defer other.Close()
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/gestohlen", http.StatusTemporaryRedirect)
	}))
	defer redirecting.Close()
	head, _ := st.LastEventSeq(ctx)
	hook, err := st.AddWebhook(ctx, "test", redirecting.URL, hookSecret, head)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolutionInput("umleitung", "Umleitung")); err != nil {
		t.Fatal(err)
	}
	d := api.NewWebhookDispatcher(st, nil)
	d.Client = netguard.Guard{LoopbackInTests: true}.Client(10*time.Second, 0)
	if n, err := d.DeliverDue(ctx); err != nil || n != 0 {
		t.Fatalf("delivered %d, %v", n, err)
	}
	mu.Lock()
	if elsewhere != 0 {
		t.Errorf("the redirect target got %d requests", elsewhere)
	}
	mu.Unlock()
	log, _ := st.WebhookDeliveries(ctx, hook.ID, 5)
	if len(log) != 1 || log[0].Outcome != store.DeliveryFailed || log[0].HTTPStatus != http.StatusTemporaryRedirect {
		t.Errorf("log = %+v", log)
	}
	if h, _ := st.WebhookByID(ctx, hook.ID); h.Cursor != head || h.NextAttempt.IsZero() {
		t.Errorf("cursor moved or no retry planned: %+v", h)
	}
}

func TestWebhookRegistrationIsValidated(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	st.SetWebhookGuard(netguard.Guard{LoopbackInTests: true})
	for _, c := range []struct{ url, secret, field string }{
		{"ftp://portal.example.org/hook", hookSecret, "url"},
		{"https://nutzer:passwort@portal.example.org/hook", hookSecret, "url"},
		{"https:///ohne-host", hookSecret, "url"},
		{"https://portal.example.org/hook#anker", hookSecret, "url"},
		{"kein url", hookSecret, "url"},
		{"https://portal.example.org/hook", "kurz", "secret"},
	} {
		_, err := st.AddWebhook(ctx, "test", c.url, c.secret, 0)
		var ve *catalog.ValidationError
		if !errors.As(err, &ve) || ve.Fields[c.field] == "" {
			t.Errorf("AddWebhook(%q, %q) = %v, want a message for %s", c.url, c.secret, err, c.field)
		}
	}
	h, err := st.AddWebhook(ctx, "test", "https://portal.example.org/hook", hookSecret, 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddWebhook(ctx, "test", "https://portal.example.org/hook", hookSecret, 5); !errors.Is(err, catalog.ErrConflict) {
		t.Errorf("second registration of the same URL: %v", err)
	}
	// Registration is in the audit trail, without the secret.
	evs, err := st.EventsFor(ctx, "webhook", feed.AdoptionID(h.ID), 5)
	if err != nil || len(evs) != 1 || strings.Contains(evs[0].Changes, hookSecret) || !strings.Contains(evs[0].Changes, "portal.example.org") {
		t.Errorf("audit events: %+v, %v", evs, err)
	}
	if err := st.RemoveWebhook(ctx, "test", h.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.WebhookByID(ctx, h.ID); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("removed webhook still there: %v", err)
	}
}

// TestWebhookDispatcherRunDelivers runs the dispatcher's loop as serve does
// and waits for the receiver, with a deadline instead of sleeps.
func TestWebhookDispatcherRunDelivers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := storetest.Seeded(t)
	st.SetWebhookGuard(netguard.Guard{LoopbackInTests: true})
	rv := &receiver{secret: hookSecret, received: make(chan struct{}, 1)}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	head, _ := st.LastEventSeq(ctx)
	if _, err := st.AddWebhook(ctx, "test", srv.URL, hookSecret, head); err != nil {
		t.Fatal(err)
	}
	d := api.NewWebhookDispatcher(st, nil)
	d.Client = netguard.Guard{LoopbackInTests: true}.Client(10*time.Second, 0)
	d.Interval = 20 * time.Millisecond
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	if _, err := st.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: "", AdopterKind: catalog.KindLand, AdopterKey: "05"}); err == nil {
		t.Fatal("an invalid adoption was accepted")
	}
	if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolutionInput("lauf", "Lauf")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rv.received:
	case <-time.After(30 * time.Second):
		t.Fatal("no delivery within 30 s")
	}
	cancel()
	<-done
	got := rv.deliveries()
	if len(got) == 0 || !got[0].validSignature || len(got[0].records) != 1 || got[0].records[0].ID != "lauf" {
		t.Errorf("deliveries: %+v", got)
	}
}

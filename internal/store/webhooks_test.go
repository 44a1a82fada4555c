package store_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/netguard"
	"efa-register/internal/store"
)

const testSecret = "0123456789abcdef0123"

// TestAddWebhookRefusesInternalReceivers is the attack of issue 15, row 4:
// these receivers were accepted. Now each is refused with a German message
// on the url field, and nothing is stored.
func TestAddWebhookRefusesInternalReceivers(t *testing.T) {
	ctx := context.Background()
	st := openSeeded(t)
	st.SetWebhookGuard(netguard.Guard{DenyHosts: []string{"efa.example.de"}})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	start := countEvents(t, st)
	for _, raw := range []string{
		srv.URL + "/hook",
		"http://127.0.0.1/hook",
		"http://0.0.0.0/hook",
		"http://[::1]/hook",
		"http://169.254.169.254/latest/meta-data/",
		"http://2130706433/hook",
		"http://127.1/hook",
		"http://localhost:8080/hook",
		"https://efa.example.de/api/v1/webhooks", // the register itself
		"http://10.0.0.5/hook",
		"http://[fd00::1]/hook",
	} {
		_, err := st.AddWebhook(ctx, "test", raw, testSecret, 0)
		var ve *catalog.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Fields["url"], "öffentliche Adressen") {
			t.Errorf("AddWebhook(%q) = %v, want a refusal of the url", raw, err)
		}
	}
	if hooks, _ := st.Webhooks(ctx); len(hooks) != 0 {
		t.Errorf("stored %d webhooks", len(hooks))
	}
	if got := countEvents(t, st); got != start {
		t.Errorf("refusals wrote %d events", got-start)
	}
	if _, err := st.AddWebhook(ctx, "test", "https://portal.example.org/hook", testSecret, 0); err != nil {
		t.Errorf("public receiver: %v", err)
	}
	// The production check without a guard set refuses loopback as well.
	if err := store.ValidateWebhookURL(srv.URL); !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("ValidateWebhookURL(%s) = %v", srv.URL, err)
	}
}

// TestAddWebhookLoopbackInTests: the test opening lets tests register their
// httptest servers (and works only in a test binary).
func TestAddWebhookLoopbackInTests(t *testing.T) {
	st := openSeeded(t)
	st.SetWebhookGuard(netguard.Guard{LoopbackInTests: true})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	if _, err := st.AddWebhook(context.Background(), "test", srv.URL+"/hook", testSecret, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddWebhook(context.Background(), "test", "http://10.0.0.5/hook", testSecret, 0); !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("private receiver with the test opening: %v", err)
	}
}

// TestRecordDeliveryGenericText: the delivery log never keeps the network
// cause of a failure, whatever the dispatcher passes.
func TestRecordDeliveryGenericText(t *testing.T) {
	ctx := context.Background()
	st := openSeeded(t)
	h, err := st.AddWebhook(ctx, "test", "https://portal.example.org/hook", testSecret, 0)
	if err != nil {
		t.Fatal(err)
	}
	next := time.Now().Add(time.Minute)
	for _, d := range []store.WebhookDelivery{
		{Outcome: store.DeliveryFailed, Error: "keine Antwort: dial tcp 10.0.0.5:22: connect: connection refused"},
		{Outcome: store.DeliveryFailed, HTTPStatus: 502, Error: "Antwort 502 statt 2xx from 10.0.0.5"},
		{Outcome: store.DeliveryDelivered, HTTPStatus: 204, Error: "ignored"},
	} {
		d.WebhookID, d.Batch, d.At, d.NextAttempt = h.ID, "b", time.Now(), &next
		if err := st.RecordDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	log, err := st.WebhookDeliveries(ctx, h.ID, 10)
	if err != nil || len(log) != 3 {
		t.Fatalf("log %+v %v", log, err)
	}
	want := []string{"", "Zustellung fehlgeschlagen (Antwort 502 statt 2xx)", store.DeliveryFailureText} // newest first
	for i, d := range log {
		if d.Error != want[i] {
			t.Errorf("log[%d].Error = %q, want %q", i, d.Error, want[i])
		}
	}
}

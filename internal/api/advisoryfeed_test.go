package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"efa-register/internal/api"
	"efa-register/internal/catalog"
	"efa-register/internal/netguard"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// advisoryRecord is an advisory record of the change feed.
type advisoryRecord struct {
	Type, Event, Entity, ID string
	Object                  *advisoryOut
}

// advisoryRecords reads the change feed after cursor with the header pairs
// and returns its advisory records (the page conforms to the OpenAPI document).
func advisoryRecords(t *testing.T, cl *apiClient, after uint64, header ...string) ([]advisoryRecord, *httptest.ResponseRecorder) {
	t.Helper()
	rec := cl.get(fmt.Sprintf("/api/v1/changes?after=%d&limit=1000", after), header...)
	if rec.Code != http.StatusOK {
		t.Fatalf("changes = %d %s", rec.Code, rec.Body.String())
	}
	var page struct{ Changes []advisoryRecord }
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
		t.Fatal(err)
	}
	var out []advisoryRecord
	for _, r := range page.Changes {
		if r.Entity == "advisory" {
			out = append(out, r)
		}
	}
	return out, rec
}

// recordSummary shows records as "event type id title" lines.
func recordSummary(rs []advisoryRecord) string {
	var b strings.Builder
	for _, r := range rs {
		title := ""
		if r.Object != nil {
			title = r.Object.Title
		}
		fmt.Fprintf(&b, "%s %s %s %s\n", r.Event, r.Type, r.ID, title)
	}
	return b.String()
}

// Advisory events in the change feed and the webhooks: publication and
// revision of a public advisory for everyone (advisory.published,
// advisory.updated); a restricted one only for a token of an affected
// organisation, never for anonymous clients, other organisations or
// webhooks; drafts for nobody; a public advisory made restricted becomes a
// tombstone for those who may no longer see it.
func TestAdvisoryEventsInChangeFeedAndWebhooks(t *testing.T) {
	ctx := context.Background()
	env := servertest.NewEnv(t, server.AuthConfig{})
	env.Store.SetWebhookGuard(netguard.Guard{LoopbackInTests: true})
	env.AddUser(t, "koeln", "Köln", store.NewMembership{Kind: catalog.KindGemeinde, Key: "053150000000", Role: catalog.RoleEditor})
	cl := newClient(t, env.App)
	bearer := func(role string) []string { return []string{"Authorization", "Bearer " + env.Token(t, role)} }
	provider, flensburg, koeln := bearer("anbieter"), bearer("redaktion-a"), bearer("koeln")

	rv := &receiver{secret: hookSecret}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	start, _ := env.Store.LastEventSeq(ctx)
	if _, err := env.Store.AddWebhook(ctx, "test", srv.URL, hookSecret, start); err != nil {
		t.Fatal(err)
	}

	create := func(title, distribution, status string) uint {
		t.Helper()
		body := strings.NewReplacer("Anmeldung umgehbar", title, `"restricted"`, `"`+distribution+`"`, `"status":"published"`, `"status":"`+status+`"`).
			Replace(advisoryBody)
		rec := cl.send(http.MethodPost, "/api/v1/solutions/wohngeld-online/advisories", body, provider...)
		var a advisoryOut
		if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &a) != nil {
			t.Fatalf("create %q = %d %s", title, rec.Code, rec.Body.String())
		}
		return a.ID
	}
	restricted := create("Nur für Betroffene", "restricted", "published")
	public := create("Öffentlicher Hinweis", "public", "published")
	create("Entwurf ohne Leser", "public", "draft")
	if rec := cl.send(http.MethodPatch, fmt.Sprintf("/api/v1/advisories/%d", public), `{"fixedVersion":"2.4.3"}`, provider...); rec.Code != http.StatusOK {
		t.Fatalf("revise = %d", rec.Code)
	}

	publicOnly := fmt.Sprintf("advisory.published created %d Öffentlicher Hinweis\nadvisory.updated updated %d Öffentlicher Hinweis\n", public, public)
	both := fmt.Sprintf("advisory.published created %d Nur für Betroffene\n", restricted) + publicOnly
	for name, c := range map[string]struct {
		header []string
		want   string
	}{"anonymous": {nil, publicOnly}, "Köln (not affected)": {koeln, publicOnly}, "Flensburg (affected)": {flensburg, both}, "provider": {provider, both}} {
		got, rec := advisoryRecords(t, cl, start, c.header...)
		if s := recordSummary(got); s != c.want {
			t.Errorf("%s reads\n%s want\n%s", name, s, c.want)
		}
		if private := strings.Contains(rec.Header().Get("Cache-Control"), "private"); private != (c.header != nil) {
			t.Errorf("%s: Cache-Control %q", name, rec.Header().Get("Cache-Control"))
		}
		if strings.Contains(rec.Body.String(), "Entwurf ohne Leser") {
			t.Errorf("%s reads the draft in the change feed", name)
		}
	}

	// The public one goes restricted: a tombstone for those who held it.
	if rec := cl.send(http.MethodPatch, fmt.Sprintf("/api/v1/advisories/%d", public), `{"distribution":"restricted"}`, provider...); rec.Code != http.StatusOK {
		t.Fatalf("restrict = %d", rec.Code)
	}
	got, _ := advisoryRecords(t, cl, start)
	want := fmt.Sprintf("advisory.updated deleted %d \n", public)
	if s := recordSummary(got); s != want {
		t.Errorf("anonymous after the restriction reads\n%s want\n%s", s, want)
	}
	got, _ = advisoryRecords(t, cl, start, flensburg...)
	if n := strings.Count(recordSummary(got), "deleted"); n != 0 || len(got) != 4 {
		t.Errorf("Flensburg after the restriction reads\n%s", recordSummary(got))
	}

	// The webhook receives the anonymous view: the tombstone only.
	d := api.NewWebhookDispatcher(env.Store, nil)
	d.Client = netguard.Guard{LoopbackInTests: true}.Client(10*time.Second, 0)
	if _, err := d.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	var hooked []string
	for _, dl := range rv.deliveries() {
		if strings.Contains(string(dl.raw), "Nur für Betroffene") || strings.Contains(string(dl.raw), "Entwurf ohne Leser") {
			t.Errorf("a webhook delivery carries a restricted advisory or a draft: %s", dl.raw)
		}
		for _, r := range dl.records {
			if r.Entity == "advisory" {
				hooked = append(hooked, r.Type+" "+r.ID)
			}
		}
	}
	if fmt.Sprint(hooked) != fmt.Sprintf("[deleted %d]", public) {
		t.Errorf("webhook advisory records = %v", hooked)
	}
}

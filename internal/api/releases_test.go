package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

func TestReleasesAndTheReleaseAdoptersRun(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	cl := newClient(t, env.App)
	provider := []string{"Authorization", "Bearer " + env.Token(t, "anbieter")}
	const base = "/api/v1/solutions/wohngeld-online/releases"
	head, _ := env.Store.LastEventSeq(ctx)

	if rec := cl.send(http.MethodPost, base, `{"version":"1.0.0","date":"2025-03-01"}`, provider...); rec.Code != http.StatusCreated {
		t.Fatalf("first release = %d: %s", rec.Code, rec.Body.String())
	}
	head = expectOneEvent(t, env.Store, head, "wohngeld-online", catalog.ActionUpdate)
	rec := cl.send(http.MethodPost, base, `{"version":"2.0.0","date":"01.10.2026","notes":"Neue Bescheidvorschau","url":"https://example.org/wohngeld/2.0.0"}`, provider...)
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"date":"2026-10-01"`) {
		t.Fatalf("second release = %d: %s", rec.Code, rec.Body.String())
	}
	expectOneEvent(t, env.Store, head, "wohngeld-online", catalog.ActionUpdate)
	bad := append([]string{"X-Test-Bad-Request", "1"}, provider...)
	for body, ptr := range map[string]string{
		`{"version":"2.0.0","date":"2026-10-02"}`:                             "/version",
		`{"version":"2.1 beta","date":"2026-10-02"}`:                          "/version",
		`{"version":"2.1.0","date":"31.02.2026"}`:                             "/date",
		`{"version":"2.1.0","date":"2026-10"}`:                                "/date",
		`{"version":"2.1.0","date":"2026-10-02","url":"javascript:alert(1)"}`: "/url",
	} {
		rec := cl.send(http.MethodPost, base, body, bad...)
		if rec.Code != http.StatusUnprocessableEntity || decodeProblem(t, rec).pointers()[ptr] == "" {
			t.Errorf("%s = %d, want 422 at %s: %s", body, rec.Code, ptr, rec.Body.String())
		}
	}
	if rec := cl.send(http.MethodPost, base, `{"version":"3.0.0","date":"2026-11-01"}`, "Authorization", "Bearer "+env.Token(t, "koordination-nw")); rec.Code != http.StatusForbidden {
		t.Errorf("release by another Land's token = %d, want 403", rec.Code)
	}

	// Adopters name the release they run.
	idA := env.AdoptionOf(t, "wohngeld-online", servertest.GemeindeA)
	tokA := []string{"Authorization", "Bearer " + env.Token(t, "redaktion-a")}
	rec = cl.send(http.MethodPatch, fmt.Sprintf("/api/v1/adoptions/%d", idA), `{"release":"1.0.0"}`, tokA...)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"release":"1.0.0"`) {
		t.Fatalf("adopter names its release = %d: %s", rec.Code, rec.Body.String())
	}
	rec = cl.send(http.MethodPatch, fmt.Sprintf("/api/v1/adoptions/%d", idA), `{"release":"9.9.9"}`, append([]string{"X-Test-Bad-Request", "1"}, tokA...)...)
	if rec.Code != http.StatusUnprocessableEntity || decodeProblem(t, rec).pointers()["/release"] == "" {
		t.Errorf("unknown release = %d: %s", rec.Code, rec.Body.String())
	}
	// A change of the note alone keeps the release.
	if rec := cl.send(http.MethodPatch, fmt.Sprintf("/api/v1/adoptions/%d", idA), `{"note":"läuft"}`, tokA...); !strings.Contains(rec.Body.String(), `"release":"1.0.0"`) {
		t.Errorf("note change dropped the release: %s", rec.Body.String())
	}
	tokB := []string{"Authorization", "Bearer " + env.Token(t, "redaktion-b")}
	rec = cl.send(http.MethodPost, "/api/v1/adoptions", `{"solution":"wohngeld-online","adopterKind":"gemeinde","adopterKey":"`+servertest.GemeindeB+`","status":"live","release":"2.0.0"}`, tokB...)
	if rec.Code != http.StatusCreated {
		t.Fatalf("adoption with release = %d: %s", rec.Code, rec.Body.String())
	}

	var list struct {
		Current  *string `json:"current"`
		Items    []struct{ Version, Date string }
		Adopters struct{ OnCurrent, OnOlder, Unknown int64 }
	}
	cl.json(base, http.StatusOK, &list)
	if list.Current == nil || *list.Current != "2.0.0" || len(list.Items) != 2 || list.Items[0].Version != "2.0.0" ||
		list.Adopters.OnCurrent != 1 || list.Adopters.OnOlder != 1 {
		raw, _ := json.Marshal(list)
		t.Errorf("releases = %s", raw)
	}
}

// A release is changed and deleted with If-Match, like a solution.
func TestReleasePutAndDeleteWithIfMatch(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	cl := newClient(t, env.App)
	provider := []string{"Authorization", "Bearer " + env.Token(t, "anbieter")}
	const base = "/api/v1/solutions/wohngeld-online/releases"
	if rec := cl.send(http.MethodPost, base, `{"version":"1.0.0","date":"2025-03-01"}`, provider...); rec.Code != http.StatusCreated {
		t.Fatalf("release = %d: %s", rec.Code, rec.Body.String())
	}
	get := cl.send(http.MethodGet, base+"/1.0.0", "")
	tag := get.Header().Get("ETag")
	if get.Code != http.StatusOK || tag == "" || !strings.Contains(get.Body.String(), `"version":"1.0.0"`) {
		t.Fatalf("GET release = %d %q: %s", get.Code, tag, get.Body.String())
	}
	if rec := cl.send(http.MethodGet, base+"/9.9.9", ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET unknown release = %d", rec.Code)
	}
	otherLand := []string{"Authorization", "Bearer " + env.Token(t, "koordination-nw")}
	head, _ := env.Store.LastEventSeq(ctx)
	body := `{"date":"2025-03-02","notes":"Korrigiertes Datum"}`
	// A request without If-Match breaks the document's contract on purpose.
	noIfMatch := append([]string{"X-Test-Bad-Request", "1"}, provider...)
	if rec := cl.send(http.MethodPut, base+"/1.0.0", body, noIfMatch...); rec.Code != http.StatusPreconditionRequired {
		t.Errorf("PUT without If-Match = %d", rec.Code)
	}
	if rec := cl.send(http.MethodPut, base+"/1.0.0", body, append([]string{"If-Match", `"000000000000000000000000"`}, provider...)...); rec.Code != http.StatusPreconditionFailed {
		t.Errorf("PUT with stale If-Match = %d", rec.Code)
	}
	if rec := cl.send(http.MethodPut, base+"/1.0.0", body, append([]string{"If-Match", tag}, otherLand...)...); rec.Code != http.StatusForbidden {
		t.Errorf("PUT by another Land's token = %d, want 403", rec.Code)
	}
	bad := append([]string{"X-Test-Bad-Request", "1", "If-Match", tag}, provider...)
	for b, ptr := range map[string]string{`{"date":"2025-02-30"}`: "/date", `{"version":"2.0.0","date":"2025-03-02"}`: "/version",
		`{"date":"2025-03-02","url":"ftp://x"}`: "/url"} {
		if rec := cl.send(http.MethodPut, base+"/1.0.0", b, bad...); rec.Code != http.StatusUnprocessableEntity || decodeProblem(t, rec).pointers()[ptr] == "" {
			t.Errorf("PUT %s = %d, want 422 at %s: %s", b, rec.Code, ptr, rec.Body.String())
		}
	}
	if head2, _ := env.Store.LastEventSeq(ctx); head2 != head {
		evs, _ := env.Store.Events(ctx, head, 10)
		t.Errorf("refused writes appended %d events: %+v", head2-head, evs)
	}
	rec := cl.send(http.MethodPut, base+"/1.0.0", body, append([]string{"If-Match", tag}, provider...)...)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"date":"2025-03-02"`) || rec.Header().Get("ETag") == tag {
		t.Fatalf("PUT = %d %s: %s", rec.Code, rec.Header().Get("ETag"), rec.Body.String())
	}
	head = expectOneEvent(t, env.Store, head, "wohngeld-online", catalog.ActionUpdate)
	newTag := rec.Header().Get("ETag")
	if got := cl.send(http.MethodGet, base+"/1.0.0", "").Header().Get("ETag"); got != newTag {
		t.Errorf("ETag of PUT %s, of GET %s", newTag, got)
	}
	// The old tag is stale now, for DELETE too.
	if rec := cl.send(http.MethodDelete, base+"/1.0.0", "", append([]string{"If-Match", tag}, provider...)...); rec.Code != http.StatusPreconditionFailed {
		t.Errorf("DELETE with stale If-Match = %d", rec.Code)
	}
	if rec := cl.send(http.MethodDelete, base+"/1.0.0", "", noIfMatch...); rec.Code != http.StatusPreconditionRequired {
		t.Errorf("DELETE without If-Match = %d", rec.Code)
	}
	if rec := cl.send(http.MethodDelete, base+"/1.0.0", "", append([]string{"If-Match", newTag}, provider...)...); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE = %d: %s", rec.Code, rec.Body.String())
	}
	expectOneEvent(t, env.Store, head, "wohngeld-online", catalog.ActionUpdate)
	if rec := cl.send(http.MethodGet, base+"/1.0.0", ""); rec.Code != http.StatusNotFound {
		t.Errorf("deleted release = %d", rec.Code)
	}
}

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

package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gocsaf/csaf/v3/csaf"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

const advisoryBody = `{"title":"Anmeldung umgehbar","summary":"Eine Lücke in der Anmeldung.",
	"cvssVector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","cves":["CVE-2024-3094"],
	"affectedVersions":"< 2.4.1","fixedVersion":"2.4.1","action":"Auf 2.4.1 aktualisieren.",
	"distribution":"restricted","status":"published"}`

type advisoryOut struct {
	ID           uint     `json:"id"`
	Solution     string   `json:"solution"`
	Title        string   `json:"title"`
	CVSSScore    float64  `json:"cvssScore"`
	Severity     string   `json:"severity"`
	CVEs         []string `json:"cves"`
	Distribution string   `json:"distribution"`
	TLP          string   `json:"tlp"`
	Status       string   `json:"status"`
	Revision     int      `json:"revision"`
	FixedVersion string   `json:"fixedVersion"`
}

// The advisory API with the keys of the contract: the provider creates,
// changes and follows the rollout; an affected Gemeinde answers; a token of
// an organisation that is not affected, and anonymous clients, never see a
// restricted advisory; every exchange conforms to the OpenAPI document.
func TestAdvisoryAPI(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	env.AddUser(t, "koeln", "Köln", store.NewMembership{Kind: catalog.KindGemeinde, Key: "053150000000", Role: catalog.RoleEditor})
	cl := newClient(t, env.App)
	bearer := func(role string) []string { return []string{"Authorization", "Bearer " + env.Token(t, role)} }
	provider, flensburg, koeln := bearer("anbieter"), bearer("redaktion-a"), bearer("koeln")

	// Writes: only the provider's editors (and admins).
	for name, h := range map[string][]string{"Gemeinde": flensburg, "other Gemeinde": koeln} {
		if rec := cl.send(http.MethodPost, "/api/v1/solutions/wohngeld-online/advisories", advisoryBody, h...); rec.Code != http.StatusForbidden {
			t.Errorf("%s creates an advisory = %d", name, rec.Code)
		}
	}
	if rec := cl.send(http.MethodPost, "/api/v1/solutions/wohngeld-online/advisories", advisoryBody); rec.Code != http.StatusUnauthorized {
		t.Errorf("anonymous create = %d", rec.Code)
	}
	rec := cl.send(http.MethodPost, "/api/v1/solutions/wohngeld-online/advisories", advisoryBody, provider...)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create = %d %s", rec.Code, rec.Body.String())
	}
	var a advisoryOut
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.Solution != "wohngeld-online" || a.CVSSScore != 9.8 || a.Severity != "CRITICAL" || a.TLP != "AMBER" ||
		a.Status != "published" || a.Revision != 1 || len(a.CVEs) != 1 || rec.Header().Get("Location") != fmt.Sprintf("/api/v1/advisories/%d", a.ID) {
		t.Errorf("created: %+v, Location %q", a, rec.Header().Get("Location"))
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control = %q", cc)
	}
	one := fmt.Sprintf("/api/v1/advisories/%d", a.ID)

	// Bad input: specific problems per field.
	for body, field := range map[string]string{
		strings.Replace(advisoryBody, "AV:N", "AV:Q", 1):           "cvssVector",
		strings.Replace(advisoryBody, "CVE-2024-3094", "CVE-1", 1): "cves",
		strings.Replace(advisoryBody, `"restricted"`, `"tlp"`, 1):  "distribution",
	} {
		rec := cl.send(http.MethodPost, "/api/v1/solutions/wohngeld-online/advisories", body, append(provider, "X-Test-Bad-Request", "1")...)
		var p struct{ Errors map[string]string }
		json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != http.StatusUnprocessableEntity || p.Errors[field] == "" {
			t.Errorf("bad %s = %d %s", field, rec.Code, rec.Body.String())
		}
	}
	if rec := cl.send(http.MethodPost, "/api/v1/solutions/gibt-es-nicht/advisories", advisoryBody, provider...); rec.Code != http.StatusNotFound {
		t.Errorf("unknown solution = %d", rec.Code)
	}

	// Reads: the affected Gemeinde sees it, Köln and anonymous do not.
	for name, h := range map[string][]string{"anonymous": nil, "Köln": koeln} {
		if rec := cl.get(one, h...); rec.Code != http.StatusNotFound {
			t.Errorf("%s reads the restricted advisory = %d", name, rec.Code)
		}
		if rec := cl.get("/api/v1/advisories", h...); strings.Contains(rec.Body.String(), "Anmeldung umgehbar") {
			t.Errorf("%s lists the restricted advisory", name)
		}
	}
	if rec := cl.get(one, flensburg...); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Anmeldung umgehbar") {
		t.Errorf("affected Flensburg reads = %d", rec.Code)
	}
	var list struct {
		Total int
		Items []advisoryOut
	}
	cl.json("/api/v1/advisories?organisation=gemeinde:010010000000&severity=critical", http.StatusOK, &list)
	if list.Total != 0 {
		t.Errorf("anonymous filtered list total = %d", list.Total)
	}
	cl.badParam("/api/v1/advisories?severity=schlimm", "severity")
	cl.badParam("/api/v1/advisories?organisation=gemeinde:0", "organisation")

	// Responses: Flensburg acts, Köln is not affected.
	put := fmt.Sprintf("/api/v1/advisories/%d/responses/gemeinde/010010000000", a.ID)
	if rec := cl.send(http.MethodPut, put, `{"response":"done","doneOn":"2026-12-01","installedVersion":"2.4.1"}`, flensburg...); rec.Code != http.StatusOK {
		t.Fatalf("Flensburg responds = %d %s", rec.Code, rec.Body.String())
	}
	rec = cl.send(http.MethodPut, fmt.Sprintf("/api/v1/advisories/%d/responses/gemeinde/053150000000", a.ID), `{"response":"read"}`,
		append(bearer("koordination-nw"), "X-Test-Bad-Request", "1")...)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "nicht betroffen") {
		t.Errorf("response of a not affected organisation = %d %s", rec.Code, rec.Body.String())
	}
	var ro struct {
		Affected, Acted, NoAnswer int
		Organisations             []struct{ Organisation, Response string }
	}
	rec = cl.get(one+"/rollout", provider...)
	if err := json.Unmarshal(rec.Body.Bytes(), &ro); err != nil || rec.Code != 200 || ro.Acted != 1 || ro.Affected < 2 || ro.NoAnswer != ro.Affected-1 {
		t.Errorf("rollout = %d %+v", rec.Code, ro)
	}
	if rec := cl.get(one+"/rollout", flensburg...); rec.Code != http.StatusForbidden {
		t.Errorf("Gemeinde reads the rollout = %d", rec.Code)
	}

	// PATCH: a change makes revision 2 and status updated.
	rec = cl.send(http.MethodPatch, one, `{"fixedVersion":"2.4.2"}`, provider...)
	var patched advisoryOut
	json.Unmarshal(rec.Body.Bytes(), &patched)
	if rec.Code != http.StatusOK || patched.Revision != 2 || patched.Status != "updated" || patched.FixedVersion != "2.4.2" || patched.Title != a.Title {
		t.Errorf("PATCH = %d %+v", rec.Code, patched)
	}
	if rec := cl.send(http.MethodPatch, one, `{"title":"x"}`, koeln...); rec.Code != http.StatusNotFound {
		t.Errorf("Köln patches the restricted advisory = %d", rec.Code)
	}
	if rec := cl.send(http.MethodPatch, one, `{"title":"x"}`, flensburg...); rec.Code != http.StatusForbidden {
		t.Errorf("affected Gemeinde patches = %d", rec.Code)
	}
}

// CSAF: every advisory as a document valid against the official CSAF 2.0
// schema; the public ones in the CSAF directory, the restricted one only at
// the API for the affected, never in the directory.
func TestAdvisoryCSAF(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	cl := newClient(t, env.App)
	provider := []string{"Authorization", "Bearer " + env.Token(t, "anbieter")}
	flensburg := []string{"Authorization", "Bearer " + env.Token(t, "redaktion-a")}
	create := func(body string) advisoryOut {
		rec := cl.send(http.MethodPost, "/api/v1/solutions/wohngeld-online/advisories", body, provider...)
		var a advisoryOut
		if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &a) != nil {
			t.Fatalf("create = %d %s", rec.Code, rec.Body.String())
		}
		return a
	}
	restricted := create(advisoryBody)
	public := create(strings.Replace(strings.Replace(advisoryBody, `"restricted"`, `"public"`, 1), "Anmeldung umgehbar", "Veraltete Bibliothek", 1))
	if rec := cl.send(http.MethodPatch, fmt.Sprintf("/api/v1/advisories/%d", public.ID), `{"fixedVersion":"2.4.2"}`, provider...); rec.Code != 200 {
		t.Fatalf("patch = %d", rec.Code)
	}
	valid := func(body []byte) map[string]any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%v: %.300s", err, body)
		}
		if problems, err := csaf.ValidateCSAF(m); err != nil || len(problems) > 0 {
			t.Fatalf("CSAF schema: %v %v", err, problems)
		}
		return m
	}
	rec := cl.get(fmt.Sprintf("/api/v1/advisories/%d/csaf", restricted.ID), flensburg...)
	if rec.Code != 200 {
		t.Fatalf("restricted CSAF for the affected = %d", rec.Code)
	}
	doc := valid(rec.Body.Bytes())["document"].(map[string]any)
	if doc["distribution"].(map[string]any)["tlp"].(map[string]any)["label"] != "AMBER" || doc["title"] != restricted.Title {
		t.Errorf("restricted document: %v", doc)
	}
	if rec := cl.get(fmt.Sprintf("/api/v1/advisories/%d/csaf", restricted.ID)); rec.Code != http.StatusNotFound {
		t.Errorf("restricted CSAF for anonymous = %d", rec.Code)
	}
	tr := valid(cl.get(fmt.Sprintf("/api/v1/advisories/%d/csaf", public.ID)).Body.Bytes())["document"].(map[string]any)["tracking"].(map[string]any)
	if tr["version"] != "2" || len(tr["revision_history"].([]any)) != 2 || tr["status"] != "final" {
		t.Errorf("tracking of the changed public advisory: %v", tr)
	}

	// The directory: provider metadata valid, the index names the public document only.
	pmdRec := cl.get("/.well-known/csaf/provider-metadata.json")
	var pmd map[string]any
	if err := json.Unmarshal(pmdRec.Body.Bytes(), &pmd); err != nil || pmdRec.Code != 200 {
		t.Fatalf("provider metadata = %d %v", pmdRec.Code, err)
	}
	if problems, err := csaf.ValidateProviderMetadata(pmd); err != nil || len(problems) > 0 {
		t.Errorf("provider metadata schema: %v %v", err, problems)
	}
	index := cl.get("/.well-known/csaf/white/index.txt").Body.String()
	year := time.Now().UTC().Year()
	want := fmt.Sprintf("%d/efa-sa-%d.json\n", year, public.ID)
	if index != want {
		t.Errorf("index.txt = %q, want %q", index, want)
	}
	if changes := cl.get("/.well-known/csaf/white/changes.csv").Body.String(); !strings.HasPrefix(changes, fmt.Sprintf(`%d/efa-sa-%d.json,`, year, public.ID)) {
		t.Errorf("changes.csv = %q", changes)
	}
	valid(cl.get(fmt.Sprintf("/.well-known/csaf/white/%d/efa-sa-%d.json", year, public.ID)).Body.Bytes())
	for _, path := range []string{fmt.Sprintf("/.well-known/csaf/white/%d/efa-sa-%d.json", year, restricted.ID),
		fmt.Sprintf("/.well-known/csaf/white/%d/efa-sa-%d.json", year-1, public.ID), "/.well-known/csaf/white/2026/irgendwas.json"} {
		if rec := cl.get(path); rec.Code != http.StatusNotFound {
			t.Errorf("%s = %d", path, rec.Code)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/store"
)

// efa import csaf: a vendor's CSAF document becomes a draft advisory of the
// solution; bad documents and unknown solutions are refused by name.
func TestImportCSAFCommand(t *testing.T) {
	e := newImportEnv(t)
	at := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	vendor := catalog.Organisation{Name: "Hersteller GmbH"}
	a := catalog.Advisory{ID: 1, Title: "Lücke in der PDF-Bibliothek", Summary: "Präparierte PDF-Dateien führen Code aus.",
		CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", Action: "Bibliothek auf 4.2 aktualisieren.",
		Distribution: catalog.DistributionPublic, Status: catalog.AdvisoryPublished, Revision: 1, PublishedAt: &at, CreatedAt: at, UpdatedAt: at}
	a.SetCVEs([]string{"CVE-2026-10001"})
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(feed.NewCSAF(a, catalog.Solution{Slug: "pdf-lib", Name: "PDF-Bibliothek", Provider: &vendor},
		[]feed.CSAFRevision{{Number: 1, At: at, Summary: "Erstveröffentlichung"}}, "https://hersteller.example"))
	file := e.file("hersteller.json", string(raw))

	out, _, err := e.run("import", "csaf", file, "--solution", "wohngeld-online")
	if err != nil || !strings.Contains(out, "Entwurf Nr. 1 angelegt: Lücke in der PDF-Bibliothek (hoch") {
		t.Fatalf("import = %v\n%s", err, out)
	}
	st := e.open()
	v, err := st.Advisory(context.Background(), catalog.SystemPrincipal("test"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != catalog.AdvisoryDraft || v.Solution.Slug != "wohngeld-online" || v.CVEs != "CVE-2026-10001" || v.Action != a.Action || v.Summary != a.Summary {
		t.Errorf("draft = %+v", v.Advisory)
	}
	if list, _, _ := st.Advisories(context.Background(), catalog.Principal{}, store.AdvisoryFilter{}); len(list) != 0 {
		t.Errorf("the draft is public: %d", len(list))
	}
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"no solution flag": {[]string{"import", "csaf", file}, "--solution fehlt"},
		"unknown solution": {[]string{"import", "csaf", file, "--solution", "gibt-es-nicht"}, "keine Lösung „gibt-es-nicht“"},
		"not CSAF":         {[]string{"import", "csaf", e.file("x.json", `{"a":1}`), "--solution", "wohngeld-online"}, "CSAF-2.0-Schema"},
	} {
		if _, _, err := e.run(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

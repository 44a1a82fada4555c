package feed_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gocsaf/csaf/v3/csaf"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
)

// checkCSAF validates a document against the official CSAF 2.0 JSON schema
// (embedded in the csaf toolkit) and its own consistency rules.
func checkCSAF(t *testing.T, doc *csaf.Advisory) map[string]any {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	problems, err := csaf.ValidateCSAF(m)
	if err != nil || len(problems) > 0 {
		t.Fatalf("schema: %v %v\n%s", err, problems, raw)
	}
	if err := doc.Validate(); err != nil {
		t.Fatalf("model: %v", err)
	}
	return m
}

func TestCSAFOfAnAdvisory(t *testing.T) {
	provider := catalog.Organisation{Name: "Schleswig-Holstein"}
	sol := catalog.Solution{Slug: "wohngeld-online", Name: "Wohngeld", Provider: &provider}
	pub := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	a := catalog.Advisory{ID: 7, Title: "Sitzungsübernahme", Summary: "Fremde Sitzungen.", CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N",
		AffectedVersions: "bis 3.1", FixedVersion: "3.2", Action: "Auf 3.2 aktualisieren.", Distribution: catalog.DistributionRestricted,
		Status: catalog.AdvisoryUpdated, Revision: 2, PublishedAt: &pub, CreatedAt: pub, UpdatedAt: pub.Add(48 * time.Hour)}
	a.SetCVEs([]string{"CVE-2025-12345", "CVE-2025-23456"})
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	doc := feed.NewCSAF(a, sol, []feed.CSAFRevision{{Number: 1, At: pub, Summary: "Erstveröffentlichung"}, {Number: 2, At: pub.Add(48 * time.Hour), Summary: "behobene Version"}}, "https://efa.example")
	m := checkCSAF(t, doc)
	d := m["document"].(map[string]any)
	tr := d["tracking"].(map[string]any)
	if tr["id"] != "EFA-SA-7" || tr["version"] != "2" || tr["status"] != "final" || len(tr["revision_history"].([]any)) != 2 {
		t.Errorf("tracking = %v", tr)
	}
	if tlp := d["distribution"].(map[string]any)["tlp"].(map[string]any)["label"]; tlp != "AMBER" {
		t.Errorf("TLP = %v", tlp)
	}
	vulns := m["vulnerabilities"].([]any)
	if len(vulns) != 2 || vulns[0].(map[string]any)["cve"] != "CVE-2025-12345" {
		t.Fatalf("vulnerabilities = %v", vulns)
	}
	score := vulns[0].(map[string]any)["scores"].([]any)[0].(map[string]any)["cvss_v3"].(map[string]any)
	if score["baseScore"] != 8.1 || score["baseSeverity"] != "HIGH" {
		t.Errorf("score = %v", score)
	}
	if rem := vulns[0].(map[string]any)["remediations"].([]any)[0].(map[string]any); rem["category"] != "vendor_fix" || rem["details"] != a.Action {
		t.Errorf("remediation = %v", rem)
	}
	if feed.CSAFFileName(7) != "efa-sa-7.json" {
		t.Error(feed.CSAFFileName(7))
	}

	// A public draft without CVE, fixed version or summary is valid too.
	draft := catalog.Advisory{ID: 8, Title: "Entwurf", CVSSVector: "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", Action: "Abwarten.",
		Distribution: catalog.DistributionPublic, Status: catalog.AdvisoryDraft, CreatedAt: pub, UpdatedAt: pub}
	if err := draft.Validate(); err != nil {
		t.Fatal(err)
	}
	m = checkCSAF(t, feed.NewCSAF(draft, sol, nil, "https://efa.example"))
	raw, _ := json.Marshal(m)
	if !strings.Contains(string(raw), `"status":"draft"`) || !strings.Contains(string(raw), `"label":"WHITE"`) {
		t.Errorf("draft document: %s", raw)
	}
}

package feed

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gocsaf/csaf/v3/csaf"

	"efa-register/internal/catalog"
)

// CSAF 2.0 documents of the security advisories (profile
// csaf_security_advisory), built with the model of the BSI community's
// toolkit (github.com/gocsaf/csaf) and checked against the official schema
// it embeds.

// CSAFRevision is one published version of an advisory.
type CSAFRevision struct {
	Number  int
	At      time.Time
	Summary string
}

// CSAFTrackingID is the advisory's id in CSAF documents and file names.
func CSAFTrackingID(id uint) string { return fmt.Sprintf("EFA-SA-%d", id) }

// CSAFFileName is the document's file name as the CSAF directory names it:
// the tracking id in lower case with ".json".
func CSAFFileName(id uint) string { return strings.ToLower(CSAFTrackingID(id)) + ".json" }

// CSAFTLP is the TLP 1.0 label CSAF 2.0 uses for the distribution (TLP:CLEAR is WHITE there).
func CSAFTLP(d catalog.Distribution) csaf.TLPLabel {
	if d == catalog.DistributionRestricted {
		return csaf.TLPLabelAmber
	}
	return csaf.TLPLabelWhite
}

func ptr[T any](v T) *T { return &v }

func csafTime(t time.Time) *string { return ptr(t.UTC().Format(time.RFC3339)) }

// NewCSAF builds the CSAF document of an advisory of the solution. base is
// the register's address (the publisher's namespace and the references);
// revisions are its published versions, oldest first (none for a draft).
func NewCSAF(a catalog.Advisory, sol catalog.Solution, revisions []CSAFRevision, base string) *csaf.Advisory {
	vendor := "EfA-Register"
	if sol.Provider != nil {
		vendor = sol.Provider.Name
	}
	initial := a.CreatedAt
	if a.PublishedAt != nil {
		initial = *a.PublishedAt
	}
	status, version := csaf.CSAFTrackingStatusFinal, strconv.Itoa(a.Revision)
	history := csaf.Revisions{}
	for _, r := range revisions {
		history = append(history, &csaf.Revision{Date: csafTime(r.At), Number: ptr(csaf.RevisionNumber(strconv.Itoa(r.Number))), Summary: ptr(r.Summary)})
	}
	if a.Status == catalog.AdvisoryDraft || len(history) == 0 {
		status, version = csaf.CSAFTrackingStatusDraft, "0"
		history = csaf.Revisions{{Date: csafTime(a.UpdatedAt), Number: ptr(csaf.RevisionNumber("0")), Summary: ptr("Entwurf")}}
	}
	page := base + fmt.Sprintf("/sicherheitshinweise/%d", a.ID)
	doc := &csaf.Document{
		Category:    ptr(csaf.DocumentCategory("csaf_security_advisory")),
		CSAFVersion: ptr(csaf.CSAFVersion20),
		Distribution: &csaf.DocumentDistribution{
			Text: ptr(a.Distribution.Label()),
			TLP:  &csaf.TLP{DocumentTLPLabel: ptr(CSAFTLP(a.Distribution)), URL: ptr("https://www.first.org/tlp/v1/")},
		},
		Lang:      ptr(csaf.Lang("de")),
		Publisher: &csaf.DocumentPublisher{Category: ptr(csaf.CSAFCategoryVendor), Name: ptr(vendor), Namespace: ptr(base)},
		Title:     ptr(a.Title),
		Notes: csaf.Notes{
			{NoteCategory: ptr(csaf.CSAFNoteCategorySummary), Title: ptr("Zusammenfassung"), Text: ptr(nonEmpty(a.Summary, a.Title))},
			{NoteCategory: ptr(csaf.NoteCategory("general")), Title: ptr("Erforderliche Maßnahme für Nachnutzer"), Text: ptr(a.Action)},
		},
		References: csaf.References{{ReferenceCategory: ptr("self"), Summary: ptr("Sicherheitshinweis im EfA-Register"), URL: ptr(page)}},
		Tracking: &csaf.Tracking{
			CurrentReleaseDate: csafTime(a.UpdatedAt),
			Generator:          &csaf.Generator{Engine: &csaf.Engine{Name: ptr("EfA-Register")}},
			ID:                 ptr(csaf.TrackingID(CSAFTrackingID(a.ID))),
			InitialReleaseDate: csafTime(initial),
			RevisionHistory:    history,
			Status:             ptr(status),
			Version:            ptr(csaf.RevisionNumber(version)),
		},
	}
	// The product tree: the solution, the affected versions and the fixed one.
	affectedID := csaf.ProductID("CSAFPID-" + sol.Slug)
	affectedName := sol.Name
	if a.AffectedVersions != "" {
		affectedID, affectedName = affectedID+"-betroffen", sol.Name+" "+a.AffectedVersions
	}
	products := csaf.FullProductNames{{Name: ptr(affectedName), ProductID: ptr(affectedID)}}
	status3 := &csaf.ProductStatus{KnownAffected: &csaf.Products{ptr(affectedID)}}
	if a.FixedVersion != "" {
		fixedID := csaf.ProductID("CSAFPID-" + sol.Slug + "-behoben")
		products = append(products, &csaf.FullProductName{Name: ptr(sol.Name + " " + a.FixedVersion), ProductID: ptr(fixedID)})
		status3.Fixed = &csaf.Products{ptr(fixedID)}
	}
	remediation := csaf.CSAFRemediationCategoryMitigation
	if a.FixedVersion != "" {
		remediation = csaf.CSAFRemediationCategoryVendorFix
	}
	vuln := func(cve string) *csaf.Vulnerability {
		v := &csaf.Vulnerability{
			Title:         ptr(a.Title),
			Notes:         csaf.Notes{{NoteCategory: ptr(csaf.CSAFNoteCategoryDescription), Text: ptr(nonEmpty(a.Summary, a.Title))}},
			ProductStatus: status3,
			Scores: csaf.Scores{{
				CVSS3: &csaf.CVSS3{Version: ptr(csaf.CVSSVersion31), VectorString: ptr(csaf.CVSS3VectorString(a.CVSSVector)),
					BaseScore: ptr(a.CVSSScore), BaseSeverity: ptr(csaf.CVSS3Severity(a.Severity))},
				Products: &csaf.Products{ptr(affectedID)},
			}},
			Remediations: csaf.Remediations{{Category: ptr(remediation), Details: ptr(a.Action), ProductIds: &csaf.Products{ptr(affectedID)}}},
		}
		if cve != "" {
			v.CVE = ptr(csaf.CVE(cve))
		}
		return v
	}
	var vulns csaf.Vulnerabilities
	for _, cve := range a.CVEList() {
		vulns = append(vulns, vuln(cve))
	}
	if len(vulns) == 0 {
		vulns = csaf.Vulnerabilities{vuln("")}
	}
	return &csaf.Advisory{Document: doc, ProductTree: &csaf.ProductTree{FullProductNames: &products}, Vulnerabilities: vulns}
}

func nonEmpty(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

package export

import (
	"strings"

	"efa-register/internal/catalog"
)

// Counts are the adoption counts of one solution.
type Counts struct {
	Total, Live int64
}

// SolutionsTable is the catalogue as a table: one row per solution, with
// the check level of its facts, so a spreadsheet never shows unchecked facts
// as checked. counts and topics are by solution id and Themenfeld id;
// baseURL (may be "") makes the link column absolute.
func SolutionsTable(sols []catalog.Solution, counts map[uint]Counts, topics map[uint]string, baseURL string) Table {
	t := SolutionsSheet()
	for _, s := range sols {
		t.Rows = append(t.Rows, SolutionRow(s, counts, topics, baseURL))
	}
	return t
}

// SolutionsSheet is the name and the columns of SolutionsTable, without rows.
func SolutionsSheet() Table {
	return Table{Name: "Lösungen", Columns: []Column{
		{"Kurzbezeichnung", 24}, {"Name", 40}, {"Kurzbeschreibung", 50}, {"Anbieter", 24}, {"Anbieter (Art:Schlüssel)", 16},
		{"Allianzpartner", 24}, {"Betreiber", 24}, {"Status", 14}, {"Reifegrad", 10}, {"EfA-Mindestanforderungen", 12},
		{"Themenfeld", 24}, {"OZG-IDs", 20}, {"OZG-Leistungen", 50}, {"Bezugsweg", 18}, {"Bezugsadresse", 30}, {"Lizenz", 16},
		{"Quellcode", 30}, {"Kontakt", 24}, {"Nachnutzungen", 12}, {"davon in Betrieb", 12}, {"Prüfstand", 16},
		{"Quelle", 40}, {"Zuletzt geändert", 18}, {"Adresse im Register", 40},
	}}
}

// SolutionRow is the row of one solution in SolutionsTable.
func SolutionRow(s catalog.Solution, counts map[uint]Counts, topics map[uint]string, baseURL string) []any {
	var provider, providerRef any
	if s.Provider != nil {
		provider, providerRef = s.Provider.Name, string(s.Provider.Kind)+":"+s.Provider.Key
	} else if s.ProviderNote != "" {
		provider = s.ProviderNote
	}
	var maturity, efa, topic any
	if s.Maturity != nil {
		maturity = *s.Maturity
	}
	if s.EfAMinimumMet != nil {
		efa = *s.EfAMinimumMet
	}
	if s.TopicFieldID != nil {
		topic = topics[*s.TopicFieldID]
	}
	names := make([]string, len(s.Services))
	for i, sv := range s.Services {
		names[i] = sv.Name
	}
	channel := catalog.AccessChannels[s.AccessChannel]
	c := counts[s.ID]
	return []any{s.Slug, s.Name, s.Summary, provider, providerRef, s.Partners, s.Operator, s.Status.Label(),
		maturity, efa, topic, strings.Join(s.OZGIDs(), ", "), strings.Join(names, "; "), channel, s.AccessURL, s.Licence,
		s.RepositoryURL, s.ContactEmail, c.Total, c.Live, s.Verified.Label(), s.Source, s.UpdatedAt, baseURL + "/loesungen/" + s.Slug}
}

// ConfirmationLabel is the German word for the provider's answer, or
// „vom Anbieter gemeldet“ for a provider's claim.
func ConfirmationLabel(c catalog.Confirmation) string { return c.Label() }

// AdoptionsTable lists adoptions (with Organisation, Solution and its
// Provider loaded): one row per adoption, with the provider's confirmation.
// laender names the Länder by key. Who registered an adoption is left out:
// it names a person's account.
func AdoptionsTable(list []catalog.Adoption, laender map[string]string, baseURL string) Table {
	t := AdoptionsSheet()
	for _, a := range list {
		t.Rows = append(t.Rows, AdoptionRow(a, laender, baseURL))
	}
	return t
}

// AdoptionsSheet is the name and the columns of AdoptionsTable, without rows.
func AdoptionsSheet() Table {
	return Table{Name: "Nachnutzungen", Columns: []Column{
		{"Lösung (Kurzbezeichnung)", 24}, {"Lösung", 40}, {"Anbieter", 24}, {"Nachnutzer", 30}, {"Art", 12},
		{"Schlüssel", 14}, {"AGS", 10}, {"Land", 20}, {"Kreisschlüssel", 10}, {"Status", 18}, {"seit", 10},
		{"Vertragsart", 20}, {"Rückmeldung des Anbieters", 14}, {"Quelle", 30}, {"Notiz", 40},
		{"Organisation stillgelegt", 12}, {"Zuletzt geändert", 18}, {"Adresse der Lösung", 40},
	}}
}

// AdoptionRow is the row of one adoption in AdoptionsTable.
func AdoptionRow(a catalog.Adoption, laender map[string]string, baseURL string) []any {
	var slug, name, provider any
	if a.Solution != nil {
		slug, name = a.Solution.Slug, a.Solution.Name
		if a.Solution.Provider != nil {
			provider = a.Solution.Provider.Name
		}
	}
	var org catalog.Organisation
	if a.Organisation != nil {
		org = *a.Organisation
	}
	landKey := org.LandKey
	if org.Kind == catalog.KindLand {
		landKey = org.Key
	}
	var retired any
	if org.RetiredAt != nil {
		retired = org.RetiredAt.Format("2006-01-02")
	}
	link := ""
	if s, ok := slug.(string); ok {
		link = baseURL + "/loesungen/" + s
	}
	return []any{slug, name, provider, org.Name, org.Kind.Label(), org.Key, org.AGS, laender[landKey],
		org.KreisKey, a.Status.Label(), a.Since, a.ContractType, ConfirmationLabel(a.Confirmation), a.Source, a.Note,
		retired, a.UpdatedAt, link}
}

package export

import (
	"strings"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
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
	return SolutionsTableIn(i18n.DE, sols, counts, topics, baseURL)
}

// SolutionsTableIn is SolutionsTable for a reader of language l: headers
// and labels (status, check level, access channel) in l, data as stored.
func SolutionsTableIn(l i18n.Lang, sols []catalog.Solution, counts map[uint]Counts, topics map[uint]string, baseURL string) Table {
	t := SolutionsSheetIn(l)
	for _, s := range sols {
		t.Rows = append(t.Rows, SolutionRowIn(l, s, counts, topics, baseURL))
	}
	return t
}

// SolutionsSheet is the name and the columns of SolutionsTable, without rows.
func SolutionsSheet() Table { return SolutionsSheetIn(i18n.DE) }

// SolutionsSheetIn is SolutionsSheet with the sheet name and the column
// headers in language l.
func SolutionsSheetIn(l i18n.Lang) Table {
	return Table{Name: l.T("exportcol.sheet_solutions"), Columns: []Column{
		{l.T("exportcol.slug"), 24}, {l.T("exportcol.name"), 40}, {l.T("exportcol.summary"), 50}, {l.T("exportcol.provider"), 24},
		{l.T("exportcol.provider_ref"), 16}, {l.T("exportcol.partners"), 24}, {l.T("exportcol.operator"), 24}, {l.T("exportcol.status"), 14},
		{l.T("exportcol.maturity"), 10}, {l.T("exportcol.efa_minimum"), 12}, {l.T("exportcol.topic_field"), 24}, {l.T("exportcol.ozg_ids"), 20},
		{l.T("exportcol.ozg_services"), 50}, {l.T("exportcol.access_channel"), 18}, {l.T("exportcol.access_url"), 30}, {l.T("exportcol.licence"), 16},
		{l.T("exportcol.repository"), 30}, {l.T("exportcol.contact"), 24}, {l.T("exportcol.adoptions"), 12}, {l.T("exportcol.adoptions_live"), 12},
		{l.T("exportcol.verified"), 16}, {l.T("exportcol.source"), 40}, {l.T("exportcol.updated"), 18}, {l.T("exportcol.register_url"), 40},
	}}
}

// SolutionRow is the row of one solution in SolutionsTable.
func SolutionRow(s catalog.Solution, counts map[uint]Counts, topics map[uint]string, baseURL string) []any {
	return SolutionRowIn(i18n.DE, s, counts, topics, baseURL)
}

// SolutionRowIn is SolutionRow with the labels in language l.
func SolutionRowIn(l i18n.Lang, s catalog.Solution, counts map[uint]Counts, topics map[uint]string, baseURL string) []any {
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
		if l != i18n.DE { // the writers spell a bool ja/nein
			efa = l.T("exportcol.no")
			if *s.EfAMinimumMet {
				efa = l.T("exportcol.yes")
			}
		}
	}
	if s.TopicFieldID != nil {
		topic = topics[*s.TopicFieldID]
	}
	names := make([]string, len(s.Services))
	for i, sv := range s.Services {
		names[i] = sv.Name
	}
	channel := ""
	if _, ok := catalog.AccessChannels[s.AccessChannel]; ok {
		channel = catalog.AccessChannelMsg(s.AccessChannel).In(l)
	}
	c := counts[s.ID]
	return []any{s.Slug, s.Name, s.Summary, provider, providerRef, s.Partners, s.Operator, s.Status.Msg().In(l),
		maturity, efa, topic, strings.Join(s.OZGIDs(), ", "), strings.Join(names, "; "), channel, s.AccessURL, s.Licence,
		s.RepositoryURL, s.ContactEmail, c.Total, c.Live, s.Verified.Msg().In(l), s.Source, s.UpdatedAt, baseURL + "/loesungen/" + s.Slug}
}

// ConfirmationLabel is the German word for the provider's answer, or
// „vom Anbieter gemeldet“ for a provider's claim.
func ConfirmationLabel(c catalog.Confirmation) string { return c.Label() }

// AdoptionsTable lists adoptions (with Organisation, Solution and its
// Provider loaded): one row per adoption, with the provider's confirmation.
// laender names the Länder by key. Who registered an adoption is left out:
// it names a person's account.
func AdoptionsTable(list []catalog.Adoption, laender map[string]string, baseURL string) Table {
	return AdoptionsTableIn(i18n.DE, list, laender, baseURL)
}

// AdoptionsTableIn is AdoptionsTable for a reader of language l.
func AdoptionsTableIn(l i18n.Lang, list []catalog.Adoption, laender map[string]string, baseURL string) Table {
	t := AdoptionsSheetIn(l)
	for _, a := range list {
		t.Rows = append(t.Rows, AdoptionRowIn(l, a, laender, baseURL))
	}
	return t
}

// AdoptionsSheet is the name and the columns of AdoptionsTable, without rows.
func AdoptionsSheet() Table { return AdoptionsSheetIn(i18n.DE) }

// AdoptionsSheetIn is AdoptionsSheet with the sheet name and the column
// headers in language l.
func AdoptionsSheetIn(l i18n.Lang) Table {
	return Table{Name: l.T("exportcol.sheet_adoptions"), Columns: []Column{
		{l.T("exportcol.solution_slug"), 24}, {l.T("exportcol.solution"), 40}, {l.T("exportcol.provider"), 24}, {l.T("exportcol.adopter"), 30},
		{l.T("exportcol.kind"), 12}, {l.T("exportcol.key"), 14}, {l.T("exportcol.ags"), 10}, {l.T("exportcol.land"), 20},
		{l.T("exportcol.kreis_key"), 10}, {l.T("exportcol.status"), 18}, {l.T("exportcol.since"), 10}, {l.T("exportcol.contract_type"), 20},
		{l.T("exportcol.confirmation"), 14}, {l.T("exportcol.source"), 30}, {l.T("exportcol.note"), 40}, {l.T("exportcol.org_retired"), 12},
		{l.T("exportcol.updated"), 18}, {l.T("exportcol.solution_url"), 40},
	}}
}

// AdoptionRow is the row of one adoption in AdoptionsTable.
func AdoptionRow(a catalog.Adoption, laender map[string]string, baseURL string) []any {
	return AdoptionRowIn(i18n.DE, a, laender, baseURL)
}

// AdoptionRowIn is AdoptionRow with the labels in language l.
func AdoptionRowIn(l i18n.Lang, a catalog.Adoption, laender map[string]string, baseURL string) []any {
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
	return []any{slug, name, provider, org.Name, org.Kind.Msg().In(l), org.Key, org.AGS, laender[landKey],
		org.KreisKey, a.Status.Msg().In(l), a.Since, a.ContractType, a.Confirmation.Msg().In(l), a.Source, a.Note,
		retired, a.UpdatedAt, link}
}

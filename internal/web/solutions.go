package web

import (
	"context"
	"errors"
	"strconv"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/publiccode"
	"efa-register/internal/store"
	"efa-register/views"
)

// HandleSolutionShow renders the page of one solution.
func (s *Site) HandleSolutionShow(c echo.Context) error {
	ctx := c.Request().Context()
	slug := c.Param("slug")
	if !catalog.ValidSlug(slug) {
		return catalog.ErrNotFound
	}
	sol, err := s.Store.SolutionBySlug(ctx, slug)
	if err != nil {
		return err
	}
	d, err := s.solutionData(ctx, sol)
	if err != nil {
		return err
	}
	p := httpx.Principal(c)
	if d.Advisories, _, err = s.Store.Advisories(ctx, p, store.AdvisoryFilter{SolutionSlug: slug, OpenOnly: true, Limit: 10}); err != nil {
		return err
	}
	d.CanWriteAdvisory = p.CanWriteAdvisory(sol)
	if err := s.responseMapChoice(c, sol, &d); err != nil {
		return err
	}
	if d.Fits, err = s.memberFits(ctx, p, sol); err != nil {
		return err
	}
	if !p.Anonymous() {
		csrf, _ := c.Get("csrf").(string)
		d.Notice = s.Sessions.PopString(ctx, "notice")
		d.CanEdit = p.CanEditSolution(sol)
		d.Manage = func(a catalog.Adoption) templ.Component {
			return views.AdoptionManage(a, csrf, d.CanEdit, a.Organisation != nil && p.CanEditAdoptionsOf(*a.Organisation))
		}
	}
	return httpx.RenderOK(c, views.SolutionPage(httpx.Page(c, sol.Name, "/loesungen",
		views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"}, views.Crumb{Label: i18n.T(ctx, "nav.solutions"), URL: "/loesungen"}, views.Crumb{Label: sol.Name}), d))
}

// solutionData gathers everything the solution page shows.
func (s *Site) solutionData(ctx context.Context, sol catalog.Solution) (views.SolutionData, error) {
	d := views.SolutionData{S: sol, Profile: profileRows(ctx, sol.StandardsProfile)}
	if sol.TopicFieldID != nil {
		tf, err := s.Store.TopicFieldByID(ctx, *sol.TopicFieldID)
		if err == nil {
			d.TopicField = &tf
		}
	}
	adoptions, err := s.Store.AdoptionsBySolution(ctx, sol.Slug)
	if err != nil {
		return d, err
	}
	d.Adoptions = len(adoptions)
	for _, a := range adoptions {
		if a.Status == catalog.AdoptionLive {
			d.Live++
		}
	}
	laender, err := s.laenderByKey(ctx)
	if err != nil {
		return d, err
	}
	d.Adopters = groupByLand(ctx, adoptions, laender)
	providers := map[string]bool{}
	if sol.Provider != nil && sol.Provider.Kind == catalog.KindLand {
		providers[sol.Provider.Key] = true
	}
	d.MapHeading = i18n.T(ctx, "solution.map_heading")
	d.Map, d.MapTable, err = s.stateMap(ctx, "karte-loesung", i18n.T(ctx, "solution.map_title", "Name", sol.Name),
		i18n.T(ctx, "solution.map_desc"), adoptionStates(providers, adoptions), adoptions)
	if err != nil {
		return d, err
	}
	d.Similar, d.SimilarNote, err = s.similarSolutions(ctx, sol.Slug, 5)
	if err != nil {
		return d, err
	}
	evs, err := s.Store.EventsFor(ctx, catalog.EntitySolution, sol.Slug, 50)
	if err != nil {
		return d, err
	}
	if d.History, err = s.historyEntries(ctx, evs, true); err != nil {
		return d, err
	}
	prov, err := s.Store.Provenance(ctx, catalog.EntitySolution, sol.Slug)
	if err != nil {
		return d, err
	}
	d.Imported, d.Edited = prov.Imported, prov.Edited
	d.Release, err = s.releaseInfo(ctx, sol.Slug)
	d.Publiccode = publiccodeView(ctx, sol)
	return d, err
}

// responseMapChoice offers those who may follow an open advisory's rollout
// (the provider's editors, coordinators, admins) to colour the adoption map
// by the responses (?hinweis=ID), and draws that map when asked.
func (s *Site) responseMapChoice(c echo.Context, sol catalog.Solution, d *views.SolutionData) error {
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	if !p.CanWriteAdvisory(sol) && len(p.Coordinates()) == 0 {
		if c.QueryParam("hinweis") != "" {
			d.MapNotice = i18n.T(ctx, "solution.map_responses_not_allowed")
		}
		return nil
	}
	for _, a := range d.Advisories {
		if len(d.MapChoices) == 0 {
			d.MapChoices = append(d.MapChoices, views.Option{Value: "", Label: i18n.T(ctx, "solution.map_choice_adoption")})
		}
		d.MapChoices = append(d.MapChoices, views.Option{Value: strconv.FormatUint(uint64(a.ID), 10), Label: i18n.T(ctx, "solution.map_choice_responses", "Title", a.Title)})
	}
	raw := c.QueryParam("hinweis")
	if raw == "" {
		return nil
	}
	id, err := strconv.ParseUint(raw, 10, 32)
	var chosen *catalog.Advisory
	for i := range d.Advisories {
		if err == nil && uint64(d.Advisories[i].ID) == id {
			chosen = &d.Advisories[i]
		}
	}
	if chosen == nil {
		d.MapNotice = i18n.T(ctx, "solution.map_no_such_advisory", "Number", raw)
		return nil
	}
	ro, err := s.Store.AdvisoryRollout(ctx, p, chosen.ID)
	if errors.Is(err, catalog.ErrForbidden) || errors.Is(err, catalog.ErrNotFound) {
		d.MapNotice = i18n.T(ctx, "solution.map_advisory_forbidden")
		return nil
	}
	if err != nil {
		return err
	}
	adoptions, err := s.Store.AdoptionsBySolution(ctx, sol.Slug)
	if err != nil {
		return err
	}
	m, t, err := s.rolloutMap(ctx, "karte-loesung", i18n.T(ctx, "solution.map_choice_responses", "Title", chosen.Title),
		i18n.T(ctx, "solution.rollout_map_desc"), adoptions, ro)
	if err != nil {
		return err
	}
	d.Map, d.MapTable, d.MapAdvisory = m, t, raw
	d.MapHeading = i18n.T(ctx, "solution.rollout_map_heading", "Title", chosen.Title)
	return nil
}

// publiccodeView is what the solution page shows of the publiccode.yml:
// the language of the description, the other languages, and the keys the
// standard requires that the export cannot fill.
func publiccodeView(ctx context.Context, sol catalog.Solution) views.PubliccodeView {
	v := views.PubliccodeView{TextLang: "de"}
	meta := sol.Publiccode
	if meta != nil && meta.TextLang != "" {
		v.TextLang = meta.TextLang
		if tag, err := language.Parse(meta.TextLang); err == nil {
			if base, _ := tag.Base(); base.String() != "de" {
				v.TextLangLabel = languageName(ctx, tag)
			}
		}
	}
	if meta != nil {
		for _, d := range meta.Descriptions {
			if d.Lang == v.TextLang {
				continue
			}
			label := d.Lang
			if tag, err := language.Parse(d.Lang); err == nil {
				label = languageName(ctx, tag)
			}
			v.Others = append(v.Others, views.OtherDescription{Label: label, PubliccodeDescription: d})
		}
	}
	for _, g := range publiccode.Gaps(sol) {
		v.Gaps = append(v.Gaps, views.PubliccodeGap{Key: g.Key, Message: g.Text(ctx)})
	}
	return v
}

// languageName is the name of a language in the page's language
// ("Englisch", "Italienisch"; "English", "Italian").
func languageName(ctx context.Context, tag language.Tag) string {
	namer := display.German.Tags()
	if i18n.From(ctx) == i18n.EN {
		namer = display.English.Tags()
	}
	if name := namer.Name(tag); name != "" {
		return name
	}
	return tag.String()
}

// laenderByKey returns the 16 Länder by key.
func (s *Site) laenderByKey(ctx context.Context) (map[string]catalog.Organisation, error) {
	list, err := s.Store.Laender(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]catalog.Organisation, len(list))
	for _, l := range list {
		out[l.Key] = l
	}
	return out, nil
}

// groupByLand groups adoptions (sorted by Land key, as the store returns
// them) under their Land; adopters without a Land (the Bund, IT service
// providers) come last.
func groupByLand(ctx context.Context, adoptions []catalog.Adoption, laender map[string]catalog.Organisation) []views.AdopterGroup {
	var out []views.AdopterGroup
	var other []catalog.Adoption
	idx := map[string]int{}
	for _, a := range adoptions {
		key := ""
		if a.Organisation != nil {
			key = a.Organisation.LandKey
		}
		land, ok := laender[key]
		if !ok {
			other = append(other, a)
			continue
		}
		i, seen := idx[key]
		if !seen {
			i = len(out)
			idx[key] = i
			out = append(out, views.AdopterGroup{Land: views.Link{Label: land.Name, URL: views.LandURL(key)}})
		}
		out[i].Adoptions = append(out[i].Adoptions, a)
	}
	if len(other) > 0 {
		out = append(out, views.AdopterGroup{Land: views.Link{Label: i18n.T(ctx, "solution.adopters_other")}, Adoptions: other})
	}
	return out
}

// solutionItems turns solutions into list items with their adoption counts.
func (s *Site) solutionItems(ctx context.Context, sols []catalog.Solution) ([]views.SolutionItem, error) {
	ids := make([]uint, len(sols))
	for i, sol := range sols {
		ids[i] = sol.ID
	}
	counts, err := s.Store.AdoptionCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]views.SolutionItem, len(sols))
	for i, sol := range sols {
		out[i] = solutionItem(ctx, sol, counts[sol.ID].Total)
	}
	return out, nil
}

func solutionItem(ctx context.Context, sol catalog.Solution, adoptions int64) views.SolutionItem {
	return views.SolutionItem{Slug: sol.Slug, Name: sol.Name, Summary: sol.Summary, Provider: views.ProviderName(ctx, sol),
		Status: sol.Status, Verified: sol.Verified, Maturity: sol.Maturity, Adoptions: adoptions, OZGIDs: sol.OZGIDs()}
}

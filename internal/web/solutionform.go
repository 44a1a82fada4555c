package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/search"
	"efa-register/internal/store"
	"efa-register/views"
)

// solutionFields are the text inputs of the solution form, by form name.
var solutionFields = []string{"name", "slug", "summary", "description", "provider", "partners", "operator", "status", "statusNote",
	"topicField", "maturity", "efaMinimum", "accessChannel", "accessUrl", "licence", "repositoryUrl", "standards", "costs",
	"buildCostEur", "yearlyCostEur", "costSharing", "contactEmail"}

// providerOptions are the organisations the principal may register solutions for.
func (s *Site) providerOptions(ctx context.Context, p catalog.Principal) ([]views.Option, error) {
	var orgs []catalog.Organisation
	if p.Admin {
		bund, err := s.Store.OrganisationByKey(ctx, catalog.KindBund, catalog.BundKey)
		if err != nil {
			return nil, err
		}
		laender, err := s.Store.Laender(ctx)
		if err != nil {
			return nil, err
		}
		orgs = append([]catalog.Organisation{bund}, laender...)
	} else {
		var err error
		if orgs, err = s.actingOrgs(ctx, p); err != nil {
			return nil, err
		}
	}
	out := []views.Option{{Value: "", Label: i18n.T(ctx, "form.please_choose")}}
	for _, o := range orgs {
		if p.CanProvideFor(o) {
			out = append(out, views.Option{Value: orgRef(o), Label: i18n.T(ctx, "adoptionform.org_option", "Name", o.Name, "Kind", o.Kind.L(ctx))})
		}
	}
	return out, nil
}

func (s *Site) topicOptions(ctx context.Context) ([]views.Option, error) {
	tfs, err := s.Store.TopicFields(ctx)
	if err != nil {
		return nil, err
	}
	out := []views.Option{{Value: "", Label: i18n.T(ctx, "solutionform.topic_from_services")}}
	for _, tf := range tfs {
		out = append(out, views.Option{Value: strconv.FormatUint(uint64(tf.ID), 10), Label: tf.Name})
	}
	return out, nil
}

// newSolutionForm prepares the form frame with its select options.
func (s *Site) newSolutionForm(c echo.Context, slug string) (views.SolutionFormData, error) {
	ctx := c.Request().Context()
	d := views.SolutionFormData{Slug: slug, Values: map[string]string{"status": string(catalog.SolutionLive)}, Heading: i18n.T(ctx, "solutionform.heading_new"), Action: "/loesungen/neu"}
	if slug != "" {
		d.Heading, d.Action = i18n.T(ctx, "solutionform.heading_edit"), "/loesungen/"+slug+"/bearbeiten"
	}
	var err error
	if d.Providers, err = s.providerOptions(ctx, httpx.Principal(c)); err != nil {
		return d, err
	}
	d.Topics, err = s.topicOptions(ctx)
	d.Profile = standardGroups()
	return d, err
}

// standardGroups is the vocabulary by dimension, in display order.
func standardGroups() []views.StandardGroup {
	v := store.Vocabulary()
	out := make([]views.StandardGroup, 0, len(catalog.Dimensions))
	for _, dim := range catalog.Dimensions {
		out = append(out, views.StandardGroup{Dimension: dim, Standards: v.InDimension(dim.Key)})
	}
	return out
}

func formatOptInt(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

// solutionValues fills the form from a stored solution.
func solutionValues(sol catalog.Solution) map[string]string {
	v := map[string]string{"name": sol.Name, "slug": sol.Slug, "summary": sol.Summary, "description": sol.Description,
		"partners": sol.Partners, "operator": sol.Operator, "status": string(sol.Status), "statusNote": sol.StatusNote,
		"accessChannel": sol.AccessChannel, "accessUrl": sol.AccessURL, "licence": sol.Licence, "repositoryUrl": sol.RepositoryURL,
		"standards": sol.Standards, "costs": sol.Costs, "buildCostEur": formatOptInt(sol.BuildCostEUR),
		"yearlyCostEur": formatOptInt(sol.YearlyCostEUR), "costSharing": sol.CostSharing, "contactEmail": sol.ContactEmail}
	if sol.Provider != nil {
		v["provider"] = orgRef(*sol.Provider)
	}
	for _, e := range sol.StandardsProfile {
		v["profil-"+e.Standard] = string(e.Mode)
	}
	if sol.TopicFieldID != nil {
		v["topicField"] = strconv.FormatUint(uint64(*sol.TopicFieldID), 10)
	}
	if sol.Maturity != nil {
		v["maturity"] = strconv.Itoa(*sol.Maturity)
	}
	if sol.EfAMinimumMet != nil {
		v["efaMinimum"] = map[bool]string{true: "ja", false: "nein"}[*sol.EfAMinimumMet]
	}
	return v
}

// parseSolutionForm reads the posted form into the form data and a store input.
func parseSolutionForm(c echo.Context, d *views.SolutionFormData) (store.SolutionInput, *catalog.ValidationError) {
	for _, f := range solutionFields {
		d.Values[f] = strings.TrimSpace(c.FormValue(f))
	}
	var v catalog.ValidationError
	val := d.Values
	in := store.SolutionInput{Solution: catalog.Solution{Name: val["name"], Slug: val["slug"], Summary: val["summary"],
		Description: val["description"], Partners: val["partners"], Operator: val["operator"], Status: catalog.SolutionStatus(val["status"]),
		StatusNote: val["statusNote"], AccessChannel: val["accessChannel"], AccessURL: val["accessUrl"], Licence: val["licence"],
		RepositoryURL: val["repositoryUrl"], Standards: val["standards"], Costs: val["costs"], CostSharing: val["costSharing"],
		ContactEmail: val["contactEmail"]}}
	if in.Solution.Slug == "" && d.Slug == "" {
		in.Solution.Slug = catalog.Slugify(in.Solution.Name, 60)
	}
	if kind, key, ok := strings.Cut(val["provider"], ":"); ok {
		in.ProviderKind, in.ProviderKey = catalog.OrgKind(kind), key
	} else {
		v.AddM("provider", i18n.M("solutionform.err_provider"))
	}
	if t := val["topicField"]; t != "" {
		if n, err := strconv.ParseUint(t, 10, 32); err == nil {
			id := uint(n)
			in.Solution.TopicFieldID = &id
		} else {
			v.AddM("topicField", i18n.M("solutionform.err_topic"))
		}
	}
	if m := val["maturity"]; m != "" {
		if n, err := strconv.Atoi(m); err == nil {
			in.Solution.Maturity = &n
		} else {
			v.AddM("maturity", i18n.M("solutionform.err_maturity"))
		}
	}
	switch val["efaMinimum"] {
	case "ja", "nein":
		b := val["efaMinimum"] == "ja"
		in.Solution.EfAMinimumMet = &b
	case "":
	default:
		v.AddM("efaMinimum", i18n.M("solutionform.err_efa_minimum"))
	}
	for field, dst := range map[string]**int64{"buildCostEur": &in.Solution.BuildCostEUR, "yearlyCostEur": &in.Solution.YearlyCostEUR} {
		if t := strings.ReplaceAll(val[field], ".", ""); t != "" {
			n, err := strconv.ParseInt(t, 10, 64)
			if err != nil || n < 0 {
				v.AddM(field, i18n.M("solutionform.err_amount"))
				continue
			}
			*dst = &n
		}
	}
	in.OZGIDs = c.Request().Form["ozg"]
	for _, st := range store.Vocabulary().All() {
		f := "profil-" + st.Key
		d.Values[f] = strings.TrimSpace(c.FormValue(f))
		if m := catalog.ProfileMode(d.Values[f]); m != "" {
			if !m.Valid() {
				v.AddM(f, i18n.M("solutionform.err_profile_mode"))
				continue
			}
			in.Solution.StandardsProfile = append(in.Solution.StandardsProfile, catalog.ProfileEntry{Standard: st.Key, Mode: m})
		}
	}
	// Validate the fields now as well, so every message shows at once.
	check := in.Solution
	check.Verified = catalog.VerifiedNo
	if check.Slug == "" {
		check.Slug = d.Slug
	}
	var ve *catalog.ValidationError
	if errors.As(check.Validate(), &ve) {
		mergeValidation(&v, ve)
	}
	return in, &v
}

// mergeValidation adds the messages of from to v (the first per field wins),
// keeping their catalogue messages so they show in the reader's language.
func mergeValidation(v, from *catalog.ValidationError) {
	keys := make([]string, 0, len(from.Fields))
	for k := range from.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if m, ok := from.Msgs[k]; ok {
			v.AddM(k, m)
		} else {
			v.Add(k, from.Fields[k])
		}
	}
}

// serviceChoices returns the chosen services with names, and the search results for the query.
func (s *Site) serviceChoices(ctx context.Context, chosen []string, query string) (picked, found []views.ServiceChoice) {
	seen := map[string]bool{}
	for _, id := range chosen {
		if seen[id] || !catalog.ValidOZGID(id) {
			continue
		}
		seen[id] = true
		if sv, err := s.Store.ServiceByID(ctx, id); err == nil {
			picked = append(picked, views.ServiceChoice{ID: sv.ID, Name: sv.Name, Checked: true})
		}
	}
	query = strings.TrimSpace(query)
	switch {
	case query == "":
	case catalog.ValidOZGID(query):
		if sv, err := s.Store.ServiceByID(ctx, query); err == nil && !seen[sv.ID] {
			found = append(found, views.ServiceChoice{ID: sv.ID, Name: sv.Name})
		}
	case s.Search != nil:
		hits, err := s.Search.SearchServices(ctx, query, 10)
		if err != nil {
			s.Log.WarnContext(ctx, "service search", "err", err)
		}
		for _, h := range hits {
			if !seen[h.OZGID] {
				found = append(found, views.ServiceChoice{ID: h.OZGID, Name: h.Name})
			}
		}
	}
	return picked, found
}

// draftSimilar finds existing solutions like the draft ("Gibt es schon?").
func (s *Site) draftSimilar(ctx context.Context, name, description string, ozgIDs []string, without string) []views.SolutionItem {
	if s.Search == nil || strings.TrimSpace(name+description) == "" && len(ozgIDs) == 0 {
		return nil
	}
	hits, err := s.Search.SimilarToDraft(ctx, search.Draft{Name: name, Description: description, OZGIDs: ozgIDs}, 6)
	if err != nil {
		s.Log.WarnContext(ctx, "similar to draft", "err", err)
		return nil
	}
	var out []views.SolutionItem
	for _, h := range hits {
		if h.Slug != without && len(out) < 5 {
			out = append(out, views.SolutionItem{Slug: h.Slug, Name: h.Name})
		}
	}
	return out
}

func solutionFormPage(c echo.Context, d views.SolutionFormData) views.Page {
	crumbs := []views.Crumb{{Label: i18n.T(c.Request().Context(), "nav.solutions"), URL: "/loesungen"}}
	if d.Slug != "" {
		crumbs = append(crumbs, views.Crumb{Label: d.Values["name"], URL: "/loesungen/" + d.Slug})
	}
	return httpx.Page(c, d.Heading, "/loesungen", append(crumbs, views.Crumb{Label: d.Heading})...)
}

// HandleSolutionNew shows the empty registration form.
func (s *Site) HandleSolutionNew(c echo.Context) error {
	d, err := s.newSolutionForm(c, "")
	if err != nil {
		return err
	}
	if len(d.Providers) <= 1 {
		return echo.NewHTTPError(http.StatusForbidden, i18n.M("solutionform.err_not_provider"))
	}
	return httpx.RenderOK(c, views.SolutionFormPage(solutionFormPage(c, d), d))
}

// HandleSolutionEdit shows the form with the stored solution.
func (s *Site) HandleSolutionEdit(c echo.Context) error {
	ctx := c.Request().Context()
	sol, err := s.Store.SolutionBySlug(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	if !httpx.Principal(c).CanEditSolution(sol) {
		return fmt.Errorf("edit solution %s: %w", sol.Slug, catalog.ErrForbidden)
	}
	d, err := s.newSolutionForm(c, sol.Slug)
	if err != nil {
		return err
	}
	d.Values = solutionValues(sol)
	d.Services, _ = s.serviceChoices(ctx, sol.OZGIDs(), "")
	d.Similar, d.SimilarChecked = s.draftSimilar(ctx, sol.Name, sol.Description, sol.OZGIDs(), sol.Slug), true
	return httpx.RenderOK(c, views.SolutionFormPage(solutionFormPage(c, d), d))
}

// HandleSolutionSave creates (no slug parameter) or updates a solution, or
// re-renders the form for the service search and the similarity check.
func (s *Site) HandleSolutionSave(c echo.Context) error {
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	slug := c.Param("slug")
	var existing catalog.Solution
	if slug != "" {
		var err error
		if existing, err = s.Store.SolutionBySlug(ctx, slug); err != nil {
			return err
		}
		if !p.CanEditSolution(existing) {
			return fmt.Errorf("edit solution %s: %w", slug, catalog.ErrForbidden)
		}
	}
	d, err := s.newSolutionForm(c, slug)
	if err != nil {
		return err
	}
	if err := c.Request().ParseForm(); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("solutionform.err_form_unreadable"))
	}
	in, v := parseSolutionForm(c, &d)
	d.ServiceQuery = c.FormValue("leistungssuche")
	d.Services, d.Found = s.serviceChoices(ctx, in.OZGIDs, d.ServiceQuery)
	d.Searched = strings.TrimSpace(d.ServiceQuery) != ""
	d.Similar, d.SimilarChecked = s.draftSimilar(ctx, in.Solution.Name, in.Solution.Description, in.OZGIDs, slug), true
	if c.FormValue("aktion") != "speichern" {
		return httpx.RenderOK(c, views.SolutionFormPage(solutionFormPage(c, d), d))
	}
	if v.Err() == nil {
		provider, err := s.Store.OrganisationByKey(ctx, in.ProviderKind, in.ProviderKey)
		if err != nil || !p.CanProvideFor(provider) {
			v.AddM("provider", i18n.M("solutionform.err_own_org_only"))
		}
	}
	if v.Err() == nil {
		var sol catalog.Solution
		if slug == "" {
			in.Solution.Verified, in.Solution.VerifiedNote = catalog.VerifiedPartial, "Selbstauskunft des Anbieters, nicht redaktionell geprüft"
			in.Solution.Source = "Registrierung im EfA-Register"
			sol, err = s.Store.CreateSolution(ctx, p, in)
		} else {
			in.Solution.Verified, in.Solution.VerifiedNote, in.Solution.Source = existing.Verified, existing.VerifiedNote, existing.Source
			in.Solution.KnownAdopters = existing.KnownAdopters
			sol, err = s.Store.UpdateSolution(ctx, p, slug, in)
		}
		var ve *catalog.ValidationError
		switch {
		case errors.As(err, &ve):
			mergeValidation(v, ve)
		case err != nil:
			return err
		default:
			s.flash(c, i18n.T(ctx, "solutionform.flash_saved"))
			return c.Redirect(http.StatusSeeOther, "/loesungen/"+sol.Slug)
		}
	}
	d.Errors = v.In(ctx)
	return httpx.Render(c, http.StatusUnprocessableEntity, views.SolutionFormPage(solutionFormPage(c, d), d), nil)
}

// HandleDraftSimilar answers the live "Gibt es schon?" panel (htmx fragment).
func (s *Site) HandleDraftSimilar(c echo.Context) error {
	q := c.QueryParams()
	name, desc := q.Get("name"), q.Get("description")
	if len(name) > 300 || len(desc) > 10000 || len(q["ozg"]) > 50 {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("solutionform.err_similar_too_long"))
	}
	items := s.draftSimilar(c.Request().Context(), name, desc, q["ozg"], q.Get("ohne"))
	return httpx.Render(c, http.StatusOK, views.SimilarPanel(items, true), nil)
}

// HandleSolutionDelete deletes a solution with its adoptions (provider or admin).
func (s *Site) HandleSolutionDelete(c echo.Context) error {
	ctx := c.Request().Context()
	sol, err := s.Store.SolutionBySlug(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	p := httpx.Principal(c)
	if !p.CanEditSolution(sol) {
		return fmt.Errorf("delete solution %s: %w", sol.Slug, catalog.ErrForbidden)
	}
	if c.FormValue("bestaetigung") != "ja" {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, i18n.M("solutionform.err_confirm_delete"))
	}
	if err := s.Store.DeleteSolution(ctx, p, sol.Slug); err != nil {
		return err
	}
	s.flash(c, i18n.T(ctx, "solutionform.flash_deleted", "Name", sol.Name))
	return c.Redirect(http.StatusSeeOther, "/konto")
}

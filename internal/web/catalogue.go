package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/export"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/search"
	"efa-register/internal/store"
	"efa-register/views"
)

// Catalogue URL parameters (German, they are part of shared links).
const (
	pQuery      = "q"
	pTopic      = "themenfeld"
	pProvider   = "anbieter"
	pStatus     = "status"
	pMaturity   = "reifegrad"
	pAdoptedIn  = "land"
	pOpenSource = "open_source"
	pStandard   = "standard"
	pSort       = "sortierung"
	pPage       = "seite"
	// pSortShown is the sort the page showed as its default when the form
	// was sent. A sort equal to it was not chosen by the user, so a query
	// typed since then switches the list to relevance.
	pSortShown = "sortierung_vorgabe"
)

const (
	cataloguePerPage  = 20
	maxCatalogueQuery = 200
)

// sortParams maps the sort values of the URL to the search index's; label
// is the message id of the option.
var sortParams = []struct{ param, sort, label string }{
	{"relevanz", search.SortRelevance, "catalogue.sort_relevance"},
	{"nachnutzungen", search.SortAdoptions, "catalogue.sort_adoptions"},
	{"name", search.SortName, "catalogue.sort_name"},
	{"aktualisiert", search.SortUpdated, "catalogue.sort_updated"},
}

// catalogueState is the whole state of the catalogue page; it lives in the
// URL so every result list can be shared.
type catalogueState struct {
	Q          string
	Topics     []uint
	Providers  []string
	Statuses   []catalog.SolutionStatus
	Maturities []int
	AdoptedIn  []string
	OpenSource string // "", "ja" or "nein"
	Standards  []string
	Sort       string // URL value; "" means the default
	Page       int
}

// defaultSort is relevance for a text search and the name otherwise.
func (st catalogueState) defaultSort() string {
	if st.Q != "" {
		return "relevanz"
	}
	return "name"
}

// sort is the effective sort as URL value.
func (st catalogueState) sort() string {
	if st.Sort == "" {
		return st.defaultSort()
	}
	return st.Sort
}

// values encodes the state; defaults are left out so equal states have equal URLs.
func (st catalogueState) values() url.Values {
	v := url.Values{}
	if st.Q != "" {
		v.Set(pQuery, st.Q)
	}
	for _, id := range st.Topics {
		v.Add(pTopic, strconv.FormatUint(uint64(id), 10))
	}
	for _, p := range st.Providers {
		v.Add(pProvider, p)
	}
	for _, s := range st.Statuses {
		v.Add(pStatus, string(s))
	}
	for _, m := range st.Maturities {
		v.Add(pMaturity, strconv.Itoa(m))
	}
	for _, l := range st.AdoptedIn {
		v.Add(pAdoptedIn, l)
	}
	if st.OpenSource != "" {
		v.Set(pOpenSource, st.OpenSource)
	}
	for _, k := range st.Standards {
		v.Add(pStandard, k)
	}
	if s := st.sort(); s != st.defaultSort() {
		v.Set(pSort, s)
	}
	if st.Page > 1 {
		v.Set(pPage, strconv.Itoa(st.Page))
	}
	return v
}

// exportQuery is the query string of the hit list's download: the state
// without the page.
func (st catalogueState) exportQuery() string {
	all := st
	all.Page = 1
	return all.values().Encode()
}

// URL is the canonical address of the state.
func (st catalogueState) URL() string {
	if q := st.values().Encode(); q != "" {
		return "/loesungen?" + q
	}
	return "/loesungen"
}

// without returns the state without one filter value, back on page 1.
func (st catalogueState) without(param, value string) catalogueState {
	out := st
	out.Page = 1
	switch param {
	case pTopic:
		out.Topics = slices.DeleteFunc(slices.Clone(st.Topics), func(id uint) bool { return strconv.FormatUint(uint64(id), 10) == value })
	case pProvider:
		out.Providers = slices.DeleteFunc(slices.Clone(st.Providers), func(s string) bool { return s == value })
	case pStatus:
		out.Statuses = slices.DeleteFunc(slices.Clone(st.Statuses), func(s catalog.SolutionStatus) bool { return string(s) == value })
	case pMaturity:
		out.Maturities = slices.DeleteFunc(slices.Clone(st.Maturities), func(m int) bool { return strconv.Itoa(m) == value })
	case pAdoptedIn:
		out.AdoptedIn = slices.DeleteFunc(slices.Clone(st.AdoptedIn), func(s string) bool { return s == value })
	case pOpenSource:
		out.OpenSource = ""
	case pStandard:
		out.Standards = slices.DeleteFunc(slices.Clone(st.Standards), func(s string) bool { return s == value })
	case pQuery:
		out.Q = ""
	}
	return out
}

// query turns the state into a search query.
func (st catalogueState) query() search.Query {
	q := search.Query{Text: st.Q, TopicFieldIDs: st.Topics, ProviderLands: st.Providers, Statuses: st.Statuses,
		Maturities: st.Maturities, AdoptedInLands: st.AdoptedIn, Standards: st.Standards, Page: st.Page, PerPage: cataloguePerPage}
	for _, sp := range sortParams {
		if sp.param == st.sort() {
			q.Sort = sp.sort
		}
	}
	switch st.OpenSource {
	case "ja":
		t := true
		q.OpenSource = &t
	case "nein":
		f := false
		q.OpenSource = &f
	}
	return q
}

// parseCatalogue reads the state from the URL. Values it cannot use are
// dropped and described in the reader's language, naming the parameter.
func parseCatalogue(ctx context.Context, v url.Values, topics map[uint]string) (catalogueState, []string) {
	st := catalogueState{Page: 1}
	var problems []string
	bad := func(param, value string, what i18n.Message) {
		problems = append(problems, i18n.T(ctx, "catalogue.problem_value", "Value", clip(value, 40), "What", what, "Param", param))
	}
	st.Q = strings.Join(strings.Fields(v.Get(pQuery)), " ")
	if utf8.RuneCountInString(st.Q) > maxCatalogueQuery {
		problems = append(problems, i18n.T(ctx, "catalogue.problem_query_long", "Max", maxCatalogueQuery))
		st.Q = string([]rune(st.Q)[:maxCatalogueQuery])
	}
	for _, raw := range distinct(v[pTopic]) {
		id, err := strconv.ParseUint(raw, 10, 32)
		if _, ok := topics[uint(id)]; err != nil || !ok {
			bad(pTopic, raw, i18n.M("catalogue.bad_topic"))
			continue
		}
		st.Topics = append(st.Topics, uint(id))
	}
	for _, raw := range distinct(v[pProvider]) {
		if raw != catalog.BundKey && !catalog.ValidLandKey(raw) {
			bad(pProvider, raw, i18n.M("catalogue.bad_provider"))
			continue
		}
		st.Providers = append(st.Providers, raw)
	}
	for _, raw := range distinct(v[pStatus]) {
		if s := catalog.SolutionStatus(raw); s.Valid() {
			st.Statuses = append(st.Statuses, s)
		} else {
			bad(pStatus, raw, i18n.M("catalogue.bad_status"))
		}
	}
	for _, raw := range distinct(v[pMaturity]) {
		m, err := strconv.Atoi(raw)
		if err != nil || m < 0 || m > 4 {
			bad(pMaturity, raw, i18n.M("catalogue.bad_maturity"))
			continue
		}
		st.Maturities = append(st.Maturities, m)
	}
	for _, raw := range distinct(v[pAdoptedIn]) {
		if !catalog.ValidLandKey(raw) {
			bad(pAdoptedIn, raw, i18n.M("catalogue.bad_land"))
			continue
		}
		st.AdoptedIn = append(st.AdoptedIn, raw)
	}
	switch os := v.Get(pOpenSource); os {
	case "", "ja", "nein":
		st.OpenSource = os
	default:
		bad(pOpenSource, os, i18n.M("catalogue.bad_open_source"))
	}
	for _, raw := range distinct(v[pStandard]) {
		if _, ok := store.Vocabulary().Get(raw); !ok {
			bad(pStandard, raw, i18n.M("catalogue.bad_standard"))
			continue
		}
		st.Standards = append(st.Standards, raw)
	}
	if s := v.Get(pSort); s != "" && s != v.Get(pSortShown) {
		ok := false
		for _, sp := range sortParams {
			ok = ok || sp.param == s
		}
		if ok {
			st.Sort = s
		} else {
			bad(pSort, s, i18n.M("catalogue.bad_sort"))
		}
	}
	if p := v.Get(pPage); p != "" {
		n, err := strconv.Atoi(p)
		switch {
		case err != nil || n < 1:
			bad(pPage, p, i18n.M("catalogue.bad_page"))
		case n*cataloguePerPage > search.MaxWindow:
			problems = append(problems, i18n.T(ctx, "catalogue.problem_window", "Max", search.MaxWindow))
			st.Page = search.MaxWindow / cataloguePerPage
		default:
			st.Page = n
		}
	}
	return st, problems
}

// distinct drops empty and repeated values and splits comma lists.
func distinct(values []string) []string {
	var out []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part != "" && !slices.Contains(out, part) {
				out = append(out, part)
			}
		}
	}
	return out
}

// facetParams maps the search facets to URL parameters and legends
// (message ids; dim is the dimension of a standards facet).
var facetParams = []struct{ key, param, legend, dim string }{
	{search.FacetTopicField, pTopic, "catalogue.facet_topic", ""},
	{search.FacetProvider, pProvider, "catalogue.facet_provider", ""},
	{search.FacetStatus, pStatus, "catalogue.facet_status", ""},
	{search.FacetMaturity, pMaturity, "catalogue.facet_maturity", ""},
	{search.FacetAdoptedIn, pAdoptedIn, "catalogue.facet_adopted_in", ""},
	{search.FacetOpenSource, pOpenSource, "catalogue.facet_licence", ""},
}

func init() {
	// One facet per dimension of the standards profile, all under the URL parameter "standard".
	for _, d := range catalog.Dimensions {
		facetParams = append(facetParams, struct{ key, param, legend, dim string }{search.FacetStandardPrefix + d.Key, pStandard, "catalogue.facet_standard", d.Key})
	}
}

// facetLegend is the legend of a facet in the reader's language.
func facetLegend(ctx context.Context, legend, dim string) string {
	if dim == "" {
		return i18n.T(ctx, legend)
	}
	name := dim
	if d, ok := catalog.DimensionByKey(dim); ok {
		name = d.L(ctx)
	}
	return i18n.T(ctx, legend, "Dimension", name)
}

// facetValueLabel is the label of a facet value in the reader's language
// and whether it is register data (German names of Themenfelder and standards).
func facetValueLabel(ctx context.Context, key string, fv search.FacetValue) (string, bool) {
	switch key {
	case search.FacetTopicField:
		return fv.Label, true
	case search.FacetProvider, search.FacetAdoptedIn:
		// The Bund's name is German register data; the Länder's are proper names.
		return fv.Label, fv.Value == catalog.BundKey
	case search.FacetStatus:
		return catalog.SolutionStatus(fv.Value).L(ctx), false
	case search.FacetMaturity:
		if m, err := strconv.Atoi(fv.Value); err == nil {
			return views.MaturityLabel(ctx, &m), false
		}
	case search.FacetOpenSource:
		if fv.Value == "true" {
			return i18n.T(ctx, "catalogue.facet_open_source"), false
		}
		return i18n.T(ctx, "catalogue.facet_no_open_source"), false
	}
	return fv.Label, strings.HasPrefix(key, search.FacetStandardPrefix)
}

// openSourceParam maps the index's open-source facet values to the URL's.
func openSourceParam(v string) string {
	if v == "true" {
		return "ja"
	}
	return "nein"
}

// HandleCatalogue renders the solution catalogue: search, facets with
// counts, filter chips, sort and pagination. htmx requests get the result
// region only, and the canonical URL to push into the history.
func (s *Site) HandleCatalogue(c echo.Context) error {
	if s.Search == nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, i18n.M("catalogue.search_unavailable"))
	}
	ctx := c.Request().Context()
	topics, err := s.Store.TopicFields(ctx)
	if err != nil {
		return err
	}
	topicNames := map[uint]string{}
	for _, t := range topics {
		topicNames[t.ID] = t.Name
	}
	st, problems := parseCatalogue(ctx, c.QueryParams(), topicNames)
	// The same state gives the same result until the index applies the next event.
	find := func(st catalogueState) (search.Result, error) {
		return searchCached(ctx, s, "catalogue:"+st.URL(), func() (search.Result, error) { return s.Search.SearchSolutions(ctx, st.query()) })
	}
	res, err := find(st)
	var ve *catalog.ValidationError
	if errors.As(err, &ve) {
		fields := ve.In(ctx)
		for _, field := range sortedKeys(fields) {
			problems = append(problems, fields[field])
		}
		st.Page = 1
		res, err = find(st)
	}
	if err != nil {
		return err
	}
	pages := (res.Total + cataloguePerPage - 1) / cataloguePerPage
	if res.Total > 0 && st.Page > pages {
		problems = append(problems, i18n.T(ctx, "catalogue.problem_no_page", "Page", strconv.Itoa(st.Page), "Pages", strconv.Itoa(pages)))
		st.Page = pages
		if res, err = find(st); err != nil {
			return err
		}
	}
	d := views.CatalogueData{Q: st.Q, Sort: st.sort(), Total: res.Total, Relaxed: res.Relaxed, Problems: problems,
		ClearURL: "/loesungen", URL: st.URL(), HitsCSV: "/loesungen.csv", HitsXLSX: "/loesungen.xlsx",
		// The sort control is refreshed with the results, except when it sent the request itself (it keeps the focus then).
		SortOOB: c.Request().Header.Get("HX-Trigger") != "katalog-sortierung"}
	if q := st.exportQuery(); q != "" {
		d.HitsCSV += "?" + q
		d.HitsXLSX += "?" + q
	}
	if st.Sort == "" {
		// The sort shown is the default, not the user's choice: a query typed next switches it.
		d.SortShown = st.sort()
	}
	for _, sp := range sortParams {
		d.SortOptions = append(d.SortOptions, views.SortOption{Value: sp.param, Label: i18n.T(ctx, sp.label)})
	}
	if st.Q != "" {
		d.Chips = append(d.Chips, views.Chip{Label: i18n.T(ctx, "catalogue.chip_query", "Query", st.Q), URL: st.without(pQuery, "").URL()})
	}
	for _, fp := range facetParams {
		legend := facetLegend(ctx, fp.legend, fp.dim)
		g := views.FacetGroup{Param: fp.param, Legend: legend, Radio: fp.key == search.FacetOpenSource}
		for _, fv := range res.Facets[fp.key] {
			value := fv.Value
			if g.Radio {
				value = openSourceParam(fv.Value)
			}
			if fv.Count == 0 && !fv.Selected {
				continue
			}
			label, data := facetValueLabel(ctx, fp.key, fv)
			g.Options = append(g.Options, views.FacetOption{ID: "f-" + fp.param + "-" + value, Value: value, Label: label,
				Count: fv.Count, Selected: fv.Selected, Data: data})
			if fv.Selected {
				d.Chips = append(d.Chips, views.Chip{Label: i18n.T(ctx, "catalogue.chip", "Facet", legend, "Value", label), URL: st.without(fp.param, value).URL()})
			}
		}
		if len(g.Options) == 0 && strings.HasPrefix(fp.key, search.FacetStandardPrefix) {
			// A dimension no solution of the result uses: nothing to filter by.
			continue
		}
		d.Facets = append(d.Facets, g)
	}
	snippets := map[string]string{}
	slugs := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		slugs[i] = h.Slug
		snippets[h.Slug] = h.Snippet
	}
	if d.Items, err = s.itemsBySlugs(ctx, slugs, snippets); err != nil {
		return err
	}
	if res.Total == 0 && st.Q != "" {
		if d.ServiceHints, err = s.serviceHints(ctx, st.Q); err != nil {
			return err
		}
	}
	d.Pager = views.Pager{Page: st.Page, Pages: pages, HX: true, URL: func(p int) string {
		next := st
		next.Page = p
		return next.URL()
	}}
	status := http.StatusOK
	if httpx.IsHTMX(c) {
		// htmx swaps only 2xx answers; the notice is in the fragment either way.
		c.Response().Header().Set("HX-Push-Url", d.URL)
	} else if len(problems) > 0 {
		status = http.StatusBadRequest
	}
	title := i18n.T(ctx, "nav.solutions")
	if st.Q != "" {
		title = i18n.T(ctx, "catalogue.title_query", "Query", clip(st.Q, 60))
	}
	return httpx.Render(c, status, views.CataloguePage(httpx.Page(c, title, "/loesungen",
		views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"}, views.Crumb{Label: i18n.T(ctx, "nav.solutions")}), d), views.CatalogueResults(d, true))
}

// serviceHintLimit is how many OZG-Leistungen a search without hits suggests.
const serviceHintLimit = 5

// serviceHints finds the OZG-Leistungen matching a text (their names and
// LeiKa names, e.g. "Hundesteuer" finds "Hundehaltung") with their number of
// solutions, for a search that found no solution.
func (s *Site) serviceHints(ctx context.Context, text string) ([]views.ServiceHint, error) {
	hits, err := s.Search.SearchServices(ctx, text, serviceHintLimit)
	if err != nil {
		return nil, err
	}
	var out []views.ServiceHint
	for _, h := range hits {
		sols, err := s.Store.SolutionsByService(ctx, h.OZGID)
		if err != nil {
			return nil, err
		}
		out = append(out, views.ServiceHint{OZGID: h.OZGID, Name: h.Name, Solutions: len(sols)})
	}
	return out, nil
}

// exportBatch is how many solutions a download reads at a time.
const exportBatch = 500

// HandleCatalogueExport answers GET /loesungen.csv and /loesungen.xlsx: the
// hits of a catalogue search (same parameters as /loesungen) in the order of
// the list, with the columns of the whole catalogue's export, at most
// search.MaxWindow rows.
func (s *Site) HandleCatalogueExport(c echo.Context) error {
	if s.Search == nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, i18n.M("catalogue.search_unavailable"))
	}
	ctx := c.Request().Context()
	topics, err := s.Store.TopicFields(ctx)
	if err != nil {
		return err
	}
	topicNames := map[uint]string{}
	for _, t := range topics {
		topicNames[t.ID] = t.Name
	}
	st, problems := parseCatalogue(ctx, c.QueryParams(), topicNames)
	if len(problems) > 0 {
		return echo.NewHTTPError(http.StatusBadRequest, strings.Join(problems, " "))
	}
	res, err := s.Search.AllSolutions(ctx, st.query())
	if err != nil {
		return err
	}
	slugs := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		slugs[i] = h.Slug
	}
	// The rows are read and written a batch at a time: the whole catalogue
	// (50,000 solutions) never sits in memory.
	l := i18n.From(ctx)
	baseURL := httpx.BaseURL(c, s.PublicURL)
	t := export.SolutionsSheetIn(l)
	t.Name = i18n.T(ctx, "catalogue.export_sheet")
	t.StreamLen = int64(len(slugs))
	t.Stream = func(emit func([]any) error) error {
		for batch := range slices.Chunk(slugs, exportBatch) {
			found, err := s.Store.SolutionsBySlugs(ctx, batch)
			if err != nil {
				return err
			}
			ids := make([]uint, 0, len(found))
			for _, sol := range found {
				ids = append(ids, sol.ID)
			}
			counts, err := s.Store.AdoptionCounts(ctx, ids)
			if err != nil {
				return err
			}
			for _, slug := range batch {
				// A solution deleted since the index was read is left out.
				if sol, ok := found[slug]; ok {
					if err := emit(export.SolutionRowIn(l, sol, counts, topicNames, baseURL)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	format := httpx.ExportFormat(c)
	if !httpx.IsHead(c) {
		release, err := s.Exports.Acquire(format)
		if err != nil {
			c.Response().Header().Set("Retry-After", httpx.ExportRetryAfter)
			if errors.Is(err, httpx.ErrXLSXBusy) {
				return echo.NewHTTPError(http.StatusTooManyRequests, i18n.M("catalogue.export_xlsx_busy", "Seconds", httpx.ExportRetryAfter))
			}
			return echo.NewHTTPError(http.StatusTooManyRequests, i18n.M("catalogue.export_busy", "Count", s.Exports.Slots(), "Seconds", httpx.ExportRetryAfter))
		}
		defer release()
	}
	return httpx.SendTable(c, t, "efa-trefferliste-"+httpx.Stamp(), format)
}

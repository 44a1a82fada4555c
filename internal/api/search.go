package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
	"efa-register/internal/search"
	"efa-register/internal/store"
)

// maxQueryLength bounds the search text in characters.
const maxQueryLength = 500

// listParam returns the values of a repeatable parameter; comma-separated
// values count as several ("provider=05,06" equals "provider=05&provider=06").
func listParam(v url.Values, name string) []string {
	var out []string
	for _, raw := range v[name] {
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// intParam parses an optional integer parameter within [lo, hi].
func intParam(v url.Values, name string, def, lo, hi int) (int, *paramError) {
	raw := strings.TrimSpace(v.Get(name))
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, newParamError(name, i18n.M("apierr.param_int_range", "Lo", lo, "Hi", hi))
	}
	return n, nil
}

// parseSearchQuery reads the search parameters shared by /api/v1/search and
// /api/v1/solutions: q, topicField, provider, status, maturity, adoptedIn,
// openSource, standard, sort, page and limit. Repeatable filters may be given several
// times or comma-separated.
func parseSearchQuery(c echo.Context) (search.Query, *paramError) {
	v := c.QueryParams()
	var q search.Query
	q.Text = strings.TrimSpace(v.Get("q"))
	if !utf8.ValidString(q.Text) || utf8.RuneCountInString(q.Text) > maxQueryLength {
		return q, newParamError("q", i18n.M("apierr.param_q", "Max", maxQueryLength))
	}
	for _, s := range listParam(v, "topicField") {
		id, err := strconv.ParseUint(s, 10, 32)
		if err != nil || id == 0 || id > 1000 {
			return q, newParamError("topicField", i18n.M("apierr.param_topic_field", "Value", s))
		}
		q.TopicFieldIDs = append(q.TopicFieldIDs, uint(id))
	}
	for _, s := range listParam(v, "provider") {
		if s != catalog.BundKey && !catalog.ValidLandKey(s) {
			return q, newParamError("provider", i18n.M("apierr.param_provider_land", "Value", s))
		}
		q.ProviderLands = append(q.ProviderLands, s)
	}
	for _, s := range listParam(v, "status") {
		st := catalog.SolutionStatus(s)
		if !st.Valid() {
			return q, newParamError("status", i18n.M("apierr.param_status", "Value", s))
		}
		q.Statuses = append(q.Statuses, st)
	}
	for _, s := range listParam(v, "maturity") {
		m, err := strconv.Atoi(s)
		if err != nil || m < 0 || m > 4 {
			return q, newParamError("maturity", i18n.M("apierr.param_maturity", "Value", s))
		}
		q.Maturities = append(q.Maturities, m)
	}
	for _, s := range listParam(v, "adoptedIn") {
		if !catalog.ValidLandKey(s) {
			return q, newParamError("adoptedIn", i18n.M("apierr.param_adopted_in", "Value", s))
		}
		q.AdoptedInLands = append(q.AdoptedInLands, s)
	}
	for _, s := range listParam(v, "standard") {
		if _, ok := store.Vocabulary().Get(s); !ok {
			return q, newParamError("standard", i18n.M("apierr.param_standard", "Value", s))
		}
		q.Standards = append(q.Standards, s)
	}
	if raw := strings.TrimSpace(v.Get("openSource")); raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return q, newParamError("openSource", i18n.M("apierr.param_bool"))
		}
		q.OpenSource = &b
	}
	switch s := strings.TrimSpace(v.Get("sort")); s {
	case "", search.SortRelevance, search.SortAdoptions, search.SortName, search.SortUpdated:
		q.Sort = s
	default:
		return q, newParamError("sort", i18n.M("apierr.param_sort"))
	}
	var perr *paramError
	if q.PerPage, perr = intParam(v, "limit", search.DefaultPerPage, 1, search.MaxPerPage); perr != nil {
		return q, perr
	}
	if q.Page, perr = intParam(v, "page", 1, 1, search.MaxWindow); perr != nil {
		return q, perr
	}
	if q.Page*q.PerPage > search.MaxWindow {
		return q, newParamError("page", i18n.M("apierr.param_page_window", "Max", search.MaxWindow))
	}
	return q, nil
}

// apiSearchHit is one hit of GET /api/v1/search.
type apiSearchHit struct {
	Type       string              `json:"type"`
	ID         string              `json:"id"`
	Name       string              `json:"name"`
	Score      float64             `json:"score"`
	Highlights map[string][]string `json:"highlights"`
}

// apiFacetValue is one facet value of GET /api/v1/search.
type apiFacetValue struct {
	Value    string `json:"value"`
	Label    string `json:"label"`
	Count    int    `json:"count"`
	Selected bool   `json:"selected"`
}

// apiSearchResult is the body of GET /api/v1/search.
type apiSearchResult struct {
	Total int            `json:"total"`
	Page  int            `json:"page"`
	Limit int            `json:"limit"`
	Hits  []apiSearchHit `json:"hits"`
	// Facets are the solution facets: topicField, provider, status, maturity, adoptedIn, openSource
	// and one per standards dimension (standard-transport, standard-xoev, …, standard-operation).
	Facets map[string][]apiFacetValue `json:"facets"`
	// Relaxed is true when no hit matched every word and hits match some of them.
	Relaxed bool `json:"relaxed"`
}

func apiFacets(f map[string][]search.FacetValue) map[string][]apiFacetValue {
	out := make(map[string][]apiFacetValue, len(search.FacetKeys))
	for _, k := range search.FacetKeys {
		vals := make([]apiFacetValue, 0, len(f[k]))
		for _, v := range f[k] {
			vals = append(vals, apiFacetValue{Value: v.Value, Label: v.Label, Count: v.Count, Selected: v.Selected})
		}
		out[k] = vals
	}
	return out
}

func highlightsOrEmpty(h map[string][]string) map[string][]string {
	if h == nil {
		return map[string][]string{}
	}
	return h
}

// searchUnavailable answers when the server runs without a search index.
func searchUnavailable() error {
	return echo.NewHTTPError(http.StatusServiceUnavailable, i18n.M("apierr.search_unavailable"))
}

// HandleSearch answers GET /api/v1/search: solutions and OZG-Leistungen
// by text with facet filters. type=solution or type=service restricts the
// kind; without type both are merged by score (OZG-Leistungen only when no
// solution-only filter or sort is set).
func (s *API) HandleSearch(c echo.Context) error {
	if s.Search == nil {
		return searchUnavailable()
	}
	q, perr := parseSearchQuery(c)
	if perr != nil {
		return writeParamProblem(c, perr)
	}
	ctx := c.Request().Context()
	out := apiSearchResult{Page: q.Page, Limit: q.PerPage, Hits: []apiSearchHit{}}
	switch typ := strings.TrimSpace(c.QueryParam("type")); typ {
	case search.TypeSolution:
		res, err := s.Search.SearchSolutions(ctx, q)
		if err != nil {
			return err
		}
		out.Total, out.Facets, out.Relaxed = res.Total, apiFacets(res.Facets), res.Relaxed
		for _, h := range res.Hits {
			out.Hits = append(out.Hits, apiSearchHit{Type: search.TypeSolution, ID: h.Slug, Name: h.Name, Score: h.Score, Highlights: highlightsOrEmpty(h.Highlights)})
		}
	case search.TypeService:
		if !q.ServicesApply() {
			return writeParamProblem(c, newParamError("type", i18n.M("apierr.param_type_services")))
		}
		res, err := s.Search.SearchServicesPage(ctx, search.ServiceQuery{Text: q.Text, TopicFieldIDs: q.TopicFieldIDs, Sort: q.Sort, Page: q.Page, PerPage: q.PerPage})
		if err != nil {
			return err
		}
		out.Total, out.Facets = res.Total, apiFacets(nil)
		for _, h := range res.Hits {
			out.Hits = append(out.Hits, apiSearchHit{Type: search.TypeService, ID: h.OZGID, Name: h.Name, Score: h.Score, Highlights: highlightsOrEmpty(h.Highlights)})
		}
	case "":
		res, err := s.Search.SearchAll(ctx, q)
		if err != nil {
			return err
		}
		out.Total, out.Facets, out.Relaxed = res.Total, apiFacets(res.Facets), res.Relaxed
		for _, h := range res.Hits {
			out.Hits = append(out.Hits, apiSearchHit{Type: h.Type, ID: h.ID, Name: h.Name, Score: h.Score, Highlights: highlightsOrEmpty(h.Highlights)})
		}
	default:
		return writeParamProblem(c, newParamError("type", i18n.M("apierr.param_type")))
	}
	return c.JSON(http.StatusOK, out)
}

// apiOrgHit is one organisation of GET /api/v1/organisations/lookup.
type apiOrgHit struct {
	Kind       catalog.OrgKind `json:"kind"`
	Key        string          `json:"key"`
	Name       string          `json:"name"`
	LandKey    string          `json:"landKey,omitempty"`
	LandName   string          `json:"landName,omitempty"`
	AGS        string          `json:"ags,omitempty"`
	ARS        string          `json:"ars,omitempty"`
	Postcode   string          `json:"postcode,omitempty"`
	Population int64           `json:"population"`
	URN        string          `json:"urn,omitempty"`
}

// HandleOrgLookup answers GET /api/v1/organisations/lookup?q=…&limit=…
// for type-ahead: Länder, Kreise and Gemeinden by name prefix
// (umlaut-insensitive), AGS, ARS or postcode.
func (s *API) HandleOrgLookup(c echo.Context) error {
	if s.Search == nil {
		return searchUnavailable()
	}
	v := c.QueryParams()
	q := strings.TrimSpace(v.Get("q"))
	if q == "" || !utf8.ValidString(q) || utf8.RuneCountInString(q) > 100 {
		return writeParamProblem(c, newParamError("q", i18n.M("apierr.param_q_place")))
	}
	limit, perr := intParam(v, "limit", 10, 1, 50)
	if perr != nil {
		return writeParamProblem(c, perr)
	}
	hits, err := s.Search.LookupOrganisations(c.Request().Context(), q, limit)
	if err != nil {
		return err
	}
	out := struct {
		Hits []apiOrgHit `json:"hits"`
	}{Hits: make([]apiOrgHit, 0, len(hits))}
	for _, h := range hits {
		o := catalog.Organisation{Kind: h.Kind, Key: h.Key, ARS: h.ARS}
		out.Hits = append(out.Hits, apiOrgHit{Kind: h.Kind, Key: h.Key, Name: h.Name, LandKey: h.LandKey, LandName: h.LandName,
			AGS: h.AGS, ARS: h.ARS, Postcode: h.Postcode, Population: h.Population, URN: o.URN()})
	}
	return c.JSON(http.StatusOK, out)
}

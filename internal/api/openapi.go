package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/views"
)

// OpenAPI is the hand-written OpenAPI 3.1 document of the API. The API tests
// validate every request and answer they make against it, so it cannot drift
// from the code.
//
//go:embed openapi.json
var OpenAPI []byte

// HandleOpenAPI serves the document: GET /api/v1/openapi.json.
func (s *API) HandleOpenAPI(c echo.Context) error {
	s.api.openapiMu.Lock()
	if s.api.openapi == nil {
		s.api.openapi = newCachedBody(mimeJSON, OpenAPI, time.Time{})
	}
	cb := s.api.openapi
	s.api.openapiMu.Unlock()
	return serveCached(c, cb, cacheDocument)
}

// apiGroups are the sections of the API page, by OpenAPI tag.
var apiGroups = []struct{ tag, id, title string }{
	{"mirror", "spiegeln", "apiguide.group_mirror"},
	{"solutions", "loesungen", "apiguide.group_solutions"},
	{"catalogue", "katalog", "apiguide.group_catalogue"},
	{"organisations", "organisationen", "apiguide.group_organisations"},
	{"statistics", "kennzahlen", "apiguide.group_statistics"},
	{"search", "suche", "apiguide.group_search"},
	{"feeds", "feeds", "apiguide.group_feeds"},
	{"insights", "auswertungen", "apiguide.group_insights"},
	{"files", "dateien", "apiguide.group_files"},
	{"writes", "schreiben", "apiguide.group_writes"},
}

// operationSummaries are the summaries the API page shows, by operationId:
// messages in both languages. The German text must be the document's
// x-summary-de (loadAPIDoc checks it), so page and document agree.
var operationSummaries = map[string]string{
	"getExport":                       "apiguide.op_get_export",
	"getChanges":                      "apiguide.op_get_changes",
	"listSolutions":                   "apiguide.op_list_solutions",
	"createSolution":                  "apiguide.op_create_solution",
	"getSolution":                     "apiguide.op_get_solution",
	"replaceSolution":                 "apiguide.op_replace_solution",
	"patchSolution":                   "apiguide.op_patch_solution",
	"deleteSolution":                  "apiguide.op_delete_solution",
	"updateSolutionFromPubliccode":    "apiguide.op_update_solution_from_publiccode",
	"listReleases":                    "apiguide.op_list_releases",
	"createRelease":                   "apiguide.op_create_release",
	"getRelease":                      "apiguide.op_get_release",
	"updateRelease":                   "apiguide.op_update_release",
	"deleteRelease":                   "apiguide.op_delete_release",
	"listSolutionAdoptions":           "apiguide.op_list_solution_adoptions",
	"registerAdoption":                "apiguide.op_register_adoption",
	"getAdoption":                     "apiguide.op_get_adoption",
	"updateAdoption":                  "apiguide.op_update_adoption",
	"deleteAdoption":                  "apiguide.op_delete_adoption",
	"listAdvisories":                  "apiguide.op_list_advisories",
	"getAdvisory":                     "apiguide.op_get_advisory",
	"updateAdvisory":                  "apiguide.op_update_advisory",
	"getAdvisoryRollout":              "apiguide.op_get_advisory_rollout",
	"getOrganisationAdvisoryAtom":     "apiguide.op_get_organisation_advisory_atom",
	"getOrganisationAdvisoryJSONFeed": "apiguide.op_get_organisation_advisory_json_feed",
	"getAdvisoryCSAF":                 "apiguide.op_get_advisory_csaf",
	"respondToAdvisory":               "apiguide.op_respond_to_advisory",
	"createAdvisory":                  "apiguide.op_create_advisory",
	"listServices":                    "apiguide.op_list_services",
	"getService":                      "apiguide.op_get_service",
	"listTopicFields":                 "apiguide.op_list_topic_fields",
	"listOrganisations":               "apiguide.op_list_organisations",
	"lookupOrganisations":             "apiguide.op_lookup_organisations",
	"getOrganisation":                 "apiguide.op_get_organisation",
	"listOrganisationAdoptions":       "apiguide.op_list_organisation_adoptions",
	"getOrganisationFit":              "apiguide.op_get_organisation_fit",
	"listStates":                      "apiguide.op_list_states",
	"listStateAdoptions":              "apiguide.op_list_state_adoptions",
	"getStats":                        "apiguide.op_get_stats",
	"search":                          "apiguide.op_search",
	"getScoreboard":                   "apiguide.op_get_scoreboard",
	"getSavings":                      "apiguide.op_get_savings",
	"getServiceCoverage":              "apiguide.op_get_service_coverage",
	"getWhiteSpots":                   "apiguide.op_get_white_spots",
	"getDemand":                       "apiguide.op_get_demand",
	"getPubliccode":                   "apiguide.op_get_publiccode",
	"exportSolutionsCSV":              "apiguide.op_export_solutions_csv",
	"exportSolutionsXLSX":             "apiguide.op_export_solutions_xlsx",
	"exportAdoptionsCSV":              "apiguide.op_export_adoptions_csv",
	"exportAdoptionsXLSX":             "apiguide.op_export_adoptions_xlsx",
	"getOpenAPI":                      "apiguide.op_get_openapi",
	"getJSONFeed":                     "apiguide.op_get_json_feed",
	"getAtomFeed":                     "apiguide.op_get_atom_feed",
}

var (
	apiDocOnce sync.Once
	apiDoc     views.APIDoc
	apiDocErr  error
)

// loadAPIDoc lists the operations of the OpenAPI document for the API page,
// each under its first tag, in document order of paths.
func loadAPIDoc() (views.APIDoc, error) {
	apiDocOnce.Do(func() {
		var doc struct {
			Info struct {
				Version string `json:"version"`
			} `json:"info"`
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if apiDocErr = json.Unmarshal(OpenAPI, &doc); apiDocErr != nil {
			return
		}
		type op struct {
			ID        string           `json:"operationId"`
			Tags      []string         `json:"tags"`
			SummaryDE string           `json:"x-summary-de"`
			Security  []map[string]any `json:"security"`
		}
		byTag := map[string][]views.APIEndpoint{}
		// The document lists paths in a deliberate order, but JSON objects
		// have none once decoded: order by position in the raw document.
		paths := make([]string, 0, len(doc.Paths))
		at := make(map[string]int, len(doc.Paths))
		for p := range doc.Paths {
			paths = append(paths, p)
			at[p] = bytes.Index(OpenAPI, []byte(`"`+p+`": {`))
		}
		sort.Slice(paths, func(i, j int) bool { return at[paths[i]] < at[paths[j]] })
		for _, p := range paths {
			for _, method := range []string{"get", "post", "put", "patch", "delete"} {
				raw, ok := doc.Paths[p][method]
				if !ok {
					continue
				}
				var o op
				if err := json.Unmarshal(raw, &o); err != nil || len(o.Tags) == 0 || o.SummaryDE == "" {
					apiDocErr = fmt.Errorf("web: openapi.json: %s %s needs tags and x-summary-de", method, p)
					return
				}
				id, ok := operationSummaries[o.ID]
				if !ok || i18n.DE.T(id) != o.SummaryDE {
					apiDocErr = fmt.Errorf("web: openapi.json: %s %s: the API page's summary of %q differs from x-summary-de %q",
						method, p, o.ID, o.SummaryDE)
					return
				}
				byTag[o.Tags[0]] = append(byTag[o.Tags[0]], views.APIEndpoint{Method: strings.ToUpper(method), Path: p,
					Summary: i18n.M(id), Write: method != "get" && len(o.Security) > 0})
			}
		}
		apiDoc.Version = doc.Info.Version
		for _, g := range apiGroups {
			if eps := byTag[g.tag]; len(eps) > 0 {
				apiDoc.Groups = append(apiDoc.Groups, views.APIGroup{ID: g.id, Title: i18n.M(g.title), Endpoints: eps})
				delete(byTag, g.tag)
			}
		}
		if len(byTag) > 0 {
			apiDocErr = fmt.Errorf("web: openapi.json: tags without a section on the API page: %v", byTag)
		}
	})
	return apiDoc, apiDocErr
}

// HandleGuide shows the readable API documentation: GET /api.
func (s *API) HandleGuide(c echo.Context) error {
	d, err := loadAPIDoc()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	return httpx.RenderOK(c, views.APIPage(httpx.Page(c, i18n.T(ctx, "apiguide.title"), "",
		views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"}, views.Crumb{Label: "API"}), d))
}

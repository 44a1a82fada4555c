package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/httpx"
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
	{"mirror", "spiegeln", "Export, Änderungsfeed und Dokumentation"},
	{"solutions", "loesungen", "Lösungen und Nachnutzungen"},
	{"catalogue", "katalog", "OZG-Katalog"},
	{"organisations", "organisationen", "Organisationen"},
	{"statistics", "kennzahlen", "Kennzahlen"},
	{"search", "suche", "Suche"},
	{"feeds", "feeds", "Newsfeeds"},
	{"insights", "auswertungen", "Auswertungen"},
	{"files", "dateien", "Dateien: CSV, Excel, publiccode.yml"},
	{"writes", "schreiben", "Schreiben (mit API-Token)"},
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
			Tags      []string         `json:"tags"`
			SummaryDE string           `json:"x-summary-de"`
			Security  []map[string]any `json:"security"`
		}
		byTag := map[string][]views.APIEndpoint{}
		paths := make([]string, 0, len(doc.Paths))
		for p := range doc.Paths {
			paths = append(paths, p)
		}
		// The document lists paths in a deliberate order, but JSON objects
		// have none once decoded: order by position in the raw document.
		sort.Slice(paths, func(i, j int) bool {
			return strings.Index(string(OpenAPI), `"`+paths[i]+`": {`) < strings.Index(string(OpenAPI), `"`+paths[j]+`": {`)
		})
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
				byTag[o.Tags[0]] = append(byTag[o.Tags[0]], views.APIEndpoint{Method: strings.ToUpper(method), Path: p,
					Summary: o.SummaryDE, Write: method != "get" && len(o.Security) > 0})
			}
		}
		apiDoc.Version = doc.Info.Version
		for _, g := range apiGroups {
			if eps := byTag[g.tag]; len(eps) > 0 {
				apiDoc.Groups = append(apiDoc.Groups, views.APIGroup{ID: g.id, Title: g.title, Endpoints: eps})
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
	return httpx.RenderOK(c, views.APIPage(httpx.Page(c, "Programmierschnittstelle (API)", "",
		views.Crumb{Label: "Start", URL: "/"}, views.Crumb{Label: "API"}), d))
}

package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gocsaf/csaf/v3/csaf"
	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/httpx"
	"efa-register/internal/store"
)

// CSAF 2.0: each advisory as a document at /api/v1/advisories/{id}/csaf
// (restricted ones for the affected only), and the public ones published
// the CSAF directory way under /.well-known/csaf/ (provider-metadata.json,
// white/<year>/<file>, white/index.txt, white/changes.csv), so that CSAF
// tools (aggregators, the BSI's csaf_downloader) can follow the register.

const csafMediaType = "application/json"

func (s *API) csafDoc(c echo.Context, v store.AdvisoryView) (*csaf.Advisory, error) {
	revs, err := s.Store.AdvisoryRevisions(c.Request().Context(), v.ID)
	if err != nil {
		return nil, err
	}
	return feed.NewCSAF(v.Advisory, v.Solution, revs, httpx.BaseURL(c, s.PublicURL)), nil
}

// HandleAdvisoryCSAF: GET /api/v1/advisories/{id}/csaf.
func (s *API) HandleAdvisoryCSAF(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.Store.Advisory(c.Request().Context(), httpx.Principal(c), id)
	if err != nil {
		return err
	}
	doc, err := s.csafDoc(c, v)
	if err != nil {
		return err
	}
	private(c)
	c.Response().Header().Set(echo.HeaderContentDisposition, `inline; filename="`+feed.CSAFFileName(id)+`"`)
	return c.JSON(http.StatusOK, doc)
}

// csafYear is the folder of an advisory in the directory: the year of its first publication.
func csafYear(a catalog.Advisory) int {
	if a.PublishedAt != nil {
		return a.PublishedAt.UTC().Year()
	}
	return a.CreatedAt.UTC().Year()
}

// publicAdvisories calls fn for every published public advisory, in pages.
func (s *API) publicAdvisories(c echo.Context, fn func(catalog.Advisory)) error {
	for off := 0; ; off += 200 {
		list, _, err := s.Store.Advisories(c.Request().Context(), catalog.Principal{}, store.AdvisoryFilter{Offset: off, Limit: 200})
		if err != nil {
			return err
		}
		for _, a := range list {
			fn(a)
		}
		if len(list) < 200 {
			return nil
		}
	}
}

// HandleCSAFProviderMetadata: GET /.well-known/csaf/provider-metadata.json.
func (s *API) HandleCSAFProviderMetadata(c echo.Context) error {
	base := httpx.BaseURL(c, s.PublicURL)
	pmd := csaf.NewProviderMetadata(base + "/.well-known/csaf/provider-metadata.json")
	pmd.Publisher = &csaf.Publisher{Category: ptr(csaf.CSAFCategoryCoordinator), Name: ptr("EfA-Register"), Namespace: ptr(base),
		ContactDetails: "Sicherheitshinweise der Anbieter von EfA-Lösungen: " + base + "/sicherheitshinweise"}
	pmd.AddDirectoryDistribution(base + "/.well-known/csaf/white/")
	last := time.Unix(0, 0).UTC()
	if err := s.publicAdvisories(c, func(a catalog.Advisory) {
		if a.UpdatedAt.After(last) {
			last = a.UpdatedAt
		}
	}); err != nil {
		return err
	}
	pmd.SetLastUpdated(last)
	var buf bytes.Buffer
	if _, err := pmd.WriteTo(&buf); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, csafMediaType, buf.Bytes())
}

func ptr[T any](v T) *T { return &v }

// HandleCSAFIndex: GET /.well-known/csaf/white/index.txt and changes.csv.
func (s *API) HandleCSAFIndex(c echo.Context) error {
	type entry struct {
		path string
		at   time.Time
	}
	var entries []entry
	if err := s.publicAdvisories(c, func(a catalog.Advisory) {
		entries = append(entries, entry{fmt.Sprintf("%d/%s", csafYear(a), feed.CSAFFileName(a.ID)), a.UpdatedAt})
	}); err != nil {
		return err
	}
	if strings.HasSuffix(c.Request().URL.Path, "changes.csv") {
		sort.SliceStable(entries, func(i, j int) bool { return entries[i].at.After(entries[j].at) })
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		for _, e := range entries {
			_ = w.Write([]string{e.path, e.at.UTC().Format(time.RFC3339)})
		}
		w.Flush()
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	}
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.path + "\n")
	}
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", []byte(b.String()))
}

// HandleCSAFFile: GET /.well-known/csaf/white/{year}/{file}: the document of
// a published public advisory; anything else is not found.
func (s *API) HandleCSAFFile(c echo.Context) error {
	var id uint
	if _, err := fmt.Sscanf(c.Param("file"), "efa-sa-%d.json", &id); err != nil || feed.CSAFFileName(id) != c.Param("file") {
		return catalog.ErrNotFound
	}
	v, err := s.Store.Advisory(c.Request().Context(), catalog.Principal{}, id)
	if err != nil {
		return err
	}
	if fmt.Sprint(csafYear(v.Advisory)) != c.Param("year") {
		return catalog.ErrNotFound
	}
	doc, err := s.csafDoc(c, v)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}

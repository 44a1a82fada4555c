package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
)

// Security advisories over the API. What a client sees depends on its token
// (a restricted advisory exists only for the affected), so every answer is
// private to the client and varies by Authorization.

// advisoryJSON is an advisory in the API's shape.
type advisoryJSON struct {
	ID               uint       `json:"id"`
	Solution         string     `json:"solution"`
	SolutionName     string     `json:"solutionName"`
	Title            string     `json:"title"`
	Summary          string     `json:"summary"`
	CVSSVector       string     `json:"cvssVector"`
	CVSSScore        float64    `json:"cvssScore"`
	Severity         string     `json:"severity"`
	CVEs             []string   `json:"cves"`
	AffectedVersions string     `json:"affectedVersions"`
	FixedVersion     string     `json:"fixedVersion"`
	Action           string     `json:"action"`
	Distribution     string     `json:"distribution"`
	TLP              string     `json:"tlp"`
	Status           string     `json:"status"`
	Revision         int        `json:"revision"`
	PublishedAt      *time.Time `json:"publishedAt,omitempty"`
	CreatedAt        time.Time  `json:"createdAt"`
	UpdatedAt        time.Time  `json:"updatedAt"`
	// URL is the advisory's page; absent in the change feed (whose records
	// are the same for every instance behind the portal).
	URL string `json:"url,omitempty"`
}

// advisoryObject is the advisory in the API's shape without its page address.
func advisoryObject(a catalog.Advisory, sol catalog.Solution) advisoryJSON {
	return advisoryJSON{ID: a.ID, Solution: sol.Slug, SolutionName: sol.Name, Title: a.Title, Summary: a.Summary,
		CVSSVector: a.CVSSVector, CVSSScore: a.CVSSScore, Severity: a.Severity, CVEs: a.CVEList(),
		AffectedVersions: a.AffectedVersions, FixedVersion: a.FixedVersion, Action: a.Action,
		Distribution: string(a.Distribution), TLP: a.Distribution.TLP(), Status: string(a.Status), Revision: a.Revision,
		PublishedAt: a.PublishedAt, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

func (s *API) advisoryOut(c echo.Context, a catalog.Advisory, sol catalog.Solution) advisoryJSON {
	out := advisoryObject(a, sol)
	out.URL = httpx.BaseURL(c, s.PublicURL) + fmt.Sprintf("/sicherheitshinweise/%d", a.ID)
	return out
}

// private marks an answer that depends on who asks.
func private(c echo.Context) {
	h := c.Response().Header()
	h.Set("Cache-Control", "private, no-store")
	addVary(h, "Authorization")
}

// advisoryWrite is the JSON body of POST and PATCH (absent keys stay as they are on PATCH).
type advisoryWrite struct {
	Title            *string   `json:"title"`
	Summary          *string   `json:"summary"`
	CVSSVector       *string   `json:"cvssVector"`
	CVEs             *[]string `json:"cves"`
	AffectedVersions *string   `json:"affectedVersions"`
	FixedVersion     *string   `json:"fixedVersion"`
	Action           *string   `json:"action"`
	Distribution     *string   `json:"distribution"`
	Status           *string   `json:"status"`
}

// apply writes the present keys over in.
func (w advisoryWrite) apply(in *store.AdvisoryInput) {
	for _, f := range []struct {
		from *string
		to   *string
	}{{w.Title, &in.Title}, {w.Summary, &in.Summary}, {w.CVSSVector, &in.CVSSVector}, {w.AffectedVersions, &in.AffectedVersions},
		{w.FixedVersion, &in.FixedVersion}, {w.Action, &in.Action}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if w.CVEs != nil {
		in.CVEs = *w.CVEs
	}
	if w.Distribution != nil {
		in.Distribution = catalog.Distribution(*w.Distribution)
	}
	if w.Status != nil {
		in.Status = catalog.AdvisoryStatus(*w.Status)
	}
}

// HandleAdvisoryCreate: POST /api/v1/solutions/{slug}/advisories.
func (s *API) HandleAdvisoryCreate(c echo.Context) error {
	var body advisoryWrite
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	in := store.AdvisoryInput{Distribution: catalog.DistributionPublic, Status: catalog.AdvisoryDraft}
	body.apply(&in)
	ctx := c.Request().Context()
	a, err := s.Store.CreateAdvisory(ctx, httpx.Principal(c), c.Param("slug"), in)
	if err != nil {
		return err
	}
	v, err := s.Store.Advisory(ctx, httpx.Principal(c), a.ID)
	if err != nil {
		return err
	}
	if store.Notifies(catalog.Advisory{}, a) {
		httpx.NotifyAdvisory(ctx, s.Store, s.Mail, s.Log, a, v.Solution.Name, httpx.BaseURL(c, s.PublicURL))
	}
	private(c)
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/advisories/%d", a.ID))
	return c.JSON(http.StatusCreated, s.advisoryOut(c, v.Advisory, v.Solution))
}

// HandleAdvisoryPatch: PATCH /api/v1/advisories/{id}; the keys sent replace
// the stored values, the others stay.
func (s *API) HandleAdvisoryPatch(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var body advisoryWrite
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	v, err := s.Store.Advisory(ctx, p, id)
	if err != nil {
		return err
	}
	in := store.AdvisoryInput{Title: v.Title, Summary: v.Summary, CVSSVector: v.CVSSVector, CVEs: v.CVEList(),
		AffectedVersions: v.AffectedVersions, FixedVersion: v.FixedVersion, Action: v.Action, Distribution: v.Distribution, Status: v.Status}
	body.apply(&in)
	a, err := s.Store.UpdateAdvisory(ctx, p, id, in)
	if err != nil {
		return err
	}
	if store.Notifies(v.Advisory, a) {
		httpx.NotifyAdvisory(ctx, s.Store, s.Mail, s.Log, a, v.Solution.Name, httpx.BaseURL(c, s.PublicURL))
	}
	if v, err = s.Store.Advisory(ctx, p, id); err != nil {
		return err
	}
	private(c)
	return c.JSON(http.StatusOK, s.advisoryOut(c, v.Advisory, v.Solution))
}

// HandleAdvisory: GET /api/v1/advisories/{id}.
func (s *API) HandleAdvisory(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.Store.Advisory(c.Request().Context(), httpx.Principal(c), id)
	if err != nil {
		return err
	}
	private(c)
	return c.JSON(http.StatusOK, s.advisoryOut(c, v.Advisory, v.Solution))
}

// HandleAdvisories: GET /api/v1/advisories?solution=&status=&severity=&organisation=KIND:KEY&page=&limit=.
func (s *API) HandleAdvisories(c echo.Context) error {
	ctx := c.Request().Context()
	var f store.AdvisoryFilter
	var err error
	if f.SolutionSlug, err = queryValue(c, "solution"); err != nil {
		return err
	}
	st, err := queryValue(c, "status")
	if err != nil {
		return err
	}
	if f.Status = catalog.AdvisoryStatus(st); st != "" && !f.Status.Valid() {
		return badParam("status", i18n.M("apierr.param_advisory_status"))
	}
	sev, err := queryValue(c, "severity")
	if err != nil {
		return err
	}
	if f.Severity = strings.ToUpper(sev); sev != "" && !slices.Contains(catalog.Severities, f.Severity) {
		return badParam("severity", i18n.M("apierr.param_severity"))
	}
	org, err := queryValue(c, "organisation")
	if err != nil {
		return err
	}
	if org != "" {
		kind, key, ok := strings.Cut(org, ":")
		o, err := s.Store.OrganisationByKey(ctx, catalog.OrgKind(kind), key)
		if !ok || err != nil {
			return badParam("organisation", i18n.M("apierr.param_organisation"))
		}
		f.AffectsOrgID = o.ID
	}
	page, limit, err := pageParams(c, 50, 200)
	if err != nil {
		return err
	}
	f.Offset, f.Limit = (page-1)*limit, limit
	list, total, err := s.Store.Advisories(ctx, httpx.Principal(c), f)
	if err != nil {
		return err
	}
	items := make([]advisoryJSON, 0, len(list))
	for _, a := range list {
		items = append(items, s.advisoryOut(c, a, *a.Solution))
	}
	private(c)
	return c.JSON(http.StatusOK, map[string]any{"items": items, "total": total, "page": page, "limit": limit})
}

// responseWrite is the body of PUT /api/v1/advisories/{id}/responses/{kind}/{key}.
type responseWrite struct {
	Response         string `json:"response"`
	DoneOn           string `json:"doneOn"`
	InstalledVersion string `json:"installedVersion"`
	Reason           string `json:"reason"`
}

// HandleAdvisoryResponse records an affected organisation's response:
// PUT /api/v1/advisories/{id}/responses/{kind}/{key}.
func (s *API) HandleAdvisoryResponse(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var body responseWrite
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	r, err := s.Store.RespondToAdvisory(c.Request().Context(), httpx.Principal(c), id, catalog.OrgKind(c.Param("kind")), c.Param("key"),
		catalog.AdvisoryResponse{Kind: catalog.ResponseKind(body.Response), DoneOn: body.DoneOn, Version: body.InstalledVersion, Reason: body.Reason})
	if err != nil {
		return err
	}
	private(c)
	return c.JSON(http.StatusOK, map[string]any{"advisory": id, "organisation": c.Param("kind") + ":" + c.Param("key"),
		"response": r.Kind, "doneOn": r.DoneOn, "installedVersion": r.Version, "reason": r.Reason})
}

// HandleAdvisoryRollout: GET /api/v1/advisories/{id}/rollout, for the
// provider (all affected organisations) and coordinators (those of their Land).
func (s *API) HandleAdvisoryRollout(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ro, err := s.Store.AdvisoryRollout(c.Request().Context(), httpx.Principal(c), id)
	if err != nil {
		return err
	}
	type row struct {
		Organisation     string `json:"organisation"`
		Name             string `json:"name"`
		Response         string `json:"response"`
		DoneOn           string `json:"doneOn,omitempty"`
		InstalledVersion string `json:"installedVersion,omitempty"`
		Reason           string `json:"reason,omitempty"`
	}
	rows := make([]row, 0, len(ro.Rows))
	for _, r := range ro.Rows {
		kind := string(r.Response.Kind)
		if kind == "" {
			kind = "none"
		}
		rows = append(rows, row{Organisation: string(r.Organisation.Kind) + ":" + r.Organisation.Key, Name: r.Organisation.Name,
			Response: kind, DoneOn: r.Response.DoneOn, InstalledVersion: r.Response.Version, Reason: r.Response.Reason})
	}
	private(c)
	return c.JSON(http.StatusOK, map[string]any{"affected": ro.Affected, "acted": ro.Acted, "read": ro.Read, "noAnswer": ro.NoAnswer, "organisations": rows})
}

// HandleOrganisationAdvisoryFeed: GET /api/v1/organisations/{kind}/{key}/advisories/feed.atom
// and feed.json: the advisories (open and closed, newest first) of the
// solutions the organisation runs; restricted ones only with a token that
// may read them.
func (s *API) HandleOrganisationAdvisoryFeed(c echo.Context) error {
	ctx := c.Request().Context()
	org, err := s.Store.OrganisationByKey(ctx, catalog.OrgKind(c.Param("kind")), c.Param("key"))
	if err != nil {
		return err
	}
	list, _, err := s.Store.Advisories(ctx, httpx.Principal(c), store.AdvisoryFilter{AffectsOrgID: org.ID, Limit: feedItems})
	if err != nil {
		return err
	}
	base := s.baseURL(c)
	updated := time.Unix(0, 0)
	entries := make([]feed.AdvisoryEntry, 0, len(list))
	for _, a := range list {
		if a.Status == catalog.AdvisoryDraft {
			continue
		}
		if a.UpdatedAt.After(updated) {
			updated = a.UpdatedAt
		}
		text := a.SeverityLabel() + " (CVSS " + fmt.Sprintf("%.1f", a.CVSSScore) + ") · " + a.Status.Label() + "\n\nErforderliche Maßnahme: " + a.Action
		if a.Solution != nil {
			text = "Lösung: " + a.Solution.Name + "\n" + text
		}
		published := a.CreatedAt
		if a.PublishedAt != nil {
			published = *a.PublishedAt
		}
		entries = append(entries, feed.AdvisoryEntry{ID: a.ID, Revision: a.Revision, Title: a.Title, Text: text,
			URL: fmt.Sprintf("%s/sicherheitshinweise/%d", base, a.ID), Published: published, Updated: a.UpdatedAt,
			Tags: []string{"Schweregrad " + a.SeverityLabel(), "TLP:" + a.Distribution.TLP()}})
	}
	title := "Sicherheitshinweise für " + org.Name
	self := base + c.Request().URL.Path
	private(c)
	if strings.HasSuffix(c.Request().URL.Path, ".json") {
		out, err := feed.AdvisoryJSONFeed(base, self, title, entries)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, mimeJSONFeed, out)
	}
	out, err := feed.AdvisoryAtom(base, self, title, updated, entries)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mimeAtom, out)
}

package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/views"
)

// releaseInfo is the release standing of a solution for its page.
func (s *Site) releaseInfo(ctx context.Context, slug string) (views.ReleaseInfo, error) {
	st, err := s.Store.ReleaseStandingOf(ctx, slug)
	if err != nil {
		return views.ReleaseInfo{}, err
	}
	return views.ReleaseInfo{Current: st.Current, Older: st.Older, OnCurrent: st.OnCurrent, Unknown: st.Unknown}, nil
}

// releaseOptions are the releases of a solution as choices, newest first.
func (s *Site) releaseOptions(ctx context.Context, slug string) ([]views.Option, error) {
	rels, err := s.Store.Releases(ctx, slug)
	if err != nil {
		return nil, err
	}
	out := make([]views.Option, 0, len(rels))
	for _, r := range rels {
		out = append(out, views.Option{Value: r.Version, Label: r.Version + " (" + i18n.PartialDate(ctx, r.Date) + ")"})
	}
	return out, nil
}

// releasesData loads the releases page of a solution the principal edits.
func (s *Site) releasesData(c echo.Context) (views.ReleasesData, error) {
	ctx := c.Request().Context()
	sol, err := s.Store.SolutionBySlug(ctx, c.Param("slug"))
	if err != nil {
		return views.ReleasesData{}, err
	}
	if !httpx.Principal(c).CanEditSolution(sol) {
		return views.ReleasesData{}, fmt.Errorf("releases of %s: %w", sol.Slug, catalog.ErrForbidden)
	}
	d := views.ReleasesData{Slug: sol.Slug, Name: sol.Name}
	if d.Releases, err = s.Store.Releases(ctx, sol.Slug); err != nil {
		return d, err
	}
	d.Info, err = s.releaseInfo(ctx, sol.Slug)
	return d, err
}

func (s *Site) releasesPage(c echo.Context, status int, d views.ReleasesData) error {
	csrf, _ := c.Get("csrf").(string)
	ctx := c.Request().Context()
	p := httpx.Page(c, i18n.T(ctx, "releases.title", "Name", d.Name), "/loesungen", views.Crumb{Label: i18n.T(ctx, "nav.solutions"), URL: "/loesungen"},
		views.Crumb{Label: d.Name, URL: views.SolutionURL(d.Slug)}, views.Crumb{Label: i18n.T(ctx, "releases.heading")})
	return httpx.Render(c, status, views.ReleasesPage(p, d, csrf), nil)
}

// HandleReleases shows the provider's page of a solution's releases.
func (s *Site) HandleReleases(c echo.Context) error {
	d, err := s.releasesData(c)
	if err != nil {
		return err
	}
	d.Notice = s.Sessions.PopString(c.Request().Context(), "notice")
	return s.releasesPage(c, http.StatusOK, d)
}

// HandleReleaseAdd records a release through the store, which checks that
// the user edits the solution; a refused form comes back with the reasons.
func (s *Site) HandleReleaseAdd(c echo.Context) error {
	d, err := s.releasesData(c)
	if err != nil {
		return err
	}
	d.Version, d.Date, d.Notes, d.URL = c.FormValue("version"), c.FormValue("date"), c.FormValue("notes"), c.FormValue("url")
	r, err := s.Store.AddRelease(c.Request().Context(), httpx.Principal(c), d.Slug,
		catalog.Release{Version: d.Version, Date: d.Date, Notes: d.Notes, URL: d.URL})
	var ve *catalog.ValidationError
	switch {
	case errors.As(err, &ve):
		d.Errors = ve.In(c.Request().Context())
		return s.releasesPage(c, http.StatusUnprocessableEntity, d)
	case err != nil:
		return err
	}
	s.flash(c, i18n.T(c.Request().Context(), "releases.added", "Version", r.Version))
	return c.Redirect(http.StatusSeeOther, views.SolutionURL(d.Slug)+"/versionen")
}

// HandleReleaseDelete removes a release no adopter names.
func (s *Site) HandleReleaseDelete(c echo.Context) error {
	d, err := s.releasesData(c)
	if err != nil {
		return err
	}
	version := c.FormValue("version")
	err = s.Store.DeleteRelease(c.Request().Context(), httpx.Principal(c), d.Slug, version)
	var ve *catalog.ValidationError
	switch {
	case errors.As(err, &ve):
		d.Error = ve.In(c.Request().Context())["version"]
		return s.releasesPage(c, http.StatusConflict, d)
	case err != nil:
		return err
	}
	s.flash(c, i18n.T(c.Request().Context(), "releases.deleted", "Version", version))
	return c.Redirect(http.StatusSeeOther, views.SolutionURL(d.Slug)+"/versionen")
}

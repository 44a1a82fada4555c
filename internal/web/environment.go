package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/views"
)

// environmentPage loads an organisation's environment page data.
func (s *Site) environmentPage(c echo.Context, org catalog.Organisation) (views.EnvironmentData, error) {
	ctx := c.Request().Context()
	d := views.EnvironmentData{Org: org, Groups: standardGroups(), CanEdit: httpx.Principal(c).CanEditEnvironmentOf(org)}
	d.CSRF, _ = c.Get("csrf").(string)
	var err error
	if d.Own, err = s.Store.EnvironmentOf(ctx, org.ID); err != nil {
		return d, err
	}
	d.Effective, err = s.Store.EffectiveEnvironment(ctx, org)
	return d, err
}

func environmentCrumbs(c echo.Context, org catalog.Organisation) views.Page {
	ctx := c.Request().Context()
	return httpx.Page(c, i18n.T(ctx, "env.heading", "Name", org.Name), "/laender", views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"},
		views.Crumb{Label: org.Name, URL: views.OrgURL(&org)}, views.Crumb{Label: i18n.T(ctx, "env.crumb")})
}

// HandleEnvironment shows what an organisation of the kind (key in the path
// parameter param) runs; its members get the form.
func (s *Site) HandleEnvironment(kind catalog.OrgKind, param string) echo.HandlerFunc {
	return func(c echo.Context) error {
		org, err := s.Store.OrganisationByKey(c.Request().Context(), kind, c.Param(param))
		if err != nil {
			return err
		}
		d, err := s.environmentPage(c, org)
		if err != nil {
			return err
		}
		if d.CanEdit {
			d.Notice = s.Sessions.PopString(c.Request().Context(), "notice")
		}
		return httpx.RenderOK(c, views.EnvironmentPage(environmentCrumbs(c, org), d))
	}
}

// HandleEnvironmentSave replaces the organisation's own environment with
// the ticked entries; the store refuses everyone but its members.
func (s *Site) HandleEnvironmentSave(kind catalog.OrgKind, param string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		org, err := s.Store.OrganisationByKey(ctx, kind, c.Param(param))
		if err != nil {
			return err
		}
		if err := c.Request().ParseForm(); err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, i18n.M("env.form_unreadable"))
		}
		err = s.Store.SetEnvironment(ctx, httpx.Principal(c), org, c.Request().PostForm["standard"])
		var ve *catalog.ValidationError
		switch {
		case errors.As(err, &ve):
			d, derr := s.environmentPage(c, org)
			if derr != nil {
				return derr
			}
			d.Own = c.Request().PostForm["standard"]
			d.Error = i18n.T(ctx, "env.not_saved", "Reason", ve.In(ctx)["standards"])
			return httpx.Render(c, http.StatusUnprocessableEntity, views.EnvironmentPage(environmentCrumbs(c, org), d), nil)
		case err != nil:
			return err
		}
		s.flash(c, i18n.T(ctx, "env.saved", "Name", org.Name))
		return c.Redirect(http.StatusSeeOther, views.OrgURL(&org)+"/umgebung")
	}
}

package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/views"
)

// adoptionBack is where a form on an adoption returns after it was sent:
// the solution page (default), the adopter's page or the account page.
func adoptionBack(back string, a catalog.Adoption) string {
	switch back {
	case views.BackOrganisation:
		if u := views.OrgURL(a.Organisation); u != "" {
			return u + "#nachnutzungen"
		}
	case views.BackAccount:
		return "/konto"
	}
	if a.Solution == nil {
		return "/loesungen"
	}
	return views.SolutionURL(a.Solution.Slug) + "#nachnutzer"
}

func adoptionEditPage(c echo.Context, d views.AdoptionEditData) views.Page {
	ctx := c.Request().Context()
	title := i18n.T(ctx, "adoptionedit.heading")
	return httpx.Page(c, title, "/loesungen", views.Crumb{Label: i18n.T(ctx, "nav.solutions"), URL: "/loesungen"},
		views.Crumb{Label: d.SolutionName, URL: views.SolutionURL(d.SolutionSlug)}, views.Crumb{Label: title})
}

// HandleAdoptionEdit shows the form that changes one adoption, for the
// editors of the adopting organisation.
func (s *Site) HandleAdoptionEdit(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.Store.AdoptionByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if !httpx.Principal(c).CanEditAdoptionsOf(*a.Organisation) {
		return fmt.Errorf("edit adoption %d: %w", id, catalog.ErrForbidden)
	}
	back := c.QueryParam("weiter")
	if back != views.BackOrganisation {
		back = views.BackSolution
	}
	d := views.NewAdoptionEditData(c.Request().Context(), a, back)
	if d.Releases, err = s.releaseOptions(c.Request().Context(), d.SolutionSlug); err != nil {
		return err
	}
	return httpx.RenderOK(c, views.AdoptionEditPage(adoptionEditPage(c, d), d))
}

// HandleAdoptionUpdate changes status, date, contract type and note of an
// adoption through the store's adoption write path, which checks that the
// user edits the adopting organisation. A refused form comes back with the
// typed values and the reasons at the fields.
func (s *Site) HandleAdoptionUpdate(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, err := s.Store.AdoptionByID(ctx, id)
	if err != nil {
		return err
	}
	d := views.NewAdoptionEditData(c.Request().Context(), a, c.FormValue("weiter"))
	d.Status, d.Since, d.ContractType, d.Note = c.FormValue("status"), c.FormValue("since"), c.FormValue("contractType"), c.FormValue("note")
	// The release field is on the form only when the solution has releases;
	// a form without it keeps the stored release.
	var release *string
	if form, ferr := c.FormParams(); ferr == nil && form.Has("release") {
		d.Release = form.Get("release")
		release = &d.Release
	}
	if d.Releases, err = s.releaseOptions(ctx, d.SolutionSlug); err != nil {
		return err
	}
	_, err = s.Store.UpdateAdoptionRelease(ctx, httpx.Principal(c), id,
		catalog.Adoption{Status: catalog.AdoptionStatus(d.Status), Since: d.Since, ContractType: d.ContractType, Note: d.Note}, release)
	var ve *catalog.ValidationError
	switch {
	case errors.As(err, &ve):
		d.Errors = ve.In(ctx)
		return httpx.Render(c, http.StatusUnprocessableEntity, views.AdoptionEditPage(adoptionEditPage(c, d), d), nil)
	case err != nil:
		return err
	}
	s.flash(c, i18n.T(ctx, "adoptionedit.flash_updated", "Org", views.OrgName(ctx, a.Organisation)))
	return c.Redirect(http.StatusSeeOther, adoptionBack(d.Back, a))
}

// HandleClaimAnswer is the adopter's answer to an adoption a provider
// reported for it („vom Anbieter gemeldet“): accepted, it counts and is
// confirmed; rejected, it is deleted. The store checks that the user edits
// the adopting organisation.
func (s *Site) HandleClaimAnswer(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var accept bool
	switch c.FormValue("antwort") {
	case "bestaetigen":
		accept = true
	case "ablehnen":
	default:
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("adoptionedit.err_confirm_or_reject"))
	}
	ctx := c.Request().Context()
	a, err := s.Store.AdoptionByID(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.Store.AnswerAdoptionClaim(ctx, httpx.Principal(c), id, accept); err != nil {
		if errors.Is(err, catalog.ErrConflict) {
			return echo.NewHTTPError(http.StatusConflict, i18n.M("adoptionedit.err_claim_not_open"))
		}
		return err
	}
	switch {
	case accept && a.Solution != nil:
		s.flash(c, i18n.T(ctx, "adoptionedit.flash_claim_accepted", "Solution", a.Solution.Name))
	case accept:
		s.flash(c, i18n.T(ctx, "adoptionedit.flash_claim_accepted_unnamed"))
	case a.Solution != nil:
		s.flash(c, i18n.T(ctx, "adoptionedit.flash_claim_rejected", "Solution", a.Solution.Name))
	default:
		s.flash(c, i18n.T(ctx, "adoptionedit.flash_claim_rejected_unnamed"))
	}
	return c.Redirect(http.StatusSeeOther, adoptionBack(c.FormValue("weiter"), a))
}

package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
	"efa-register/views"
)

// actingOrgs returns the organisations the principal acts for directly (its grants).
func (s *Site) actingOrgs(ctx context.Context, p catalog.Principal) ([]catalog.Organisation, error) {
	var out []catalog.Organisation
	for _, g := range p.Grants {
		o, err := s.Store.OrganisationByKey(ctx, g.Kind, g.Key)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func orgRef(o catalog.Organisation) string { return string(o.Kind) + ":" + o.Key }

// adoptionForm fills the form data for a solution.
func (s *Site) adoptionForm(c echo.Context, sol catalog.Solution) (views.AdoptionFormData, error) {
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	d := views.AdoptionFormData{SolutionSlug: sol.Slug, SolutionName: sol.Name, Status: string(catalog.AdoptionInterested),
		AllowOther: p.Admin || len(p.Coordinates()) > 0}
	orgs, err := s.actingOrgs(ctx, p)
	if err != nil {
		return d, err
	}
	mine := map[uint]bool{}
	for _, o := range orgs {
		d.Orgs = append(d.Orgs, views.Option{Value: orgRef(o), Label: i18n.T(ctx, "adoptionform.org_option", "Name", o.Name, "Kind", o.Kind.L(ctx))})
		mine[o.ID] = true
	}
	if len(orgs) > 0 {
		d.Org = orgRef(orgs[0])
	}
	adoptions, err := s.Store.AdoptionsBySolution(ctx, sol.Slug)
	if err != nil {
		return d, err
	}
	for _, a := range adoptions {
		if a.Organisation != nil && mine[a.OrganisationID] {
			line := i18n.T(ctx, "adoptionform.current_line", "Org", a.Organisation.Name, "Status", a.Status.L(ctx))
			if a.Since != "" {
				line = i18n.T(ctx, "adoptionform.current_line_since", "Org", a.Organisation.Name, "Status", a.Status.L(ctx),
					"Since", i18n.PartialDate(ctx, a.Since))
			}
			d.Current = append(d.Current, line)
			if d.Org == orgRef(*a.Organisation) {
				d.Status, d.Since, d.ContractType, d.Note = string(a.Status), views.DateInput(a.Since), a.ContractType, a.Note
			}
		}
	}
	return d, nil
}

func adoptionPage(c echo.Context, sol catalog.Solution) views.Page {
	ctx := c.Request().Context()
	title := i18n.T(ctx, "adoptionform.heading")
	return httpx.Page(c, title, "/loesungen", views.Crumb{Label: i18n.T(ctx, "nav.solutions"), URL: "/loesungen"},
		views.Crumb{Label: sol.Name, URL: "/loesungen/" + sol.Slug}, views.Crumb{Label: title})
}

// HandleAdoptionForm shows the adoption form of a solution.
func (s *Site) HandleAdoptionForm(c echo.Context) error {
	sol, err := s.Store.SolutionBySlug(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	d, err := s.adoptionForm(c, sol)
	if err != nil {
		return err
	}
	if len(d.Orgs) == 0 && !d.AllowOther {
		return echo.NewHTTPError(http.StatusForbidden, i18n.M("adoptionform.err_no_org"))
	}
	return httpx.RenderOK(c, views.AdoptionFormPage(adoptionPage(c, sol), d))
}

// resolveAdopter finds the organisation named in the form: the chosen one
// of the user's, or (for coordinators and admins) one given by key.
func (s *Site) resolveAdopter(ctx context.Context, chosen, other string) (catalog.Organisation, error) {
	other = strings.TrimSpace(other)
	if other != "" {
		var o catalog.Organisation
		var err error
		switch {
		case catalog.ValidAGS(other):
			o, err = s.Store.OrganisationByAGS(ctx, other)
		case catalog.ValidARS(other):
			o, err = s.Store.OrganisationByKey(ctx, catalog.KindGemeinde, other)
		case len(other) == 5:
			o, err = s.Store.OrganisationByKey(ctx, catalog.KindKreis, other)
		default:
			err = catalog.ErrNotFound
		}
		if err != nil {
			v := catalog.ValidationError{}
			v.AddM("andere", i18n.M("adoptionform.err_no_org_with_key"))
			return o, &v
		}
		return o, nil
	}
	kind, key, ok := strings.Cut(chosen, ":")
	if !ok {
		v := catalog.ValidationError{}
		v.AddM("organisation", i18n.M("adoptionform.err_choose_org"))
		return catalog.Organisation{}, &v
	}
	o, err := s.Store.OrganisationByKey(ctx, catalog.OrgKind(kind), key)
	if err != nil {
		v := catalog.ValidationError{}
		v.AddM("organisation", i18n.M("adoptionform.err_choose_org"))
		return o, &v
	}
	return o, nil
}

// HandleAdoptionSubmit registers or updates the adoption and returns to the solution page.
func (s *Site) HandleAdoptionSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	sol, err := s.Store.SolutionBySlug(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	d, err := s.adoptionForm(c, sol)
	if err != nil {
		return err
	}
	d.Org, d.OtherOrg = c.FormValue("organisation"), c.FormValue("andere")
	d.Status, d.Since, d.ContractType, d.Note = c.FormValue("status"), c.FormValue("since"), c.FormValue("contractType"), c.FormValue("note")
	p := httpx.Principal(c)
	org, err := s.resolveAdopter(ctx, d.Org, d.OtherOrg)
	if err == nil {
		_, err = s.Store.RegisterAdoption(ctx, p, store.AdoptionInput{SolutionSlug: sol.Slug, AdopterKind: org.Kind, AdopterKey: org.Key,
			Adoption: catalog.Adoption{Status: catalog.AdoptionStatus(d.Status), Since: d.Since, ContractType: d.ContractType, Note: d.Note}})
	}
	var ve *catalog.ValidationError
	switch {
	case errors.As(err, &ve):
		d.Errors = ve.In(ctx)
		return httpx.Render(c, http.StatusUnprocessableEntity, views.AdoptionFormPage(adoptionPage(c, sol), d), nil)
	case errors.Is(err, catalog.ErrForbidden):
		d.Errors = views.FormErrors{"organisation": i18n.T(ctx, "adoptionform.err_not_allowed_for", "Org", org.Name)}
		return httpx.Render(c, http.StatusForbidden, views.AdoptionFormPage(adoptionPage(c, sol), d), nil)
	case err != nil:
		return err
	}
	s.flash(c, i18n.T(ctx, "adoptionform.flash_saved", "Org", org.Name))
	return c.Redirect(http.StatusSeeOther, "/loesungen/"+sol.Slug+"#nachnutzer")
}

// HandleAdoptionConfirm records the provider's confirmation or dispute.
func (s *Site) HandleAdoptionConfirm(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var conf catalog.Confirmation
	switch c.FormValue("antwort") {
	case "bestaetigen":
		conf = catalog.ConfirmationConfirmed
	case "bestreiten":
		conf = catalog.ConfirmationDisputed
	default:
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("adoptionform.err_confirm_or_dispute"))
	}
	a, err := s.Store.ConfirmAdoption(c.Request().Context(), httpx.Principal(c), id, conf)
	if err != nil {
		return err
	}
	s.flash(c, i18n.T(c.Request().Context(), "adoptionform.flash_answer_saved"))
	return c.Redirect(http.StatusSeeOther, "/loesungen/"+a.Solution.Slug+"#nachnutzer")
}

// HandleAdoptionDelete deletes an adoption through the form on the solution page.
func (s *Site) HandleAdoptionDelete(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	a, err := s.Store.AdoptionByID(ctx, id)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteAdoption(ctx, p, id); err != nil {
		return err
	}
	s.flash(c, i18n.T(ctx, "adoptionform.flash_deleted"))
	return c.Redirect(http.StatusSeeOther, "/loesungen/"+a.Solution.Slug+"#nachnutzer")
}

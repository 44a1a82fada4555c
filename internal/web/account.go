package web

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
	"efa-register/views"
)

// orgURL is the public page of an organisation.
func orgURL(kind, key string) string {
	switch kind {
	case "land":
		return "/laender/" + key
	case "kreis":
		return "/kreise/" + key
	case "gemeinde":
		return "/gemeinden/" + key
	}
	return "/loesungen?anbieter=DE"
}

// HandleAccount shows the user's own data and roles.
func (s *Site) HandleAccount(c echo.Context) error {
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	u, err := s.Store.UserByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	d := views.AccountData{Name: u.Name, Email: u.Email, Admin: u.Admin, Coordinates: len(p.Coordinates()) > 0,
		PasswordLogin: u.PasswordHash != "", Notice: s.Sessions.PopString(ctx, "notice")}
	d.CanRegister = p.CanRegisterSolutions()
	for _, g := range p.Grants {
		claims, err := s.Store.PendingAdoptionClaims(ctx, g.Kind, g.Key)
		if err != nil {
			return err
		}
		d.Claims = append(d.Claims, claims...)
		advs, _, err := s.Store.Advisories(ctx, p, store.AdvisoryFilter{AffectsOrgID: g.OrganisationID, OpenOnly: true, Limit: 10})
		if err != nil {
			return err
		}
		for _, a := range advs {
			if !slices.ContainsFunc(d.Advisories, func(b catalog.Advisory) bool { return b.ID == a.ID }) {
				d.Advisories = append(d.Advisories, a)
			}
		}
	}
	if d.Admin || d.Coordinates {
		lands := p.Coordinates()
		if d.Admin {
			lands = nil
		}
		if d.PendingRequests, err = s.Store.CountPendingRequests(ctx, lands); err != nil {
			return err
		}
	}
	for _, m := range u.Memberships {
		if m.Organisation == nil {
			continue
		}
		d.Memberships = append(d.Memberships, views.MembershipRow{OrgName: m.Organisation.Name, OrgKind: m.Organisation.Kind.L(ctx),
			OrgURL: orgURL(string(m.Organisation.Kind), m.Organisation.Key), Role: m.Role})
	}
	return httpx.RenderOK(c, views.AccountPage(httpx.Page(c, i18n.T(ctx, "layout.my_account"), "/konto"), d))
}

// HandleAccountDelete deletes the user's own account after confirmation.
func (s *Site) HandleAccountDelete(c echo.Context) error {
	if c.FormValue("bestaetigung") != "ja" {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, i18n.M("account.delete_unconfirmed"))
	}
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	if err := s.Store.DeleteUser(ctx, p.Actor(), p.UserID); err != nil {
		// The last platform admin is refused with a message saying why.
		return userActionError(err)
	}
	if err := s.Sessions.Destroy(ctx); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// flash stores a notice shown on the next page. The text is already in the
// reader's language: pass i18n.T(ctx, …) of the request that sets it (the
// next page is read by the same person). flashM localises a message itself.
func (s *Site) flash(c echo.Context, text string) {
	s.Sessions.Put(c.Request().Context(), "notice", text)
}

// flashM stores the message m, localised in the language of the request, as
// the notice shown on the next page.
func (s *Site) flashM(c echo.Context, m i18n.Message) {
	s.flash(c, i18n.Localize(c.Request().Context(), m))
}

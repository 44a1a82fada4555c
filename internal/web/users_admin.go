package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/store"
	"efa-register/views"
)

// The user administration (/verwaltung/benutzer): platform admins see every
// account, a Land coordinator the accounts with a role in an organisation of
// their Land and only those roles. The permission decisions are the pure
// functions of catalog/permissions.go; the store checks them again inside
// each write.

const (
	usersPath     = "/verwaltung/benutzer"
	usersPageSize = 50
)

// RequireUserAdmin lets admins and Land coordinators through and answers 403 to everyone else.
func RequireUserAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !httpx.Principal(c).ManagesUsers() {
			return echo.NewHTTPError(http.StatusForbidden, "Diese Seite ist der Plattformverwaltung und den Landeskoordinationen vorbehalten.")
		}
		return next(c)
	}
}

var userSortLabels = []views.Option{
	{Value: "name", Label: "Name"},
	{Value: "email", Label: "E-Mail-Adresse"},
	{Value: "created", Label: "Angelegt (neueste zuerst)"},
	{Value: "login", Label: "Letzte Anmeldung (neueste zuerst)"},
}

// userScope returns the Länder whose accounts p sees (nil: all) and the sentence saying so.
func (s *Site) userScope(ctx context.Context, p catalog.Principal) ([]string, string) {
	if p.Admin {
		return nil, "Sie sehen als Plattformverwaltung alle Benutzerkonten."
	}
	lands := p.Coordinates()
	names := s.landNames(ctx)
	labels := make([]string, len(lands))
	for i, l := range lands {
		labels[i] = names[l]
	}
	return lands, "Sie sehen als Landeskoordination die Konten mit einer Rolle in " + strings.Join(labels, ", ") +
		" (Land, Kreise und Gemeinden) und nur diese Rollen."
}

func usersPageMeta(c echo.Context, title string, crumbs ...views.Crumb) views.Page {
	all := append([]views.Crumb{{Label: "Mein Konto", URL: "/konto"}, {Label: "Benutzerverwaltung", URL: usersPath}}, crumbs...)
	if len(crumbs) == 0 {
		all[1].URL = ""
	}
	return httpx.Page(c, title, "/konto", all...)
}

// loginKind names how a user logs in.
func loginKind(password, oidc bool) string {
	switch {
	case password && oidc:
		return "Passwort und Single Sign-on (OIDC)"
	case password:
		return "Passwort"
	case oidc:
		return "Single Sign-on (OIDC)"
	}
	return "keine Anmeldung eingerichtet"
}

// tokensRefusal says why p may not revoke the tokens of u.
func tokensRefusal(p catalog.Principal, u catalog.User) string {
	switch {
	case u.ID == p.UserID:
		return "Ihre eigenen Tokens widerrufen Sie unter „API-Tokens verwalten“."
	case u.Admin:
		return "Tokens der Plattformverwaltung widerruft nur die Plattformverwaltung."
	}
	return "Nur die Plattformverwaltung kann diese Tokens widerrufen, weil die Person auch Rollen außerhalb Ihres Landes hat."
}

// withBack appends the list to return to as the "zurueck" parameter.
func withBack(target, back string) string { return target + "?zurueck=" + url.QueryEscape(back) }

// backTo returns the list to return to after an action: only the user administration itself.
func backTo(c echo.Context) string {
	b := c.FormValue("zurueck")
	if b == "" {
		b = c.QueryParam("zurueck")
	}
	if b != usersPath && !strings.HasPrefix(b, usersPath+"?") {
		return usersPath
	}
	return httpx.SafeNext(b, usersPath)
}

// HandleUsers lists the accounts the admin or coordinator manages.
func (s *Site) HandleUsers(c echo.Context) error {
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	q := strings.TrimSpace(c.QueryParam("q"))
	if len([]rune(q)) > 100 {
		return echo.NewHTTPError(http.StatusBadRequest, "Der Suchtext darf höchstens 100 Zeichen lang sein.")
	}
	sort := c.QueryParam("sortierung")
	if sort == "" {
		sort = "name"
	}
	known := false
	for _, o := range userSortLabels {
		known = known || o.Value == sort
	}
	if !known {
		return echo.NewHTTPError(http.StatusBadRequest, "Unbekannte Sortierung; erlaubt sind name, email, created und login.")
	}
	pageNo := 1
	if raw := c.QueryParam("seite"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 100000 {
			return echo.NewHTTPError(http.StatusBadRequest, "Die Seitenzahl muss eine positive ganze Zahl sein.")
		}
		pageNo = n
	}
	lands, scope := s.userScope(ctx, p)
	now := time.Now()
	list, total, err := s.Store.Users(ctx, store.UserFilter{Query: q, LandKeys: lands, Sort: sort,
		Offset: (pageNo - 1) * usersPageSize, Limit: usersPageSize}, now)
	if err != nil {
		return err
	}
	listURL := func(n int) string {
		v := url.Values{}
		if q != "" {
			v.Set("q", q)
		}
		if sort != "name" {
			v.Set("sortierung", sort)
		}
		if n > 1 {
			v.Set("seite", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return usersPath
		}
		return usersPath + "?" + v.Encode()
	}
	back := listURL(pageNo)
	d := views.UsersData{Scope: scope, Query: q, Sort: sort, Sorts: userSortLabels, Total: total, IsAdmin: p.Admin,
		Notice: s.Sessions.PopString(ctx, "notice"),
		Pager:  views.Pager{Page: pageNo, Pages: int((total + usersPageSize - 1) / usersPageSize), URL: listURL}}
	if len(list) > 0 {
		d.First = (pageNo-1)*usersPageSize + 1
		d.Last = d.First + len(list) - 1
	}
	for _, sum := range list {
		u := sum.User
		base := usersPath + "/" + strconv.FormatUint(uint64(u.ID), 10)
		row := views.UserRow{ID: u.ID, Name: u.Name, Email: u.Email, Admin: u.Admin, Self: u.ID == p.UserID,
			Created: views.FormatDateTime(u.CreatedAt), LastLogin: "noch nie", LoginKind: loginKind(sum.PasswordLogin, sum.OIDCLogin),
			ActiveTokens: sum.ActiveTokens}
		if u.LastLoginAt != nil {
			row.LastLogin = views.FormatDateTime(*u.LastLoginAt)
		}
		for _, m := range u.Memberships {
			// A coordinator sees only the roles in their Land.
			if m.Organisation == nil || !p.CanManageMembership(*m.Organisation) {
				continue
			}
			mr := views.UserMembershipRow{Role: m.Role.Label(), OrgName: m.Organisation.Name, OrgKind: m.Organisation.Kind.Label(),
				OrgURL: orgURL(string(m.Organisation.Kind), m.Organisation.Key)}
			if p.CanRemoveMembership(u, m) {
				mr.RemoveURL = withBack(base+"/rollen/"+strconv.FormatUint(uint64(m.ID), 10)+"/entfernen", back)
			}
			row.Memberships = append(row.Memberships, mr)
		}
		if p.CanRevokeTokensOf(u) {
			if sum.ActiveTokens > 0 {
				row.RevokeTokensURL = withBack(base+"/tokens/widerrufen", back)
			}
		} else if sum.ActiveTokens > 0 {
			row.TokensNote = tokensRefusal(p, u)
		}
		if p.CanRevokeAdmin(u) {
			row.DemoteURL = withBack(base+"/adminrecht/entziehen", back)
		}
		if p.CanDeleteUser(u) {
			row.DeleteURL = withBack(base+"/loeschen", back)
		}
		d.Rows = append(d.Rows, row)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return httpx.RenderOK(c, views.UsersPage(usersPageMeta(c, "Benutzerverwaltung"), d))
}

// managedUser loads the user of the :id path parameter.
func (s *Site) managedUser(c echo.Context) (catalog.User, error) {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return catalog.User{}, err
	}
	return s.Store.UserByID(c.Request().Context(), id)
}

// userActionError turns the refusals of the user administration into German messages.
func userActionError(err error) error {
	switch {
	case errors.Is(err, catalog.ErrOwnAccount):
		return echo.NewHTTPError(http.StatusForbidden, "Ihr eigenes Konto verwalten Sie unter „Mein Konto“; hier können Sie es nicht ändern.")
	case errors.Is(err, catalog.ErrLastAdmin):
		return echo.NewHTTPError(http.StatusConflict, "Die letzte Plattformverwaltung kann nicht entfernt werden. Ernennen Sie zuerst eine weitere Person zur Plattformverwaltung (efa user add --admin).")
	case errors.Is(err, catalog.ErrForbidden):
		return echo.NewHTTPError(http.StatusForbidden, "Sie dürfen dieses Konto nicht ändern.")
	}
	return err
}

// refusal is the 403 for an action the viewer may not take on u.
func refusal(p catalog.Principal, u catalog.User, msg string) error {
	if u.ID == p.UserID {
		return userActionError(catalog.ErrOwnAccount)
	}
	return echo.NewHTTPError(http.StatusForbidden, msg)
}

// userFor returns the acting principal and the :id account when allowed
// lets the principal act on it, or the refusal why gives.
func (s *Site) userFor(c echo.Context, allowed func(catalog.Principal, catalog.User) bool, why func(catalog.Principal, catalog.User) string) (catalog.Principal, catalog.User, error) {
	p := httpx.Principal(c)
	u, err := s.managedUser(c)
	if err != nil {
		return p, u, err
	}
	if !allowed(p, u) {
		return p, u, refusal(p, u, why(p, u))
	}
	return p, u, nil
}

// Refusals of the admin-only actions.
var (
	onlyAdminsDelete = because("Konten löscht nur die Plattformverwaltung.")
	onlyAdminsDemote = because("Nur die Plattformverwaltung entzieht einer anderen Person die Plattformverwaltung.")
)

// because is a refusal that reads the same for everyone.
func because(msg string) func(catalog.Principal, catalog.User) string {
	return func(catalog.Principal, catalog.User) string { return msg }
}

// endSessionsOf ends every session of the user, so a changed account logs
// in afresh. Access itself is re-read from the database on each request;
// this also ends what the session carries (a pending notice, the login).
func (s *Site) endSessionsOf(ctx context.Context, userID uint) error {
	return s.Sessions.Iterate(ctx, func(sctx context.Context) error {
		if s.Sessions.GetInt(sctx, httpx.SessionUserID) == int(userID) {
			return s.Sessions.Destroy(sctx)
		}
		return nil
	})
}

// afterUserChange ends the user's sessions, leaves a notice and returns to the list.
func (s *Site) afterUserChange(c echo.Context, userID uint, notice string) error {
	ctx := c.Request().Context()
	if err := s.endSessionsOf(ctx, userID); err != nil {
		// The change is committed and access is re-read on every request;
		// a session left behind only keeps the person logged in without rights.
		s.Log.ErrorContext(ctx, "end sessions after user change", "user", userID, "err", err)
	}
	s.flash(c, notice)
	return c.Redirect(http.StatusSeeOther, backTo(c))
}

// membershipOf finds the :mid membership of u that p may remove.
func membershipOf(c echo.Context, p catalog.Principal, u catalog.User) (catalog.Membership, error) {
	mid, err := httpx.PathID(c, "mid")
	if err != nil {
		return catalog.Membership{}, err
	}
	for _, m := range u.Memberships {
		if m.ID != mid {
			continue
		}
		if !p.CanRemoveMembership(u, m) {
			return m, refusal(p, u, "Diese Rolle können Sie nicht entfernen: Sie gehört zu einer Organisation außerhalb Ihres Landes.")
		}
		return m, nil
	}
	return catalog.Membership{}, fmt.Errorf("membership %d of user %d: %w", mid, u.ID, catalog.ErrNotFound)
}

// HandleMembershipRemoveConfirm asks before a role is taken away.
func (s *Site) HandleMembershipRemoveConfirm(c echo.Context) error {
	p := httpx.Principal(c)
	u, err := s.managedUser(c)
	if err != nil {
		return err
	}
	m, err := membershipOf(c, p, u)
	if err != nil {
		return err
	}
	role := m.Role.Label() + " für " + m.Organisation.Name
	d := views.UserConfirmData{Heading: "Rolle entfernen", Question: "Soll " + u.Name + " die Rolle „" + role + "“ verlieren?",
		Action: c.Request().URL.Path, Button: "Rolle entfernen", Back: backTo(c)}
	if len(u.Memberships) == 1 && !u.Admin {
		d.Consequences = append(d.Consequences, u.Name+" hat danach keine Rolle mehr und kann nur noch lesen; das Konto bleibt bestehen.")
	}
	d.Consequences = append(d.Consequences, "Laufende Sitzungen von "+u.Name+" werden beendet.")
	return renderConfirm(c, "Rolle entfernen", d)
}

// HandleMembershipRemove takes a role away.
func (s *Site) HandleMembershipRemove(c echo.Context) error {
	p := httpx.Principal(c)
	u, err := s.managedUser(c)
	if err != nil {
		return err
	}
	m, err := membershipOf(c, p, u)
	if err != nil {
		return err
	}
	removed, err := s.Store.RemoveMembership(c.Request().Context(), p, u.ID, m.ID)
	if err != nil {
		return userActionError(err)
	}
	notice := u.Name + " hat die Rolle „" + m.Role.Label() + " für " + m.Organisation.Name + "“ nicht mehr."
	if removed.Remaining == 0 && !u.Admin {
		notice += " Das Konto hat keine Rolle mehr."
	}
	return s.afterUserChange(c, u.ID, notice)
}

// activeTokens counts the user's active tokens.
func (s *Site) activeTokens(ctx context.Context, userID uint, now time.Time) (int, error) {
	toks, err := s.Store.TokensByUser(ctx, userID)
	n := 0
	for _, t := range toks {
		if t.Active(now) {
			n++
		}
	}
	return n, err
}

// HandleTokensRevokeConfirm asks before all tokens of a user are revoked, or explains why not.
func (s *Site) HandleTokensRevokeConfirm(c echo.Context) error {
	_, u, err := s.userFor(c, catalog.Principal.CanRevokeTokensOf, tokensRefusal)
	if err != nil {
		return err
	}
	n, err := s.activeTokens(c.Request().Context(), u.ID, time.Now())
	if err != nil {
		return err
	}
	d := views.UserConfirmData{Heading: "API-Tokens widerrufen", Question: fmt.Sprintf("Sollen alle aktiven API-Tokens von %s widerrufen werden (%d)?", u.Name, n),
		Consequences: []string{"Programme, die diese Tokens benutzen, können danach nichts mehr eintragen.", "Laufende Sitzungen von " + u.Name + " werden beendet."},
		Action:       c.Request().URL.Path, Button: "Alle Tokens widerrufen", Back: backTo(c)}
	return renderConfirm(c, "API-Tokens widerrufen", d)
}

// HandleTokensRevoke revokes all active tokens of a user.
func (s *Site) HandleTokensRevoke(c echo.Context) error {
	p, u, err := s.userFor(c, catalog.Principal.CanRevokeTokensOf, tokensRefusal)
	if err != nil {
		return err
	}
	n, err := s.Store.RevokeAllTokens(c.Request().Context(), p, u.ID, time.Now())
	if err != nil {
		return userActionError(err)
	}
	notice := fmt.Sprintf("%d API-Tokens von %s wurden widerrufen.", n, u.Name)
	if n == 1 {
		notice = "1 API-Token von " + u.Name + " wurde widerrufen."
	}
	return s.afterUserChange(c, u.ID, notice)
}

// HandleUserDeleteConfirm asks before an account is deleted.
func (s *Site) HandleUserDeleteConfirm(c echo.Context) error {
	_, u, err := s.userFor(c, catalog.Principal.CanDeleteUser, onlyAdminsDelete)
	if err != nil {
		return err
	}
	d := views.UserConfirmData{Heading: "Konto löschen", Question: "Soll das Konto von " + u.Name + " (" + u.Email + ") endgültig gelöscht werden?",
		Consequences: []string{"Alle Rollen und API-Tokens des Kontos werden gelöscht; laufende Sitzungen enden.",
			"Eingetragene Nachnutzungen und Lösungen bleiben erhalten; das Änderungsprotokoll nennt weiter nur Rollen und Organisationen."},
		Action: c.Request().URL.Path, Button: "Konto endgültig löschen", Back: backTo(c)}
	if u.Admin {
		d.Consequences = append(d.Consequences, u.Name+" gehört zur Plattformverwaltung.")
	}
	return renderConfirm(c, "Konto löschen", d)
}

// HandleUserDelete deletes an account.
func (s *Site) HandleUserDelete(c echo.Context) error {
	p, u, err := s.userFor(c, catalog.Principal.CanDeleteUser, onlyAdminsDelete)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteUserAs(c.Request().Context(), p, u.ID); err != nil {
		return userActionError(err)
	}
	return s.afterUserChange(c, u.ID, "Das Konto von "+u.Name+" wurde gelöscht.")
}

// HandleAdminRevokeConfirm asks before the platform admin role is taken away.
func (s *Site) HandleAdminRevokeConfirm(c echo.Context) error {
	_, u, err := s.userFor(c, catalog.Principal.CanRevokeAdmin, onlyAdminsDemote)
	if err != nil {
		return err
	}
	d := views.UserConfirmData{Heading: "Plattformverwaltung entziehen", Question: "Soll " + u.Name + " nicht mehr zur Plattformverwaltung gehören?",
		Consequences: []string{"Die Rollen für Organisationen bleiben bestehen.", "Laufende Sitzungen von " + u.Name + " werden beendet."},
		Action:       c.Request().URL.Path, Button: "Plattformverwaltung entziehen", Back: backTo(c)}
	if len(u.Memberships) == 0 {
		d.Consequences[0] = u.Name + " hat danach keine Rolle mehr und kann nur noch lesen."
	}
	return renderConfirm(c, "Plattformverwaltung entziehen", d)
}

// HandleAdminRevoke takes the platform admin role away.
func (s *Site) HandleAdminRevoke(c echo.Context) error {
	p, u, err := s.userFor(c, catalog.Principal.CanRevokeAdmin, onlyAdminsDemote)
	if err != nil {
		return err
	}
	if err := s.Store.RevokeAdmin(c.Request().Context(), p, u.ID); err != nil {
		return userActionError(err)
	}
	return s.afterUserChange(c, u.ID, u.Name+" gehört nicht mehr zur Plattformverwaltung.")
}

// renderConfirm shows a confirmation step; it names a person, so it is not cached.
func renderConfirm(c echo.Context, title string, d views.UserConfirmData) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return httpx.RenderOK(c, views.UserConfirmPage(usersPageMeta(c, title, views.Crumb{Label: title}), d))
}

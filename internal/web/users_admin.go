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
	"efa-register/internal/i18n"
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
			return echo.NewHTTPError(http.StatusForbidden, i18n.M("account.users.forbidden"))
		}
		return next(c)
	}
}

// userSorts are the orders of the list.
var userSorts = []string{"name", "email", "created", "login"}

// userSortLabels are the orders of the list in the language of ctx.
func userSortLabels(ctx context.Context) []views.Option {
	return []views.Option{
		{Value: "name", Label: i18n.T(ctx, "account.users.sort_name")},
		{Value: "email", Label: i18n.T(ctx, "account.users.sort_email")},
		{Value: "created", Label: i18n.T(ctx, "account.users.sort_created")},
		{Value: "login", Label: i18n.T(ctx, "account.users.sort_login")},
	}
}

// userScope returns the Länder whose accounts p sees (nil: all) and the sentence saying so.
func (s *Site) userScope(ctx context.Context, p catalog.Principal) ([]string, string) {
	if p.Admin {
		return nil, i18n.T(ctx, "account.users.scope_admin")
	}
	lands := p.Coordinates()
	names := s.landNames(ctx)
	labels := make([]string, len(lands))
	for i, l := range lands {
		labels[i] = names[l]
	}
	return lands, i18n.T(ctx, "account.users.scope_coordinator", "Lands", strings.Join(labels, ", "))
}

func usersPageMeta(c echo.Context, title string, crumbs ...views.Crumb) views.Page {
	ctx := c.Request().Context()
	all := append([]views.Crumb{{Label: i18n.T(ctx, "layout.my_account"), URL: "/konto"}, {Label: i18n.T(ctx, "account.users.heading"), URL: usersPath}}, crumbs...)
	if len(crumbs) == 0 {
		all[1].URL = ""
	}
	return httpx.Page(c, title, "/konto", all...)
}

// loginKind names how a user logs in.
func loginKind(ctx context.Context, password, oidc bool) string {
	switch {
	case password && oidc:
		return i18n.T(ctx, "account.users.login_password_oidc")
	case password:
		return i18n.T(ctx, "account.users.login_password")
	case oidc:
		return i18n.T(ctx, "account.users.login_oidc")
	}
	return i18n.T(ctx, "account.users.login_none")
}

// tokensRefusal says why p may not revoke the tokens of u.
func tokensRefusal(p catalog.Principal, u catalog.User) i18n.Message {
	switch {
	case u.ID == p.UserID:
		return i18n.M("account.users.tokens_own")
	case u.Admin:
		return i18n.M("account.users.tokens_of_admin")
	}
	return i18n.M("account.users.tokens_outside_land")
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
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("account.users.query_too_long"))
	}
	sort := c.QueryParam("sortierung")
	if sort == "" {
		sort = "name"
	}
	known := false
	for _, o := range userSorts {
		known = known || o == sort
	}
	if !known {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("account.users.sort_unknown"))
	}
	pageNo := 1
	if raw := c.QueryParam("seite"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 100000 {
			return echo.NewHTTPError(http.StatusBadRequest, i18n.M("account.users.page_invalid"))
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
	d := views.UsersData{Scope: scope, Query: q, Sort: sort, Sorts: userSortLabels(ctx), Total: total, IsAdmin: p.Admin,
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
			Created: i18n.DateTime(ctx, u.CreatedAt), LastLogin: i18n.T(ctx, "account.users.never"), LoginKind: loginKind(ctx, sum.PasswordLogin, sum.OIDCLogin),
			ActiveTokens: sum.ActiveTokens}
		if u.LastLoginAt != nil {
			row.LastLogin = i18n.DateTime(ctx, *u.LastLoginAt)
		}
		for _, m := range u.Memberships {
			// A coordinator sees only the roles in their Land.
			if m.Organisation == nil || !p.CanManageMembership(*m.Organisation) {
				continue
			}
			mr := views.UserMembershipRow{Role: m.Role.L(ctx), OrgName: m.Organisation.Name, OrgKind: m.Organisation.Kind.L(ctx),
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
			row.TokensNote = i18n.Localize(ctx, tokensRefusal(p, u))
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
	return httpx.RenderOK(c, views.UsersPage(usersPageMeta(c, i18n.T(ctx, "account.users.heading")), d))
}

// managedUser loads the user of the :id path parameter.
func (s *Site) managedUser(c echo.Context) (catalog.User, error) {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return catalog.User{}, err
	}
	return s.Store.UserByID(c.Request().Context(), id)
}

// userActionError turns the refusals of the user administration into messages.
func userActionError(err error) error {
	switch {
	case errors.Is(err, catalog.ErrOwnAccount):
		return echo.NewHTTPError(http.StatusForbidden, i18n.M("account.users.own_account_refused"))
	case errors.Is(err, catalog.ErrLastAdmin):
		return echo.NewHTTPError(http.StatusConflict, i18n.M("account.users.last_admin"))
	case errors.Is(err, catalog.ErrForbidden):
		return echo.NewHTTPError(http.StatusForbidden, i18n.M("account.users.forbidden_account"))
	}
	return err
}

// refusal is the 403 for an action the viewer may not take on u.
func refusal(p catalog.Principal, u catalog.User, msg i18n.Message) error {
	if u.ID == p.UserID {
		return userActionError(catalog.ErrOwnAccount)
	}
	return echo.NewHTTPError(http.StatusForbidden, msg)
}

// userFor returns the acting principal and the :id account when allowed
// lets the principal act on it, or the refusal why gives.
func (s *Site) userFor(c echo.Context, allowed func(catalog.Principal, catalog.User) bool, why func(catalog.Principal, catalog.User) i18n.Message) (catalog.Principal, catalog.User, error) {
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
	onlyAdminsDelete = because(i18n.M("account.users.only_admins_delete"))
	onlyAdminsDemote = because(i18n.M("account.users.only_admins_demote"))
)

// because is a refusal that reads the same for everyone.
func because(msg i18n.Message) func(catalog.Principal, catalog.User) i18n.Message {
	return func(catalog.Principal, catalog.User) i18n.Message { return msg }
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

// afterUserChange ends the user's sessions, leaves a notice (in the reader's
// language) and returns to the list.
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
			return m, refusal(p, u, i18n.M("account.users.role_outside_land"))
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
	ctx := c.Request().Context()
	role := i18n.T(ctx, "account.users.role_for", "Role", m.Role.L(ctx), "Org", m.Organisation.Name)
	title := i18n.T(ctx, "account.users.remove_role")
	d := views.UserConfirmData{Heading: title, Question: i18n.T(ctx, "account.users.remove_role_question", "Name", u.Name, "Role", role),
		Action: c.Request().URL.Path, Button: title, Back: backTo(c)}
	if len(u.Memberships) == 1 && !u.Admin {
		d.Consequences = append(d.Consequences, i18n.T(ctx, "account.users.consequence_last_role", "Name", u.Name))
	}
	d.Consequences = append(d.Consequences, i18n.T(ctx, "account.users.consequence_sessions", "Name", u.Name))
	return renderConfirm(c, title, d)
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
	ctx := c.Request().Context()
	removed, err := s.Store.RemoveMembership(ctx, p, u.ID, m.ID)
	if err != nil {
		return userActionError(err)
	}
	role := i18n.T(ctx, "account.users.role_for", "Role", m.Role.L(ctx), "Org", m.Organisation.Name)
	notice := i18n.T(ctx, "account.users.role_removed", "Name", u.Name, "Role", role)
	if removed.Remaining == 0 && !u.Admin {
		notice += " " + i18n.T(ctx, "account.users.no_role_left")
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
	ctx := c.Request().Context()
	n, err := s.activeTokens(ctx, u.ID, time.Now())
	if err != nil {
		return err
	}
	title := i18n.T(ctx, "account.users.revoke_tokens")
	d := views.UserConfirmData{Heading: title, Question: i18n.T(ctx, "account.users.revoke_tokens_question", "Name", u.Name, "N", n),
		Consequences: []string{i18n.T(ctx, "account.users.consequence_programs"), i18n.T(ctx, "account.users.consequence_sessions", "Name", u.Name)},
		Action:       c.Request().URL.Path, Button: i18n.T(ctx, "account.users.revoke_all_tokens"), Back: backTo(c)}
	return renderConfirm(c, title, d)
}

// HandleTokensRevoke revokes all active tokens of a user.
func (s *Site) HandleTokensRevoke(c echo.Context) error {
	p, u, err := s.userFor(c, catalog.Principal.CanRevokeTokensOf, tokensRefusal)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	n, err := s.Store.RevokeAllTokens(ctx, p, u.ID, time.Now())
	if err != nil {
		return userActionError(err)
	}
	return s.afterUserChange(c, u.ID, i18n.T(ctx, "account.users.tokens_revoked", "Count", n, "Name", u.Name))
}

// HandleUserDeleteConfirm asks before an account is deleted.
func (s *Site) HandleUserDeleteConfirm(c echo.Context) error {
	_, u, err := s.userFor(c, catalog.Principal.CanDeleteUser, onlyAdminsDelete)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	title := i18n.T(ctx, "account.users.delete")
	d := views.UserConfirmData{Heading: title, Question: i18n.T(ctx, "account.users.delete_question", "Name", u.Name, "Email", u.Email),
		Consequences: []string{i18n.T(ctx, "account.users.consequence_delete_roles"), i18n.T(ctx, "account.users.consequence_delete_data")},
		Action:       c.Request().URL.Path, Button: i18n.T(ctx, "account.users.delete_button"), Back: backTo(c)}
	if u.Admin {
		d.Consequences = append(d.Consequences, i18n.T(ctx, "account.users.consequence_is_admin", "Name", u.Name))
	}
	return renderConfirm(c, title, d)
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
	return s.afterUserChange(c, u.ID, i18n.T(c.Request().Context(), "account.users.deleted", "Name", u.Name))
}

// HandleAdminRevokeConfirm asks before the platform admin role is taken away.
func (s *Site) HandleAdminRevokeConfirm(c echo.Context) error {
	_, u, err := s.userFor(c, catalog.Principal.CanRevokeAdmin, onlyAdminsDemote)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	title := i18n.T(ctx, "account.users.revoke_admin")
	d := views.UserConfirmData{Heading: title, Question: i18n.T(ctx, "account.users.revoke_admin_question", "Name", u.Name),
		Consequences: []string{i18n.T(ctx, "account.users.consequence_roles_stay"), i18n.T(ctx, "account.users.consequence_sessions", "Name", u.Name)},
		Action:       c.Request().URL.Path, Button: title, Back: backTo(c)}
	if len(u.Memberships) == 0 {
		d.Consequences[0] = i18n.T(ctx, "account.users.consequence_read_only", "Name", u.Name)
	}
	return renderConfirm(c, title, d)
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
	return s.afterUserChange(c, u.ID, i18n.T(c.Request().Context(), "account.users.admin_revoked", "Name", u.Name))
}

// renderConfirm shows a confirmation step; it names a person, so it is not cached.
func renderConfirm(c echo.Context, title string, d views.UserConfirmData) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return httpx.RenderOK(c, views.UserConfirmPage(usersPageMeta(c, title, views.Crumb{Label: title}), d))
}

package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/views"
)

// dateDE is the German day format (the e-mails use it).
const dateDE = "02.01.2006"

// tokensData lists the user's tokens and the organisations they may create tokens for.
func (s *Site) tokensData(c echo.Context) (views.TokensData, error) {
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	var d views.TokensData
	toks, err := s.Store.TokensByUser(ctx, p.UserID)
	if err != nil {
		return d, err
	}
	now := time.Now()
	for _, t := range toks {
		row := views.TokenRow{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Created: i18n.Date(ctx, t.CreatedAt),
			Expires:  i18n.PartialDate(ctx, t.ExpiresAt.UTC().Format("2006-01-02")), // the day typed (stored as its last second, UTC)
			LastUsed: i18n.T(ctx, "tokens.never_used"), Active: t.Active(now)}
		if t.Organisation != nil {
			row.OrgName = t.Organisation.Name
		}
		if t.LastUsedAt != nil {
			row.LastUsed = i18n.Date(ctx, *t.LastUsedAt)
		}
		switch {
		case t.RevokedAt != nil:
			row.State = i18n.T(ctx, "tokens.state_revoked")
		case !t.Active(now):
			row.State = i18n.T(ctx, "tokens.state_expired")
		default:
			row.State = i18n.T(ctx, "tokens.state_active")
		}
		d.Tokens = append(d.Tokens, row)
	}
	for _, g := range p.Grants {
		o, err := s.Store.OrganisationByKey(ctx, g.Kind, g.Key)
		if err != nil {
			return d, err
		}
		d.Orgs = append(d.Orgs, views.Option{Value: strconv.FormatUint(uint64(o.ID), 10), Label: o.Name + " (" + o.Kind.L(ctx) + ")"})
	}
	d.Form.Expires = now.AddDate(0, 6, 0).Format(i18n.T(ctx, "tokens.date_layout"))
	return d, nil
}

// HandleTokens shows the token page.
func (s *Site) HandleTokens(c echo.Context) error {
	d, err := s.tokensData(c)
	if err != nil {
		return err
	}
	return httpx.RenderOK(c, views.TokensPage(tokensPage(c), d))
}

func tokensPage(c echo.Context) views.Page {
	ctx := c.Request().Context()
	return httpx.Page(c, i18n.T(ctx, "tokens.heading"), "/konto", views.Crumb{Label: i18n.T(ctx, "layout.my_account"), URL: "/konto"}, views.Crumb{Label: i18n.T(ctx, "tokens.heading")})
}

// HandleTokenCreate creates a token for one of the user's organisations and shows its secret once.
func (s *Site) HandleTokenCreate(c echo.Context) error {
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	d, err := s.tokensData(c)
	if err != nil {
		return err
	}
	d.Form = views.TokenForm{Name: strings.TrimSpace(c.FormValue("name")), Org: c.FormValue("organisation"), Expires: c.FormValue("expiresAt")}
	var v catalog.ValidationError
	orgID, _ := strconv.ParseUint(d.Form.Org, 10, 32)
	allowed := false
	for _, g := range p.Grants {
		if uint64(g.OrganisationID) == orgID {
			allowed = true
		}
	}
	if !allowed {
		v.AddM("organisation", i18n.M("tokens.org_missing"))
	}
	// The same date parsing as every date field; a token needs the day.
	var expires time.Time
	iso, ok := catalog.ParsePartialDate(d.Form.Expires)
	if ok && len(iso) == len("2006-01-02") {
		expires, err = time.ParseInLocation("2006-01-02", iso, time.Local)
	}
	if !ok || len(iso) != len("2006-01-02") || err != nil {
		v.AddM("expiresAt", i18n.M("tokens.expires_invalid"))
	}
	secret, hash, err := auth.NewSecret("efa_")
	if err != nil {
		return err
	}
	if v.Err() == nil {
		_, err = s.Store.CreateToken(ctx, p.Actor(), catalog.APIToken{OrganisationID: uint(orgID), UserID: p.UserID,
			Name: d.Form.Name, Hash: hash, Prefix: secret[:10], ExpiresAt: expires.Add(24*time.Hour - time.Second)})
		var ve *catalog.ValidationError
		if errors.As(err, &ve) {
			for k, m := range ve.Fields {
				if msg, ok := ve.Msgs[k]; ok {
					v.AddM(k, msg)
				} else {
					v.Add(k, m)
				}
			}
		} else if err != nil {
			return err
		}
	}
	if v.Err() != nil {
		d.Errors = v.In(ctx)
		return httpx.Render(c, http.StatusUnprocessableEntity, views.TokensPage(tokensPage(c), d), nil)
	}
	d, err = s.tokensData(c)
	if err != nil {
		return err
	}
	d.NewSecret = secret
	// The secret is in this response only: never cache it.
	c.Response().Header().Set("Cache-Control", "no-store")
	return httpx.Render(c, http.StatusCreated, views.TokensPage(tokensPage(c), d), nil)
}

// HandleTokenRevoke revokes one of the user's tokens.
func (s *Site) HandleTokenRevoke(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	p := httpx.Principal(c)
	if err := s.Store.RevokeToken(c.Request().Context(), p.Actor(), p.UserID, id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/konto/tokens")
}

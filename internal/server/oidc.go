package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
)

// OIDCConfig configures login through a Land's identity provider (for example Keycloak).
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret string
	// RedirectURL is this site's callback, e.g. https://efa.example.de/anmelden/oidc/rueckruf.
	RedirectURL string
	// Label names the identity provider on the login page.
	Label string
}

// oidcLogin discovers the provider lazily (on first use, retried after a
// failure), so the register starts even while the identity provider is down.
type oidcLogin struct {
	cfg      OIDCConfig
	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDCLogin(cfg OIDCConfig) *oidcLogin { return &oidcLogin{cfg: cfg} }

func (o *oidcLogin) setup(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		p, err := oidc.NewProvider(ctx, o.cfg.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("oidc discovery: %w", err)
		}
		o.provider = p
	}
	return o.provider, &oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURL: o.cfg.RedirectURL,
		Endpoint: o.provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}, nil
}

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

const (
	sessOIDCState = "oidcState"
	sessOIDCNonce = "oidcNonce"
	sessOIDCNext  = "oidcNext"
)

var errOIDCUnavailable = echo.NewHTTPError(http.StatusServiceUnavailable, i18n.M("auth.oidc_unavailable"))

// handleOIDCStart redirects to the identity provider with a fresh state and nonce.
func (s *server) handleOIDCStart(c echo.Context) error {
	if s.oidc == nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	ctx := c.Request().Context()
	_, cfg, err := s.oidc.setup(ctx)
	if err != nil {
		s.Log.WarnContext(c.Request().Context(), "oidc unavailable", "err", err)
		return errOIDCUnavailable
	}
	state, err := randomToken()
	if err != nil {
		return err
	}
	nonce, err := randomToken()
	if err != nil {
		return err
	}
	s.sessions.Put(ctx, sessOIDCState, state)
	s.sessions.Put(ctx, sessOIDCNonce, nonce)
	s.sessions.Put(ctx, sessOIDCNext, httpx.SafeNext(c.QueryParam("weiter"), "/konto"))
	return c.Redirect(http.StatusFound, cfg.AuthCodeURL(state, oidc.Nonce(nonce)))
}

// errOIDCLogin is shown for every failed callback; the cause goes to the log only.
var errOIDCLogin = echo.NewHTTPError(http.StatusUnauthorized, i18n.M("auth.oidc_failed"))

// handleOIDCCallback checks state, code, ID token (issuer, audience, expiry,
// signature) and nonce, then logs in the linked user, or the user with the
// verified e-mail address (linking it). People without an account are asked to request one.
func (s *server) handleOIDCCallback(c echo.Context) error {
	if s.oidc == nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	ctx := c.Request().Context()
	provider, cfg, err := s.oidc.setup(ctx)
	if err != nil {
		return errOIDCUnavailable
	}
	state := s.sessions.PopString(ctx, sessOIDCState)
	nonce := s.sessions.PopString(ctx, sessOIDCNonce)
	next := s.sessions.PopString(ctx, sessOIDCNext)
	if e := c.QueryParam("error"); e != "" {
		s.Log.InfoContext(c.Request().Context(), "oidc provider returned an error", "error", e)
		return errOIDCLogin
	}
	if state == "" || c.QueryParam("state") != state {
		s.Log.InfoContext(c.Request().Context(), "oidc state mismatch")
		return errOIDCLogin
	}
	tok, err := cfg.Exchange(ctx, c.QueryParam("code"))
	if err != nil {
		s.Log.InfoContext(c.Request().Context(), "oidc code exchange failed", "err", err)
		return errOIDCLogin
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		s.Log.InfoContext(c.Request().Context(), "oidc response without id_token")
		return errOIDCLogin
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: s.oidc.cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		s.Log.InfoContext(c.Request().Context(), "oidc id token rejected", "err", err)
		return errOIDCLogin
	}
	if nonce == "" || idt.Nonce != nonce {
		s.Log.InfoContext(c.Request().Context(), "oidc nonce mismatch")
		return errOIDCLogin
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return errOIDCLogin
	}
	u, err := s.Store.UserByOIDC(ctx, idt.Issuer, idt.Subject)
	if errors.Is(err, catalog.ErrNotFound) && claims.EmailVerified && claims.Email != "" {
		u, err = s.Store.UserByEmail(ctx, strings.ToLower(claims.Email))
		if err == nil {
			err = s.Store.LinkOIDC(ctx, u.ID, idt.Issuer, idt.Subject)
		}
	}
	if errors.Is(err, catalog.ErrNotFound) {
		return echo.NewHTTPError(http.StatusForbidden, i18n.M("auth.oidc_no_account"))
	}
	if err != nil {
		return err
	}
	if err := s.startSession(ctx, u.ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, httpx.SafeNext(next, "/konto"))
}

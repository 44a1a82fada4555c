package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"efa-register/internal/insights"
	"efa-register/internal/server"
	"efa-register/internal/store"
)

// loadAuth reads the login and session settings:
//
//	EFA_COOKIE_SECURE      "false" only for plain-HTTP development (default true)
//	EFA_SESSION_IDLE       idle timeout of a session (default 30m)
//	EFA_SESSION_LIFETIME   absolute lifetime of a session (default 12h)
//	EFA_OIDC_ISSUER, EFA_OIDC_CLIENT_ID, EFA_OIDC_CLIENT_SECRET, EFA_OIDC_REDIRECT_URL
//	                       login through a Land's identity provider (all four, or none)
func loadAuth(getenv func(string) string) (server.AuthConfig, error) {
	a := server.AuthConfig{CookieSecure: true, IdleTimeout: 30 * time.Minute, Lifetime: 12 * time.Hour}
	if v := getenv("EFA_COOKIE_SECURE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return a, fmt.Errorf("EFA_COOKIE_SECURE=%q: erwartet true oder false: %w", v, errUsage)
		}
		a.CookieSecure = b
	}
	for name, dst := range map[string]*time.Duration{"EFA_SESSION_IDLE": &a.IdleTimeout, "EFA_SESSION_LIFETIME": &a.Lifetime} {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Minute {
				return a, fmt.Errorf("%s=%q: erwartet eine Dauer von mindestens 1m, z. B. 30m oder 12h: %w", name, v, errUsage)
			}
			*dst = d
		}
	}
	if a.IdleTimeout > a.Lifetime {
		return a, fmt.Errorf("EFA_SESSION_IDLE darf nicht länger sein als EFA_SESSION_LIFETIME: %w", errUsage)
	}
	a.OIDC = server.OIDCConfig{Issuer: getenv("EFA_OIDC_ISSUER"), ClientID: getenv("EFA_OIDC_CLIENT_ID"),
		ClientSecret: getenv("EFA_OIDC_CLIENT_SECRET"), RedirectURL: getenv("EFA_OIDC_REDIRECT_URL")}
	set := 0
	for _, v := range []string{a.OIDC.Issuer, a.OIDC.ClientID, a.OIDC.ClientSecret, a.OIDC.RedirectURL} {
		if v != "" {
			set++
		}
	}
	if set != 0 && set != 4 {
		return a, fmt.Errorf("OIDC braucht EFA_OIDC_ISSUER, EFA_OIDC_CLIENT_ID, EFA_OIDC_CLIENT_SECRET und EFA_OIDC_REDIRECT_URL zusammen: %w", errUsage)
	}
	return a, nil
}

// sweepSessions deletes expired sessions every ten minutes until ctx ends.
func sweepSessions(ctx context.Context, st *store.Store, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := st.Sessions().DeleteExpired(ctx); err != nil {
				log.Warn("delete expired sessions", "err", err)
			} else if n > 0 {
				log.Debug("expired sessions deleted", "count", n)
			}
		}
	}
}

// loadSavings reads the assumptions of the Digitalisierungsrendite:
//
//	EFA_SAVINGS_YEARS              years of operating costs counted (default 5)
//	EFA_SAVINGS_ONBOARDING_SHARE   one-off adoption cost as a share of the build cost (default 0.1)
func loadSavings(getenv func(string) string) (insights.SavingsConfig, error) {
	cfg := insights.DefaultSavingsConfig
	if v := getenv("EFA_SAVINGS_YEARS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 30 {
			return cfg, fmt.Errorf("EFA_SAVINGS_YEARS=%q: erwartet eine ganze Zahl von Jahren von 1 bis 30: %w", v, errUsage)
		}
		cfg.Years = n
	}
	if v := getenv("EFA_SAVINGS_ONBOARDING_SHARE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			return cfg, fmt.Errorf("EFA_SAVINGS_ONBOARDING_SHARE=%q: erwartet einen Anteil von 0 bis 1, z. B. 0.1: %w", v, errUsage)
		}
		cfg.OnboardingShare = f
	}
	return cfg, nil
}

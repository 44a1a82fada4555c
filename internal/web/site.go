// Package web is the register's HTML face: the browsing pages (catalogue,
// solutions, OZG-Leistungen, Länder, Kreise, Gemeinden, insights,
// history), the forms of accounts, solutions and adoptions with their htmx
// fragments, and the administration pages. Every page is a templ view
// (package views) rendered through httpx.Render. The routes, sessions,
// login and CSRF protection are internal/server's; the handlers here read
// who acts from httpx.Principal.
package web

import (
	"log/slog"

	"github.com/alexedwards/scs/v2"

	"efa-register/internal/httpx"
	"efa-register/internal/insights"
	"efa-register/internal/mail"
	"efa-register/internal/publiccode"
	"efa-register/internal/search"
	"efa-register/internal/store"
	"efa-register/views"
)

// Deps are what the page handlers need.
type Deps struct {
	Store *store.Store
	Log   *slog.Logger
	// Version is the build version shown in the Impressum.
	Version string
	// Insights keeps the scoreboard, coverage and savings figures (nil in tests that do not need them).
	Insights *insights.Engine
	// Search is the full-text index (nil in tests that do not need it).
	Search *search.Index
	// Throttle bounds the account requests per client (shared with the login).
	Throttle *store.Throttle
	// Sessions carry notices between a form and the page after it, and the
	// publiccode.yml draft between preview and save.
	Sessions *scs.SessionManager
	// Operator are the details of whoever runs this instance, shown in
	// Impressum, Datenschutz and the accessibility statement.
	Operator views.Operator
	// PublicURL is the register's public address (EFA_PUBLIC_URL); empty
	// means the address the request came to.
	PublicURL string
	// PubliccodeFetcher fetches publiccode.yml files from URLs for the
	// import (EFA_PUBLICCODE_FETCH=true); nil means upload only.
	PubliccodeFetcher *publiccode.Fetcher
	// Mail sends the e-mails of accounts and requests (EFA_SMTP_URL); nil
	// sends none, and the pages say so.
	Mail *mail.Mailer
	// Exports bounds the downloads streamed at the same time, shared with
	// the API's exports (a gate of httpx.DefaultExportSlots when nil).
	Exports *httpx.ExportGate
}

// Site carries the page handlers and the caches of the browsing pages.
type Site struct {
	Deps
	// pages memoises derived figures of the browsing pages per data version (pagecache.go).
	pages *pageCaches
}

// New returns the page handlers over d.
func New(d Deps) *Site {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Exports == nil {
		d.Exports = httpx.NewExportGate(0)
	}
	return &Site{Deps: d, pages: newPageCaches()}
}

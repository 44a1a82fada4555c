package web

import (
	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/static"
)

// routes registers every route of the application, in one place.
func (s *server) routes(e *echo.Echo) {
	// Operational middleware (middleware.go): HEAD as GET, request ids, logs,
	// metrics, security headers, limits, panics as 500, trailing slashes
	// redirected; in one step, as Echo applies middleware per request.
	s.useOps(e)
	e.Use(pagesOnly(s.withSession(), s.csrf()))

	// Operations
	e.GET("/healthz", s.handleHealthz)
	e.GET("/readyz", s.handleReadyz)
	e.GET("/metrics", s.handleMetrics)

	// Static assets (embedded)
	e.StaticFS("/static", static.FS)

	// Pages
	e.GET("/", s.handleHome)

	// Browsing: solutions, OZG-Leistungen, Themenfelder, Länder, Kreise, Gemeinden, comparison, legal pages
	e.GET("/loesungen", s.handleCatalogue)
	e.GET("/loesungen/:slug", s.handleSolutionShow)
	e.GET("/leistungen/:id", s.handleServiceShow)
	e.GET("/themenfelder", s.handleTopicList)
	e.GET("/themenfelder/:id", s.handleTopicShow)
	e.GET("/laender", s.handleScoreboard)
	e.GET("/laender/:code", s.handleLandShow)
	e.GET("/kreise/:key", s.handleKreisShow)
	e.GET("/gemeinden/:ars", s.handleGemeindeShow)
	e.GET("/vergleich", s.handleCompare)
	e.GET("/impressum", s.handleImprint)
	e.GET("/datenschutz", s.handlePrivacy)
	e.GET("/barrierefreiheit", s.handleAccessibility)
	e.GET("/datenquellen", s.handleSources)

	// Accounts: login, own account, API tokens
	e.GET("/anmelden", s.handleLoginForm)
	e.POST("/anmelden", s.handleLogin)
	e.POST("/abmelden", s.handleLogout)
	e.GET("/anmelden/oidc", s.handleOIDCStart)
	e.GET("/anmelden/oidc/rueckruf", s.handleOIDCCallback)
	e.GET("/konto", s.handleAccount, requireLogin)
	e.POST("/konto/loeschen", s.handleAccountDelete, requireLogin)
	e.GET("/konto/tokens", s.handleTokens, requireLogin)
	e.POST("/konto/tokens", s.handleTokenCreate, requireLogin)
	e.POST("/konto/tokens/:id/widerrufen", s.handleTokenRevoke, requireLogin)
	e.GET("/konto/beantragen", s.handleRequestForm)
	e.POST("/konto/beantragen", s.handleRequestCreate)
	e.GET("/konto/antrag/:token", s.handleRequestStatus)
	e.GET("/verwaltung/antraege", s.handleRequests, requireLogin)
	e.POST("/verwaltung/antraege/:id", s.handleRequestDecide, requireLogin)
	e.GET("/verwaltung/webhooks", s.handleWebhooks, requireLogin, requireAdmin)
	e.POST("/verwaltung/webhooks", s.handleWebhookAdd, requireLogin, requireAdmin)
	e.POST("/verwaltung/webhooks/:id/loeschen", s.handleWebhookRemove, requireLogin, requireAdmin)
	e.GET("/verwaltung/import", s.handleImportForm, requireLogin)
	e.POST("/verwaltung/import", s.handleImport, requireLogin)

	// User administration: admins (all accounts) and Land coordinators (accounts in their Land) (users_admin.go)
	e.GET("/verwaltung/benutzer", s.handleUsers, requireLogin, requireUserAdmin)
	e.GET("/verwaltung/benutzer/:id/rollen/:mid/entfernen", s.handleMembershipRemoveConfirm, requireLogin, requireUserAdmin)
	e.POST("/verwaltung/benutzer/:id/rollen/:mid/entfernen", s.handleMembershipRemove, requireLogin, requireUserAdmin)
	e.GET("/verwaltung/benutzer/:id/tokens/widerrufen", s.handleTokensRevokeConfirm, requireLogin, requireUserAdmin)
	e.POST("/verwaltung/benutzer/:id/tokens/widerrufen", s.handleTokensRevoke, requireLogin, requireUserAdmin)
	e.GET("/verwaltung/benutzer/:id/adminrecht/entziehen", s.handleAdminRevokeConfirm, requireLogin, requireUserAdmin)
	e.POST("/verwaltung/benutzer/:id/adminrecht/entziehen", s.handleAdminRevoke, requireLogin, requireUserAdmin)
	e.GET("/verwaltung/benutzer/:id/loeschen", s.handleUserDeleteConfirm, requireLogin, requireUserAdmin)
	e.POST("/verwaltung/benutzer/:id/loeschen", s.handleUserDelete, requireLogin, requireUserAdmin)

	// Registration: solutions (static paths win over /loesungen/:slug)
	e.GET("/loesungen/neu", s.handleSolutionNew, requireLogin)
	e.POST("/loesungen/neu", s.handleSolutionSave, requireLogin)
	e.GET("/loesungen/neu/aehnliche", s.handleDraftSimilar)
	e.GET("/loesungen/:slug/bearbeiten", s.handleSolutionEdit, requireLogin)
	e.POST("/loesungen/:slug/bearbeiten", s.handleSolutionSave, requireLogin)
	e.POST("/loesungen/:slug/loeschen", s.handleSolutionDelete, requireLogin)

	// Registration: adoptions
	e.GET("/loesungen/:slug/nachnutzung", s.handleAdoptionForm, requireLogin)
	e.POST("/loesungen/:slug/nachnutzung", s.handleAdoptionSubmit, requireLogin)
	e.POST("/nachnutzungen/:id/rueckmeldung", s.handleAdoptionConfirm, requireLogin)
	e.POST("/nachnutzungen/:id/loeschen", s.handleAdoptionDelete, requireLogin)

	// Insights: scoreboard, Digitalisierungsrendite, coverage, white spots, demand radar
	e.GET("/laender.csv", s.handleScoreboardTable)
	e.GET("/laender.xlsx", s.handleScoreboardTable)
	e.GET("/laender/:code/luecken", s.handleLandGaps)
	e.GET("/laender/:code/luecken.csv", s.handleLandGaps)
	e.GET("/einblicke/:seite", s.handleInsight)
	e.GET("/einblicke/:seite/:tabelle", s.handleInsightCSV)

	// History (event log, field by field)
	e.GET("/loesungen/:slug/historie", s.handleSolutionHistory)
	e.GET("/laender/:code/historie", s.handleOrganisationHistory(catalog.KindLand, "code"))
	e.GET("/kreise/:key/historie", s.handleOrganisationHistory(catalog.KindKreis, "key"))
	e.GET("/gemeinden/:ars/historie", s.handleOrganisationHistory(catalog.KindGemeinde, "ars"))

	// JSON API (CORS for reads and 400 problems naming bad parameters for the whole group: api_http.go, api_params.go)
	api := e.Group("/api/v1", apiMiddleware())
	api.GET("/stats", s.handleAPIStats)
	// Read API, export, change feed, OpenAPI document (api_*.go) and the news feeds
	api.GET("/openapi.json", s.handleOpenAPI)
	api.GET("/export", s.handleAPIExport)
	api.GET("/changes", s.handleAPIChanges)
	api.GET("/solutions", s.handleAPISolutions)
	api.GET("/solutions/:slug", s.handleAPISolution)
	api.GET("/solutions/:slug/adoptions", s.handleAPISolutionAdoptions)
	api.GET("/adoptions/:id", s.handleAPIAdoption)
	api.GET("/services", s.handleAPIServices)
	api.GET("/services/:ozgId", s.handleAPIService)
	api.GET("/topic-fields", s.handleAPITopicFields)
	api.GET("/organisations", s.handleAPIOrganisations)
	api.GET("/organisations/:kind/:key", s.handleAPIOrganisation)
	api.GET("/organisations/:kind/:key/adoptions", s.handleAPIOrganisationAdoptions)
	api.GET("/states", s.handleAPIStates)
	api.GET("/states/:key/adoptions", s.handleAPIStateAdoptions)
	e.GET("/feed.json", s.handleJSONFeed, apiCORS())
	e.GET("/feed.atom", s.handleAtomFeed, apiCORS())
	e.GET("/api", s.handleAPIPage)
	// Search: full text with facets, organisation type-ahead (search.go)
	api.GET("/search", s.handleAPISearch)
	api.GET("/organisations/lookup", s.handleAPIOrgLookup)
	api.GET("/scoreboard", s.handleAPIScoreboard)
	api.GET("/savings", s.handleAPISavings)
	api.GET("/coverage/services/:ozgId", s.handleAPICoverage)
	api.GET("/white-spots", s.handleAPIWhiteSpots)
	api.GET("/demand", s.handleAPIDemand)
	// Interoperability: publiccode.yml import and export, spreadsheet exports (publiccode.go, exports.go)
	e.GET("/loesungen/import", s.handlePubliccodeForm, requireLogin)
	e.POST("/loesungen/import", s.handlePubliccodeImport, requireLogin)
	e.GET("/loesungen/:slug/publiccode.yml", s.handlePubliccodeExport)
	api.GET("/solutions/:slug/publiccode.yml", s.handlePubliccodeExport)
	api.GET("/export/solutions.csv", s.handleExportSolutions)
	api.GET("/export/solutions.xlsx", s.handleExportSolutions)
	api.GET("/export/adoptions.csv", s.handleExportAdoptions)
	api.GET("/export/adoptions.xlsx", s.handleExportAdoptions)
	api.POST("/adoptions", s.handleAPIAdoptionCreate, s.requireToken)
	api.PATCH("/adoptions/:id", s.handleAPIAdoptionPatch, s.requireToken)
	api.DELETE("/adoptions/:id", s.handleAPIAdoptionDelete, s.requireToken)
}

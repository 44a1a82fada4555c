package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"efa-register/internal/api"
	"efa-register/internal/catalog"
	"efa-register/internal/web"
)

// routes registers every route of the application, in one place: the
// server's own (probes, static files, login), the pages of internal/web (w)
// and the JSON API and feeds of internal/api (a).
func (s *server) routes(e *echo.Echo) {
	a, w := s.api, s.site
	// Operational middleware (middleware.go): HEAD as GET, request ids, logs,
	// metrics, security headers, limits, panics as 500, trailing slashes
	// redirected; in one step, as Echo applies middleware per request.
	s.useOps(e)
	e.Use(s.language(), pagesOnly(s.withSession(), s.csrf()))

	// Operations
	e.GET("/healthz", s.handleHealthz)
	e.GET("/readyz", s.handleReadyz)
	e.GET("/metrics", s.handleMetrics)

	// Static assets (embedded)
	e.GET("/static/*", handleStatic)
	// Browsers ask for /favicon.ico where a page names no icon (JSON, feeds).
	e.GET("/favicon.ico", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/static/favicon.svg") })

	// Pages
	e.GET("/", w.HandleHome)

	// Browsing: solutions, OZG-Leistungen, Themenfelder, Länder, Kreise, Gemeinden, comparison, legal pages
	e.GET("/loesungen", w.HandleCatalogue)
	e.GET("/loesungen.csv", w.HandleCatalogueExport)
	e.GET("/loesungen.xlsx", w.HandleCatalogueExport)
	e.GET("/loesungen/:slug", w.HandleSolutionShow)
	e.GET("/leistungen/:id", w.HandleServiceShow)
	e.GET("/themenfelder", w.HandleTopicList)
	e.GET("/themenfelder/:id", w.HandleTopicShow)
	e.GET("/laender", w.HandleScoreboard)
	e.GET("/laender/:code", w.HandleLandShow)
	e.GET("/kreise/:key", w.HandleKreisShow)
	e.GET("/gemeinden/:ars", w.HandleGemeindeShow)
	e.GET("/vergleich", w.HandleCompare)
	e.GET("/vergleich.csv", w.HandleCompareExport)
	e.GET("/vergleich.xlsx", w.HandleCompareExport)
	e.GET("/vergleich.json", w.HandleCompareExport)
	e.GET("/impressum", w.HandleImprint)
	e.GET("/datenschutz", w.HandlePrivacy)
	e.GET("/barrierefreiheit", w.HandleAccessibility)
	e.GET("/datenquellen", w.HandleSources)

	// Accounts: login, own account, API tokens
	e.GET("/anmelden", s.handleLoginForm)
	e.POST("/anmelden", s.handleLogin)
	e.POST("/abmelden", s.handleLogout)
	e.GET("/anmelden/oidc", s.handleOIDCStart)
	e.GET("/anmelden/oidc/rueckruf", s.handleOIDCCallback)
	e.GET("/konto", w.HandleAccount, requireLogin)
	e.POST("/konto/loeschen", w.HandleAccountDelete, requireLogin)
	e.GET("/konto/passwort", w.HandlePasswordForm, requireLogin)
	e.POST("/konto/passwort", w.HandlePasswordChange, requireLogin)
	e.GET("/passwort-vergessen", w.HandleForgotForm)
	e.POST("/passwort-vergessen", w.HandleForgot)
	e.GET("/passwort-neu/:token", w.HandleResetForm)
	e.POST("/passwort-neu/:token", w.HandleReset)
	e.GET("/konto/tokens", w.HandleTokens, requireLogin)
	e.POST("/konto/tokens", w.HandleTokenCreate, requireLogin)
	e.POST("/konto/tokens/:id/widerrufen", w.HandleTokenRevoke, requireLogin)
	e.GET("/konto/beantragen", w.HandleRequestForm)
	e.POST("/konto/beantragen", w.HandleRequestCreate)
	e.GET("/konto/antrag/:token", w.HandleRequestStatus)
	e.GET("/verwaltung/antraege", w.HandleRequests, requireLogin)
	e.POST("/verwaltung/antraege/:id", w.HandleRequestDecide, requireLogin)
	e.GET("/verwaltung/webhooks", w.HandleWebhooks, requireLogin, web.RequireAdmin)
	e.POST("/verwaltung/webhooks", w.HandleWebhookAdd, requireLogin, web.RequireAdmin)
	e.POST("/verwaltung/webhooks/:id/loeschen", w.HandleWebhookRemove, requireLogin, web.RequireAdmin)
	e.GET("/verwaltung/import", w.HandleImportForm, requireLogin)
	e.POST("/verwaltung/import", w.HandleImport, requireLogin)

	// User administration: admins (all accounts) and Land coordinators (accounts in their Land) (users_admin.go)
	e.GET("/verwaltung/benutzer", w.HandleUsers, requireLogin, web.RequireUserAdmin)
	e.GET("/verwaltung/benutzer/:id/rollen/:mid/entfernen", w.HandleMembershipRemoveConfirm, requireLogin, web.RequireUserAdmin)
	e.POST("/verwaltung/benutzer/:id/rollen/:mid/entfernen", w.HandleMembershipRemove, requireLogin, web.RequireUserAdmin)
	e.GET("/verwaltung/benutzer/:id/tokens/widerrufen", w.HandleTokensRevokeConfirm, requireLogin, web.RequireUserAdmin)
	e.POST("/verwaltung/benutzer/:id/tokens/widerrufen", w.HandleTokensRevoke, requireLogin, web.RequireUserAdmin)
	e.GET("/verwaltung/benutzer/:id/adminrecht/entziehen", w.HandleAdminRevokeConfirm, requireLogin, web.RequireUserAdmin)
	e.POST("/verwaltung/benutzer/:id/adminrecht/entziehen", w.HandleAdminRevoke, requireLogin, web.RequireUserAdmin)
	e.GET("/verwaltung/benutzer/:id/loeschen", w.HandleUserDeleteConfirm, requireLogin, web.RequireUserAdmin)
	e.POST("/verwaltung/benutzer/:id/loeschen", w.HandleUserDelete, requireLogin, web.RequireUserAdmin)

	// Registration: solutions (static paths win over /loesungen/:slug)
	e.GET("/loesungen/neu", w.HandleSolutionNew, requireLogin)
	e.POST("/loesungen/neu", w.HandleSolutionSave, requireLogin)
	e.GET("/loesungen/neu/aehnliche", w.HandleDraftSimilar)
	e.GET("/loesungen/:slug/bearbeiten", w.HandleSolutionEdit, requireLogin)
	e.POST("/loesungen/:slug/bearbeiten", w.HandleSolutionSave, requireLogin)
	e.POST("/loesungen/:slug/loeschen", w.HandleSolutionDelete, requireLogin)
	e.GET("/loesungen/:slug/versionen", w.HandleReleases, requireLogin)
	e.POST("/loesungen/:slug/versionen", w.HandleReleaseAdd, requireLogin)
	e.POST("/loesungen/:slug/versionen/loeschen", w.HandleReleaseDelete, requireLogin)

	// Registration: adoptions
	e.GET("/loesungen/:slug/nachnutzung", w.HandleAdoptionForm, requireLogin)
	e.POST("/loesungen/:slug/nachnutzung", w.HandleAdoptionSubmit, requireLogin)
	e.POST("/nachnutzungen/:id/rueckmeldung", w.HandleAdoptionConfirm, requireLogin)
	e.POST("/nachnutzungen/:id/loeschen", w.HandleAdoptionDelete, requireLogin)
	e.GET("/nachnutzungen/:id/bearbeiten", w.HandleAdoptionEdit, requireLogin)
	e.POST("/nachnutzungen/:id/bearbeiten", w.HandleAdoptionUpdate, requireLogin)
	e.POST("/nachnutzungen/:id/meldung", w.HandleClaimAnswer, requireLogin)

	// Security advisories: the list and each advisory for everyone who may read it; the provider writes, the affected answer
	e.GET("/sicherheitshinweise", w.HandleAdvisoryList)
	e.GET("/sicherheitshinweise/:id", w.HandleAdvisoryShow)
	e.GET("/sicherheitshinweise/:id/umsetzung.csv", w.HandleAdvisoryRolloutCSV, requireLogin)
	e.POST("/sicherheitshinweise/:id/rueckmeldung", w.HandleAdvisoryRespond, requireLogin)
	e.GET("/sicherheitshinweise/:id/bearbeiten", w.HandleAdvisoryEdit, requireLogin)
	e.POST("/sicherheitshinweise/:id/bearbeiten", w.HandleAdvisoryUpdate, requireLogin)
	e.GET("/loesungen/:slug/sicherheitshinweise/neu", w.HandleAdvisoryNew, requireLogin)
	e.POST("/loesungen/:slug/sicherheitshinweise/neu", w.HandleAdvisoryCreate, requireLogin)
	e.POST("/loesungen/:slug/sicherheitshinweise/csaf", w.HandleAdvisoryCSAF, requireLogin)

	// Insights: scoreboard, Digitalisierungsrendite, coverage, white spots, demand radar
	e.GET("/laender.csv", w.HandleScoreboardTable)
	e.GET("/laender.xlsx", w.HandleScoreboardTable)
	e.GET("/laender/:code/luecken", w.HandleLandGaps)
	e.GET("/laender/:code/luecken.csv", w.HandleLandGaps)
	e.GET("/gemeinden/:ars/luecken", w.HandleGemeindeGaps)
	e.GET("/gemeinden/:ars/luecken.csv", w.HandleGemeindeGaps)
	e.GET("/einblicke", w.HandleInsightsIndex)
	e.GET("/einblicke/:seite", w.HandleInsight)
	e.GET("/einblicke/:seite/:tabelle", w.HandleInsightCSV)

	// History (event log, field by field)
	e.GET("/loesungen/:slug/historie", w.HandleSolutionHistory)
	e.GET("/laender/:code/historie", w.HandleOrganisationHistory(catalog.KindLand, "code"))
	e.GET("/kreise/:key/historie", w.HandleOrganisationHistory(catalog.KindKreis, "key"))
	e.GET("/gemeinden/:ars/historie", w.HandleOrganisationHistory(catalog.KindGemeinde, "ars"))

	// Environments (what an organisation runs, for the fit check): everyone reads, only members write (store)
	e.GET("/laender/:code/umgebung", w.HandleEnvironment(catalog.KindLand, "code"))
	e.GET("/kreise/:key/umgebung", w.HandleEnvironment(catalog.KindKreis, "key"))
	e.GET("/gemeinden/:ars/umgebung", w.HandleEnvironment(catalog.KindGemeinde, "ars"))
	e.POST("/laender/:code/umgebung", w.HandleEnvironmentSave(catalog.KindLand, "code"), requireLogin)
	e.POST("/kreise/:key/umgebung", w.HandleEnvironmentSave(catalog.KindKreis, "key"), requireLogin)
	e.POST("/gemeinden/:ars/umgebung", w.HandleEnvironmentSave(catalog.KindGemeinde, "ars"), requireLogin)

	// Interoperability pages: publiccode.yml import (web) and export (api)
	e.GET("/loesungen/import", w.HandlePubliccodeForm, requireLogin)
	e.POST("/loesungen/import", w.HandlePubliccodeImport, requireLogin)
	e.GET("/loesungen/:slug/publiccode.yml", a.HandlePubliccodeExport)

	// Public security advisories as a CSAF 2.0 directory (internal/api)
	e.GET("/.well-known/csaf/provider-metadata.json", a.HandleCSAFProviderMetadata, api.CORS())
	e.GET("/.well-known/csaf/white/index.txt", a.HandleCSAFIndex, api.CORS())
	e.GET("/.well-known/csaf/white/changes.csv", a.HandleCSAFIndex, api.CORS())
	e.GET("/.well-known/csaf/white/:year/:file", a.HandleCSAFFile, api.CORS())

	// The API explained in German, and the news feeds (internal/api)
	e.GET("/api", a.HandleGuide)
	e.GET("/feed.json", a.HandleJSONFeed, api.CORS())
	e.GET("/feed.atom", a.HandleAtomFeed, api.CORS())

	// JSON API (internal/api): CORS for reads and 400 problems naming bad parameters for the whole group
	v1 := e.Group("/api/v1", api.Middleware())
	v1.GET("/stats", a.HandleStats)
	v1.GET("/openapi.json", a.HandleOpenAPI)
	// Export, change feed and spreadsheets
	v1.GET("/export", a.HandleExport)
	v1.GET("/changes", a.HandleChanges, s.optionalToken)
	v1.GET("/export/solutions.csv", a.HandleExportSolutions)
	v1.GET("/export/solutions.xlsx", a.HandleExportSolutions)
	v1.GET("/export/adoptions.csv", a.HandleExportAdoptions)
	v1.GET("/export/adoptions.xlsx", a.HandleExportAdoptions)
	// Resources
	v1.GET("/solutions", a.HandleSolutions)
	v1.GET("/solutions/:slug", a.HandleSolution)
	v1.GET("/solutions/:slug/adoptions", a.HandleSolutionAdoptions)
	v1.GET("/solutions/:slug/publiccode.yml", a.HandlePubliccodeExport)
	v1.GET("/solutions/:slug/releases", a.HandleReleases)
	v1.GET("/solutions/:slug/releases/:version", a.HandleRelease)
	v1.GET("/adoptions/:id", a.HandleAdoption)
	v1.GET("/services", a.HandleServices)
	v1.GET("/services/:ozgId", a.HandleService)
	v1.GET("/topic-fields", a.HandleTopicFields)
	v1.GET("/organisations", a.HandleOrganisations)
	v1.GET("/organisations/lookup", a.HandleOrgLookup)
	v1.GET("/organisations/:kind/:key", a.HandleOrganisation)
	v1.GET("/organisations/:kind/:key/adoptions", a.HandleOrganisationAdoptions)
	v1.GET("/organisations/:kind/:key/fit", a.HandleOrganisationFit)
	v1.GET("/states", a.HandleStates)
	v1.GET("/states/:key/adoptions", a.HandleStateAdoptions)
	v1.GET("/search", a.HandleSearch)
	// Insights
	v1.GET("/scoreboard", a.HandleScoreboard)
	v1.GET("/savings", a.HandleSavings)
	v1.GET("/coverage/services/:ozgId", a.HandleCoverage)
	v1.GET("/white-spots", a.HandleWhiteSpots)
	v1.GET("/demand", a.HandleDemand)
	// Writes by API token
	v1.POST("/adoptions", a.HandleAdoptionCreate, s.requireToken)
	v1.PATCH("/adoptions/:id", a.HandleAdoptionPatch, s.requireToken)
	v1.DELETE("/adoptions/:id", a.HandleAdoptionDelete, s.requireToken)
	v1.POST("/solutions", a.HandleSolutionCreate, s.requireToken)
	v1.PUT("/solutions/:slug", a.HandleSolutionPut, s.requireToken)
	v1.PATCH("/solutions/:slug", a.HandleSolutionPatch, s.requireToken)
	v1.DELETE("/solutions/:slug", a.HandleSolutionDelete, s.requireToken)
	v1.POST("/solutions/:slug/publiccode", a.HandleSolutionPubliccode, s.requireToken)
	v1.POST("/solutions/:slug/releases", a.HandleReleaseCreate, s.requireToken)
	v1.PUT("/solutions/:slug/releases/:version", a.HandleReleasePut, s.requireToken)
	v1.DELETE("/solutions/:slug/releases/:version", a.HandleReleaseDelete, s.requireToken)
	// Security advisories: reads answer by token (restricted ones only for the affected), writes need one
	v1.GET("/advisories", a.HandleAdvisories, s.optionalToken)
	v1.GET("/advisories/:id", a.HandleAdvisory, s.optionalToken)
	v1.GET("/advisories/:id/rollout", a.HandleAdvisoryRollout, s.requireToken)
	v1.GET("/advisories/:id/csaf", a.HandleAdvisoryCSAF, s.optionalToken)
	v1.GET("/organisations/:kind/:key/advisories/feed.atom", a.HandleOrganisationAdvisoryFeed, s.optionalToken)
	v1.GET("/organisations/:kind/:key/advisories/feed.json", a.HandleOrganisationAdvisoryFeed, s.optionalToken)
	v1.POST("/solutions/:slug/advisories", a.HandleAdvisoryCreate, s.requireToken)
	v1.PATCH("/advisories/:id", a.HandleAdvisoryPatch, s.requireToken)
	v1.PUT("/advisories/:id/responses/:kind/:key", a.HandleAdvisoryResponse, s.requireToken)
}

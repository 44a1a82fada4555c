package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
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

// lookupOrgs finds Länder, Kreise and Gemeinden by name prefix, AGS, ARS or postcode.
func (s *Site) lookupOrgs(ctx context.Context, q string, n int) ([]catalog.Organisation, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	if s.Search == nil {
		return s.Store.LookupOrganisations(ctx, q, n)
	}
	// The index folds umlauts and spellings ("Muenster" finds Münster).
	hits, err := s.Search.LookupOrganisations(ctx, q, n)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Organisation, 0, len(hits))
	for _, h := range hits {
		if o, err := s.Store.OrganisationByKey(ctx, h.Kind, h.Key); err == nil && o.RetiredAt == nil {
			out = append(out, o)
		}
	}
	return out, nil
}

func (s *Site) orgChoices(ctx context.Context, orgs []catalog.Organisation) []views.OrgChoice {
	names := s.landNames(ctx)
	coordinated, err := s.Store.CoordinatedLands(ctx)
	if err != nil {
		s.Log.ErrorContext(ctx, "coordinated Länder", "err", err)
	}
	out := make([]views.OrgChoice, 0, len(orgs))
	for _, o := range orgs {
		if o.Kind == catalog.KindBund {
			continue
		}
		out = append(out, views.OrgChoice{ID: strconv.FormatUint(uint64(o.ID), 10), Name: o.Name, Kind: o.Kind.L(ctx),
			Land: names[o.LandKey], AGS: o.AGS, PLZ: o.Postcode, Decider: deciderLabel(ctx, coordinated[o.LandKey], names[o.LandKey])})
	}
	return out
}

// deciderLabel names who decides the requests of a Land, as the object of
// "entscheidet" ("Decided by"): its coordinators, else the platform admins.
func deciderLabel(ctx context.Context, coordinated bool, land string) string {
	if coordinated {
		return i18n.T(ctx, "request.decider_coordination", "Land", land)
	}
	return i18n.T(ctx, "request.decider_admins", "Land", land)
}

// clientKey is the throttle's key of the client of the request.
func clientKey(c echo.Context) string {
	addr, _ := netip.ParseAddr(c.RealIP())
	return auth.ClientKey(addr)
}

// landNames maps Länderschlüssel to names.
func (s *Site) landNames(ctx context.Context) map[string]string {
	m := map[string]string{}
	if ls, err := s.Store.Laender(ctx); err == nil {
		for _, l := range ls {
			m[l.Key] = l.Name
		}
	}
	return m
}

func requestPage(c echo.Context) views.Page {
	ctx := c.Request().Context()
	return httpx.Page(c, i18n.T(ctx, "request.heading"), "", views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"}, views.Crumb{Label: i18n.T(ctx, "request.heading")})
}

// HandleRequestForm shows the account request form.
func (s *Site) HandleRequestForm(c echo.Context) error {
	return httpx.RenderOK(c, views.RequestPage(requestPage(c), views.RequestForm{MailEnabled: s.Mail.Enabled()}))
}

// HandleRequestCreate searches organisations or stores the request.
func (s *Site) HandleRequestCreate(c echo.Context) error {
	ctx := c.Request().Context()
	f := views.RequestForm{Name: c.FormValue("name"), Email: c.FormValue("email"), Message: c.FormValue("message"),
		Query: strings.TrimSpace(c.FormValue("q")), Org: c.FormValue("organisation"), MailEnabled: s.Mail.Enabled()}
	if len(f.Query) > 100 {
		f.Query = f.Query[:100]
	}
	orgs, err := s.lookupOrgs(ctx, f.Query, 20)
	if err != nil {
		return err
	}
	// Keep a chosen organisation selectable even when the search text changed.
	if id, err := strconv.ParseUint(f.Org, 10, 32); err == nil {
		if o, err := s.Store.OrganisationByID(ctx, uint(id)); err == nil {
			found := false
			for _, x := range orgs {
				found = found || x.ID == o.ID
			}
			if !found {
				orgs = append([]catalog.Organisation{o}, orgs...)
			}
		}
	}
	f.Choices, f.Searched = s.orgChoices(ctx, orgs), f.Query != ""
	if c.FormValue("aktion") == "suchen" {
		return httpx.RenderOK(c, views.RequestPage(requestPage(c), f))
	}
	var v catalog.ValidationError
	password := c.FormValue("password")
	catalog.ValidatePassword(&v, password)
	orgID, _ := strconv.ParseUint(f.Org, 10, 32)
	if orgID == 0 {
		v.AddM("organisation", i18n.M("request.organisation_missing"))
	}
	catalog.ValidateAccount(&v, f.Name, f.Email)
	if v.Err() != nil {
		f.Errors = v.In(ctx)
		return httpx.Render(c, http.StatusUnprocessableEntity, views.RequestPage(requestPage(c), f), nil)
	}
	// Cheap checks first; then a per-client budget of requests before the
	// expensive hash, which runs under the global semaphore.
	res, err := s.Throttle.ReserveAccountRequest(ctx, clientKey(c), time.Now())
	if err != nil {
		return err
	}
	if !res.OK {
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(time.Until(res.RetryAt).Seconds())+1))
		return echo.NewHTTPError(http.StatusTooManyRequests)
	}
	// The hash runs for known addresses too (whose request is kept only as
	// a duplicate), so the answer takes as long for them.
	hash, err := auth.HashPasswordContext(ctx, password)
	if err != nil {
		_ = s.Throttle.Cancel(ctx, res)
		if errors.Is(err, auth.ErrBusy) {
			c.Response().Header().Set("Retry-After", "1")
			return echo.NewHTTPError(http.StatusServiceUnavailable, i18n.M("auth.busy"))
		}
		return err
	}
	secret, statusHash, err := auth.NewSecret("")
	if err != nil {
		return err
	}
	req, err := s.Store.CreateAccountRequest(ctx, catalog.AccountRequest{Name: f.Name, Email: f.Email, PasswordHash: hash,
		OrganisationID: uint(orgID), Message: f.Message, StatusHash: statusHash})
	var ve *catalog.ValidationError
	if errors.As(err, &ve) {
		f.Errors = ve.In(ctx)
		return httpx.Render(c, http.StatusUnprocessableEntity, views.RequestPage(requestPage(c), f), nil)
	}
	if err != nil {
		return err
	}
	s.Log.InfoContext(c.Request().Context(), "account request created", "request", req.ID)
	c.Response().Header().Set("Cache-Control", "no-store")
	d, err := s.requestStatus(ctx, statusHash)
	if err != nil {
		return err
	}
	base := httpx.BaseURL(c, s.PublicURL)
	d.Link, d.Email = base+"/konto/antrag/"+secret, req.Email
	s.mailAfterRequest(ctx, req, d, base)
	// Whether the address was known shows nowhere in the answer: the
	// owner learns it by e-mail (issue 15, row 7).
	return httpx.Render(c, http.StatusCreated, views.RequestStatusPage(httpx.Page(c, i18n.T(ctx, "request.status_heading"), ""), d), nil)
}

// mailAfterRequest sends the e-mails of a stored request: the confirmation
// and the deciders' notice, or, for an address already known, a note to its owner.
func (s *Site) mailAfterRequest(ctx context.Context, req catalog.AccountRequest, d views.RequestStatusData, base string) {
	if !s.Mail.Enabled() {
		return
	}
	if req.Status == catalog.RequestDuplicate {
		_, uerr := s.Store.UserByEmail(ctx, req.Email)
		pending, perr := s.Store.PendingRequestByEmail(ctx, req.Email)
		if uerr != nil && perr != nil {
			s.Log.ErrorContext(ctx, "duplicate request without account or pending request", "request", req.ID)
			return
		}
		s.mailRequestKnown(req.Email, uerr == nil, pending, base)
		return
	}
	full, err := s.Store.AccountRequestByID(ctx, req.ID)
	if err != nil || full.Organisation == nil {
		s.Log.ErrorContext(ctx, "mail: account request", "request", req.ID, "err", err)
		return
	}
	deciders, err := s.Store.RequestDeciders(ctx, full.Organisation.LandKey)
	if err != nil {
		s.Log.ErrorContext(ctx, "mail: request deciders", "request", req.ID, "err", err)
	}
	s.mailRequestReceived(ctx, full, d.Decider, d.Link)
	s.mailRequestWaiting(full, deciders.Emails, d.Land, base)
}

func (s *Site) requestStatus(ctx context.Context, statusHash string) (views.RequestStatusData, error) {
	r, err := s.Store.AccountRequestByStatusHash(ctx, statusHash)
	if err != nil {
		return views.RequestStatusData{}, err
	}
	d := views.RequestStatusData{Status: r.Status.L(ctx), Reason: r.Reason, Created: i18n.Date(ctx, r.CreatedAt),
		Approved: r.Status == catalog.RequestApproved, MailEnabled: s.Mail.Enabled()}
	if r.Organisation != nil {
		d.Org = r.Organisation.Name
		d.Land = s.landNames(ctx)[r.Organisation.LandKey]
		coordinated, err := s.Store.CoordinatedLands(ctx)
		if err != nil {
			return d, err
		}
		d.Decider = deciderLabel(ctx, coordinated[r.Organisation.LandKey], d.Land)
	}
	if r.DecidedAt != nil {
		d.Decided = i18n.Date(ctx, *r.DecidedAt)
	}
	return d, nil
}

// HandleRequestStatus shows the state behind the requester's secret link.
func (s *Site) HandleRequestStatus(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := s.requestStatus(ctx, auth.HashSecret(c.Param("token")))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return httpx.RenderOK(c, views.RequestStatusPage(httpx.Page(c, i18n.T(ctx, "request.status_heading"), ""), d))
}

// HandleRequests lists the requests the coordinator (or admin) decides.
func (s *Site) HandleRequests(c echo.Context) error {
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	lands := p.Coordinates()
	if !p.Admin && len(lands) == 0 {
		return echo.NewHTTPError(http.StatusForbidden)
	}
	if p.Admin {
		lands = nil
	}
	reqs, err := s.Store.AccountRequests(ctx, lands)
	if err != nil {
		return err
	}
	names := s.landNames(ctx)
	rows := make([]views.RequestRow, 0, len(reqs))
	for _, r := range reqs {
		row := views.RequestRow{ID: r.ID, Name: r.Name, Email: r.Email, Message: r.Message, Created: i18n.Date(ctx, r.CreatedAt),
			Status: r.Status.L(ctx), Pending: r.Status == catalog.RequestPending}
		if r.Organisation != nil {
			row.Org, row.Land = r.Organisation.Name, names[r.Organisation.LandKey]
		}
		rows = append(rows, row)
	}
	return httpx.RenderOK(c, views.RequestsPage(httpx.Page(c, i18n.T(ctx, "request.list_heading"), "/konto", views.Crumb{Label: i18n.T(ctx, "layout.my_account"), URL: "/konto"}, views.Crumb{Label: i18n.T(ctx, "request.list_heading")}),
		rows, s.Sessions.PopString(ctx, "notice")))
}

// HandleRequestDecide approves or rejects a request.
func (s *Site) HandleRequestDecide(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var approve bool
	switch c.FormValue("entscheidung") {
	case "genehmigen":
		approve = true
	case "ablehnen":
	default:
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("request.decision_missing"))
	}
	reason := strings.TrimSpace(c.FormValue("grund"))
	if len([]rune(reason)) > 500 {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, i18n.M("request.reason_too_long"))
	}
	ctx := c.Request().Context()
	if err := s.Store.DecideAccountRequest(ctx, httpx.Principal(c), id, approve, reason); err != nil {
		return err
	}
	if s.Mail.Enabled() {
		if r, err := s.Store.AccountRequestByID(ctx, id); err == nil {
			s.mailDecision(r, approve, httpx.BaseURL(c, s.PublicURL))
		} else {
			s.Log.ErrorContext(ctx, "mail: decided request", "request", id, "err", err)
		}
	}
	if approve {
		s.flash(c, i18n.T(ctx, "request.approved"))
	} else {
		s.flash(c, i18n.T(ctx, "request.rejected"))
	}
	return c.Redirect(http.StatusSeeOther, "/verwaltung/antraege")
}

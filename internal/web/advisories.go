package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/export"
	"efa-register/internal/feed"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
	"efa-register/views"
)

// Security advisories: the public list, one advisory with the response form
// of the user's affected organisations and the rollout for the provider and
// coordinators, and the provider's form. What a visitor may see is decided
// in the store (store.Advisory, store.Advisories).

const advisoriesPerPage = 20

func advisoryCrumb(ctx context.Context) views.Crumb {
	return views.Crumb{Label: i18n.T(ctx, "advisory.list_title"), URL: "/sicherheitshinweise"}
}

// HandleAdvisoryList: GET /sicherheitshinweise?status=&schweregrad=&seite=.
func (s *Site) HandleAdvisoryList(c echo.Context) error {
	ctx := c.Request().Context()
	d := views.AdvisoryListData{Status: c.QueryParam("status"), Severity: c.QueryParam("schweregrad")}
	f := store.AdvisoryFilter{Status: catalog.AdvisoryStatus(d.Status), Severity: d.Severity}
	if d.Status != "" && !f.Status.Valid() {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("advisory.unknown_status"))
	}
	d.StatusOptions = []views.Option{{Value: "", Label: i18n.T(ctx, "advisory.all")}}
	for _, st := range catalog.AdvisoryStatuses {
		d.StatusOptions = append(d.StatusOptions, views.Option{Value: string(st), Label: st.L(ctx)})
	}
	d.SeverityOptions = []views.Option{{Value: "", Label: i18n.T(ctx, "advisory.all")}}
	known := false
	for _, sev := range catalog.Severities {
		d.SeverityOptions = append(d.SeverityOptions, views.Option{Value: sev, Label: i18n.Localize(ctx, catalog.SeverityMsg(sev))})
		known = known || sev == d.Severity
	}
	if d.Severity != "" && !known {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("advisory.unknown_severity"))
	}
	p := httpx.Principal(c)
	page, err := httpx.PageParam(c, "seite")
	if err != nil {
		return err
	}
	f.Offset, f.Limit = (page-1)*advisoriesPerPage, advisoriesPerPage
	items, total, err := s.Store.Advisories(ctx, p, f)
	if err != nil {
		return err
	}
	paging, err := httpx.NewPaging(page, advisoriesPerPage, total)
	if err != nil {
		return err
	}
	d.Items, d.Total = items, total
	d.Pager = views.Pager{Page: paging.Page, Pages: paging.Pages(), URL: func(n int) string { return httpx.PageURL(c, "seite", n, "") }}
	return httpx.RenderOK(c, views.AdvisoryListPage(httpx.Page(c, i18n.T(ctx, "advisory.list_title"), "", views.Crumb{Label: i18n.T(ctx, "advisory.list_title")}), d))
}

// HandleAdvisoryShow: GET /sicherheitshinweise/:id.
func (s *Site) HandleAdvisoryShow(c echo.Context) error {
	d, err := s.advisoryData(c, nil)
	if err != nil {
		return err
	}
	return httpx.RenderOK(c, views.AdvisoryPage(advisoryPage(c, d), d))
}

func advisoryPage(c echo.Context, d views.AdvisoryData) views.Page {
	return httpx.Page(c, d.A.Title, "", advisoryCrumb(c.Request().Context()), views.Crumb{Label: d.A.Title})
}

// advisoryData loads an advisory as the user may see it; failed is the
// response form sent with errors, shown in place of its organisation's form.
func (s *Site) advisoryData(c echo.Context, failed *views.ResponseFormData) (views.AdvisoryData, error) {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return views.AdvisoryData{}, err
	}
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	v, err := s.Store.Advisory(ctx, p, id)
	if err != nil {
		return views.AdvisoryData{}, err
	}
	d := views.AdvisoryData{A: v.Advisory, Solution: v.Solution, CVEs: v.CVEList(), CanWrite: p.CanWriteAdvisory(v.Solution),
		AffectedN: len(v.Affected), Sort: c.QueryParam("sortierung"), Notice: s.Sessions.PopString(ctx, "notice")}
	if v.Status.Open() {
		for _, o := range v.Affected {
			if !p.MemberOf(o.ID) {
				continue
			}
			if failed != nil && failed.OrgKey == o.Key && failed.OrgKind == string(o.Kind) {
				d.Responses = append(d.Responses, *failed)
				continue
			}
			r, err := s.Store.ResponseOf(ctx, id, o.ID)
			if err != nil {
				return d, err
			}
			d.Responses = append(d.Responses, views.ResponseFormData{OrgKind: string(o.Kind), OrgKey: o.Key, OrgName: o.Name, Current: r,
				Kind: string(r.Kind), DoneOn: views.DateInput(r.DoneOn), Version: r.Version, Reason: r.Reason})
		}
	}
	ro, err := s.Store.AdvisoryRollout(ctx, p, id)
	switch {
	case errors.Is(err, catalog.ErrForbidden):
	case err != nil:
		return d, err
	default:
		d.ShowRollout, d.Acted, d.Read, d.NoAnswer, d.RolloutTotal = true, ro.Acted, ro.Read, ro.NoAnswer, ro.Affected
		names := s.landNames(ctx)
		rows := ro.Rows
		if d.Sort != "name" {
			// Who has not acted first, then who only read it, then the rest.
			rank := func(k catalog.ResponseKind) int {
				switch {
				case k == "":
					return 0
				case !k.Acted():
					return 1
				}
				return 2
			}
			sort.SliceStable(rows, func(i, j int) bool { return rank(rows[i].Response.Kind) < rank(rows[j].Response.Kind) })
		}
		for _, r := range rows {
			o := r.Organisation
			land := names[o.LandKey]
			if o.Kind == catalog.KindLand {
				land = o.Name
			}
			d.Rows = append(d.Rows, views.RolloutRowData{Name: o.Name, URL: views.OrgURL(&o), Land: land,
				Response: r.Response.Kind.L(ctx), Detail: responseDetail(ctx, r.Response), Acted: r.Response.Kind.Acted(),
				DetailIsData: r.Response.Kind == catalog.ResponseNotAffected})
		}
	}
	evs, err := s.Store.EventsFor(ctx, catalog.EntityAdvisory, fmt.Sprint(id), 50)
	if err != nil {
		return d, err
	}
	for _, ev := range evs {
		d.History = append(d.History, views.RevisionEntry{When: i18n.DateTime(ctx, ev.At), Summary: store.AdvisoryChangeSummaryIn(i18n.From(ctx), ev)})
	}
	return d, nil
}

// responseDetail is what an organisation said beside its response.
func responseDetail(ctx context.Context, r catalog.AdvisoryResponse) string {
	switch r.Kind {
	case catalog.ResponseDone:
		return i18n.T(ctx, "advisory.response_done_detail", "Date", i18n.PartialDate(ctx, r.DoneOn), "Version", r.Version)
	case catalog.ResponseNotAffected:
		return r.Reason
	}
	return ""
}

// HandleAdvisoryRolloutCSV: GET /sicherheitshinweise/:id/umsetzung.csv.
func (s *Site) HandleAdvisoryRolloutCSV(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ro, err := s.Store.AdvisoryRollout(ctx, httpx.Principal(c), id)
	if err != nil {
		return err
	}
	names := s.landNames(ctx)
	rows := [][]string{{i18n.T(ctx, "advisory.col_organisation"), i18n.T(ctx, "advisory.csv_kind"), i18n.T(ctx, "advisory.csv_key"),
		i18n.T(ctx, "advisory.col_land"), i18n.T(ctx, "advisory.col_response"), i18n.T(ctx, "advisory.done_on"),
		i18n.T(ctx, "advisory.installed_version"), i18n.T(ctx, "advisory.reason")}}
	for _, r := range ro.Rows {
		o := r.Organisation
		rows = append(rows, []string{export.Defuse(o.Name), string(o.Kind), o.Key, names[o.LandKey], r.Response.Kind.L(ctx),
			r.Response.DoneOn, export.Defuse(r.Response.Version), export.Defuse(r.Response.Reason)})
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return sendCSV(c, fmt.Sprintf("sicherheitshinweis-%d-umsetzung.csv", id), slices.Values(rows))
}

// HandleAdvisoryRespond: POST /sicherheitshinweise/:id/rueckmeldung.
func (s *Site) HandleAdvisoryRespond(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r := views.ResponseFormData{OrgKind: c.FormValue("art"), OrgKey: c.FormValue("schluessel"), Kind: c.FormValue("response"),
		DoneOn: c.FormValue("doneOn"), Version: c.FormValue("installedVersion"), Reason: c.FormValue("reason")}
	in := catalog.AdvisoryResponse{Kind: catalog.ResponseKind(r.Kind), Version: r.Version, Reason: r.Reason}
	if r.Kind == string(catalog.ResponseDone) && strings.TrimSpace(r.DoneOn) != "" {
		iso, ok := catalog.ParsePartialDate(r.DoneOn)
		if !ok || len(iso) != 10 {
			r.Errors = views.FormErrors{"doneOn": i18n.T(ctx, "advisory.done_on_invalid")}
			return s.respondFailed(c, r)
		}
		in.DoneOn = iso
	}
	_, err = s.Store.RespondToAdvisory(ctx, httpx.Principal(c), id, catalog.OrgKind(r.OrgKind), r.OrgKey, in)
	var ve *catalog.ValidationError
	switch {
	case errors.As(err, &ve):
		r.Errors = ve.In(ctx)
		return s.respondFailed(c, r)
	case err != nil:
		return err
	}
	s.flash(c, i18n.T(ctx, "advisory.flash_response", "Response", in.Kind.Msg()))
	return c.Redirect(http.StatusSeeOther, views.AdvisoryURL(id))
}

func (s *Site) respondFailed(c echo.Context, r views.ResponseFormData) error {
	if org, err := s.Store.OrganisationByKey(c.Request().Context(), catalog.OrgKind(r.OrgKind), r.OrgKey); err == nil {
		r.OrgName = org.Name
	}
	d, err := s.advisoryData(c, &r)
	if err != nil {
		return err
	}
	return httpx.Render(c, http.StatusUnprocessableEntity, views.AdvisoryPage(advisoryPage(c, d), d), nil)
}

func advisoryStatusOptions(ctx context.Context, current catalog.AdvisoryStatus) []views.Option {
	var out []views.Option
	for _, st := range catalog.AdvisoryStatuses {
		if st == catalog.AdvisoryUpdated && !current.Open() {
			continue
		}
		if st == catalog.AdvisoryDraft && current != "" && current != catalog.AdvisoryDraft {
			continue
		}
		if st == catalog.AdvisoryClosed && current == "" {
			continue
		}
		out = append(out, views.Option{Value: string(st), Label: st.L(ctx)})
	}
	return out
}

func advisoryFormPage(c echo.Context, d views.AdvisoryFormData) views.Page {
	ctx := c.Request().Context()
	title := i18n.T(ctx, "advisory.new")
	if d.ID != 0 {
		title = i18n.T(ctx, "advisory.edit")
	}
	return httpx.Page(c, title, "", advisoryCrumb(ctx), views.Crumb{Label: d.SolutionName, URL: views.SolutionURL(d.SolutionSlug)}, views.Crumb{Label: title})
}

// formInput reads the advisory form.
func advisoryFormInput(c echo.Context, d *views.AdvisoryFormData) store.AdvisoryInput {
	d.Title, d.Summary, d.CVSSVector, d.CVEs = c.FormValue("title"), c.FormValue("summary"), c.FormValue("cvssVector"), c.FormValue("cves")
	d.AffectedVersions, d.FixedVersion, d.Action = c.FormValue("affectedVersions"), c.FormValue("fixedVersion"), c.FormValue("action")
	d.Distribution, d.Status = c.FormValue("distribution"), c.FormValue("status")
	return store.AdvisoryInput{Title: d.Title, Summary: d.Summary, CVSSVector: d.CVSSVector, CVEs: strings.Split(d.CVEs, ","),
		AffectedVersions: d.AffectedVersions, FixedVersion: d.FixedVersion, Action: d.Action,
		Distribution: catalog.Distribution(d.Distribution), Status: catalog.AdvisoryStatus(d.Status)}
}

// HandleAdvisoryNew: GET /loesungen/:slug/sicherheitshinweise/neu.
func (s *Site) HandleAdvisoryNew(c echo.Context) error {
	sol, err := s.Store.SolutionBySlug(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	if !httpx.Principal(c).CanWriteAdvisory(sol) {
		return echo.NewHTTPError(http.StatusForbidden, i18n.M("advisory.forbidden_write"))
	}
	d := views.AdvisoryFormData{SolutionSlug: sol.Slug, SolutionName: sol.Name, Distribution: string(catalog.DistributionRestricted),
		Status: string(catalog.AdvisoryDraft), StatusOptions: advisoryStatusOptions(c.Request().Context(), "")}
	return httpx.RenderOK(c, views.AdvisoryFormPage(advisoryFormPage(c, d), d))
}

// HandleAdvisoryCreate: POST /loesungen/:slug/sicherheitshinweise/neu.
func (s *Site) HandleAdvisoryCreate(c echo.Context) error {
	ctx := c.Request().Context()
	sol, err := s.Store.SolutionBySlug(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	d := views.AdvisoryFormData{SolutionSlug: sol.Slug, SolutionName: sol.Name, StatusOptions: advisoryStatusOptions(c.Request().Context(), "")}
	a, err := s.Store.CreateAdvisory(ctx, httpx.Principal(c), sol.Slug, advisoryFormInput(c, &d))
	var ve *catalog.ValidationError
	switch {
	case errors.As(err, &ve):
		d.Errors = ve.In(ctx)
		return httpx.Render(c, http.StatusUnprocessableEntity, views.AdvisoryFormPage(advisoryFormPage(c, d), d), nil)
	case err != nil:
		return err
	}
	news := store.Notifies(catalog.Advisory{}, a)
	if news {
		httpx.NotifyAdvisory(ctx, s.Store, s.Mail, s.Log, a, sol.Name, httpx.BaseURL(c, s.PublicURL))
	}
	s.flash(c, i18n.T(ctx, "advisory.flash_saved", "Status", a.Status.Msg())+s.mailNote(ctx, news))
	return c.Redirect(http.StatusSeeOther, views.AdvisoryURL(a.ID))
}

// HandleAdvisoryEdit: GET /sicherheitshinweise/:id/bearbeiten.
func (s *Site) HandleAdvisoryEdit(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	p := httpx.Principal(c)
	v, err := s.Store.Advisory(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	if !p.CanWriteAdvisory(v.Solution) {
		return echo.NewHTTPError(http.StatusForbidden, i18n.M("advisory.forbidden_edit"))
	}
	d := views.AdvisoryFormData{ID: id, SolutionSlug: v.Solution.Slug, SolutionName: v.Solution.Name, Title: v.Title, Summary: v.Summary,
		CVSSVector: v.CVSSVector, CVEs: strings.Join(v.CVEList(), ", "), AffectedVersions: v.AffectedVersions, FixedVersion: v.FixedVersion,
		Action: v.Action, Distribution: string(v.Distribution), Status: string(v.Status), StatusOptions: advisoryStatusOptions(c.Request().Context(), v.Status)}
	return httpx.RenderOK(c, views.AdvisoryFormPage(advisoryFormPage(c, d), d))
}

// HandleAdvisoryUpdate: POST /sicherheitshinweise/:id/bearbeiten.
func (s *Site) HandleAdvisoryUpdate(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	v, err := s.Store.Advisory(ctx, p, id)
	if err != nil {
		return err
	}
	d := views.AdvisoryFormData{ID: id, SolutionSlug: v.Solution.Slug, SolutionName: v.Solution.Name, StatusOptions: advisoryStatusOptions(c.Request().Context(), v.Status)}
	a, err := s.Store.UpdateAdvisory(ctx, p, id, advisoryFormInput(c, &d))
	var ve *catalog.ValidationError
	switch {
	case errors.As(err, &ve):
		d.Errors = ve.In(ctx)
		return httpx.Render(c, http.StatusUnprocessableEntity, views.AdvisoryFormPage(advisoryFormPage(c, d), d), nil)
	case err != nil:
		return err
	}
	news := store.Notifies(v.Advisory, a)
	if news {
		httpx.NotifyAdvisory(ctx, s.Store, s.Mail, s.Log, a, v.Solution.Name, httpx.BaseURL(c, s.PublicURL))
	}
	s.flash(c, i18n.T(ctx, "advisory.flash_saved_revision", "Status", a.Status.Msg(), "Revision", a.Revision)+s.mailNote(ctx, news))
	return c.Redirect(http.StatusSeeOther, views.AdvisoryURL(id))
}

// mailNote tells the provider whether the affected were e-mailed about news.
func (s *Site) mailNote(ctx context.Context, news bool) string {
	switch {
	case !news:
		return ""
	case s.Mail.Enabled():
		return " " + i18n.T(ctx, "advisory.mail_note_sent")
	}
	return " " + i18n.T(ctx, "advisory.mail_note_none")
}

// HandleAdvisoryCSAF: POST /loesungen/:slug/sicherheitshinweise/csaf: a
// draft advisory from an uploaded CSAF 2.0 document, then its edit form.
func (s *Site) HandleAdvisoryCSAF(c echo.Context) error {
	ctx := c.Request().Context()
	sol, err := s.Store.SolutionBySlug(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	p := httpx.Principal(c)
	if !p.CanWriteAdvisory(sol) {
		return echo.NewHTTPError(http.StatusForbidden, i18n.M("advisory.forbidden_write"))
	}
	d := views.AdvisoryFormData{SolutionSlug: sol.Slug, SolutionName: sol.Name, Distribution: string(catalog.DistributionRestricted),
		Status: string(catalog.AdvisoryDraft), StatusOptions: advisoryStatusOptions(c.Request().Context(), "")}
	fail := func(msg string) error {
		d.UploadError = msg
		return httpx.Render(c, http.StatusUnprocessableEntity, views.AdvisoryFormPage(advisoryFormPage(c, d), d), nil)
	}
	fh, err := c.FormFile("datei")
	if err != nil || fh.Size == 0 {
		return fail(i18n.T(ctx, "advisory.csaf_missing"))
	}
	f, err := fh.Open()
	if err != nil {
		return fail(i18n.T(ctx, "advisory.csaf_unreadable"))
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, feed.MaxCSAFBytes+1))
	if err != nil {
		return fail(i18n.T(ctx, "advisory.csaf_unreadable"))
	}
	in, err := feed.ReadCSAF(raw)
	if err != nil {
		return fail(i18n.Localize(ctx, err))
	}
	a, err := s.Store.CreateAdvisory(ctx, p, sol.Slug, store.AdvisoryFromCSAF(in))
	var ve *catalog.ValidationError
	switch {
	case errors.As(err, &ve):
		fields := ve.In(ctx)
		msgs := make([]string, 0, len(fields))
		for _, m := range fields {
			msgs = append(msgs, m)
		}
		sort.Strings(msgs)
		return fail(i18n.T(ctx, "advisory.csaf_invalid", "Errors", strings.Join(msgs, " ")))
	case err != nil:
		return err
	}
	s.flash(c, i18n.T(ctx, "advisory.flash_csaf"))
	return c.Redirect(http.StatusSeeOther, views.AdvisoryURL(a.ID))
}

package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/i18n"
)

// Security advisories (Sicherheitshinweise): a provider warns the adopters of
// a solution. Every read takes the principal, because a restricted advisory
// (TLP:AMBER) exists only for its writers, the affected organisations, the
// coordinators of their Länder and platform admins; for everyone else it is
// not found. Writes check catalog.Principal.CanWriteAdvisory here, in the one
// write path, and append an "advisory" event (the revision history). The
// change feed publishes the events that publish or revise an advisory, to
// readers who may see it (advisoryChange).

// AdvisoryInput is what a writer supplies for an advisory.
type AdvisoryInput struct {
	Title, Summary, CVSSVector     string
	CVEs                           []string
	AffectedVersions, FixedVersion string
	Action                         string
	Distribution                   catalog.Distribution
	Status                         catalog.AdvisoryStatus
}

// AdvisoryView is an advisory with its solution and the organisations it affects.
type AdvisoryView struct {
	catalog.Advisory
	Solution catalog.Solution
	Affected []catalog.Organisation
}

func advisoryRecord(a *catalog.Advisory) map[string]any {
	m := fields(a)
	delete(m, "revision")
	m["cves"] = a.CVEs
	return m
}

// CreateAdvisory stores a new advisory for the solution.
func (s *Store) CreateAdvisory(ctx context.Context, p catalog.Principal, slug string, in AdvisoryInput) (catalog.Advisory, error) {
	var out catalog.Advisory
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		var sol catalog.Solution
		if err := t.db.Where("slug = ?", slug).First(&sol).Error; err != nil {
			return fmt.Errorf("solution %q: %w", slug, err)
		}
		if !p.CanWriteAdvisory(sol) {
			return fmt.Errorf("advisory for %q by %s: %w", slug, p.Actor(), catalog.ErrForbidden)
		}
		if in.Status == catalog.AdvisoryUpdated || in.Status == catalog.AdvisoryClosed {
			v := catalog.ValidationError{}
			v.AddM("status", i18n.M("storeerr.advisory_new_status"))
			return &v
		}
		a := catalog.Advisory{SolutionID: sol.ID}
		if err := applyAdvisory(&a, in, t.now); err != nil {
			return err
		}
		if a.Status.Open() {
			a.Revision = 1
		}
		if err := t.db.Omit("Solution").Create(&a).Error; err != nil {
			return err
		}
		if _, err := t.event(catalog.EntityAdvisory, strconv.FormatUint(uint64(a.ID), 10), catalog.ActionCreate, nil, advisoryRecord(&a)); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, translate(err, "create advisory")
}

// applyAdvisory writes the input over a, validates it, and keeps revision
// and publication time: the first publication is revision 1; a change of a
// published advisory counts a revision and turns its status to "updated"
// unless the writer closes it.
func applyAdvisory(a *catalog.Advisory, in AdvisoryInput, now time.Time) error {
	wasPublished := a.Status.Open() || a.Status == catalog.AdvisoryClosed
	a.Title, a.Summary, a.CVSSVector = in.Title, in.Summary, in.CVSSVector
	a.SetCVEs(in.CVEs)
	a.AffectedVersions, a.FixedVersion, a.Action = in.AffectedVersions, in.FixedVersion, in.Action
	a.Distribution, a.Status = in.Distribution, in.Status
	if err := a.Validate(); err != nil {
		return err
	}
	if wasPublished && a.Status == catalog.AdvisoryDraft {
		v := catalog.ValidationError{}
		v.AddM("status", i18n.M("storeerr.advisory_no_redraft"))
		return &v
	}
	if a.Status.Open() || a.Status == catalog.AdvisoryClosed {
		if a.PublishedAt == nil {
			at := now
			a.PublishedAt = &at
		}
	}
	return nil
}

// UpdateAdvisory replaces the advisory's fields. A change to a published
// advisory makes it "updated" (unless it is being closed) and a new revision.
func (s *Store) UpdateAdvisory(ctx context.Context, p catalog.Principal, id uint, in AdvisoryInput) (catalog.Advisory, error) {
	var out catalog.Advisory
	err := s.write(ctx, p.Actor(), func(t *tx) error {
		var a catalog.Advisory
		if err := t.db.Preload("Solution").First(&a, id).Error; err != nil {
			return fmt.Errorf("advisory %d: %w", id, err)
		}
		if !p.CanWriteAdvisory(*a.Solution) {
			// Whoever may not write it learns no more than a reader would.
			return fmt.Errorf("advisory %d by %s: %w", id, p.Actor(), catalog.ErrForbidden)
		}
		old := a
		old.Solution = nil
		// Sending an open advisory back as "published" keeps its status; only
		// a real change makes it "updated" (below).
		if a.Status.Open() && in.Status.Open() {
			in.Status = a.Status
		}
		a.Solution = nil
		if err := applyAdvisory(&a, in, t.now); err != nil {
			return err
		}
		wasOpen := old.Status.Open() || old.Status == catalog.AdvisoryClosed
		before := advisoryRecord(&old)
		if len(diff(before, advisoryRecord(&a))) == 0 {
			out = old
			return nil
		}
		if old.Status.Open() && a.Status.Open() {
			a.Status = catalog.AdvisoryUpdated
		}
		after := advisoryRecord(&a)
		switch {
		case !wasOpen && a.Status.Open():
			a.Revision = 1
		case wasOpen:
			a.Revision = old.Revision + 1
		}
		after["revision"] = a.Revision
		if _, err := t.event(catalog.EntityAdvisory, strconv.FormatUint(uint64(a.ID), 10), catalog.ActionUpdate, before, after); err != nil {
			return err
		}
		if err := t.db.Omit("Solution").Select("*").Updates(&a).Error; err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, translate(err, fmt.Sprintf("update advisory %d", id))
}

// affectedOrganisations lists the organisations with an adoption of the
// solution in a status that makes them affected, by name.
func affectedOrganisations(db *gorm.DB, solutionID uint) ([]catalog.Organisation, error) {
	var orgs []catalog.Organisation
	err := db.Where("id IN (?)", db.Session(&gorm.Session{NewDB: true}).Model(&catalog.Adoption{}).Select("organisation_id").
		Where("solution_id = ? AND status IN ?", solutionID, catalog.AffectingAdoption)).
		Order("name").Find(&orgs).Error
	return orgs, err
}

// Advisory returns the advisory as the principal may see it, with its
// solution and affected organisations; catalog.ErrNotFound when it does not
// exist or the principal may not read it.
func (s *Store) Advisory(ctx context.Context, p catalog.Principal, id uint) (AdvisoryView, error) {
	db := s.r.WithContext(ctx)
	var v AdvisoryView
	if err := db.Preload("Solution.Provider").First(&v.Advisory, id).Error; err != nil {
		return v, translate(err, fmt.Sprintf("advisory %d", id))
	}
	v.Solution = *v.Advisory.Solution
	v.Advisory.Solution = nil
	var err error
	if v.Affected, err = affectedOrganisations(db, v.SolutionID); err != nil {
		return v, translate(err, "affected organisations")
	}
	if !p.CanReadAdvisory(v.Advisory, v.Solution, v.Affected) {
		return AdvisoryView{}, fmt.Errorf("advisory %d: %w", id, catalog.ErrNotFound)
	}
	return v, nil
}

// AdvisoryFilter selects advisories.
type AdvisoryFilter struct {
	SolutionSlug string
	Status       catalog.AdvisoryStatus
	Severity     string
	// Affects: only advisories of solutions the organisation adopted (in an affecting status).
	AffectsOrgID uint
	// OpenOnly: published or updated, not drafts and not closed.
	OpenOnly      bool
	Offset, Limit int
}

// Advisories lists the advisories the principal may read, newest first, and
// how many there are in all.
func (s *Store) Advisories(ctx context.Context, p catalog.Principal, f AdvisoryFilter) ([]catalog.Advisory, int64, error) {
	db := s.r.WithContext(ctx)
	sub := func() *gorm.DB { return db.Session(&gorm.Session{NewDB: true}) }
	q := db.Model(&catalog.Advisory{}).Where(visibleAdvisories(sub, p))
	if f.SolutionSlug != "" {
		q = q.Where("solution_id IN (?)", sub().Model(&catalog.Solution{}).Select("id").Where("slug = ?", f.SolutionSlug))
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.OpenOnly {
		q = q.Where("status IN ?", []catalog.AdvisoryStatus{catalog.AdvisoryPublished, catalog.AdvisoryUpdated})
	}
	if f.Severity != "" {
		q = q.Where("severity = ?", f.Severity)
	}
	if f.AffectsOrgID != 0 {
		q = q.Where("solution_id IN (?)", sub().Model(&catalog.Adoption{}).Select("solution_id").
			Where("organisation_id = ? AND status IN ?", f.AffectsOrgID, catalog.AffectingAdoption))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "count advisories")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var out []catalog.Advisory
	err := q.Preload("Solution").Order("coalesce(published_at, created_at) DESC").Order("id DESC").
		Offset(f.Offset).Limit(f.Limit).Find(&out).Error
	return out, total, translate(err, "advisories")
}

// visibleAdvisories is the condition CanReadAdvisory states, in SQL, so that
// lists are filtered in the database.
func visibleAdvisories(sub func() *gorm.DB, p catalog.Principal) *gorm.DB {
	if p.Admin {
		return sub().Where("1 = 1")
	}
	public := sub().Where("status <> ? AND distribution = ?", catalog.AdvisoryDraft, catalog.DistributionPublic)
	var editorOrgs, memberOrgs []uint
	for _, g := range p.Grants {
		memberOrgs = append(memberOrgs, g.OrganisationID)
		if g.Role == catalog.RoleEditor {
			editorOrgs = append(editorOrgs, g.OrganisationID)
		}
	}
	if len(memberOrgs) == 0 {
		return public
	}
	cond := public
	if len(editorOrgs) > 0 {
		cond = cond.Or("solution_id IN (?)", sub().Model(&catalog.Solution{}).Select("id").Where("provider_id IN ?", editorOrgs))
	}
	affected := sub().Model(&catalog.Adoption{}).Select("adoptions.solution_id").Where("adoptions.status IN ?", catalog.AffectingAdoption)
	if lands := p.Coordinates(); len(lands) > 0 {
		affected = affected.Joins("JOIN organisations ao ON ao.id = adoptions.organisation_id").
			Where("adoptions.organisation_id IN ? OR ao.land_key IN ? OR (ao.kind = ? AND ao.key IN ?)", memberOrgs, lands, catalog.KindLand, lands)
	} else {
		affected = affected.Where("adoptions.organisation_id IN ?", memberOrgs)
	}
	return cond.Or(sub().Where("status <> ? AND solution_id IN (?)", catalog.AdvisoryDraft, affected))
}

// RespondToAdvisory records (or replaces) the response of an affected
// organisation. The principal must be able to read the advisory and act for
// the organisation; an organisation that is not affected gets a validation
// error on "organisation".
func (s *Store) RespondToAdvisory(ctx context.Context, p catalog.Principal, id uint, kind catalog.OrgKind, key string, r catalog.AdvisoryResponse) (catalog.AdvisoryResponse, error) {
	view, err := s.Advisory(ctx, p, id)
	if err != nil {
		return r, err
	}
	if !view.Status.Open() {
		v := catalog.ValidationError{}
		v.AddM("advisory", i18n.M("storeerr.advisory_closed", "Status", view.Status.Msg()))
		return r, &v
	}
	var org *catalog.Organisation
	for i := range view.Affected {
		if view.Affected[i].Kind == kind && view.Affected[i].Key == key {
			org = &view.Affected[i]
		}
	}
	if org == nil {
		v := catalog.ValidationError{}
		v.AddM("organisation", i18n.M("storeerr.advisory_not_affected"))
		return r, &v
	}
	if !p.CanRespondFor(*org) {
		return r, fmt.Errorf("response for %s:%s by %s: %w", kind, key, p.Actor(), catalog.ErrForbidden)
	}
	if err := r.Validate(); err != nil {
		return r, err
	}
	r.AdvisoryID, r.OrganisationID = id, org.ID
	err = s.write(ctx, p.Actor(), func(t *tx) error {
		var old catalog.AdvisoryResponse
		found := t.db.Where("advisory_id = ? AND organisation_id = ?", id, org.ID).Limit(1).Find(&old).RowsAffected > 0
		entity := strconv.FormatUint(uint64(id), 10) + "/" + string(kind) + ":" + key
		if found {
			r.ID = old.ID
			if _, err := t.event(catalog.EntityAdvisoryResponse, entity, catalog.ActionUpdate, fields(&old), fields(&r)); err != nil {
				return err
			}
			return t.db.Omit("Advisory", "Organisation").Select("*").Updates(&r).Error
		}
		if _, err := t.event(catalog.EntityAdvisoryResponse, entity, catalog.ActionCreate, nil, fields(&r)); err != nil {
			return err
		}
		return t.db.Omit("Advisory", "Organisation").Create(&r).Error
	})
	return r, translate(err, "advisory response")
}

// RolloutRow is one affected organisation and its response (Kind "" when none).
type RolloutRow struct {
	Organisation catalog.Organisation
	Response     catalog.AdvisoryResponse
}

// Rollout is how far the affected organisations have acted on an advisory.
type Rollout struct {
	Rows                            []RolloutRow
	Affected, Acted, Read, NoAnswer int
}

// AdvisoryRollout returns the rollout of the advisory over the affected
// organisations the principal may oversee: all of them for its writers and
// admins, those of their Länder for coordinators; catalog.ErrForbidden for
// everyone else.
func (s *Store) AdvisoryRollout(ctx context.Context, p catalog.Principal, id uint) (Rollout, error) {
	var out Rollout
	view, err := s.Advisory(ctx, p, id)
	if err != nil {
		return out, err
	}
	all := p.CanWriteAdvisory(view.Solution)
	lands := p.Coordinates()
	if !all && len(lands) == 0 {
		return out, fmt.Errorf("rollout of advisory %d for %s: %w", id, p.Actor(), catalog.ErrForbidden)
	}
	var responses []catalog.AdvisoryResponse
	if err := s.r.WithContext(ctx).Where("advisory_id = ?", id).Find(&responses).Error; err != nil {
		return out, translate(err, "advisory responses")
	}
	byOrg := map[uint]catalog.AdvisoryResponse{}
	for _, r := range responses {
		byOrg[r.OrganisationID] = r
	}
	for _, o := range view.Affected {
		if !all && !containsLand(lands, o) {
			continue
		}
		r := byOrg[o.ID]
		out.Rows = append(out.Rows, RolloutRow{Organisation: o, Response: r})
		out.Affected++
		switch {
		case r.Kind.Acted():
			out.Acted++
		case r.Kind == catalog.ResponseRead:
			out.Read++
		default:
			out.NoAnswer++
		}
	}
	return out, nil
}

func containsLand(lands []string, o catalog.Organisation) bool {
	for _, l := range lands {
		if o.LandKey == l || (o.Kind == catalog.KindLand && o.Key == l) {
			return true
		}
	}
	return false
}

// ResponseOf returns the organisation's response to the advisory (Kind ""
// when it has given none).
func (s *Store) ResponseOf(ctx context.Context, advisoryID, orgID uint) (catalog.AdvisoryResponse, error) {
	var r catalog.AdvisoryResponse
	err := s.r.WithContext(ctx).Where("advisory_id = ? AND organisation_id = ?", advisoryID, orgID).Limit(1).Find(&r).Error
	return r, translate(err, "advisory response")
}

// advisoryFieldLabels names an advisory's fields (message ids) for its history.
var advisoryFieldLabels = map[string]string{"title": "storeerr.adv_field_title", "summary": "storeerr.adv_field_summary",
	"cvssVector": "storeerr.adv_field_cvss", "cves": "storeerr.adv_field_cves", "affectedVersions": "storeerr.adv_field_affected",
	"fixedVersion": "storeerr.adv_field_fixed", "action": "storeerr.adv_field_action", "distribution": "storeerr.adv_field_distribution",
	"status": "storeerr.adv_field_status"}

// AdvisoryChangeSummary says in German what an event of an advisory changed.
func AdvisoryChangeSummary(ev catalog.Event) string { return AdvisoryChangeSummaryIn(i18n.DE, ev) }

// AdvisoryChangeSummaryIn says in language l what an event of an advisory changed.
func AdvisoryChangeSummaryIn(l i18n.Lang, ev catalog.Event) string {
	if ev.Action == catalog.ActionCreate {
		return l.T("storeerr.adv_created")
	}
	var changed []string
	for _, ch := range DecodeChanges(ev) {
		if id, ok := advisoryFieldLabels[ch.Field]; ok {
			label := l.T(id)
			if ch.Field == "status" {
				label += " → " + catalog.AdvisoryStatus(fmt.Sprint(ch.New)).Msg().In(l)
			}
			changed = append(changed, label)
		}
	}
	if len(changed) == 0 {
		return l.T("storeerr.adv_changed")
	}
	return l.T("storeerr.adv_changed_fields", "Fields", strings.Join(changed, ", "))
}

// AdvisoryRevisions returns the published versions of an advisory, oldest
// first, from its events: the first publication and every later change.
func (s *Store) AdvisoryRevisions(ctx context.Context, id uint) ([]feed.CSAFRevision, error) {
	var evs []catalog.Event
	err := s.r.WithContext(ctx).Where("entity_type = ? AND entity_id = ?", catalog.EntityAdvisory, strconv.FormatUint(uint64(id), 10)).
		Order("seq").Find(&evs).Error
	if err != nil {
		return nil, translate(err, "advisory revisions")
	}
	var out []feed.CSAFRevision
	for _, ev := range evs {
		n := advisoryEventRevision(ev)
		if n == 0 {
			continue
		}
		summary := AdvisoryChangeSummary(ev)
		if n == 1 {
			summary = "Erstveröffentlichung"
		}
		out = append(out, feed.CSAFRevision{Number: n, At: ev.At, Summary: summary})
	}
	return out, nil
}

// advisoryEventRevision is the revision an advisory event made: 1 for its
// publication, more for each change after it, 0 for a draft's event.
func advisoryEventRevision(ev catalog.Event) int {
	n := 0
	for _, ch := range DecodeChanges(ev) {
		switch {
		case ch.Field == "revision":
			if f, ok := ch.New.(float64); ok {
				n = int(f)
			}
		case ch.Field == "status" && ev.Action == catalog.ActionCreate && catalog.AdvisoryStatus(fmt.Sprint(ch.New)).Open():
			n = max(n, 1)
		}
	}
	return n
}

// visibleAdvisoriesByID loads the advisories among ids that p may read, with
// their solutions, by id as decimal text.
func visibleAdvisoriesByID(db *gorm.DB, p catalog.Principal, ids []string) (map[string]*catalog.Advisory, error) {
	out := map[string]*catalog.Advisory{}
	if len(ids) == 0 {
		return out, nil
	}
	sub := func() *gorm.DB { return db.Session(&gorm.Session{NewDB: true}) }
	var list []catalog.Advisory
	if err := db.Where("id IN ?", ids).Where(visibleAdvisories(sub, p)).Preload("Solution").Find(&list).Error; err != nil {
		return nil, err
	}
	for i := range list {
		out[strconv.FormatUint(uint64(list[i].ID), 10)] = &list[i]
	}
	return out, nil
}

// advisoryChange is the change-feed record of an advisory event for a
// reader to whom the advisory is a (visible or nil): a draft's events give
// none; a publication or revision the current advisory. An advisory the
// reader cannot see gives a tombstone only on the event that took it from
// public to restricted (the reader may hold the public version); its other
// events give nothing, so the feed never shows that a restricted advisory exists.
func advisoryChange(base Change, ev catalog.Event, a *catalog.Advisory) (Change, bool) {
	base.Revision = advisoryEventRevision(ev)
	if base.Revision == 0 {
		return base, false
	}
	if a != nil && a.Status != catalog.AdvisoryDraft {
		base.Advisory = a
		return base, true
	}
	for _, ch := range DecodeChanges(ev) {
		if ch.Field == "distribution" && fmt.Sprint(ch.Old) == string(catalog.DistributionPublic) {
			return base, true
		}
	}
	return base, false
}

// AdvisoryRecipients returns the e-mail addresses of the members of the
// organisations affected by the advisory, each once, sorted.
func (s *Store) AdvisoryRecipients(ctx context.Context, id uint) ([]string, error) {
	db := s.r.WithContext(ctx)
	var a catalog.Advisory
	if err := db.First(&a, id).Error; err != nil {
		return nil, translate(err, "advisory")
	}
	var emails []string
	err := db.Model(&catalog.User{}).Distinct("users.email").
		Joins("JOIN memberships m ON m.user_id = users.id").
		Where("m.organisation_id IN (?)", db.Session(&gorm.Session{NewDB: true}).Model(&catalog.Adoption{}).Select("organisation_id").
			Where("solution_id = ? AND status IN ?", a.SolutionID, catalog.AffectingAdoption)).
		Order("users.email").Pluck("users.email", &emails).Error
	return emails, translate(err, "advisory recipients")
}

// Notifies reports whether a write from before to after is news for the
// affected: a publication, or a change of an open advisory (a new revision).
func Notifies(before, after catalog.Advisory) bool {
	return after.Status.Open() && after.Revision > before.Revision
}

// AdvisoryFromCSAF is the draft advisory a CSAF document gives.
func AdvisoryFromCSAF(in feed.CSAFImport) AdvisoryInput {
	return AdvisoryInput{Title: in.Title, Summary: in.Summary, CVSSVector: in.CVSSVector, CVEs: in.CVEs,
		AffectedVersions: in.AffectedVersions, Action: in.Action, Distribution: in.Distribution, Status: catalog.AdvisoryDraft}
}

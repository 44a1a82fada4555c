package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"efa-register/internal/catalog"
)

// This file holds the reads behind the portal's documents: the export with
// the cursor it is consistent with, the change feed that maps events to the
// current objects, and the news items of the JSON and Atom feeds.
//
// Cursor safety. A cursor is an event sequence number; a consumer that holds
// cursor c has seen every change with seq <= c. That is only true if no
// change with a smaller seq can become visible later. Today it cannot: the
// store writes through one connection in BEGIN IMMEDIATE transactions, so
// sequence numbers are assigned and committed strictly in order, and
// AUTOINCREMENT never hands out a number twice. Should writes ever run
// concurrently (several connections, another database), a transaction could
// hold seq 10 while seq 11 commits first; a cursor of 11 would then skip 10
// for good. So neither the export nor the change feed ever hands out a
// cursor past a gap in the sequence whose following event is younger than
// GapGrace: the gap may be a transaction still in flight. A gap older than
// that is a rolled-back number and is passed. Handing out a smaller cursor
// is always safe: records describe the current object, so seeing a change
// twice converges on the same state.

// GapGrace is how long a gap in the event sequence is treated as a write
// still in flight. Write transactions are short (a few milliseconds; the
// busy timeout is 10 s), so a minute is far beyond any of them.
const GapGrace = time.Minute

// HeadReader answers "what is the newest event?" in about two microseconds
// with a prepared statement, so the HTTP caching layer can compare versions
// on every request without a noticeable cost.
type HeadReader struct{ stmt *sql.Stmt }

// NewHeadReader prepares the statement on the read pool.
func (s *Store) NewHeadReader(ctx context.Context) (*HeadReader, error) {
	db, err := s.r.DB()
	if err != nil {
		return nil, fmt.Errorf("store: head reader: %w", err)
	}
	stmt, err := db.PrepareContext(ctx, "SELECT coalesce(max(seq), 0) FROM events")
	if err != nil {
		return nil, fmt.Errorf("store: head reader: %w", err)
	}
	return &HeadReader{stmt: stmt}, nil
}

// Head returns the highest committed event sequence number (0 when empty).
// It identifies the committed state: every write appends at least one event.
func (h *HeadReader) Head(ctx context.Context) (uint64, error) {
	var seq uint64
	if err := h.stmt.QueryRowContext(ctx).Scan(&seq); err != nil {
		return 0, fmt.Errorf("store: head: %w", err)
	}
	return seq, nil
}

// Close releases the prepared statement.
func (h *HeadReader) Close() error { return h.stmt.Close() }

// EventTime returns the time of event seq (zero time for seq 0 or a missing event).
func (s *Store) EventTime(ctx context.Context, seq uint64) (time.Time, error) {
	if seq == 0 {
		return time.Time{}, nil
	}
	var evs []catalog.Event
	err := s.r.WithContext(ctx).Where("seq = ?", seq).Limit(1).Find(&evs).Error
	if err != nil || len(evs) == 0 {
		return time.Time{}, translate(err, "event time")
	}
	return evs[0].At, nil
}

// readTx runs fn in one read transaction: every query in it sees the same
// committed snapshot (SQLite WAL snapshot isolation, PostgreSQL REPEATABLE READ).
func (s *Store) readTx(ctx context.Context, what string, fn func(db *gorm.DB) error) error {
	return translate(s.r.WithContext(ctx).Transaction(fn, s.readTxOptions()...), what)
}

// settledCursor is the highest seq c such that no change with seq <= c can
// still appear, within the snapshot of db (see "Cursor safety" above).
func settledCursor(db *gorm.DB, now time.Time) (uint64, time.Time, error) {
	var head []catalog.Event
	if err := db.Order("seq desc").Limit(1).Find(&head).Error; err != nil {
		return 0, time.Time{}, err
	}
	if len(head) == 0 {
		return 0, time.Time{}, nil
	}
	cutoff := now.Add(-GapGrace)
	// The first event young enough that a gap before it may still fill.
	var young []catalog.Event
	if err := db.Where("at > ?", cutoff).Order("seq").Limit(1).Find(&young).Error; err != nil {
		return 0, time.Time{}, err
	}
	if len(young) == 0 {
		return head[0].Seq, head[0].At, nil
	}
	var before []catalog.Event
	if err := db.Where("seq < ?", young[0].Seq).Order("seq desc").Limit(1).Find(&before).Error; err != nil {
		return 0, time.Time{}, err
	}
	var prev uint64
	var prevAt time.Time
	if len(before) > 0 {
		prev, prevAt = before[0].Seq, before[0].At
	}
	// Usually the young events have no gap: count them instead of reading them.
	var n int64
	if err := db.Model(&catalog.Event{}).Where("seq >= ?", young[0].Seq).Count(&n).Error; err != nil {
		return 0, time.Time{}, err
	}
	if young[0].Seq == prev+1 && uint64(n) == head[0].Seq-young[0].Seq+1 {
		return head[0].Seq, head[0].At, nil
	}
	var tail []catalog.Event
	if err := db.Select("seq", "at").Where("seq >= ?", young[0].Seq).Order("seq").Find(&tail).Error; err != nil {
		return 0, time.Time{}, err
	}
	for _, ev := range tail {
		if ev.Seq != prev+1 && ev.At.After(cutoff) {
			break
		}
		prev, prevAt = ev.Seq, ev.At
	}
	return prev, prevAt, nil
}

// ExportData is the whole public register at one consistent point: every
// change with seq <= Cursor is in it. Changes after Cursor may be in it too
// (only when sequence numbers ever commit out of order); the change feed
// repeats them, which converges.
type ExportData struct {
	Cursor         uint64
	LastChange     time.Time
	TopicFields    []catalog.TopicField
	LifeSituations []catalog.LifeSituation
	// Services carry their LeiKa-Leistungen.
	Services []catalog.Service
	// Solutions carry provider and services, ordered by slug.
	Solutions []catalog.Solution
	// Adoptions carry Organisation and a Solution with ID and Slug, ordered by id.
	Adoptions []catalog.Adoption
	// CatalogueSeq is the newest event of the OZG catalogue (Themenfelder,
	// Lebenslagen, OZG- and LeiKa-Leistungen). When it equals the value the
	// caller passed, the catalogue was not read again and its fields are nil:
	// the caller's copy is still the state at Cursor.
	CatalogueSeq uint64
}

// catalogueEntities are the entity types of the OZG catalogue.
var catalogueEntities = []string{catalog.EntityTopicField, catalog.EntityLifeSituation, catalog.EntityService, catalog.EntityLeika}

// Export reads the export and its cursor in one read transaction. The OZG
// catalogue (the bulk of it, and it rarely changes) is read only when its
// newest event differs from knownCatalogueSeq. It holds the whole register
// in memory: the HTTP export streams with StreamExport instead.
func (s *Store) Export(ctx context.Context, now time.Time, knownCatalogueSeq uint64) (ExportData, error) {
	var x ExportData
	err := s.StreamExport(ctx, now, knownCatalogueSeq, ExportSink{
		Begin:     func(head ExportData) error { x = head; return nil },
		Solutions: func(b []catalog.Solution) error { x.Solutions = append(x.Solutions, b...); return nil },
		Adoptions: func(b []catalog.Adoption) error { x.Adoptions = append(x.Adoptions, b...); return nil },
	})
	return x, err
}

// loadServices returns services (all when ids is nil) by OZG-ID with their LeiKa rows.
func loadServices(db *gorm.DB, ids []string) ([]catalog.Service, error) {
	q := db.Order("id").Preload("Leika", func(db *gorm.DB) *gorm.DB { return db.Order("key").Order("name").Order("id") })
	if ids != nil {
		q = q.Where("id IN ?", ids)
	}
	var out []catalog.Service
	return out, q.Find(&out).Error
}

// loadAdoptions returns the adoptions q selects with the solution's slug
// and their adopter as public reference (kind, key, name, Land, ARS, AGS:
// what feed.NewOrganisationRef shows), from one query that joins the
// adopter; the slugs come from s.slugs. The rows are scanned column by
// column instead of through GORM's reflection: a full sync of the change
// feed and the JSON export read a million of them, and the reflection cost
// three quarters of a change-feed page.
func (s *Store) loadAdoptions(q *gorm.DB, sizeHint int) ([]catalog.Adoption, error) {
	rows, err := q.Model(&catalog.Adoption{}).Select(adoptionColumns).
		Joins("JOIN organisations ON organisations.id = adoptions.organisation_id").Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]catalog.Adoption, 0, sizeHint)
	// An organisation adopting several of the selected solutions is one object.
	orgs := map[uint]*catalog.Organisation{}
	for rows.Next() {
		var a catalog.Adoption
		var o catalog.Organisation
		if err := rows.Scan(&a.ID, &a.SolutionID, &a.OrganisationID, &a.Status, &a.Since, &a.ContractType, &a.Note,
			&a.Source, &a.RegisteredBy, &a.Confirmation, &a.Release, &a.CreatedAt, &a.UpdatedAt,
			&o.ID, &o.Kind, &o.Key, &o.Name, &o.LandKey, &o.ARS, &o.AGS); err != nil {
			return nil, err
		}
		if a.Organisation = orgs[o.ID]; a.Organisation == nil {
			a.Organisation = &o
			orgs[o.ID] = &o
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return s.slugs.attach(q.Session(&gorm.Session{NewDB: true}), out)
}

// adoptionIDsIn returns the condition selecting the adoptions with the
// given ids (as the events name them) and perhaps a few more. The adoptions
// of a change-feed page mostly lie close together (created one after the
// other); then one range read of the table, taking along the few rows in
// the gaps, costs half of looking up a thousand ids one by one. Ids spread
// wider are looked up.
func adoptionIDsIn(ids []string) (string, []any) {
	nums := make([]uint64, 0, len(ids))
	for _, id := range ids {
		if v, err := strconv.ParseUint(id, 10, 63); err == nil {
			nums = append(nums, v)
		}
	}
	if len(nums) == 0 {
		return "1 = 0", nil
	}
	lo, hi := slices.Min(nums), slices.Max(nums)
	if hi-lo < 2*uint64(len(nums)) {
		return "adoptions.id BETWEEN ? AND ?", []any{lo, hi}
	}
	return "adoptions.id IN ?", []any{nums}
}

// adoptionOwnColumns are an adoption's own columns in the order of
// adoptionFields. Text columns added by a later migration are NULL in older
// rows.
const adoptionOwnColumns = `adoptions.id, adoptions.solution_id, adoptions.organisation_id, adoptions.status,
	COALESCE(adoptions.since, ''), COALESCE(adoptions.contract_type, ''), COALESCE(adoptions.note, ''),
	COALESCE(adoptions.source, ''), COALESCE(adoptions.registered_by, ''), COALESCE(adoptions.confirmation, ''),
	COALESCE(adoptions.release, ''), adoptions.created_at, adoptions.updated_at`

// adoptionFields are the scan targets of adoptionOwnColumns in a.
func adoptionFields(a *catalog.Adoption) []any {
	return []any{&a.ID, &a.SolutionID, &a.OrganisationID, &a.Status, &a.Since, &a.ContractType, &a.Note,
		&a.Source, &a.RegisteredBy, &a.Confirmation, &a.Release, &a.CreatedAt, &a.UpdatedAt}
}

// adoptionColumns are the columns loadAdoptions scans, in its order.
const adoptionColumns = adoptionOwnColumns + `,
	organisations.id, organisations.kind, organisations.key, organisations.name,
	COALESCE(organisations.land_key, ''), COALESCE(organisations.ars, ''), COALESCE(organisations.ags, '')`

// Change is one change of the feed: the event and the entity as it is now.
// Exactly one of the object fields is set, or none when the entity is gone
// (then it is a tombstone, whatever the event did).
type Change struct {
	Seq    uint64
	At     time.Time
	Action catalog.Action
	// EntityType is one of catalog.EntitySolution, EntityAdoption,
	// EntityService, EntityTopicField or EntityLifeSituation.
	EntityType    string
	EntityID      string
	Solution      *catalog.Solution
	Adoption      *catalog.Adoption
	Service       *catalog.Service
	TopicField    *catalog.TopicField
	LifeSituation *catalog.LifeSituation
	// Advisory (with its Solution) is set for an advisory the reader may see;
	// Revision is the advisory revision the event made (1: its publication).
	Advisory *catalog.Advisory
	Revision int
}

// Gone reports whether the entity no longer exists (or, for an advisory,
// is no longer visible to the reader).
func (c Change) Gone() bool {
	return c.Solution == nil && c.Adoption == nil && c.Service == nil && c.TopicField == nil && c.LifeSituation == nil &&
		c.Advisory == nil
}

// ChangeBatch is one page of the change feed.
type ChangeBatch struct {
	Changes []Change
	// Next is the cursor after the page: every event up to it was considered.
	Next uint64
	// More is true when further events are ready now.
	More bool
}

// maxScan bounds the published events one page may look at, so a consumer
// starting from zero gets many cheap pages instead of one expensive one.
const maxScan = 5000

// maxCatalogueEvents bounds the events of the OZG catalogue (OZG-Leistungen
// and LeiKa) one page resolves: each becomes a whole OZG-Leistung with its
// LeiKa list (some 7 KB), so a thousand of them made the first page of a
// sync from zero 6.8 MB and raised the server's memory by 70 MB.
const maxCatalogueEvents = 100

// catalogueCut returns how many of evs fit in a page that may still take
// budget catalogue events (at least one event, so a page is never empty),
// and how many catalogue events those are.
func catalogueCut(evs []catalog.Event, budget int) (int, int) {
	n := 0
	for i, ev := range evs {
		if ev.EntityType == catalog.EntityService || ev.EntityType == catalog.EntityLeika {
			if n == budget && i > 0 {
				return i, n
			}
			n++
		}
	}
	return len(evs), n
}

// published selects the events that can become records of the change feed
// (see resolveChanges): the other events (users, memberships, tokens,
// webhooks, organisations created by the reference data) are skipped in
// the query itself, so a page is never empty while later changes exist.
// Advisory events are all selected; drafts and what the reader may not see
// are dropped in resolveChanges.
//
// The filter is on an expression (entity_type joined to an empty text), so
// that no index on entity_type can serve it: with one, SQLite's planner reads every matching
// event of the whole range through the indexes and sorts them (0.43 s a page
// at 1,000,000 events); on the primary key it reads the range in order and
// stops after the page (1 ms).
func published(db *gorm.DB) *gorm.DB {
	return db.Where("(entity_type || '') IN ? OR ((entity_type || '') = ? AND action = ?)",
		[]string{catalog.EntitySolution, catalog.EntityAdoption, catalog.EntityService, catalog.EntityTopicField,
			catalog.EntityLifeSituation, catalog.EntityLeika, catalog.EntityAdvisory},
		catalog.EntityOrganisation, catalog.ActionUpdate)
}

// feedEvents reads the events q selects with what the change feed uses of
// them: the changed fields only of LeiKa and advisory events
// (leikaServiceIDs, advisoryChange read them), which saves reading and
// copying them for the million others of a full sync, scanned without
// GORM's reflection.
func feedEvents(q *gorm.DB, sizeHint int) ([]catalog.Event, error) {
	rows, err := q.Model(&catalog.Event{}).Select("seq, at, entity_type, entity_id, action, CASE WHEN entity_type IN ? THEN changes ELSE '' END",
		[]string{catalog.EntityLeika, catalog.EntityAdvisory}).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]catalog.Event, 0, sizeHint)
	for rows.Next() {
		var ev catalog.Event
		if err := rows.Scan(&ev.Seq, &ev.At, &ev.EntityType, &ev.EntityID, &ev.Action, &ev.Changes); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// publishedEvents reads up to n published events after seq after, up to
// the settled cursor, in order.
func publishedEvents(db *gorm.DB, after, settled uint64, n int) ([]catalog.Event, error) {
	return feedEvents(published(db.Where("seq > ? AND seq <= ?", after, settled)).Order("seq").Limit(n), n)
}

// ChangesAfter returns the changes after cursor after: at most limit records
// (more only when one event alone touches more), never splitting the records
// of one event across pages, and never passing an unsettled gap. Events that
// publish nothing are skipped on the way. Events and current objects are
// read in one read transaction. The reader p decides which advisories are
// in it: an anonymous reader (and every webhook) gets the public ones only.
func (s *Store) ChangesAfter(ctx context.Context, p catalog.Principal, after uint64, limit int, now time.Time) (ChangeBatch, error) {
	if limit <= 0 {
		limit = 100
	}
	b := ChangeBatch{Next: after}
	err := s.readTx(ctx, "changes", func(db *gorm.DB) error {
		// Nothing past an unsettled gap is considered (see "Cursor safety").
		settled, _, err := settledCursor(db, now)
		if err != nil || settled <= after {
			return err
		}
		scanned, catalogueBudget := 0, maxCatalogueEvents
		for scanned < maxScan {
			chunk := min(max(limit, 200), maxScan-scanned)
			evs, err := publishedEvents(db, b.Next, settled, chunk)
			if err != nil {
				return err
			}
			loaded := len(evs)
			cut, used := catalogueCut(evs, catalogueBudget)
			evs, catalogueBudget = evs[:cut], catalogueBudget-used
			groups, err := s.resolveChanges(db, p, evs)
			if err != nil {
				return err
			}
			if b.Changes == nil && len(evs) > 0 {
				b.Changes = make([]Change, 0, limit)
			}
			for i, g := range groups {
				if len(b.Changes) > 0 && len(b.Changes)+len(g) > limit {
					b.More = true
					return nil
				}
				b.Changes = append(b.Changes, g...)
				b.Next = evs[i].Seq
				scanned++
			}
			if len(evs) < loaded {
				// Cut for the catalogue budget: the rest comes on the next page.
				b.More = true
				return nil
			}
			if loaded < chunk {
				// Every event up to the settled cursor is considered.
				b.Next, b.More = settled, false
				return nil
			}
			b.More = true
			if len(b.Changes) >= limit {
				return nil
			}
		}
		return nil
	})
	return b, err
}

// ChangePlan is a page of the change feed whose cursor is known before its
// records are read (see PlanChanges); ReadPlan reads them.
type ChangePlan struct {
	// Next and More are the page's cursor and flag, as ChangesAfter sets them.
	Next uint64
	More bool
	// events are the page's events when they alone decided it; batch is the
	// page itself when they did not.
	events []catalog.Event
	batch  *ChangeBatch
	reader catalog.Principal
}

// PlanChanges decides the page ChangesAfter would return, and usually its
// cursor alone, so that a reader walking the feed can start on the next page
// while this one's records are still being read: a change-feed page is
// mostly the reading of its objects, and the cursor only needs the events.
//
// The events alone decide the page when each of them becomes exactly one
// record (a solution, adoption, OZG-Leistung, Themenfeld or Lebenslage):
// then it is the first limit of them, cut as ChangesAfter cuts. An event that
// may become several records or none (LeiKa, organisation, advisory) needs
// its objects to count; then the page is read whole with ChangesAfter.
//
// ReadPlan reads the objects in a later read transaction than the events.
// That keeps the cursor rules: every change made between the two reads has a
// later sequence number than the cursor, so a following page delivers it,
// and a record showing an object newer than its event converges on the same
// state (see "Cursor safety").
func (s *Store) PlanChanges(ctx context.Context, p catalog.Principal, after uint64, limit int, now time.Time) (ChangePlan, error) {
	if limit <= 0 {
		limit = 100
	}
	plan := ChangePlan{Next: after, reader: p}
	decided := false
	err := s.readTx(ctx, "changes", func(db *gorm.DB) error {
		settled, _, err := settledCursor(db, now)
		if err != nil {
			return err
		}
		if settled <= after {
			decided = true
			return nil
		}
		chunk := min(max(limit, 200), maxScan)
		evs, err := publishedEvents(db, after, settled, chunk)
		if err != nil {
			return err
		}
		cut, _ := catalogueCut(evs, maxCatalogueEvents)
		n := min(cut, limit)
		for _, ev := range evs[:n] {
			switch ev.EntityType {
			case catalog.EntitySolution, catalog.EntityAdoption, catalog.EntityService, catalog.EntityTopicField, catalog.EntityLifeSituation:
			default:
				return nil
			}
		}
		decided, plan.events = true, evs[:n]
		switch {
		case n < len(evs) || len(evs) == chunk:
			plan.Next, plan.More = evs[n-1].Seq, true
		default:
			// Every event up to the settled cursor is in the page.
			plan.Next = settled
		}
		return nil
	})
	if err != nil || decided {
		return plan, err
	}
	b, err := s.ChangesAfter(ctx, p, after, limit, now)
	plan.Next, plan.More, plan.batch = b.Next, b.More, &b
	return plan, err
}

// ReadPlan returns the page that plan decided, reading its records.
func (s *Store) ReadPlan(ctx context.Context, plan ChangePlan) (ChangeBatch, error) {
	if plan.batch != nil {
		return *plan.batch, nil
	}
	b := ChangeBatch{Next: plan.Next, More: plan.More}
	if len(plan.events) == 0 {
		return b, nil
	}
	err := s.readTx(ctx, "changes", func(db *gorm.DB) error {
		groups, err := s.resolveChanges(db, plan.reader, plan.events)
		if err != nil {
			return err
		}
		b.Changes = make([]Change, 0, len(groups))
		for _, g := range groups {
			b.Changes = append(b.Changes, g...)
		}
		return nil
	})
	return b, err
}

// resolveChanges maps each event to the records it causes, loading the
// current objects in bulk. groups[i] belongs to evs[i] (possibly empty).
func (s *Store) resolveChanges(db *gorm.DB, p catalog.Principal, evs []catalog.Event) ([][]Change, error) {
	var slugs, adoptionIDs, ozgIDs, orgKeys, advisoryIDs []string
	var topicIDs, situationIDs []uint
	leikaServices := make([][]string, len(evs))
	for i, ev := range evs {
		switch ev.EntityType {
		case catalog.EntitySolution:
			slugs = append(slugs, ev.EntityID)
		case catalog.EntityAdoption:
			adoptionIDs = append(adoptionIDs, ev.EntityID)
		case catalog.EntityService:
			ozgIDs = append(ozgIDs, ev.EntityID)
		case catalog.EntityTopicField:
			if id, err := strconv.ParseUint(ev.EntityID, 10, 32); err == nil {
				topicIDs = append(topicIDs, uint(id))
			}
		case catalog.EntityLifeSituation:
			if id, err := strconv.ParseUint(ev.EntityID, 10, 32); err == nil {
				situationIDs = append(situationIDs, uint(id))
			}
		case catalog.EntityLeika:
			ids, err := leikaServiceIDs(db, ev)
			if err != nil {
				return nil, err
			}
			leikaServices[i] = ids
			ozgIDs = append(ozgIDs, ids...)
		case catalog.EntityOrganisation:
			if ev.Action == catalog.ActionUpdate {
				orgKeys = append(orgKeys, ev.EntityID)
			}
		case catalog.EntityAdvisory:
			advisoryIDs = append(advisoryIDs, ev.EntityID)
		}
	}

	solutions := map[string]*catalog.Solution{}
	if len(slugs) > 0 {
		list, err := findSolutions(db.Where("slug IN ?", slugs))
		if err != nil {
			return nil, err
		}
		for i := range list {
			solutions[list[i].Slug] = &list[i]
		}
	}
	adoptions := map[string]*catalog.Adoption{}
	if len(adoptionIDs) > 0 {
		cond, args := adoptionIDsIn(adoptionIDs)
		list, err := s.loadAdoptions(db.Where(cond, args...), len(adoptionIDs))
		if err != nil {
			return nil, err
		}
		for i := range list {
			adoptions[strconv.FormatUint(uint64(list[i].ID), 10)] = &list[i]
		}
	}
	services := map[string]*catalog.Service{}
	if len(ozgIDs) > 0 {
		list, err := loadServices(db, ozgIDs)
		if err != nil {
			return nil, err
		}
		for i := range list {
			services[list[i].ID] = &list[i]
		}
	}
	topics := map[uint]*catalog.TopicField{}
	if len(topicIDs) > 0 {
		var list []catalog.TopicField
		if err := db.Where("id IN ?", topicIDs).Find(&list).Error; err != nil {
			return nil, err
		}
		for i := range list {
			topics[list[i].ID] = &list[i]
		}
	}
	situations := map[uint]*catalog.LifeSituation{}
	if len(situationIDs) > 0 {
		var list []catalog.LifeSituation
		if err := db.Where("id IN ?", situationIDs).Find(&list).Error; err != nil {
			return nil, err
		}
		for i := range list {
			situations[list[i].ID] = &list[i]
		}
	}
	advisories, err := visibleAdvisoriesByID(db, p, advisoryIDs)
	if err != nil {
		return nil, err
	}
	// An organisation's name is part of the solutions and adoptions that
	// embed it: its update becomes an update of each of them.
	orgSolutions, orgAdoptions, err := s.dependantsOf(db, orgKeys)
	if err != nil {
		return nil, err
	}

	groups := make([][]Change, len(evs))
	for i, ev := range evs {
		base := Change{Seq: ev.Seq, At: ev.At, Action: ev.Action, EntityType: ev.EntityType, EntityID: ev.EntityID}
		switch ev.EntityType {
		case catalog.EntitySolution:
			if ev.Action != catalog.ActionDelete {
				base.Solution = solutions[ev.EntityID]
			}
			groups[i] = []Change{base}
		case catalog.EntityAdoption:
			if ev.Action != catalog.ActionDelete {
				base.Adoption = adoptions[ev.EntityID]
			}
			groups[i] = []Change{base}
		case catalog.EntityService:
			if ev.Action != catalog.ActionDelete {
				base.Service = services[ev.EntityID]
			}
			groups[i] = []Change{base}
		case catalog.EntityTopicField:
			if id, err := strconv.ParseUint(ev.EntityID, 10, 32); err == nil && ev.Action != catalog.ActionDelete {
				base.TopicField = topics[uint(id)]
			}
			groups[i] = []Change{base}
		case catalog.EntityLifeSituation:
			if id, err := strconv.ParseUint(ev.EntityID, 10, 32); err == nil && ev.Action != catalog.ActionDelete {
				base.LifeSituation = situations[uint(id)]
			}
			groups[i] = []Change{base}
		case catalog.EntityLeika:
			for _, id := range leikaServices[i] {
				if sv := services[id]; sv != nil {
					c := base
					c.Action, c.EntityType, c.EntityID, c.Service = catalog.ActionUpdate, catalog.EntityService, id, sv
					groups[i] = append(groups[i], c)
				}
			}
		case catalog.EntityAdvisory:
			if c, ok := advisoryChange(base, ev, advisories[ev.EntityID]); ok {
				groups[i] = []Change{c}
			}
		case catalog.EntityOrganisation:
			for _, sol := range orgSolutions[ev.EntityID] {
				c := base
				c.Action, c.EntityType, c.EntityID, c.Solution = catalog.ActionUpdate, catalog.EntitySolution, sol.Slug, sol
				groups[i] = append(groups[i], c)
			}
			for _, a := range orgAdoptions[ev.EntityID] {
				c := base
				c.Action, c.EntityType, c.EntityID, c.Adoption = catalog.ActionUpdate, catalog.EntityAdoption, strconv.FormatUint(uint64(a.ID), 10), a
				groups[i] = append(groups[i], c)
			}
		}
	}
	return groups, nil
}

// leikaServiceIDs returns the OZG-IDs a LeiKa event touches: those named in
// its changes (before and after) and those its key is assigned to now.
func leikaServiceIDs(db *gorm.DB, ev catalog.Event) ([]string, error) {
	set := map[string]bool{}
	var changes map[string][2]any
	if json.Unmarshal([]byte(ev.Changes), &changes) == nil {
		for _, v := range changes["ozgId"] {
			if s, ok := v.(string); ok && s != "" {
				set[s] = true
			}
		}
	}
	if rest, ok := strings.CutPrefix(ev.EntityID, "ohne-schluessel:"); ok {
		if rest != "" {
			set[rest] = true
		}
	} else {
		var ids []string
		err := db.Model(&catalog.LeikaService{}).Where("key = ? AND service_id IS NOT NULL", ev.EntityID).Pluck("service_id", &ids).Error
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			set[id] = true
		}
	}
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

// dependantsOf returns, per organisation "kind:key", the solutions it
// provides and the adoptions it made.
func (s *Store) dependantsOf(db *gorm.DB, keys []string) (map[string][]*catalog.Solution, map[string][]*catalog.Adoption, error) {
	sols, adopts := map[string][]*catalog.Solution{}, map[string][]*catalog.Adoption{}
	for _, k := range keys {
		kind, key, ok := strings.Cut(k, ":")
		if !ok {
			continue
		}
		var org catalog.Organisation
		res := db.Where("kind = ? AND key = ?", kind, key).Limit(1).Find(&org)
		if res.Error != nil {
			return nil, nil, res.Error
		}
		if res.RowsAffected == 0 {
			continue
		}
		list, err := findSolutions(db.Where("provider_id = ?", org.ID))
		if err != nil {
			return nil, nil, err
		}
		for i := range list {
			sols[k] = append(sols[k], &list[i])
		}
		al, err := s.loadAdoptions(db.Where("adoptions.organisation_id = ?", org.ID).Order("adoptions.id"), 0)
		if err != nil {
			return nil, nil, err
		}
		for i := range al {
			adopts[k] = append(adopts[k], &al[i])
		}
	}
	return sols, adopts, nil
}

// Activity is one news item of the JSON and Atom feeds: a new or changed
// solution or a new adoption, with the objects as they are now.
type Activity struct {
	Event    catalog.Event
	Solution catalog.Solution
	// Adoption (with Organisation) is set for new adoptions.
	Adoption *catalog.Adoption
}

// newsKinds are the events the news feeds report: new and changed
// solutions, new adoptions.
var newsKinds = []struct {
	entityType string
	action     catalog.Action
}{
	{catalog.EntitySolution, catalog.ActionCreate},
	{catalog.EntitySolution, catalog.ActionUpdate},
	{catalog.EntityAdoption, catalog.ActionCreate},
}

// latestNewsEvents returns the newest n events below seq before of the
// kinds the news feeds report, newest first, leaving out the seed import
// (loading the reference data is no news). Each kind is one backward range
// scan of idx_events_type_action_seq that stops after n rows, so the cost
// does not grow with the log; the kinds are merged here.
func latestNewsEvents(db *gorm.DB, before uint64, n int) ([]catalog.Event, error) {
	var all []catalog.Event
	for _, k := range newsKinds {
		var evs []catalog.Event
		err := db.Where("entity_type = ? AND action = ? AND seq < ? AND actor <> ?", k.entityType, k.action, before, catalog.ActorSeed).
			Order("seq desc").Limit(n).Find(&evs).Error
		if err != nil {
			return nil, err
		}
		all = append(all, evs...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Seq > all[j].Seq })
	return all[:min(n, len(all))], nil
}

// LatestActivity returns the newest limit news items, newest first. Items
// whose solution or adoption has been deleted since are left out: the feeds
// link to pages that must exist. The seed import is no news and left out too.
func (s *Store) LatestActivity(ctx context.Context, limit int) ([]Activity, error) {
	var out []Activity
	err := s.readTx(ctx, "latest activity", func(db *gorm.DB) error {
		before := uint64(1<<63 - 1)
		for len(out) < limit {
			evs, err := latestNewsEvents(db, before, 2*limit)
			if err != nil || len(evs) == 0 {
				return err
			}
			before = evs[len(evs)-1].Seq
			groups, err := s.resolveChanges(db, catalog.Principal{}, evs)
			if err != nil {
				return err
			}
			var solIDs []uint
			for _, g := range groups {
				if len(g) == 1 && g[0].Adoption != nil {
					solIDs = append(solIDs, g[0].Adoption.SolutionID)
				}
			}
			adopted := map[uint]*catalog.Solution{}
			if len(solIDs) > 0 {
				list, err := findSolutions(db.Where("id IN ?", solIDs))
				if err != nil {
					return err
				}
				for i := range list {
					adopted[list[i].ID] = &list[i]
				}
			}
			for i, g := range groups {
				if len(g) != 1 || len(out) >= limit {
					continue
				}
				switch c := g[0]; {
				case c.Solution != nil:
					out = append(out, Activity{Event: evs[i], Solution: *c.Solution})
				case c.Adoption != nil && adopted[c.Adoption.SolutionID] != nil:
					out = append(out, Activity{Event: evs[i], Solution: *adopted[c.Adoption.SolutionID], Adoption: c.Adoption})
				}
			}
		}
		return nil
	})
	return out, err
}

// AdoptionsWhere selects the adoptions of one solution, one organisation or
// one Land (exactly one of them set), and one page of them.
type AdoptionsWhere struct {
	SolutionSlug            string
	AdopterKind             catalog.OrgKind
	AdopterKey, AdopterLand string
	// Page (1-based) and PerPage cut one page; PerPage 0 means all.
	Page, PerPage int
}

// FindAdoptions returns the selected adoptions ordered by id, each with
// adopter and solution slug, and how many match in all.
func (s *Store) FindAdoptions(ctx context.Context, w AdoptionsWhere) ([]catalog.Adoption, int64, error) {
	q := s.r.WithContext(ctx).Model(&catalog.Adoption{})
	switch {
	case w.SolutionSlug != "":
		q = q.Where("adoptions.solution_id IN (?)", s.r.Model(&catalog.Solution{}).Select("id").Where("slug = ?", w.SolutionSlug))
	case w.AdopterKey != "":
		q = q.Where("adoptions.organisation_id IN (?)",
			s.r.Model(&catalog.Organisation{}).Select("id").Where("kind = ? AND key = ?", w.AdopterKind, w.AdopterKey))
	case w.AdopterLand != "":
		q = q.Where("adoptions.organisation_id IN (?)",
			s.r.Model(&catalog.Organisation{}).Select("id").Where("land_key = ?", w.AdopterLand))
	default:
		return nil, 0, fmt.Errorf("store: find adoptions: no selection: %w", catalog.ErrInvalid)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "count adoptions")
	}
	q = q.Order("adoptions.id")
	if w.PerPage > 0 {
		q = q.Offset((max(w.Page, 1) - 1) * w.PerPage).Limit(w.PerPage)
	}
	out, err := s.loadAdoptions(q, w.PerPage)
	return out, total, translate(err, "find adoptions")
}

// OrganisationFilter selects organisations for the API list.
type OrganisationFilter struct {
	Kind     catalog.OrgKind
	LandKey  string
	ARS, AGS string
	Page     int
	PerPage  int
}

// OrganisationPage is one page of organisations.
type OrganisationPage struct {
	Items         []catalog.Organisation
	Total         int64
	Page, PerPage int
}

// FindOrganisations returns the organisations matching f, ordered by kind and key.
func (s *Store) FindOrganisations(ctx context.Context, f OrganisationFilter) (OrganisationPage, error) {
	if f.PerPage <= 0 {
		f.PerPage = 100
	}
	if f.Page <= 0 {
		f.Page = 1
	}
	q := s.r.WithContext(ctx).Model(&catalog.Organisation{})
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.LandKey != "" {
		q = q.Where("land_key = ?", f.LandKey)
	}
	if f.ARS != "" {
		q = q.Where("ars = ?", f.ARS)
	}
	if f.AGS != "" {
		q = q.Where("ags = ?", f.AGS)
	}
	p := OrganisationPage{Page: f.Page, PerPage: f.PerPage}
	if err := q.Count(&p.Total).Error; err != nil {
		return p, translate(err, "count organisations")
	}
	err := q.Order("kind").Order("key").Offset((f.Page - 1) * f.PerPage).Limit(f.PerPage).Find(&p.Items).Error
	return p, translate(err, "find organisations")
}

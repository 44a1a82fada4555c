package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for the PostgreSQL fixtures

	"efa-register/internal/catalog"
	"efa-register/seed"
)

// seededTemplate seeds a database once for the internal tests of this file
// and returns its path; each subtest opens its own copy. (The storetest
// package cannot be used from inside package store: it imports store.)
func seededTemplate(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, filepath.Join(dir, "seed.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Seed(ctx, seed.FS); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "template.db")
	if err := s.w.Exec("VACUUM INTO ?", path).Error; err != nil {
		t.Fatal(err)
	}
	return path
}

// openCopy opens a private copy of the template.
func openCopy(t *testing.T, template string) *Store {
	t.Helper()
	raw, err := os.ReadFile(template)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "efa.db")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestFeedSourceInternals seeds once for the tests that need the store's
// insides: writing events with chosen sequence numbers, and an organisation
// update, for which the store has no public method yet.
func TestFeedSourceInternals(t *testing.T) {
	open := seededOpener(t)
	t.Run("CursorsNeverPassAnUnsettledGap", func(t *testing.T) { cursorsNeverPassAnUnsettledGap(t, open(t)) })
	t.Run("OrganisationUpdateReachesEmbeddingObjects", func(t *testing.T) {
		organisationUpdateReachesEmbeddingObjects(t, open(t))
	})
	t.Run("PlannedPagesEqualChangesAfter", func(t *testing.T) { plannedPagesEqualChangesAfter(t, open(t)) })
	t.Run("InsightAdoptionsInBatches", func(t *testing.T) { insightAdoptionsInBatches(t, open(t)) })
	t.Run("SolutionsOfAServiceByIndex", func(t *testing.T) { solutionsOfAServiceByIndex(t, open(t)) })
}

// solutionsOfAServiceByIndex: the link table of solutions and OZG-Leistungen
// is indexed by the OZG-Leistung, and SQLite reads the solutions of one
// through that index instead of the whole table.
func solutionsOfAServiceByIndex(t *testing.T, s *Store) {
	if !s.w.Migrator().HasIndex("solution_services", "idx_solution_services_service") {
		t.Fatal("no index idx_solution_services_service")
	}
	if s.Dialect() != SQLite {
		return
	}
	var plan []struct {
		ID, Parent, NotUsed int
		Detail              string
	}
	if err := s.r.Raw("EXPLAIN QUERY PLAN SELECT solution_id FROM solution_services WHERE service_id = ?", "10092").Scan(&plan).Error; err != nil || len(plan) == 0 {
		t.Fatalf("plan: %v %v", plan, err)
	}
	if !strings.Contains(plan[0].Detail, "idx_solution_services_service") {
		t.Errorf("plan = %q, want a search through idx_solution_services_service", plan[0].Detail)
	}
}

// insightAdoptionsInBatches: EachInsightAdoption hands over every adoption
// once, in id order, across batches read on their own goroutine, and stops
// with the error of a cancelled context.
func insightAdoptionsInBatches(t *testing.T, s *Store) {
	ctx := context.Background()
	var want []uint
	if err := s.r.Model(&catalog.Adoption{}).Order("id").Pluck("id", &want).Error; err != nil || len(want) < 30 {
		t.Fatalf("seed adoptions: %d, %v", len(want), err)
	}
	defer func(n int) { insightBatch = n }(insightBatch)
	insightBatch = 7
	var got []uint
	err := s.EachInsightAdoption(ctx, func(a InsightAdoption) {
		if a.Status == "" || a.SolutionID == 0 || a.OrganisationID == 0 {
			t.Errorf("adoption %+v", a)
		}
		got = append(got, a.ID)
	})
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("EachInsightAdoption: %d ids (want %d), %v", len(got), len(want), err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	n := 0
	err = s.EachInsightAdoption(cancelled, func(InsightAdoption) {
		if n++; n == 10 {
			cancel()
		}
	})
	if err == nil || n >= len(want) {
		t.Errorf("after cancelling: %d adoptions, err %v", n, err)
	}
}

// seededOpener seeds once and returns a function that opens a private copy
// for a subtest: of a SQLite file, or, with EFA_TEST_DATABASE_URL, a
// PostgreSQL database cloned from a seeded template database (named as
// storetest names its databases, so its clean-up finds leftovers).
func seededOpener(t *testing.T) func(t *testing.T) *Store {
	t.Helper()
	server := os.Getenv("EFA_TEST_DATABASE_URL")
	if server == "" {
		template := seededTemplate(t)
		return func(t *testing.T) *Store { return openCopy(t, template) }
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	base, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	urlOf := func(name string) string { u := *base; u.Path = "/" + name; return u.String() }
	newName := func(kind string) string {
		return fmt.Sprintf("efa_%s_%d_%x", kind, os.Getpid(), time.Now().UnixNano())
	}
	create := func(name, template string) {
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err != nil {
			t.Fatal(err)
		}
	}
	drop := func(name string) { _, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") }
	tpl := newName("tpl")
	create(tpl, "template0")
	t.Cleanup(func() { drop(tpl) })
	s, err := OpenURL(ctx, urlOf(tpl), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Seed(ctx, seed.FS)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	return func(t *testing.T) *Store {
		name := newName("t")
		create(name, tpl)
		s, err := OpenURL(ctx, urlOf(name), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close(); drop(name) })
		return s
	}
}

// insertEvent writes an event with a chosen sequence number, as a writer
// whose sequence numbers commit out of order would leave the log.
func insertEvent(t *testing.T, s *Store, seq uint64, at time.Time, slug string) {
	t.Helper()
	ev := catalog.Event{Seq: seq, At: at, Actor: "test", EntityType: catalog.EntitySolution, EntityID: slug, Action: catalog.ActionUpdate, Changes: "{}"}
	if err := s.w.Create(&ev).Error; err != nil {
		t.Fatal(err)
	}
}

// cursorsNeverPassAnUnsettledGap covers the cursor-safety rule: with
// seq h+1 missing (a transaction that may still commit) and h+2 visible,
// neither the export nor the change feed may hand out a cursor >= h+1,
// until the gap is older than GapGrace.
func cursorsNeverPassAnUnsettledGap(t *testing.T, s *Store) {
	ctx := context.Background()
	now := time.Now().UTC()
	h, err := s.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slug := "ozg-wohngeld"
	var sol catalog.Solution
	if err := s.r.First(&sol).Error; err == nil {
		slug = sol.Slug
	}
	insertEvent(t, s, h+2, now, slug)

	x, err := s.Export(ctx, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if x.Cursor != h {
		t.Errorf("export cursor %d over a young gap at %d, want %d", x.Cursor, h+1, h)
	}
	b, err := s.ChangesAfter(ctx, catalog.Principal{}, h, 10, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Changes) != 0 || b.Next != h || b.More {
		t.Errorf("feed passed the young gap: next %d, %d changes, more %v", b.Next, len(b.Changes), b.More)
	}

	// The missing transaction commits: both move on, and nothing was skipped.
	insertEvent(t, s, h+1, now, slug)
	b, err = s.ChangesAfter(ctx, catalog.Principal{}, h, 10, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Changes) != 2 || b.Changes[0].Seq != h+1 || b.Next != h+2 {
		t.Errorf("after the gap filled: %+v", b)
	}
	if x, _ := s.Export(ctx, now, 0); x.Cursor != h+2 {
		t.Errorf("export cursor after the gap filled = %d", x.Cursor)
	}

	// A gap that never fills (a rolled-back number) is passed once it is old.
	insertEvent(t, s, h+4, now, slug)
	if b, _ := s.ChangesAfter(ctx, catalog.Principal{}, h+2, 10, now); b.Next != h+2 {
		t.Errorf("young gap at %d passed: next %d", h+3, b.Next)
	}
	later := now.Add(GapGrace + time.Second)
	if b, _ := s.ChangesAfter(ctx, catalog.Principal{}, h+2, 10, later); b.Next != h+4 || len(b.Changes) != 1 {
		t.Errorf("old gap at %d not passed: %+v", h+3, b)
	}
	if x, _ := s.Export(ctx, later, 0); x.Cursor != h+4 {
		t.Errorf("export cursor over an old gap = %d, want %d", x.Cursor, h+4)
	}
}

// organisationUpdateReachesEmbeddingObjects: the adopter's and the
// provider's names are part of adoption and solution records, so an update
// of the organisation must produce updated records for them.
func organisationUpdateReachesEmbeddingObjects(t *testing.T, s *Store) {
	ctx := context.Background()
	h, _ := s.LastEventSeq(ctx)
	var hessen catalog.Organisation
	if err := s.r.Where("kind = ? AND key = ?", catalog.KindLand, "06").First(&hessen).Error; err != nil {
		t.Fatal(err)
	}
	var provided, adopted int64
	s.r.Model(&catalog.Solution{}).Where("provider_id = ?", hessen.ID).Count(&provided)
	s.r.Model(&catalog.Adoption{}).Where("organisation_id = ?", hessen.ID).Count(&adopted)
	if provided == 0 {
		t.Fatal("seed: Hessen provides no solution")
	}
	err := s.write(ctx, "test", func(t *tx) error {
		after := hessen
		after.Name = "Land Hessen"
		if _, err := t.event(catalog.EntityOrganisation, orgEntityID(&hessen), catalog.ActionUpdate, &hessen, &after); err != nil {
			return err
		}
		return t.db.Select("*").Updates(&after).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.ChangesAfter(ctx, catalog.Principal{}, h, 1000, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b.Changes)) != provided+adopted {
		t.Fatalf("%d records, want %d solutions + %d adoptions", len(b.Changes), provided, adopted)
	}
	for _, c := range b.Changes {
		switch {
		case c.Solution != nil:
			if c.Solution.Provider.Name != "Land Hessen" || c.EntityID != c.Solution.Slug {
				t.Errorf("solution record %+v", c.Solution.Provider)
			}
		case c.Adoption != nil:
			if c.Adoption.Organisation.Name != "Land Hessen" || c.EntityID != strconv.FormatUint(uint64(c.Adoption.ID), 10) {
				t.Errorf("adoption record %+v", c.Adoption)
			}
		default:
			t.Errorf("unexpected record %+v", c)
		}
		if c.Seq != h+1 || c.Action != catalog.ActionUpdate {
			t.Errorf("record %+v", c)
		}
	}
	// A page limit smaller than the fan-out still returns the whole event.
	if small, _ := s.ChangesAfter(ctx, catalog.Principal{}, h, 1, time.Now()); len(small.Changes) != len(b.Changes) || small.Next != h+1 {
		t.Errorf("limit 1: %d records, next %d", len(small.Changes), small.Next)
	}
}

// plannedPagesEqualChangesAfter walks the whole feed of the seed, with an
// organisation update among its events, at several limits: at every cursor
// the page that PlanChanges and ReadPlan make is the page ChangesAfter
// makes, whether the events alone decided it or not, and both kinds occur.
func plannedPagesEqualChangesAfter(t *testing.T, s *Store) {
	ctx := context.Background()
	var hessen catalog.Organisation
	if err := s.r.Where("kind = ? AND key = ?", catalog.KindLand, "06").First(&hessen).Error; err != nil {
		t.Fatal(err)
	}
	err := s.write(ctx, "test", func(t *tx) error {
		after := hessen
		after.Name = "Land Hessen"
		_, err := t.event(catalog.EntityOrganisation, orgEntityID(&hessen), catalog.ActionUpdate, &hessen, &after)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateSolution(ctx, catalog.SystemPrincipal("test"), SolutionInput{Solution: catalog.Solution{Slug: "plan-test",
		Name: "Plan", Summary: "Zusammenfassung", Status: catalog.SolutionPilot, Verified: catalog.VerifiedNo},
		ProviderKind: catalog.KindLand, ProviderKey: "06", OZGIDs: []string{"10092"}}); err != nil {
		t.Fatal(err)
	}
	head, err := s.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, limit := range []int{25, 1000} {
		decided, whole, records := 0, 0, 0
		for cursor, more := uint64(0), true; more; {
			plan, err := s.PlanChanges(ctx, catalog.Principal{}, cursor, limit, now)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.ReadPlan(ctx, plan)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.ChangesAfter(ctx, catalog.Principal{}, cursor, limit, now)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Next != want.Next || plan.More != want.More || !reflect.DeepEqual(got, want) {
				t.Fatalf("limit %d, after %d: plan (%d, %v) page %d records (%d, %v); ChangesAfter %d records (%d, %v)", limit, cursor,
					plan.Next, plan.More, len(got.Changes), got.Next, got.More, len(want.Changes), want.Next, want.More)
			}
			if plan.batch == nil {
				decided++
			} else {
				whole++
			}
			records += len(got.Changes)
			if got.Next <= cursor && got.More {
				t.Fatalf("limit %d: the cursor stays at %d", limit, cursor)
			}
			cursor, more = got.Next, got.More
			if !more && cursor != head {
				t.Fatalf("limit %d: the walk ends at %d, head %d", limit, cursor, head)
			}
		}
		t.Logf("limit %d: %d records, %d pages decided by their events, %d read whole", limit, records, decided, whole)
		if decided == 0 || whole == 0 {
			t.Errorf("limit %d: %d pages decided by their events, %d read whole; want both", limit, decided, whole)
		}
	}
}

package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// mirror is a consumer's copy of the register: objects as raw JSON by entity and id.
type mirror map[string]map[string]json.RawMessage

// exportArrays maps the arrays of the export to entities and their id field.
var exportArrays = []struct{ array, entity, idField string }{
	{"topicFields", "topicField", "id"},
	{"lifeSituations", "lifeSituation", "id"},
	{"services", "service", "ozgId"},
	{"solutions", "solution", "slug"},
	{"adoptions", "adoption", "id"},
}

// mirrorOfExport reads an export into a mirror and returns its cursor.
func mirrorOfExport(t testing.TB, body []byte) (mirror, string) {
	t.Helper()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("export: %v", err)
	}
	m := mirror{}
	for _, a := range exportArrays {
		var items []json.RawMessage
		if err := json.Unmarshal(doc[a.array], &items); err != nil {
			t.Fatalf("export %s: %v", a.array, err)
		}
		m[a.entity] = map[string]json.RawMessage{}
		for _, it := range items {
			var ids map[string]any
			if err := json.Unmarshal(it, &ids); err != nil {
				t.Fatal(err)
			}
			id := fmt.Sprint(ids[a.idField])
			m[a.entity][id] = it
		}
	}
	var cursor string
	json.Unmarshal(doc["cursor"], &cursor)
	return m, cursor
}

// consumer follows the change feed over real HTTP, as the portal would.
type consumer struct {
	t       testing.TB
	base    string
	m       mirror
	cursor  string
	applied map[string]int // records applied by type
	pages   int
}

func (c *consumer) fetch(target string) []byte {
	c.t.Helper()
	res, err := http.Get(c.base + target)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		c.t.Fatalf("GET %s = %d: %s", target, res.StatusCode, body)
	}
	return body
}

// step fetches and applies one page; it reports whether more are ready.
func (c *consumer) step() bool {
	c.t.Helper()
	var p struct {
		Changes []struct {
			Cursor, Type, Entity, ID string
			Object                   json.RawMessage
		}
		Next string
		More bool
	}
	if err := json.Unmarshal(c.fetch("/api/v1/changes?limit=7&after="+c.cursor), &p); err != nil {
		c.t.Fatal(err)
	}
	c.pages++
	for _, ch := range p.Changes {
		if c.m[ch.Entity] == nil {
			c.t.Fatalf("record of unknown entity %q", ch.Entity)
		}
		switch ch.Type {
		case "created", "updated":
			c.m[ch.Entity][ch.ID] = ch.Object
		case "deleted":
			delete(c.m[ch.Entity], ch.ID)
		default:
			c.t.Fatalf("record type %q", ch.Type)
		}
		c.applied[ch.Type]++
	}
	prev, _ := strconv.ParseUint(c.cursor, 10, 64)
	next, _ := strconv.ParseUint(p.Next, 10, 64)
	if next < prev {
		c.t.Fatalf("cursor went back from %s to %s", c.cursor, p.Next)
	}
	c.cursor = p.Next
	return p.More
}

// writer makes random creates, updates and deletes of solutions and adoptions.
type writer struct {
	id    int
	st    *store.Store
	rng   *rand.Rand
	slugs []string
	ops   map[string]int
}

var adopters = []struct {
	kind catalog.OrgKind
	key  string
}{
	{catalog.KindGemeinde, "010010000000"}, {catalog.KindGemeinde, "010020000000"}, {catalog.KindLand, "05"},
	{catalog.KindLand, "14"}, {catalog.KindKreis, "06411"}, {catalog.KindGemeinde, "110000000000"},
}

func (w *writer) step(ctx context.Context, n int) error {
	var err error
	op := ""
	switch r := w.rng.IntN(10); {
	case r < 3 || len(w.slugs) == 0:
		op = "create solution"
		slug := fmt.Sprintf("sync-w%d-%d", w.id, n)
		in := newSolutionInput(slug, fmt.Sprintf("Sync %d/%d", w.id, n))
		in.Solution.Maturity = new(int)
		*in.Solution.Maturity = w.rng.IntN(5)
		if _, err = w.st.CreateSolution(ctx, catalog.SystemPrincipal(fmt.Sprintf("writer-%d", w.id)), in); err == nil {
			w.slugs = append(w.slugs, slug)
		}
	case r < 5:
		op = "update solution"
		slug := w.slugs[w.rng.IntN(len(w.slugs))]
		in := newSolutionInput(slug, fmt.Sprintf("Sync %s, Stand %d", slug, n))
		in.Solution.Status = catalog.SolutionStatuses[w.rng.IntN(len(catalog.SolutionStatuses))]
		in.ProviderKey = []string{"06", "05", "14"}[w.rng.IntN(3)]
		_, err = w.st.UpdateSolution(ctx, catalog.SystemPrincipal(fmt.Sprintf("writer-%d", w.id)), slug, in)
	case r < 6:
		op = "delete solution"
		i := w.rng.IntN(len(w.slugs))
		err = w.st.DeleteSolution(ctx, catalog.SystemPrincipal(fmt.Sprintf("writer-%d", w.id)), w.slugs[i])
		w.slugs = append(w.slugs[:i], w.slugs[i+1:]...)
	case r < 8:
		op = "register adoption"
		a := adopters[w.rng.IntN(len(adopters))]
		_, err = w.st.RegisterAdoption(ctx, catalog.SystemPrincipal(fmt.Sprintf("writer-%d", w.id)), store.AdoptionInput{
			SolutionSlug: w.slugs[w.rng.IntN(len(w.slugs))], AdopterKind: a.kind, AdopterKey: a.key,
			Adoption: catalog.Adoption{Status: catalog.AdoptionStatuses[w.rng.IntN(len(catalog.AdoptionStatuses))]}})
	case r < 9:
		op = "delete adoption"
		var list []catalog.Adoption
		if list, _, err = w.st.FindAdoptions(ctx, store.AdoptionsWhere{SolutionSlug: w.slugs[w.rng.IntN(len(w.slugs))]}); err == nil && len(list) > 0 {
			err = w.st.DeleteAdoption(ctx, catalog.SystemPrincipal(fmt.Sprintf("writer-%d", w.id)), list[0].ID)
		}
	default:
		op = "confirm adoption"
		var list []catalog.Adoption
		if list, _, err = w.st.FindAdoptions(ctx, store.AdoptionsWhere{SolutionSlug: w.slugs[w.rng.IntN(len(w.slugs))]}); err == nil && len(list) > 0 {
			_, err = w.st.ConfirmAdoption(ctx, catalog.SystemPrincipal(fmt.Sprintf("writer-%d", w.id)), list[0].ID, catalog.ConfirmationConfirmed)
		}
	}
	// A status that may not move backwards, or an adoption another writer
	// deleted first, is a refused write, not a failure of the test.
	if errors.Is(err, catalog.ErrInvalid) || errors.Is(err, catalog.ErrNotFound) {
		err = nil
	}
	w.ops[op]++
	return err
}

// TestSyncPropertyUnderConcurrentWrites is the contract of the change feed:
// a consumer takes the export while writers run, follows the change feed
// over HTTP while they go on creating, updating and deleting, and at the end
// its copy equals a fresh export object for object, deletions included.
// Every request and answer is validated against the OpenAPI document.
func TestSyncPropertyUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	srv := httptest.NewServer(validating(t, server.New(server.Deps{Store: st, Version: "test"})))
	defer srv.Close()

	const writers, opsPerWriter = 4, 40
	var wg sync.WaitGroup
	var done atomic.Bool
	started := make(chan struct{})
	var startOnce sync.Once
	ws := make([]*writer, writers)
	for i := range ws {
		ws[i] = &writer{id: i, st: st, rng: rand.New(rand.NewPCG(uint64(i), 42)), ops: map[string]int{}}
		wg.Add(1)
		go func(w *writer) {
			defer wg.Done()
			for n := range opsPerWriter {
				if err := w.step(ctx, n); err != nil {
					t.Errorf("writer %d: %v", w.id, err)
					return
				}
				if n == 5 {
					startOnce.Do(func() { close(started) })
				}
				// Let the consumer interleave with the writers.
				if n%10 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		}(ws[i])
	}
	go func() { wg.Wait(); done.Store(true) }()

	// The consumer starts in the middle of the writes.
	<-started
	c := &consumer{t: t, base: srv.URL, applied: map[string]int{}}
	c.m, c.cursor = mirrorOfExport(t, c.fetch("/api/v1/export"))
	exportCursor := c.cursor
	deadline := time.Now().Add(2 * time.Minute)
	for {
		writersDone := done.Load()
		more := c.step()
		if writersDone && !more {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("consumer did not catch up within two minutes")
		}
	}
	wg.Wait()
	// One more page after the last write: nothing may be left.
	if c.step() {
		t.Fatal("changes left after catching up")
	}

	fresh, freshCursor := mirrorOfExport(t, c.fetch("/api/v1/export"))
	if c.cursor != freshCursor {
		t.Errorf("consumer ends at cursor %s, the fresh export is at %s", c.cursor, freshCursor)
	}
	for _, a := range exportArrays {
		mine, theirs := c.m[a.entity], fresh[a.entity]
		for id, obj := range theirs {
			if got, ok := mine[id]; !ok {
				t.Errorf("%s %s is missing from the mirror", a.entity, id)
			} else if !bytes.Equal(got, obj) {
				t.Errorf("%s %s differs:\nmirror %s\nexport %s", a.entity, id, got, obj)
			}
		}
		for id := range mine {
			if _, ok := theirs[id]; !ok {
				t.Errorf("%s %s was deleted but is still in the mirror", a.entity, id)
			}
		}
	}

	total := map[string]int{}
	for _, w := range ws {
		for op, n := range w.ops {
			total[op] += n
		}
	}
	ops := make([]string, 0, len(total))
	for op := range total {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		t.Logf("%-18s %d", op, total[op])
	}
	t.Logf("export at cursor %s, %d pages, records applied %v, final cursor %s", exportCursor, c.pages, c.applied, c.cursor)
	// The run must actually have exercised deletions and concurrent paging.
	if total["delete solution"] == 0 || c.applied["deleted"] == 0 || c.applied["created"] == 0 || c.pages < 10 {
		t.Errorf("too little happened: ops %v, records %v, %d pages", total, c.applied, c.pages)
	}
	if exportCursor == freshCursor {
		t.Error("no write happened after the consumer took the export")
	}
}

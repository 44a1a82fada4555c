package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"efa-register/internal/export"
	"efa-register/internal/feed"
	"efa-register/internal/server"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"

	"github.com/xuri/excelize/v2"
)

// generatedStore copies the seeded database and multiplies it: every
// solution copies times over (with its provider, without services) and
// adoptions new adoptions of the first solutions by the Gemeinden, written
// with plain SQL in a moment (the bulk write path with its events would
// take minutes at these sizes; the exports read the tables, not the log).
func generatedStore(t testing.TB, copies, adoptions int) *store.Store {
	t.Helper()
	path := storetest.Path(t)
	// The sqlite3 driver is registered by the store's GORM driver.
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	cols := `name, summary, description, provider_id, provider_note, partners, operator, topic_field_id, status, status_note,
		maturity, ef_a_minimum_met, access_channel, access_url, licence, repository_url, standards, costs, build_cost_eur,
		yearly_cost_eur, cost_sharing, contact_email, known_adopters, verified, verified_note, source, created_at, updated_at`
	stmts := []string{
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %d)
			INSERT INTO solutions (slug, %s) SELECT s.slug || '-kopie-' || n.i, %s FROM solutions s, n`,
			copies, cols, strings.ReplaceAll(cols, "name,", "s.name || ' ' || n.i,")),
		fmt.Sprintf(`INSERT OR IGNORE INTO adoptions (solution_id, organisation_id, status, since, contract_type, note, source,
			registered_by, confirmation, created_at, updated_at)
			SELECT s.id, o.id, a.status, a.since, a.contract_type, 'Erzeugt für den Speichertest', a.source, a.registered_by,
				a.confirmation, a.created_at, a.updated_at
			FROM (SELECT id FROM solutions ORDER BY id) s
			CROSS JOIN (SELECT id FROM organisations WHERE kind = 'gemeinde') o
			CROSS JOIN (SELECT * FROM adoptions ORDER BY id LIMIT 1) a
			LIMIT %d`, adoptions),
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("generate: %v", err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// heapSampler is a ResponseWriter that drops the body and samples the heap
// in use as it is written: what the server holds while it streams.
type heapSampler struct {
	h          http.Header
	code       int
	n, next    int64
	peak       uint64
	samples    int
	bodyPrefix []byte
}

func newHeapSampler() *heapSampler { return &heapSampler{h: http.Header{}} }

func (w *heapSampler) Header() http.Header  { return w.h }
func (w *heapSampler) WriteHeader(code int) { w.code = code }
func (w *heapSampler) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if len(w.bodyPrefix) < 64 {
		w.bodyPrefix = append(w.bodyPrefix, p[:min(len(p), 64-len(w.bodyPrefix))]...)
	}
	w.n += int64(len(p))
	if w.n >= w.next {
		w.sample()
		w.next = w.n + 256<<10
	}
	return len(p), nil
}

func (w *heapSampler) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	w.peak = max(w.peak, m.HeapInuse)
	w.samples++
}

// streamPeak answers target on a fresh router over st and returns the peak
// heap in use while the body was written, and the body's size.
func streamPeak(t *testing.T, st *store.Store, target string) (peak uint64, size int64) {
	t.Helper()
	app := server.New(server.Deps{Store: st, Version: "test"})
	// A first answer warms what is kept between requests (the encoded OZG
	// catalogue, prepared statements), so both runs start alike.
	app.ServeHTTP(newHeapSampler(), httptest.NewRequest(http.MethodGet, target, nil))
	runtime.GC()
	w := newHeapSampler()
	w.sample()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	w.sample()
	if w.code != http.StatusOK || w.samples < 4 {
		t.Fatalf("%s: %d after %d bytes (%d samples): %s", target, w.code, w.n, w.samples, w.bodyPrefix)
	}
	return w.peak, w.n
}

// TestExportMemoryIsFlat: the exports stream, so the heap in use while one
// is written does not grow with the register. The same exports run on a
// generated register and on one ten times its size; the larger one's peak
// heap must stay below 1.5 times the smaller one's.
func TestExportMemoryIsFlat(t *testing.T) {
	if raceEnabled {
		t.Skip("heap figures are meaningless under the race detector; make test runs this test without it")
	}
	if testing.Short() {
		t.Skip("generates 220,000 adoptions")
	}
	small := generatedStore(t, 2, 20000)
	large := generatedStore(t, 20, 200000)
	for _, target := range []string{"/api/v1/export", "/api/v1/export/adoptions.csv", "/api/v1/export/adoptions.xlsx"} {
		t.Run(strings.TrimPrefix(target, "/api/v1/"), func(t *testing.T) {
			peakS, sizeS := streamPeak(t, small, target)
			peakL, sizeL := streamPeak(t, large, target)
			t.Logf("%s: %d bytes with peak heap %.1f MB; %d bytes with peak heap %.1f MB",
				target, sizeS, float64(peakS)/(1<<20), sizeL, float64(peakL)/(1<<20))
			if sizeL < 8*sizeS {
				t.Fatalf("the larger export (%d bytes) is not about ten times the smaller (%d bytes)", sizeL, sizeS)
			}
			// excelize keeps up to one chunk of the sheet in memory before it
			// spills to its temporary file: a constant the smaller export
			// never reaches, so the bound allows for it.
			allowance := 0.0
			if strings.HasSuffix(target, ".xlsx") {
				allowance = 2 * excelize.StreamChunkSize
			}
			if float64(peakL) >= 1.5*float64(peakS)+allowance {
				t.Errorf("peak heap grew with the rows: %.1f MB for %d bytes, %.1f MB for %d bytes",
					float64(peakS)/(1<<20), sizeS, float64(peakL)/(1<<20), sizeL)
			}
		})
	}
}

// TestStreamedExportIsTheDocument: the streamed export, read in batches
// smaller than the register, is byte for byte the document EncodeExport
// makes of the whole register (the format is a contract with the portal),
// and its gzip form unpacks to the same bytes.
func TestStreamedExportIsTheDocument(t *testing.T) {
	// More solutions and adoptions than one batch holds (1,000).
	st := generatedStore(t, 20, 2500)
	ctx := context.Background()
	x, err := st.Export(ctx, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	doc := feed.Export{Cursor: x.Cursor, LastChange: x.LastChange}
	for _, tf := range x.TopicFields {
		doc.TopicFields = append(doc.TopicFields, feed.NewTopicField(tf))
	}
	for _, l := range x.LifeSituations {
		doc.LifeSituations = append(doc.LifeSituations, feed.NewLifeSituation(l))
	}
	for _, sv := range x.Services {
		doc.Services = append(doc.Services, feed.NewService(sv))
	}
	for _, sol := range x.Solutions {
		doc.Solutions = append(doc.Solutions, feed.NewSolution(sol))
	}
	for _, a := range x.Adoptions {
		doc.Adoptions = append(doc.Adoptions, feed.NewAdoption(a, a.Solution.Slug, *a.Organisation))
	}
	want, err := feed.EncodeExport(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Solutions) != 1050 || len(x.Adoptions) < 2500 {
		t.Fatalf("generated register: %d solutions, %d adoptions", len(x.Solutions), len(x.Adoptions))
	}
	app := server.New(server.Deps{Store: st, Version: "test"})
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/export", nil))
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), want) {
		t.Fatalf("streamed export: %d, %d bytes, want %d bytes", rec.Code, rec.Body.Len(), len(want))
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/export", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	zipped := httptest.NewRecorder()
	app.ServeHTTP(zipped, req)
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, want) || zipped.Header().Get("Content-Encoding") != "gzip" ||
		zipped.Header().Get("ETag") == rec.Header().Get("ETag") {
		t.Errorf("gzip export: %v, %d bytes, coding %q, tags %q and %q", err, len(plain), zipped.Header().Get("Content-Encoding"),
			zipped.Header().Get("ETag"), rec.Header().Get("ETag"))
	}
	var parsed struct {
		Cursor    string            `json:"cursor"`
		Solutions []json.RawMessage `json:"solutions"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &parsed); err != nil || parsed.Cursor != feed.Cursor(x.Cursor) || len(parsed.Solutions) != 1050 {
		t.Errorf("export parses to cursor %q and %d solutions: %v", parsed.Cursor, len(parsed.Solutions), err)
	}
}

// TestExportSlots: with two export slots, a third export while two stream
// is refused with 429, Retry-After and a German problem; once they end, an
// export is served again.
func TestExportSlots(t *testing.T) {
	st := generatedStore(t, 2, 20000)
	app := server.New(server.Deps{Store: st, Version: "test", Ops: server.Ops{ExportSlots: 2}})
	srv := httptest.NewServer(app)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	// Two exports whose bodies nobody reads: each holds its slot while the
	// server waits for the socket.
	var open []*http.Response
	for _, target := range []string{"/api/v1/export", "/api/v1/export/adoptions.csv"} {
		res, err := client.Get(srv.URL + target)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", target, res.StatusCode)
		}
		open = append(open, res)
	}
	for _, target := range []string{"/api/v1/export/solutions.xlsx", "/api/v1/export"} {
		res, err := client.Get(srv.URL + target)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Status int    `json:"status"`
			Detail string `json:"detail"`
		}
		err = json.NewDecoder(res.Body).Decode(&p)
		res.Body.Close()
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "30" || err != nil ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") || p.Status != 429 ||
			!strings.Contains(p.Detail, "Gerade werden schon 2 Exporte erstellt") {
			t.Errorf("%s beyond the slots: %d, Retry-After %q, %q, %+v (%v)", target, res.StatusCode, res.Header.Get("Retry-After"),
				res.Header.Get("Content-Type"), p, err)
		}
	}
	// A conditional request needs no slot: the 304 path stays open.
	head := open[0].Header.Get("ETag")
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/export", nil)
	req.Header.Set("If-None-Match", head)
	if res, err := client.Do(req); err != nil || res.StatusCode != http.StatusNotModified {
		t.Errorf("conditional export while the slots are taken: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	// Reading one to the end frees its slot.
	n, err := io.Copy(io.Discard, open[0].Body)
	open[0].Body.Close()
	if err != nil || n < 1<<20 {
		t.Fatalf("first export: %d bytes, %v", n, err)
	}
	var wg sync.WaitGroup
	var code int
	wg.Add(1)
	go func() {
		defer wg.Done()
		// The slot is given back when the handler returns, just after the
		// last byte: try for a moment.
		for range 100 {
			res, err := client.Get(srv.URL + "/api/v1/export/solutions.csv")
			if err != nil {
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if code = res.StatusCode; code == 200 {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	wg.Wait()
	if code != 200 {
		t.Errorf("after one export ended: %d", code)
	}
	open[1].Body.Close()
}

// TestXLSXBeyondTheRowLimit: a table with more rows than an XLSX sheet
// holds is refused before anything is written, pointing to the CSV.
func TestXLSXBeyondTheRowLimit(t *testing.T) {
	// The seeded register: 50 solutions, 70 adoptions.
	app := server.New(server.Deps{Store: storetest.Seeded(t), Version: "test"})
	// The limit is Excel's; a register that large is minutes of generating,
	// so the count is checked on the real table with the limit lowered.
	defer setMaxRows(t, 60)()
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/export/adoptions.xlsx", nil))
	var p struct {
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != http.StatusUnprocessableEntity || p.Status != 422 ||
		!strings.Contains(p.Detail, "als CSV-Datei") || !strings.Contains(p.Detail, "Die Tabelle hat 70 Zeilen") {
		t.Errorf("adoptions.xlsx beyond the limit: %d %s (%v)", rec.Code, rec.Body.String(), err)
	}
	rec = httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/export/solutions.xlsx", nil))
	if rec.Code != 200 {
		t.Errorf("solutions.xlsx within the limit: %d", rec.Code)
	}
}

// setMaxRows lowers the XLSX row limit for one test.
func setMaxRows(t *testing.T, n int64) (restore func()) {
	t.Helper()
	old := export.MaxXLSXRows
	export.MaxXLSXRows = n
	return func() { export.MaxXLSXRows = old }
}

// BenchmarkExportStream reports what one streamed export costs in time and
// allocations on a generated register (100 solutions, 20,000 adoptions).
func BenchmarkExportStream(b *testing.B) {
	st := generatedStore(b, 1, 20000)
	app := server.New(server.Deps{Store: st, Version: "test"})
	for _, target := range []string{"/api/v1/export", "/api/v1/export/adoptions.csv", "/api/v1/export/adoptions.xlsx", "/api/v1/export/solutions.csv"} {
		b.Run(strings.TrimPrefix(target, "/api/v1/"), func(b *testing.B) {
			b.ReportAllocs()
			var size int64
			for b.Loop() {
				w := newHeapSampler()
				app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
				if w.code != 200 {
					b.Fatalf("%d", w.code)
				}
				size = w.n
			}
			b.SetBytes(size)
		})
	}
}

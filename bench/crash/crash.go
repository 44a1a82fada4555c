package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"efa-register/bench/harness"
	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

// Config is one run of the crash harness.
type Config struct {
	Bin    string // the efa binary
	Work   string // folder for the data folder
	Seeded string // a seeded database file to start from (default: efa seed)
	// DatabaseURL, when set, runs the server on that PostgreSQL database
	// (empty, or seeded by an earlier run without writers) instead of SQLite.
	DatabaseURL string
	Cycles      int           // start, write, SIGKILL, restart, verify: this many times
	Clients     int           // concurrent API clients writing
	Writers     int           // Gemeinden with a token (each writes its own adoptions)
	MinUp       time.Duration // the kill comes at a random moment between MinUp
	MaxUp       time.Duration // and MaxUp after the server is ready
	Seed        uint64        // of the random kill moments and write order
	Progress    io.Writer     // one line per cycle (nil: none)
}

// Result is what a run found.
type Result struct {
	Cycles          int
	Acknowledged    int // writes the server answered 201 to
	Lost            int // acknowledged writes missing after a restart
	IntegrityFailed int // cycles whose integrity_check was not ok
	IndexMismatches int // cycles where the search index disagreed with the database
	Problems        []string
}

// op is one write: move the adoption of solution by writer w to status.
type op struct {
	w        int
	solution string
	status   catalog.AdoptionStatus
}

// pairKey names an adoption by solution and adopter.
type pairKey struct{ solution, ars string }

// ledger records the acknowledged state of every adoption written.
type ledger struct {
	mu    sync.Mutex
	acked map[pairKey]catalog.AdoptionStatus
	n     int
}

func (l *ledger) ack(k pairKey, s catalog.AdoptionStatus) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if rank(s) > rank(l.acked[k]) {
		l.acked[k] = s
	}
	l.n++
}

func rank(s catalog.AdoptionStatus) int {
	for i, x := range catalog.AdoptionStatuses {
		if x == s {
			return i + 1
		}
	}
	return 0
}

// Run runs the crash harness.
func Run(ctx context.Context, cfg Config) (Result, error) {
	var res Result
	data := filepath.Join(cfg.Work, "data")
	db := filepath.Join(data, "efa.db")
	env := []string{"EFA_RATE_LIMIT=0"}
	if cfg.DatabaseURL != "" {
		db = cfg.DatabaseURL
		env = append(env, "EFA_DATABASE_URL="+cfg.DatabaseURL)
	}
	if cfg.Seeded != "" && cfg.DatabaseURL == "" {
		if err := harness.CopyDB(cfg.Seeded, data); err != nil {
			return res, err
		}
	} else if err := harness.Seed(ctx, cfg.Bin, data, env[1:]...); err != nil {
		return res, err
	}
	writers, err := harness.Writers(ctx, db, cfg.Writers)
	if err != nil {
		return res, err
	}
	solutions, err := harness.Solutions(ctx, db)
	if err != nil {
		return res, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	// The work: every writer adopts every solution, first as "interested",
	// later moving it to "live"; creates and updates, in a shuffled order.
	var ops []op
	for _, step := range []catalog.AdoptionStatus{catalog.AdoptionInterested, catalog.AdoptionLive} {
		var round []op
		for w := range writers {
			for _, s := range solutions {
				round = append(round, op{w: w, solution: s, status: step})
			}
		}
		rng.Shuffle(len(round), func(i, j int) { round[i], round[j] = round[j], round[i] })
		ops = append(ops, round...)
	}
	led := &ledger{acked: map[pairKey]catalog.AdoptionStatus{}}
	next := 0 // index of the next op; ops the server did not acknowledge are retried
	for cycle := 1; cycle <= cfg.Cycles; cycle++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if next >= len(ops) {
			next = 0 // every write done: repeat them (idempotent updates) to keep the load on
		}
		t0 := time.Now()
		srv, err := harness.Start(ctx, cfg.Bin, data, env...)
		if err != nil {
			return res, fmt.Errorf("cycle %d: start: %w", cycle, err)
		}
		startup := time.Since(t0)
		// Verify what the previous crash left, now that the server recovered.
		lost, indexOK, integrityOK, problems := verify(ctx, srv, db, led)
		res.Lost += lost
		if !integrityOK {
			res.IntegrityFailed++
		}
		if !indexOK {
			res.IndexMismatches++
		}
		res.Problems = append(res.Problems, problems...)

		// Write until the kill at a random moment.
		up := cfg.MinUp + time.Duration(rng.Int64N(int64(cfg.MaxUp-cfg.MinUp)+1))
		before := led.n
		wctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range cfg.Clients {
			wg.Go(func() {
				client := &http.Client{Timeout: 10 * time.Second}
				for wctx.Err() == nil {
					mu.Lock()
					if next >= len(ops) {
						next = 0
					}
					o := ops[next]
					next++
					mu.Unlock()
					w := writers[o.w]
					code, body, err := post(wctx, client, srv.Base, w, o)
					switch {
					case err != nil:
						// Connection gone (the kill): not acknowledged.
						continue
					case code == http.StatusCreated:
						led.ack(pairKey{o.solution, w.ARS}, o.status)
					case code == http.StatusUnprocessableEntity && o.status == catalog.AdoptionInterested:
						// Already further along after a repeat: a correct refusal.
					default:
						mu.Lock()
						res.Problems = append(res.Problems, fmt.Sprintf("cycle %d: POST %s by %s = %d %s", cycle, o.solution, w.ARS, code, body))
						mu.Unlock()
					}
				}
			})
		}
		time.Sleep(up)
		srv.Kill()
		stop()
		wg.Wait()
		res.Cycles++
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "cycle %3d: start %5.2f s, killed after %4d ms, %4d writes acknowledged (total %6d), lost so far %d, integrity %s, index %s\n",
				cycle, startup.Seconds(), up.Milliseconds(), led.n-before, led.n, res.Lost, okText(integrityOK), okText(indexOK))
		}
	}
	// Verify the last crash too.
	srv, err := harness.Start(ctx, cfg.Bin, data, env...)
	if err != nil {
		return res, fmt.Errorf("final start: %w", err)
	}
	lost, indexOK, integrityOK, problems := verify(ctx, srv, db, led)
	res.Lost += lost
	if !integrityOK {
		res.IntegrityFailed++
	}
	if !indexOK {
		res.IndexMismatches++
	}
	res.Problems = append(res.Problems, problems...)
	if err := srv.Stop(30 * time.Second); err != nil {
		res.Problems = append(res.Problems, "final graceful stop: "+err.Error())
	}
	res.Acknowledged = led.n
	return res, nil
}

func okText(ok bool) string {
	if ok {
		return "ok"
	}
	return "FEHLER"
}

func post(ctx context.Context, client *http.Client, base string, w harness.Writer, o op) (int, string, error) {
	body, _ := json.Marshal(map[string]string{"solution": o.solution, "adopterKind": "gemeinde", "adopterKey": w.ARS,
		"status": string(o.status), "since": "2026-11"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/adoptions", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+w.Token)
	res, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 2000))
	if err != nil {
		// The status line came but the body did not: the kill hit
		// mid-answer. The commit may or may not have happened, so the
		// write does not count as acknowledged.
		return 0, "", err
	}
	return res.StatusCode, string(b), nil
}

// verify checks the database of a freshly restarted server: integrity,
// every acknowledged write present (at its acknowledged status or later),
// and the search index in agreement with the database. It returns the number
// of lost writes.
func verify(ctx context.Context, srv *harness.Server, db string, led *ledger) (lost int, indexOK, integrityOK bool, problems []string) {
	check := store.Check
	if store.IsPostgresURL(db) {
		check = store.CheckPostgres
	}
	chk, err := check(ctx, db)
	integrityOK = err == nil && chk.OK()
	if !integrityOK {
		problems = append(problems, fmt.Sprintf("integrity: %v %v %v", err, chk.Integrity, chk.ForeignKeys))
	}
	st, err := harness.OpenDB(ctx, db)
	if err != nil {
		return 0, false, integrityOK, append(problems, "open: "+err.Error())
	}
	defer st.Close()
	all, err := st.AllAdoptions(ctx)
	if err != nil {
		return 0, false, integrityOK, append(problems, "read adoptions: "+err.Error())
	}
	have := map[pairKey]catalog.AdoptionStatus{}
	for _, a := range all {
		if a.Solution != nil && a.Organisation != nil {
			have[pairKey{a.Solution.Slug, a.Organisation.Key}] = a.Status
		}
	}
	led.mu.Lock()
	for k, want := range led.acked {
		if got, ok := have[k]; !ok || rank(got) < rank(want) {
			lost++
			if lost <= 10 {
				problems = append(problems, fmt.Sprintf("lost: %s by %s acknowledged as %s, database has %q", k.solution, k.ars, want, got))
			}
		}
	}
	led.mu.Unlock()
	indexOK, why := indexAgrees(ctx, srv, st)
	if !indexOK {
		problems = append(problems, "index: "+why)
	}
	return lost, indexOK, integrityOK, problems
}

// searchResult is the part of GET /api/v1/search the check reads.
type searchResult struct {
	Total int `json:"total"`
	Hits  []struct {
		ID string `json:"id"`
	} `json:"hits"`
}

func searchSolutions(ctx context.Context, base, query string) (searchResult, error) {
	var out searchResult
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/search?type=solution&limit=100&"+query, nil)
	if err != nil {
		return out, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return out, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return out, fmt.Errorf("search %s: %d %s", query, res.StatusCode, b)
	}
	return out, json.NewDecoder(res.Body).Decode(&out)
}

// indexAgrees compares what the search index (through the search API) says
// about adoptions with the database, once the server reports ready (the
// index has applied every event): for every Land the set of solutions
// adopted there, and the order of all solutions by number of adoptions.
func indexAgrees(ctx context.Context, srv *harness.Server, st *store.Store) (bool, string) {
	inLand, count, err := st.AdoptionFacts(ctx)
	if err != nil {
		return false, err.Error()
	}
	for i := 1; i <= 16; i++ {
		land := fmt.Sprintf("%02d", i)
		res, err := searchSolutions(ctx, srv.Base, "adoptedIn="+land)
		if err != nil {
			return false, err.Error()
		}
		got := map[string]bool{}
		for _, h := range res.Hits {
			got[h.ID] = true
		}
		if len(got) != len(inLand[land]) || res.Total != len(inLand[land]) {
			return false, fmt.Sprintf("Land %s: index finds %d solutions adopted there, database has %d", land, res.Total, len(inLand[land]))
		}
		for slug := range inLand[land] {
			if !got[slug] {
				return false, fmt.Sprintf("Land %s: index misses the adoption of %s", land, slug)
			}
		}
	}
	res, err := searchSolutions(ctx, srv.Base, "sort=adoptions")
	if err != nil {
		return false, err.Error()
	}
	sols, err := st.Stats(ctx)
	if err != nil {
		return false, err.Error()
	}
	if int64(res.Total) != sols.Solutions {
		return false, fmt.Sprintf("index has %d solutions, database %d", res.Total, sols.Solutions)
	}
	for i := 1; i < len(res.Hits); i++ {
		if count[res.Hits[i].ID] > count[res.Hits[i-1].ID] {
			return false, fmt.Sprintf("by adoptions the index puts %s (%d in the database) after %s (%d)",
				res.Hits[i].ID, count[res.Hits[i].ID], res.Hits[i-1].ID, count[res.Hits[i-1].ID])
		}
	}
	return true, ""
}

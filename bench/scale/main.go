// Command scale runs the real efa binary on the synthetic national-scale
// register (50,000 solutions, 1,000,000 adoptions) and prints one table:
// every public GET route of the route table with real parameters, its
// status, p50 and p99 and the size of its answer, a full sync of the change
// feed, the JSON export alone (first byte, throughput), then 4 concurrent
// full exports of each format, and the process's peak resident memory
// (VmHWM).
// Before that it measures the start: the time from starting the process to
// the first 200 of /readyz, and whether any public page answered 503
// meanwhile.
//
//	go run ./bench/scale -bin ./bin/efa -synthetic /tmp/efa-synthetic
//	make bench-scale BIN=./bin/efa EFA_SYNTHETIC_DIR=/tmp/efa-synthetic
//
// The synthetic folder is made with "efa gen-synthetic" when it has no
// database yet (1.5 minutes on 2 quiet cores) and reused otherwise; the
// server always runs on a fresh copy of it, so the folder stays unchanged.
package main

import (
	"cmp"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"github.com/segmentio/encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"efa-register/bench/harness"
)

type envList []string

func (e *envList) String() string     { return strings.Join(*e, " ") }
func (e *envList) Set(v string) error { *e = append(*e, v); return nil }

func main() {
	bin := flag.String("bin", "", "efa binary to run (default: build ./cmd/efa)")
	synth := flag.String("synthetic", cmp.Or(os.Getenv("EFA_SYNTHETIC_DIR"), filepath.Join(os.TempDir(), "efa-synthetic")),
		"synthetic data folder, made with efa gen-synthetic when it has no database (EFA_SYNTHETIC_DIR)")
	work := flag.String("work", "", "folder for the copy the server runs on (default: a temporary folder, removed afterwards)")
	runs := flag.Int("runs", 10, "requests per route (fewer when a route exceeds -budget)")
	budget := flag.Duration("budget", 20*time.Second, "time per route after which no further requests are made (at least 2)")
	exports := flag.Int("exports", 4, "concurrent requests of each full export")
	syncFeed := flag.Bool("sync", true, "also time a full change-feed sync with limit=1000")
	label := flag.String("label", "", "name of the run, printed above the table")
	routesFlag := flag.Bool("routes", true, "request the routes and exports after the start (false: measure the starts only)")
	restart := flag.Bool("restart", true, "start the server once, stop it, and measure the second start (with the data the first left behind)")
	var env envList
	flag.Var(&env, "env", "extra environment of the server, KEY=value (repeatable)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, config{bin: *bin, synth: *synth, work: *work, runs: *runs, budget: *budget, exports: *exports,
		sync: *syncFeed, label: *label, env: env, restart: *restart, routes: *routesFlag}); err != nil {
		fmt.Fprintln(os.Stderr, "bench/scale:", err)
		os.Exit(1)
	}
}

type config struct {
	bin, synth, work string
	runs             int
	budget           time.Duration
	exports          int
	sync             bool
	label            string
	env              []string
	restart          bool
	routes           bool
}

func run(ctx context.Context, cfg config) error {
	if cfg.bin == "" {
		dir, err := os.MkdirTemp("", "efa-scale-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if cfg.bin, err = harness.Build(ctx, dir, false); err != nil {
			return err
		}
	}
	bin, err := filepath.Abs(cfg.bin)
	if err != nil {
		return err
	}
	if err := ensureSynthetic(ctx, bin, cfg.synth); err != nil {
		return err
	}
	dataDir := cfg.work
	if dataDir == "" {
		if dataDir, err = os.MkdirTemp("", "efa-scale-"); err != nil {
			return err
		}
		defer os.RemoveAll(dataDir)
	} else if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "copying %s to %s\n", cfg.synth, dataDir)
	if err := copyTree(cfg.synth, dataDir); err != nil {
		return err
	}
	p, err := pickParams(ctx, filepath.Join(dataDir, "efa.db"))
	if err != nil {
		return err
	}
	routes := routeTable(p)

	env := append([]string{"EFA_RATE_LIMIT=0"}, cfg.env...)
	var first *startResult
	if cfg.restart {
		// The first start on the copy, as after an upgrade or on a new
		// machine; whatever it leaves in the data folder the second start uses.
		srv, err := harness.Launch(ctx, bin, dataDir, env...)
		if err != nil {
			return err
		}
		r := probeStart(ctx, srv, p)
		if r.err != nil {
			srv.Kill()
			return r.err
		}
		// Leave time for background work that follows readiness (none is
		// expected once /readyz is 200), then stop as an operator would.
		time.Sleep(2 * time.Second)
		m, _ := srv.Memory()
		r.peak = m.Peak
		if err := srv.Stop(2 * time.Minute); err != nil {
			return err
		}
		first = &r
		fmt.Fprintf(os.Stderr, "first start: ready after %s, peak RSS %s\n", fmtDur(r.ready), harness.MB(r.peak))
	}
	srv, err := harness.Launch(ctx, bin, dataDir, env...)
	if err != nil {
		return err
	}
	defer srv.Stop(30 * time.Second)
	start := probeStart(ctx, srv, p)
	if start.err != nil {
		return start.err
	}
	memReady, _ := srv.Memory()

	if !cfg.routes {
		m, _ := srv.Memory()
		report(os.Stdout, cfg, p, first, start, memReady, m, m, nil, nil, nil)
		return nil
	}
	client := &http.Client{
		Timeout:       10 * time.Minute,
		Transport:     &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 16},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var results []result
	for _, r := range routes {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res := measure(ctx, client, srv.Base, r, cfg.runs, cfg.budget)
		if m, err := srv.Memory(); err == nil {
			res.hwm = m.Peak
		}
		fmt.Fprintf(os.Stderr, "%-60s %s %s\n", r.path, res.statusText(), fmtDur(res.p(50)))
		results = append(results, res)
	}
	memRoutes, _ := srv.Memory()
	var syncRes *result
	if cfg.sync {
		r := changeSync(ctx, client, srv.Base)
		if m, err := srv.Memory(); err == nil {
			r.hwm = m.Peak
		}
		syncRes = &r
		fmt.Fprintf(os.Stderr, "%-60s %s %s\n", r.route.path, r.statusText(), fmtDur(r.p(50)))
	}
	var exportRes []result
	// The JSON export alone first (its first byte and throughput), then
	// each full export several times at once.
	runs := []struct {
		path string
		n    int
	}{{"/api/v1/export", 1}, {"/api/v1/export", cfg.exports}, {"/api/v1/export/adoptions.csv", cfg.exports}, {"/api/v1/export/adoptions.xlsx", cfg.exports}}
	for _, run := range runs {
		r := concurrent(ctx, client, srv.Base, run.path, run.n)
		if m, err := srv.Memory(); err == nil {
			r.hwm = m.Peak
		}
		fmt.Fprintf(os.Stderr, "%-60s %s %s\n", r.route.path, r.statusText(), fmtDur(r.p(50)))
		exportRes = append(exportRes, r)
	}
	memEnd, err := srv.Memory()
	if err != nil {
		return err
	}
	report(os.Stdout, cfg, p, first, start, memReady, memRoutes, memEnd, results, syncRes, exportRes)
	return nil
}

// ensureSynthetic makes the synthetic folder with the binary unless it has a database.
func ensureSynthetic(ctx context.Context, bin, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "efa.db")); err == nil {
		fmt.Fprintf(os.Stderr, "reusing the synthetic register in %s\n", dir)
		return nil
	}
	fmt.Fprintf(os.Stderr, "making the synthetic register in %s (efa gen-synthetic, takes a while)\n", dir)
	cmd := exec.CommandContext(ctx, bin, "gen-synthetic", "--data-dir", dir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.Env = append(os.Environ(), "EFA_LOG_LEVEL=warn")
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("efa gen-synthetic: %w", err)
	}
	return nil
}

// copyTree copies the data folder, leaving out the lock of a server that used it.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o750)
		}
		if rel == "efa.lock" {
			return nil
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// params are real identifiers of the synthetic register, chosen where the
// pages are largest: the solution with the most adoptions, the OZG-Leistung
// with the most solutions, the Kreis and Gemeinde with the most adoptions.
type params struct {
	slug, slug2, ozgID, land, kreis, gemeinde, word string
	topic, adoption                                 int64
}

func pickParams(ctx context.Context, dbPath string) (params, error) {
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro")
	if err != nil {
		return params{}, err
	}
	defer db.Close()
	var p params
	p.land = "06"
	queries := []struct {
		q    string
		dest []any
	}{
		{`SELECT s.slug FROM adoptions a JOIN solutions s ON s.id = a.solution_id GROUP BY a.solution_id ORDER BY count(*) DESC, s.id LIMIT 1`, []any{&p.slug}},
		{`SELECT slug FROM solutions ORDER BY id LIMIT 1`, []any{&p.slug2}},
		{`SELECT service_id FROM solution_services GROUP BY service_id ORDER BY count(*) DESC, service_id LIMIT 1`, []any{&p.ozgID}},
		{`SELECT topic_field_id FROM services WHERE id = (SELECT service_id FROM solution_services GROUP BY service_id ORDER BY count(*) DESC LIMIT 1)`, []any{&p.topic}},
		{`SELECT o.key FROM adoptions a JOIN organisations o ON o.id = a.organisation_id WHERE o.kind = 'kreis' GROUP BY o.id ORDER BY count(*) DESC, o.id LIMIT 1`, []any{&p.kreis}},
		{`SELECT o.key FROM adoptions a JOIN organisations o ON o.id = a.organisation_id WHERE o.kind = 'gemeinde' GROUP BY o.id ORDER BY count(*) DESC, o.id LIMIT 1`, []any{&p.gemeinde}},
		{`SELECT max(id) FROM adoptions`, []any{&p.adoption}},
		{`SELECT name FROM solutions ORDER BY id LIMIT 1`, []any{&p.word}},
	}
	for _, q := range queries {
		if err := db.QueryRowContext(ctx, q.q).Scan(q.dest...); err != nil {
			return params{}, fmt.Errorf("pick parameters: %s: %w", q.q, err)
		}
	}
	// The first word of a solution's name makes a search that finds something.
	if f := strings.Fields(p.word); len(f) > 0 {
		p.word = f[0]
	}
	return p, nil
}

type route struct {
	path string
	// page marks an HTML page for the readiness probe (it must never answer 503).
	page bool
}

// routeTable is every public GET route of internal/server/routes.go with
// real parameters. Routes that need a login and the operator's /metrics
// are left out; the full exports run concurrently afterwards.
func routeTable(p params) []route {
	q := url.QueryEscape
	pages := []string{
		"/", "/loesungen", "/loesungen?q=" + q(p.word), "/loesungen/" + p.slug, "/leistungen/" + p.ozgID,
		"/themenfelder", fmt.Sprintf("/themenfelder/%d", p.topic), "/laender", "/laender/" + p.land,
		"/kreise/" + p.kreis, "/gemeinden/" + p.gemeinde, "/vergleich?l=" + p.slug + "&l=" + p.slug2,
		"/impressum", "/datenschutz", "/barrierefreiheit", "/datenquellen",
		"/anmelden", "/passwort-vergessen", "/konto/beantragen", "/loesungen/neu/aehnliche?name=" + q(p.word),
		"/laender/" + p.land + "/luecken", "/einblicke", "/einblicke/rendite", "/einblicke/abdeckung",
		"/einblicke/luecken", "/einblicke/nachfrage",
		"/loesungen/" + p.slug + "/historie", "/laender/" + p.land + "/historie", "/kreise/" + p.kreis + "/historie",
		"/gemeinden/" + p.gemeinde + "/historie", "/api",
	}
	other := []string{
		"/healthz", "/readyz", "/static/favicon.svg", "/favicon.ico",
		"/loesungen.csv", "/loesungen.xlsx", "/vergleich.csv?l=" + p.slug + "&l=" + p.slug2,
		"/vergleich.xlsx?l=" + p.slug + "&l=" + p.slug2, "/vergleich.json?l=" + p.slug + "&l=" + p.slug2,
		"/anmelden/oidc", "/passwort-neu/abc", "/konto/antrag/abc",
		"/laender.csv", "/laender.xlsx", "/laender/" + p.land + "/luecken.csv",
		"/einblicke/rendite/laender.csv", "/einblicke/rendite/loesungen.csv", "/einblicke/abdeckung/laender.csv",
		"/einblicke/abdeckung/themenfelder.csv", "/einblicke/luecken/leistungen.csv", "/einblicke/nachfrage/tage-30.csv",
		"/loesungen/" + p.slug + "/publiccode.yml", "/feed.json", "/feed.atom",
		"/api/v1/stats", "/api/v1/openapi.json", "/api/v1/changes?limit=1000",
		"/api/v1/export/solutions.csv", "/api/v1/export/solutions.xlsx",
		"/api/v1/solutions", "/api/v1/solutions/" + p.slug, "/api/v1/solutions/" + p.slug + "/adoptions",
		"/api/v1/solutions/" + p.slug + "/publiccode.yml", fmt.Sprintf("/api/v1/adoptions/%d", p.adoption),
		"/api/v1/services", "/api/v1/services/" + p.ozgID, "/api/v1/topic-fields", "/api/v1/organisations",
		"/api/v1/organisations/lookup?q=" + q("Frankfurt"), "/api/v1/organisations/land/" + p.land,
		"/api/v1/organisations/gemeinde/" + p.gemeinde + "/adoptions", "/api/v1/states",
		"/api/v1/states/" + p.land + "/adoptions", "/api/v1/search?q=" + q(p.word),
		"/api/v1/scoreboard", "/api/v1/savings", "/api/v1/coverage/services/" + p.ozgID,
		"/api/v1/white-spots", "/api/v1/demand",
	}
	var out []route
	for _, r := range pages {
		out = append(out, route{path: r, page: true})
	}
	for _, r := range other {
		out = append(out, route{path: r})
	}
	return out
}

type startResult struct {
	listen, ready time.Duration
	// pages503 and api503 count the 503 answers of public pages and of the
	// API while the server was not ready; probes counts all probe requests.
	pages503, api503, probes int
	first503                 string
	// before503 counts the 503 answers until /readyz said 200, after503 those
	// after it; settled is when a whole round of probes got no 503.
	before503, after503 int
	settled             time.Duration
	// peak is the process's VmHWM when it was stopped (first start only).
	peak int64
	err  error
}

// probeStart polls /readyz from the moment the listener is open until it
// answers 200, and meanwhile requests the public pages that need the
// in-memory views (and their API twins) over and over.
func probeStart(ctx context.Context, srv *harness.Server, p params) startResult {
	res := startResult{listen: srv.Listening.Sub(srv.Started)}
	client := &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.Base+path, nil)
		r, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
		return r.StatusCode, nil
	}
	done := make(chan struct{})
	var mu sync.Mutex
	var wg sync.WaitGroup
	probe := []string{"/", "/laender", "/laender/" + p.land, "/einblicke/rendite", "/einblicke/abdeckung", "/leistungen/" + p.ozgID,
		"/laender/" + p.land + "/luecken", "/api/v1/scoreboard", "/api/v1/states"}
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			path := probe[i%len(probe)]
			code, err := get(path)
			mu.Lock()
			res.probes++
			if err == nil && code == http.StatusServiceUnavailable {
				if strings.HasPrefix(path, "/api/") {
					res.api503++
				} else {
					res.pages503++
				}
				if res.first503 == "" {
					res.first503 = path
				}
			}
			mu.Unlock()
		}
	})
	deadline := time.Now().Add(5 * time.Minute)
	for {
		code, err := get("/readyz")
		if err == nil && code == http.StatusOK {
			res.ready = time.Since(srv.Started)
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			res.err = fmt.Errorf("not ready within 5 minutes (last %d %v)\n%s", code, err, srv.Logs())
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A server may call itself ready before its pages are: the probes go on
	// until a whole round of them got no 503 (at most a minute).
	mu.Lock()
	res.before503 = res.pages503 + res.api503
	mu.Unlock()
	settle := time.Now().Add(time.Minute)
	for res.err == nil && time.Now().Before(settle) {
		clean := true
		for _, path := range probe {
			code, err := get(path)
			if err != nil {
				clean = false // a timeout or a closed connection is no 503, but not settled either
				continue
			}
			if code == http.StatusServiceUnavailable {
				clean = false
				mu.Lock()
				if strings.HasPrefix(path, "/api/") {
					res.api503++
				} else {
					res.pages503++
				}
				if res.first503 == "" {
					res.first503 = path
				}
				res.after503++
				mu.Unlock()
			}
		}
		if clean {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	res.settled = time.Since(srv.Started)
	close(done)
	wg.Wait()
	return res
}

type result struct {
	route  route
	status map[int]int
	times  []time.Duration
	ttfb   []time.Duration
	bytes  int64
	errs   int
	note   string
	// hwm is the server's peak RSS (VmHWM) right after the route.
	hwm int64
}

func (r result) p(pct int) time.Duration {
	if len(r.times) == 0 {
		return 0
	}
	s := slices.Clone(r.times)
	slices.Sort(s)
	i := (len(s)*pct + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

func (r result) statusText() string {
	var codes []int
	for c := range r.status {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		if len(codes) == 1 && r.errs == 0 {
			return fmt.Sprint(c)
		}
		parts = append(parts, fmt.Sprintf("%d×%d", c, r.status[c]))
	}
	if r.errs > 0 {
		parts = append(parts, fmt.Sprintf("error×%d", r.errs))
	}
	return strings.Join(parts, " ")
}

// fetch requests one path and reads the whole answer.
func fetch(ctx context.Context, client *http.Client, url string) (code int, n int64, ttfb, total time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	t0 := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return 0, 0, 0, time.Since(t0), err
	}
	ttfb = time.Since(t0)
	n, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, n, ttfb, time.Since(t0), err
}

// measure requests a route up to runs times, one after the other.
func measure(ctx context.Context, client *http.Client, base string, r route, runs int, budget time.Duration) result {
	res := result{route: r, status: map[int]int{}}
	began := time.Now()
	for i := 0; i < runs; i++ {
		if i >= 2 && time.Since(began) > budget {
			break
		}
		code, n, ttfb, d, err := fetch(ctx, client, base+r.path)
		if err != nil {
			res.errs++
			continue
		}
		res.status[code]++
		res.times = append(res.times, d)
		res.ttfb = append(res.ttfb, ttfb)
		res.bytes = n
	}
	return res
}

// concurrent requests one full export n times at once.
func concurrent(ctx context.Context, client *http.Client, base, path string, n int) result {
	res := result{route: route{path: fmt.Sprintf("%s (%d concurrent)", path, n)}, status: map[int]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			code, size, ttfb, d, err := fetch(ctx, client, base+path)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.errs++
				return
			}
			res.status[code]++
			if code == http.StatusOK {
				res.times = append(res.times, d)
				res.ttfb = append(res.ttfb, ttfb)
				res.bytes = max(res.bytes, size)
			}
		})
	}
	wg.Wait()
	if len(res.ttfb) > 0 {
		took := median(res.times)
		res.note = fmt.Sprintf("first byte p50 %s, %.0f MB/s per request", fmtDur(median(res.ttfb)), float64(res.bytes)/took.Seconds()/1e6)
	}
	return res
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// changeSync follows the change feed from the start to its end with
// limit=1000, decoding every page as a mirror does (with
// segmentio/encoding, the decoder a Go client would take for speed).
func changeSync(ctx context.Context, client *http.Client, base string) result {
	res := result{route: route{path: "/api/v1/changes?limit=1000 (full sync)"}, status: map[int]int{}}
	began := time.Now()
	after, calls, empty := "", 0, 0
	// inRequests is the time from sending each request to its last byte:
	// the server's share; the rest is decoding the pages here.
	var inRequests time.Duration
	for {
		u := base + "/api/v1/changes?limit=1000"
		if after != "" {
			u += "&after=" + url.QueryEscape(after)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		sent := time.Now()
		r, err := client.Do(req)
		if err != nil {
			res.errs++
			break
		}
		var page struct {
			Changes []struct{} `json:"changes"`
			Next    string     `json:"next"`
			More    bool       `json:"more"`
		}
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		inRequests += time.Since(sent)
		res.status[r.StatusCode]++
		res.bytes += int64(len(body))
		calls++
		if err != nil || r.StatusCode != http.StatusOK {
			break
		}
		if err := json.Unmarshal(body, &page); err != nil {
			res.errs++
			break
		}
		if len(page.Changes) == 0 && page.More {
			empty++
		}
		if !page.More || page.Next == after {
			break
		}
		after = page.Next
	}
	res.times = []time.Duration{time.Since(began)}
	res.note = fmt.Sprintf("%d calls, %s of it in requests, %d empty pages with more", calls, fmtDur(inRequests), empty)
	res.status = map[int]int{200: res.status[200]}
	return res
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}

func fmtBytes(n int64) string {
	switch {
	case n < 10_000:
		return fmt.Sprintf("%d B", n)
	case n < 10_000_000:
		return fmt.Sprintf("%.0f KB", float64(n)/1e3)
	default:
		return fmt.Sprintf("%.0f MB", float64(n)/1e6)
	}
}

func report(w io.Writer, cfg config, p params, first *startResult, start startResult, memReady, memRoutes, memEnd harness.Memory,
	results []result, syncRes *result, exports []result) {
	if cfg.label != "" {
		fmt.Fprintf(w, "### %s\n\n", cfg.label)
	}
	fmt.Fprintf(w, "binary %s, register %s, %d requests per route (fewer above %v), %s\n\n", cfg.bin, cfg.synth, cfg.runs, cfg.budget,
		time.Now().UTC().Format("2006-01-02 15:04 MST"))
	startLine := func(name string, r startResult) {
		fmt.Fprintf(w, "%s: listener open after %s, /readyz 200 after %s, every probed page and API answer without 503 after %s; "+
			"%d probe requests, %d answers 503 from public pages and %d from the API (%d of them after /readyz said 200)",
			name, fmtDur(r.listen), fmtDur(r.ready), fmtDur(r.settled), r.probes, r.pages503, r.api503, r.after503)
		if r.first503 != "" {
			fmt.Fprintf(w, " (first: %s)", r.first503)
		}
		if r.peak > 0 {
			fmt.Fprintf(w, "; peak RSS of that process %s", harness.MB(r.peak))
		}
		fmt.Fprint(w, ".\n\n")
	}
	if first != nil {
		startLine("First start (fresh copy of the synthetic folder)", *first)
		startLine("Second start (after stopping the first; the table below is of this process)", start)
	} else {
		startLine("Start", start)
	}
	fmt.Fprintf(w, "Peak RSS (VmHWM): %s when ready, %s after the routes, **%s at the end** (RSS then %s).\n\n",
		harness.MB(memReady.Peak), harness.MB(memRoutes.Peak), harness.MB(memEnd.Peak), harness.MB(memEnd.RSS))
	fmt.Fprintln(w, "| route | status | p50 | p99 | bytes | peak RSS after |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	row := func(r result) {
		path := r.route.path
		if r.note != "" {
			path += "; " + r.note
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %.0f MB |\n", strings.ReplaceAll(path, "|", `\|`), r.statusText(), fmtDur(r.p(50)), fmtDur(r.p(99)),
			fmtBytes(r.bytes), float64(r.hwm)/1e6)
	}
	for _, r := range results {
		row(r)
	}
	if syncRes != nil {
		row(*syncRes)
	}
	for _, r := range exports {
		row(r)
	}
	fmt.Fprintf(w, "\nParameters: solution %s (most adoptions), OZG-Leistung %s (most solutions), Land %s, Kreis %s, Gemeinde %s.\n",
		p.slug, p.ozgID, p.land, p.kreis, p.gemeinde)
}

// Command load is the load harness: it starts the real efa serve on
// 127.0.0.1 with a seeded data folder and attacks it with vegeta at constant
// rates with a realistic mix of the endpoints that exist (search, catalogue,
// solution and Land pages, JSON API, export with and without ETag, change
// feed, adoption writes). Per rate it prints p50/p99 and errors, and at the
// end the highest rate with p99 under 50 ms and no errors, and what happened
// at twice that rate. Bounded in time and requests.
//
//	go run ./bench/load                       # rates 25,50,100,…,3200 for 10 s each
//	go run ./bench/load -rates 100,200 -duration 5s
//	go run ./bench/load -database-url postgres://postgres@127.0.0.1:5432/test?sslmode=disable -instances 2
//
// With -database-url the servers run on a new PostgreSQL database created on
// that server (and dropped afterwards); -instances 2 starts two efa serve on
// it, data folders of their own, and the load client sends its requests to
// them in turn (round-robin, no balancer in between).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"efa-register/bench/harness"
	"efa-register/internal/store"
)

// goal is the latency bound of the headline figure.
const goal = 50 * time.Millisecond

func main() {
	ratesFlag := flag.String("rates", "25,50,100,200,400,800,1600,3200", "constant request rates per second, ascending")
	duration := flag.Duration("duration", 10*time.Second, "how long each rate runs")
	budget := flag.Duration("budget", 6*time.Minute, "upper bound of the whole run")
	bin := flag.String("bin", "", "efa binary (default: build ./cmd/efa)")
	seed := flag.Uint64("seed", 1, "random seed of the request mix")
	serverEnv := flag.String("env", "", "extra server environment, comma-separated KEY=value (e.g. EFA_MAX_IN_FLIGHT=16)")
	skip := flag.String("skip", "", "comma-separated words: leave the kinds whose name contains one out of the mix (for analysis)")
	dbServer := flag.String("database-url", "", "PostgreSQL server (postgres://…): run on a new database there instead of SQLite")
	instances := flag.Int("instances", 1, "efa serve processes on the one database (more than 1 needs -database-url)")
	flag.Parse()
	if *instances < 1 || (*instances > 1 && *dbServer == "") {
		fail(fmt.Errorf("-instances %d: more than one instance needs -database-url", *instances))
	}
	var rates []int
	for f := range strings.SplitSeq(*ratesFlag, ",") {
		r, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || r <= 0 {
			fail(fmt.Errorf("bad rate %q", f))
		}
		rates = append(rates, r)
	}
	sort.Ints(rates)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *budget)
	defer cancel()
	work, err := os.MkdirTemp("", "efa-load-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(work)
	if *bin == "" {
		fmt.Println("building efa …")
		if *bin, err = harness.Build(ctx, work, false); err != nil {
			fail(err)
		}
	}
	data := filepath.Join(work, "data")
	db := filepath.Join(data, "efa.db")
	// The rate limit is per client address and every request here comes
	// from 127.0.0.1, so it is switched off; the concurrency limit stays.
	env := []string{"EFA_RATE_LIMIT=0"}
	if *dbServer != "" {
		dbURL, drop, err := harness.NewPostgresDatabase(ctx, *dbServer, "efa_load")
		if err != nil {
			fail(err)
		}
		defer drop()
		db = dbURL
		env = append(env, "EFA_DATABASE_URL="+dbURL)
	}
	if err := harness.Seed(ctx, *bin, data, env[1:]...); err != nil {
		fail(err)
	}
	writers, err := harness.Writers(ctx, db, 200)
	if err != nil {
		fail(err)
	}
	solutions, err := harness.Solutions(ctx, db)
	if err != nil {
		fail(err)
	}
	for kv := range strings.SplitSeq(*serverEnv, ",") {
		if kv = strings.TrimSpace(kv); kv != "" {
			env = append(env, kv)
		}
	}
	var bases []string
	var srv *harness.Server // the first instance: its memory is reported
	for i := range *instances {
		dir := data
		if i > 0 {
			dir = filepath.Join(work, fmt.Sprintf("data-%d", i))
		}
		s, err := harness.Start(ctx, *bin, dir, env...)
		if err != nil {
			fail(err)
		}
		defer s.Stop(30 * time.Second)
		if srv == nil {
			srv = s
		}
		bases = append(bases, s.Base)
	}
	idle, _ := srv.Memory()

	mix := newMix(bases, solutions, writers, *seed, strings.Split(*skip, ","))
	database := "SQLite"
	if *dbServer != "" {
		database = "PostgreSQL"
	}
	fmt.Printf("%d instance(s) on %s, round-robin: %s (first: pid %d, %s), RSS idle %s\n", len(bases), database, strings.Join(bases, " "),
		srv.Pid(), strings.Join(redactEnv(env), " "), harness.MB(idle.RSS))
	fmt.Printf("mix (weight of %d, what):\n", mix.total)
	for _, k := range mix.kinds {
		fmt.Printf("  %4d  %s\n", k.weight, k.name)
	}
	for _, m := range mix.missing {
		fmt.Printf("  ---  %s: not served (yet), left out\n", m)
	}

	// Warm up caches and connections; not reported.
	if _, err := attack(ctx, srv, mix, 20, 3*time.Second); err != nil {
		fail(err)
	}
	idleWarm, _ := srv.Memory()
	fmt.Printf("RSS after warm-up %s\n\n", harness.MB(idleWarm.RSS))
	fmt.Printf("%6s %8s %9s %9s %9s %7s %9s  %s\n", "rate", "requests", "p50", "p99", "max", "errors", "RSS peak", "status codes")

	var best *step
	var steps []*step
	for _, r := range rates {
		if ctx.Err() != nil {
			break
		}
		s, err := attack(ctx, srv, mix, r, *duration)
		if err != nil {
			fail(err)
		}
		if ctx.Err() != nil {
			fmt.Printf("%5d/s cut short by the time budget (-budget); not counted\n", r)
			break
		}
		steps = append(steps, s)
		s.print()
		if s.good() {
			best = s
		}
		// Past the point where a tenth fails, higher rates only pile up.
		if s.errors*10 > int(s.m.Requests) {
			break
		}
	}
	if best == nil {
		fmt.Println("\nno rate met p99 < 50 ms with 0 errors")
		if len(steps) > 0 {
			fmt.Printf("per kind at %d/s (p50 / p99):\n", steps[0].rate)
			steps[0].printKinds()
		}
	} else {
		report(ctx, srv, mix, steps, best, *duration)
	}
	end, _ := srv.Memory()
	fmt.Printf("RSS: idle %s, after warm-up %s, peak under load %s\n", harness.MB(idle.RSS), harness.MB(idleWarm.RSS), harness.MB(end.Peak))
	if ctx.Err() == nil && *dbServer == "" {
		backupWhileWriting(ctx, *bin, data, work, srv, mix)
	}
}

// report prints the headline: the best rate, its kinds, and twice that rate
// (measured now unless the steps had it).
func report(ctx context.Context, srv *harness.Server, mix *mix, steps []*step, best *step, duration time.Duration) {
	twice := findStep(steps, 2*best.rate)
	if twice == nil && ctx.Err() == nil {
		var err error
		if twice, err = attack(ctx, srv, mix, 2*best.rate, duration); err != nil {
			fail(err)
		}
		if ctx.Err() != nil {
			twice = nil
		} else {
			twice.print()
		}
	}
	fmt.Printf("\nhighest rate with p99 < %v and 0 errors: %d/s (p50 %v, p99 %v, %d requests)\n",
		goal, best.rate, round(best.m.Latencies.P50), round(best.m.Latencies.P99), best.m.Requests)
	fmt.Println("per kind at that rate (p50 / p99):")
	best.printKinds()
	if twice != nil {
		fmt.Printf("at twice that rate, %d/s: p50 %v, p99 %v, max %v, %d errors of %d (%s)\n",
			twice.rate, round(twice.m.Latencies.P50), round(twice.m.Latencies.P99), round(twice.m.Latencies.Max),
			twice.errors, twice.m.Requests, codes(twice.m.StatusCodes))
		fmt.Println("per kind at twice that rate (p50 / p99):")
		twice.printKinds()
	}
}

// backupWhileWriting times "efa backup" of the served database while
// adoption writes keep arriving through the API at 20 per second.
func backupWhileWriting(ctx context.Context, bin, data, work string, srv *harness.Server, m *mix) {
	var writes *kind
	for i := range m.kinds {
		if strings.Contains(m.kinds[i].name, "POST") {
			writes = &m.kinds[i]
		}
	}
	if writes == nil {
		fmt.Println("backup: no write endpoint, skipped")
		return
	}
	only := &mix{rng: m.rng, kinds: []kind{*writes}, total: writes.weight}
	atk := vegeta.NewAttacker(vegeta.Timeout(5 * time.Second))
	results := atk.Attack(only.target, vegeta.Rate{Freq: 20, Per: time.Second}, time.Minute, "backup")
	var acked, failed atomic.Int64
	var stopping atomic.Bool
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for r := range results {
			if r.Code == http.StatusCreated {
				acked.Add(1)
			} else if !stopping.Load() {
				// Requests cut off by Stop below are not the server's fault.
				failed.Add(1)
			}
		}
	}()
	time.Sleep(2 * time.Second) // writes are flowing
	before := acked.Load()
	file := filepath.Join(work, "sicherung.db")
	start := time.Now()
	cmd := exec.CommandContext(ctx, bin, "backup", "--data-dir", data, file)
	cmd.Env = append(os.Environ(), "EFA_LOG_LEVEL=warn")
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	during := acked.Load() - before
	time.Sleep(time.Second)
	stopping.Store(true)
	atk.Stop()
	<-drained
	if err != nil {
		fmt.Printf("backup while writing FAILED after %v: %v\n%s", took, err, out)
		return
	}
	fmt.Printf("backup while writing 20/s: %v, %d writes acknowledged meanwhile, %d write errors overall\n  %s",
		took.Round(time.Millisecond), during, failed.Load(), out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "load:", err)
	os.Exit(1)
}

func round(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(100 * time.Microsecond)
}

// kind is one sort of request in the mix.
type kind struct {
	name   string
	weight int
	next   func(r *rand.Rand, t *vegeta.Target)
}

// mix draws targets by weight; vegeta calls it from many goroutines.
type mix struct {
	mu      sync.Mutex
	rng     *rand.Rand
	kinds   []kind
	total   int
	missing []string
	etag    atomic.Pointer[string]
}

var searchTerms = []string{"Wohngeld", "Kindergeld", "Elterngeld", "Führerschein", "Bauantrag", "Hund", "Gewerbe",
	"Parkausweis", "Ummeldung", "Unterhaltsvorschuss", "BAföG", "Eheschließung", "Wohnsitz", "Schwerbehindertenausweis",
	"Baugenehmigung", "Fischereischein", "Sozialhilfe", "Einbürgerung", "Waffenschein", "Kita"}

func newMix(bases []string, solutions []string, writers []harness.Writer, seed uint64, skip []string) *mix {
	m := &mix{rng: rand.New(rand.NewPCG(seed, seed+1))}
	// Requests go to the instances in turn (target runs under m.mu).
	turn := 0
	next := func() string {
		turn++
		return bases[turn%len(bases)]
	}
	get := func(path string) func(*vegeta.Target) {
		return func(t *vegeta.Target) { t.Method, t.URL = http.MethodGet, next()+path }
	}
	pick := func(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }
	candidates := []struct {
		name   string
		weight int
		probe  string
		next   func(r *rand.Rand, t *vegeta.Target)
	}{
		{"search API  GET /api/v1/search?q=…", 170, "/api/v1/search?q=Wohngeld", func(r *rand.Rand, t *vegeta.Target) {
			get("/api/v1/search?q=" + url.QueryEscape(pick(r, searchTerms)))(t)
		}},
		{"search page GET /loesungen?q=…", 100, "/loesungen?q=Wohngeld", func(r *rand.Rand, t *vegeta.Target) {
			get("/loesungen?q=" + url.QueryEscape(pick(r, searchTerms)))(t)
		}},
		{"catalogue   GET /loesungen?status=…&sortierung=…&seite=…", 100, "/loesungen?status=live", func(r *rand.Rand, t *vegeta.Target) {
			get(pick(r, []string{"/loesungen", "/loesungen?status=live", "/loesungen?sortierung=nachnutzungen", "/loesungen?anbieter=05&anbieter=06",
				"/loesungen?themenfeld=3", "/loesungen?seite=2", "/loesungen?reifegrad=3&sortierung=name", "/loesungen?land=06&open_source=ja"}))(t)
		}},
		{"solution    GET /loesungen/{slug}", 250, "/loesungen/" + solutions[0], func(r *rand.Rand, t *vegeta.Target) {
			get("/loesungen/" + pick(r, solutions))(t)
		}},
		{"home        GET /", 60, "/", func(r *rand.Rand, t *vegeta.Target) { get("/")(t) }},
		{"Land        GET /laender/{code}", 50, "/laender/06", func(r *rand.Rand, t *vegeta.Target) {
			get(fmt.Sprintf("/laender/%02d", 1+r.IntN(16)))(t)
		}},
		{"API list    GET /api/v1/solutions?limit=20", 50, "/api/v1/solutions", func(r *rand.Rand, t *vegeta.Target) {
			get(pick(r, []string{"/api/v1/solutions?limit=20", "/api/v1/solutions?status=live", "/api/v1/solutions?sort=adoptions"}))(t)
		}},
		{"lookup      GET /api/v1/organisations/lookup?q=…", 40, "/api/v1/organisations/lookup?q=Kiel", func(r *rand.Rand, t *vegeta.Target) {
			get("/api/v1/organisations/lookup?q=" + url.QueryEscape(pick(r, []string{"Kiel", "Mün", "Frankfurt", "Lands", "10115", "Bad"})))(t)
		}},
		{"export      GET /api/v1/export (no ETag)", 5, "/api/v1/export", func(r *rand.Rand, t *vegeta.Target) { get("/api/v1/export")(t) }},
		{"export      GET /api/v1/export (If-None-Match)", 25, "/api/v1/export", func(r *rand.Rand, t *vegeta.Target) {
			get("/api/v1/export")(t)
			if e := m.etag.Load(); e != nil {
				t.Header = http.Header{"If-None-Match": {*e}}
			}
		}},
		{"feed        GET /api/v1/changes?after=…", 50, "/api/v1/changes?after=0&limit=100", func(r *rand.Rand, t *vegeta.Target) {
			get(fmt.Sprintf("/api/v1/changes?after=%d&limit=100", r.IntN(17000)))(t)
		}},
		{"write       POST /api/v1/adoptions", 50, "", func(r *rand.Rand, t *vegeta.Target) {
			w := writers[r.IntN(len(writers))]
			status := "interested"
			if r.IntN(2) == 0 {
				status = "live"
			}
			t.Method, t.URL = http.MethodPost, next()+"/api/v1/adoptions"
			t.Body = fmt.Appendf(nil, `{"solution": %q, "adopterKind": "gemeinde", "adopterKey": %q, "status": %q, "since": "2026-11"}`,
				pick(r, solutions), w.ARS, status)
			t.Header = http.Header{"Authorization": {"Bearer " + w.Token}, "Content-Type": {"application/json"}}
		}},
	}
next:
	for _, c := range candidates {
		for _, w := range skip {
			if w = strings.TrimSpace(w); w != "" && strings.Contains(c.name, w) {
				m.missing = append(m.missing, c.name+" (-skip)")
				continue next
			}
		}
		if c.probe != "" {
			res, err := http.Get(bases[0] + c.probe)
			if err == nil {
				if e := res.Header.Get("ETag"); e != "" && strings.Contains(c.probe, "export") {
					m.etag.Store(&e)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			if err != nil || res.StatusCode != http.StatusOK {
				m.missing = append(m.missing, c.name)
				continue
			}
			if strings.Contains(c.name, "If-None-Match") && m.etag.Load() == nil {
				m.missing = append(m.missing, c.name+" (no ETag sent)")
				continue
			}
		}
		m.kinds = append(m.kinds, kind{c.name, c.weight, c.next})
		m.total += c.weight
	}
	return m
}

// target is the vegeta.Targeter of the mix.
func (m *mix) target(t *vegeta.Target) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	*t = vegeta.Target{}
	n := m.rng.IntN(m.total)
	for _, k := range m.kinds {
		if n < k.weight {
			k.next(m.rng, t)
			return nil
		}
		n -= k.weight
	}
	return errors.New("empty mix")
}

// step is the outcome of one constant rate.
type step struct {
	rate    int
	m       vegeta.Metrics
	errors  int
	rssPeak int64
	perKind map[string]*vegeta.Metrics
	order   []string
}

func (s *step) good() bool { return s.errors == 0 && s.m.Latencies.P99 < goal }

func (s *step) print() {
	fmt.Printf("%5d/s %8d %9v %9v %9v %7d %9s  %s\n", s.rate, s.m.Requests, round(s.m.Latencies.P50), round(s.m.Latencies.P99),
		round(s.m.Latencies.Max), s.errors, harness.MB(s.rssPeak), codes(s.m.StatusCodes))
}

func (s *step) printKinds() {
	for _, k := range s.order {
		km := s.perKind[k]
		fmt.Printf("  %-52s %6d req  %9v / %9v  %s\n", k, km.Requests, round(km.Latencies.P50), round(km.Latencies.P99), codes(km.StatusCodes))
	}
}

func codes(c map[string]int) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, c[k]))
	}
	return strings.Join(parts, " ")
}

func findStep(steps []*step, rate int) *step {
	for _, s := range steps {
		if s.rate == rate {
			return s
		}
	}
	return nil
}

// attack runs one constant rate for d and collects its figures. A request
// counts as an error when it failed or its status is not 2xx/304.
func attack(ctx context.Context, srv *harness.Server, m *mix, rate int, d time.Duration) (*step, error) {
	atk := vegeta.NewAttacker(vegeta.Timeout(5*time.Second), vegeta.KeepAlive(true), vegeta.MaxWorkers(2000))
	s := &step{rate: rate, perKind: map[string]*vegeta.Metrics{}}
	stopRSS := make(chan struct{})
	rssDone := make(chan struct{})
	go func() {
		defer close(rssDone)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if mem, err := srv.Memory(); err == nil && mem.RSS > s.rssPeak {
				s.rssPeak = mem.RSS
			}
			select {
			case <-stopRSS:
				return
			case <-tick.C:
			}
		}
	}()
	go func() {
		<-ctx.Done()
		atk.Stop()
	}()
	for res := range atk.Attack(m.target, vegeta.Rate{Freq: rate, Per: time.Second}, d, fmt.Sprint(rate)) {
		s.m.Add(res)
		name := classify(res)
		km := s.perKind[name]
		if km == nil {
			km = &vegeta.Metrics{}
			s.perKind[name] = km
			s.order = append(s.order, name)
		}
		km.Add(res)
		ok := res.Error == "" && (res.Code >= 200 && res.Code < 300 || res.Code == http.StatusNotModified)
		if !ok {
			s.errors++
		}
		if e := res.Headers.Get("ETag"); e != "" && strings.Contains(res.URL, "/api/v1/export") {
			m.etag.Store(&e)
		}
		res.Body = nil
	}
	close(stopRSS)
	<-rssDone
	s.m.Close()
	for _, km := range s.perKind {
		km.Close()
	}
	sort.Strings(s.order)
	return s, nil
}

// classify names the kind of a request from its method and URL.
func classify(r *vegeta.Result) string {
	u, err := url.Parse(r.URL)
	if err != nil {
		return "?"
	}
	p := u.Path
	switch {
	case r.Method == http.MethodPost:
		return "write POST /api/v1/adoptions"
	case p == "/":
		return "home /"
	case p == "/loesungen" && u.Query().Has("q"):
		return "search page /loesungen?q="
	case p == "/loesungen":
		return "catalogue /loesungen"
	case strings.HasPrefix(p, "/loesungen/"):
		return "solution /loesungen/{slug}"
	case strings.HasPrefix(p, "/laender/"):
		return "Land /laender/{code}"
	case p == "/api/v1/export" && r.Code == http.StatusNotModified:
		return "export /api/v1/export → 304"
	case p == "/api/v1/export":
		return "export /api/v1/export → 200"
	}
	return p
}

// redactEnv hides the password of EFA_DATABASE_URL.
func redactEnv(env []string) []string {
	out := make([]string, len(env))
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "EFA_DATABASE_URL="); ok {
			kv = "EFA_DATABASE_URL=" + store.RedactURL(v)
		}
		out[i] = kv
	}
	return out
}

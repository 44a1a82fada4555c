// Command api benchmarks the export of the JSON API on loopback, side by
// side in one run: GET /api/v1/export of the real efa serve (200 with the
// whole document, and the 304 path with If-None-Match) against an Echo
// hello-world handler (in a child process) and against nginx from Debian
// serving the same bytes as a static file. The load comes from wrk (closed
// loop, fixed connections and duration), which reports requests per second
// and the 99th percentile of the latency. Everything listens on 127.0.0.1
// only; every run is bounded by -duration.
//
//	go run ./bench/api                    # 3 rounds of 5 s per target, 32 connections
//	go run ./bench/api -duration 8s -rounds 1 -connections 16
//	go run ./bench/api -only 304          # hello-world and the 304 path only
//
// efa runs with the production defaults (rate limit per client, concurrency
// limit) and the client sends an API token, as the portal that polls the
// export does; every target gets the same request headers. Only the access
// log is off (EFA_LOG_LEVEL=error), as it is for nginx (access_log off).
//
// Needs wrk and nginx (Debian: apt-get install wrk nginx-light); run.sh
// beside this file installs them. Goals (issue 6): the export at least 0.9
// of nginx, the 304 path at least 0.8 of hello-world.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/bench/harness"
)

func main() {
	// The child process that serves hello-world.
	if len(os.Args) == 3 && os.Args[1] == "-serve-hello" {
		serveHello(os.Args[2])
		return
	}
	duration := flag.Duration("duration", 5*time.Second, "load duration per target and round (at most 60s)")
	rounds := flag.Int("rounds", 3, "rounds over all targets (1..5); the median of the rounds is reported")
	conns := flag.Int("connections", 32, "concurrent connections of wrk")
	threads := flag.Int("threads", 2, "wrk threads")
	only := flag.String("only", "", `"304": only hello-world and the 304 path; "200": only nginx and the export (default: all four)`)
	flag.Parse()
	if *duration > time.Minute || *duration < time.Second || *conns < 1 || *conns > 512 || *rounds < 1 || *rounds > 5 ||
		*only != "" && *only != "304" && *only != "200" {
		fmt.Fprintln(os.Stderr, `api: -duration must be 1s..60s, -connections 1..512, -rounds 1..5, -only "", "304" or "200"`)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *duration, *conns, *threads, *rounds, *only); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

// serveHello is the baseline: Echo with one handler and no middleware.
func serveHello(addr string) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "Hello, World!") })
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("http://" + ln.Addr().String())
	e.Listener = ln
	_ = e.Start("")
}

type result struct {
	name   string
	rps    float64
	p99    time.Duration
	non2xx string
	// socketErrs are wrk's connect, read, write and timeout errors.
	socketErrs string
	bytesPS    string
}

func run(ctx context.Context, duration time.Duration, conns, threads, rounds int, only string) error {
	for _, tool := range []string{"wrk", "nginx"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is missing: run bench/api/run.sh (installs wrk and nginx-light from Debian)", tool)
		}
	}
	tmp, err := os.MkdirTemp("", "efa-bench-api-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	fmt.Println("building and seeding efa …")
	bin, err := harness.Build(ctx, tmp, false)
	if err != nil {
		return err
	}
	data := filepath.Join(tmp, "data")
	if err := harness.Seed(ctx, bin, data); err != nil {
		return err
	}
	// The server runs as in production: the default rate limit per client
	// and the default concurrency limit (64, above the connections of wrk),
	// so their cost is measured too. The client is what polls the export in
	// production, the portal with its API token. A token holder has a
	// budget of its own (EFA_TOKEN_RATE_LIMIT, 200/s by default), which this
	// throughput measurement switches off: it measures the cost of a request,
	// not the budget. Every target gets the same request headers. Only the
	// access log is off, as it is for nginx (access_log off).
	writers, err := harness.Writers(ctx, filepath.Join(data, "efa.db"), 1)
	if err != nil {
		return err
	}
	auth := "Authorization: Bearer " + writers[0].Token
	srv, err := harness.Start(ctx, bin, data, "EFA_LOG_LEVEL=error", "EFA_TOKEN_RATE_LIMIT=0")
	if err != nil {
		return err
	}
	defer srv.Stop(15 * time.Second)

	// The export as the server sends it, and its validator.
	req0, _ := http.NewRequest(http.MethodGet, srv.Base+"/api/v1/export", nil)
	req0.Header.Set("Authorization", strings.TrimPrefix(auth, "Authorization: "))
	res, err := http.DefaultClient.Do(req0)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	etag := res.Header.Get("ETag")
	if err != nil || res.StatusCode != 200 || etag == "" {
		return fmt.Errorf("export: %d, ETag %q, %v", res.StatusCode, etag, err)
	}
	www := filepath.Join(tmp, "www")
	if err := os.MkdirAll(filepath.Join(www, "api", "v1"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(www, "api", "v1", "export.json"), body, 0o644); err != nil {
		return err
	}
	for _, d := range []string{tmp, www, filepath.Join(www, "api"), filepath.Join(www, "api", "v1")} {
		os.Chmod(d, 0o755) // nginx workers may run as another user
	}

	hello, stopHello, err := startHello(ctx)
	if err != nil {
		return err
	}
	defer stopHello()
	nginxURL, stopNginx, err := startNginx(ctx, tmp, www)
	if err != nil {
		return err
	}
	defer stopNginx()

	// Check the three servers answer as expected before loading them.
	if r, err := http.Get(nginxURL + "/api/v1/export.json"); err != nil || r.ContentLength != int64(len(body)) {
		return fmt.Errorf("nginx does not serve the export: %v %v", r, err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.Base+"/api/v1/export", nil)
	req.Header.Set("If-None-Match", etag)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusNotModified {
		return fmt.Errorf("the 304 path does not answer 304: %v %v", r, err)
	}

	type target struct {
		name, url string
		header    []string
	}
	targets := []target{
		{"Echo hello-world (baseline)", hello + "/", []string{auth}},
		{"efa GET /api/v1/export, 304", srv.Base + "/api/v1/export", []string{auth, "If-None-Match: " + etag}},
		{"nginx static export (baseline)", nginxURL + "/api/v1/export.json", []string{auth}},
		{"efa GET /api/v1/export, 200", srv.Base + "/api/v1/export", []string{auth}},
	}
	pairs := [][2]int{{0, 1}, {2, 3}}
	switch only {
	case "304":
		targets, pairs = targets[:2], pairs[:1]
	case "200":
		targets, pairs = targets[2:], [][2]int{{0, 1}}
	}
	fmt.Printf("export: %d bytes; wrk -t%d -c%d -d%s per target, %d rounds over the targets, loopback, this run\n",
		len(body), threads, conns, duration, rounds)
	perTarget := map[string][]result{}
	for round := 1; round <= rounds; round++ {
		for _, t := range targets {
			// A short warm-up fills caches and connection pools.
			if _, err := wrk(ctx, t.url, t.header, threads, conns, time.Second); err != nil {
				return err
			}
			r, err := wrk(ctx, t.url, t.header, threads, conns, duration)
			if err != nil {
				return err
			}
			r.name = t.name
			perTarget[t.name] = append(perTarget[t.name], r)
			fmt.Printf("  round %d  %-32s %10.0f req/s  p99 %v\n", round, t.name, r.rps, r.p99)
		}
	}
	// The median round of each target: the machine may be shared, and one
	// disturbed round must not decide.
	results := map[string]result{}
	for name, rs := range perTarget {
		results[name] = median(rs)
	}
	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Println("median of the rounds:")
	fmt.Fprintln(tw, "target\treq/s\tp99\ttransfer/s\tratio\tgoal\t")
	row := func(r result, ratio, goal string) {
		fmt.Fprintf(tw, "%s\t%.0f\t%v\t%s\t%s\t%s\t\n", r.name, r.rps, r.p99.Round(10*time.Microsecond), r.bytesPS, ratio, goal)
	}
	for _, p := range pairs {
		base, efa := results[targets[p[0]].name], results[targets[p[1]].name]
		row(base, "", "")
		if strings.Contains(base.name, "nginx") {
			row(efa, fmt.Sprintf("%.2f of nginx", efa.rps/base.rps), verdict(efa.rps/base.rps, 0.9))
		} else {
			row(efa, fmt.Sprintf("%.2f of hello-world", efa.rps/base.rps), verdict(efa.rps/base.rps, 0.8))
		}
	}
	tw.Flush()
	failed := false
	for _, r := range results {
		if r.non2xx != "" {
			// A 429 would mean the token holder was throttled: the figures
			// would not be those of the export.
			fmt.Printf("error: %s: %s\n", r.name, r.non2xx)
			failed = true
		}
		if r.socketErrs != "" {
			fmt.Printf("warning: %s: %s\n", r.name, r.socketErrs)
		}
	}
	if failed {
		return fmt.Errorf("some answers were neither 2xx nor 3xx")
	}
	return nil
}

// median returns the result with the median rate, with the median p99.
func median(rs []result) result {
	byRate := append([]result(nil), rs...)
	sort.Slice(byRate, func(i, j int) bool { return byRate[i].rps < byRate[j].rps })
	m := byRate[len(byRate)/2]
	p99s := make([]time.Duration, len(rs))
	for i, r := range rs {
		p99s[i] = r.p99
	}
	sort.Slice(p99s, func(i, j int) bool { return p99s[i] < p99s[j] })
	m.p99 = p99s[len(p99s)/2]
	return m
}

func verdict(ratio, goal float64) string {
	if ratio >= goal {
		return fmt.Sprintf(">= %.1f met", goal)
	}
	return fmt.Sprintf(">= %.1f MISSED", goal)
}

// startHello runs the hello-world server in a child process.
func startHello(ctx context.Context) (string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(self, "-serve-hello", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://") {
		stop()
		return "", nil, fmt.Errorf("hello-world did not start: %q %v", line, err)
	}
	return strings.TrimSpace(line), stop, nil
}

// startNginx serves www with the Debian nginx on a free loopback port:
// sendfile, keep-alive, no access log, as a tuned static server would run.
func startNginx(ctx context.Context, tmp, www string) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	conf := fmt.Sprintf(`%s
worker_processes auto;
pid %[2]s/nginx.pid;
error_log %[2]s/nginx-error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  types { application/json json; }
  default_type application/octet-stream;
  client_body_temp_path %[2]s/nginx-body;
  proxy_temp_path %[2]s/nginx-proxy;
  fastcgi_temp_path %[2]s/nginx-fastcgi;
  uwsgi_temp_path %[2]s/nginx-uwsgi;
  scgi_temp_path %[2]s/nginx-scgi;
  server {
    listen 127.0.0.1:%[3]d;
    root %[4]s;
  }
}
`, user, tmp, port, www)
	path := filepath.Join(tmp, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return "", nil, err
	}
	cmd := exec.Command("nginx", "-p", tmp, "-c", path, "-e", filepath.Join(tmp, "nginx-error.log"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { cmd.Process.Signal(syscall.SIGQUIT); cmd.Wait() }
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(base + "/"); err == nil {
			r.Body.Close()
			return base, stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("nginx did not start (see %s/nginx-error.log)", tmp)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reP99      = regexp.MustCompile(`(?m)^\s+99%\s+([0-9.]+)(us|ms|s)\s*$`)
	reTransfer = regexp.MustCompile(`Transfer/sec:\s+(\S+)`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reErrors   = regexp.MustCompile(`Socket errors: .*`)
)

// wrk runs one load and parses its report.
func wrk(ctx context.Context, url string, header []string, threads, conns int, d time.Duration) (result, error) {
	args := []string{"-t" + strconv.Itoa(threads), "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s", "--latency", "--timeout", "5s"}
	for _, h := range header {
		args = append(args, "-H", h)
	}
	cctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(cctx, "wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk %s: %v\n%s", url, err, out)
	}
	s := string(out)
	m, p := reRPS.FindStringSubmatch(s), reP99.FindStringSubmatch(s)
	if m == nil || p == nil {
		return result{}, fmt.Errorf("cannot read the wrk report:\n%s", s)
	}
	var r result
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	v, _ := strconv.ParseFloat(p[1], 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[p[2]]
	r.p99 = time.Duration(v * float64(unit))
	if t := reTransfer.FindStringSubmatch(s); t != nil {
		r.bytesPS = t[1]
	}
	if n := reNon2xx.FindStringSubmatch(s); n != nil {
		r.non2xx = n[0]
	}
	if e := reErrors.FindString(s); e != "" {
		r.socketErrs = strings.TrimSpace(e)
	}
	return r, nil
}

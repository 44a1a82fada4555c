// Command authflood is the load test of issue 15 row 2: it starts the real
// efa serve on 127.0.0.1 with a seeded temporary data folder and the rate
// limit off (EFA_RATE_LIMIT=0), then sends a flood of concurrent account
// requests (POST /konto/beantragen with a valid CSRF token and a password,
// so every one of them reaches the Argon2id hash). Meanwhile it samples the
// server's resident memory (VmRSS from /proc/PID/status) every 50 ms and
// times a probe GET / every 100 ms. It prints idle, peak and final RSS and
// the probe latency before, during and after the flood.
//
// Bounded: -n requests in all (default 200), at most -c at once (default
// 200), the whole run within -budget, and only 127.0.0.1 is contacted. Not
// part of "make test".
//
//	go run ./bench/authflood                          # builds ./cmd/efa
//	go run ./bench/authflood -bin /tmp/efa-before     # an older binary
//	go run ./bench/authflood -env EFA_MAX_IN_FLIGHT=256
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"efa-register/bench/harness"
)

func main() {
	bin := flag.String("bin", "", "efa binary (default: build ./cmd/efa)")
	n := flag.Int("n", 200, "account requests in all (at most 5000)")
	c := flag.Int("c", 200, "account requests at the same time (at most 1000)")
	budget := flag.Duration("budget", 4*time.Minute, "upper bound of the whole run")
	serverEnv := flag.String("env", "", "extra server environment, comma-separated KEY=value (e.g. EFA_MAX_IN_FLIGHT=256)")
	flag.Parse()
	if *n < 1 || *n > 5000 || *c < 1 || *c > 1000 {
		fail(errors.New("-n must be 1..5000 and -c 1..1000"))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *budget)
	defer cancel()
	work, err := os.MkdirTemp("", "efa-authflood-")
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
	if err := harness.Seed(ctx, *bin, data); err != nil {
		fail(err)
	}
	env := []string{"EFA_RATE_LIMIT=0"}
	for kv := range strings.SplitSeq(*serverEnv, ",") {
		if kv = strings.TrimSpace(kv); kv != "" {
			env = append(env, kv)
		}
	}
	srv, err := harness.Start(ctx, *bin, data, env...)
	if err != nil {
		fail(err)
	}
	defer srv.Stop(30 * time.Second)
	if !strings.HasPrefix(srv.Base, "http://127.0.0.1:") {
		fail(fmt.Errorf("server answers on %s, want 127.0.0.1 only", srv.Base))
	}

	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: *c + 2, MaxConnsPerHost: *c + 2}}
	form, err := newForm(ctx, client, srv.Base)
	if err != nil {
		fail(err)
	}
	// One request on its own: the form is right, and the first hash's
	// one-off allocations are not counted as flood.
	if code, body, err := form.post(ctx, client, 0); err != nil || code != http.StatusCreated {
		fail(fmt.Errorf("trial account request: status %d, err %v\n%s", code, err, snippet(body)))
	}
	time.Sleep(500 * time.Millisecond)
	idle, _ := srv.Memory()

	rss := &sampler{srv: srv}
	go rss.run(ctx, 50*time.Millisecond)
	before := probe(ctx, client, srv.Base, 10, 100*time.Millisecond)

	// The flood, with the probe running beside it.
	var during []time.Duration
	probeDone := make(chan struct{})
	floodDone := make(chan struct{})
	go func() {
		defer close(probeDone)
		for {
			select {
			case <-floodDone:
				return
			default:
			}
			during = append(during, probe(ctx, client, srv.Base, 1, 100*time.Millisecond)...)
			if ctx.Err() != nil {
				return
			}
		}
	}()
	start := time.Now()
	res := flood(ctx, client, form, *n, *c)
	floodTime := time.Since(start)
	close(floodDone)
	<-probeDone
	peakSampled := rss.peak.Load()

	time.Sleep(2 * time.Second)
	after := probe(ctx, client, srv.Base, 10, 100*time.Millisecond)
	final, _ := srv.Memory()
	if ctx.Err() != nil {
		fmt.Println("cut short by the time budget (-budget)")
	}

	fmt.Printf("efa %s (pid %d, %s): %d account requests, %d at once, %v\n\n", *bin, srv.Pid(), strings.Join(env, " "), *n, *c, round(floodTime))
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tRSS\tprobe GET / p50\tp99\tmax\tprobes\t")
	fmt.Fprintf(tw, "idle\t%s\t%v\t%v\t%v\t%d\t\n", harness.MB(idle.RSS), pct(before, 50), pct(before, 99), pct(before, 100), len(before))
	fmt.Fprintf(tw, "flood (peak, sampled 50 ms)\t%s\t%v\t%v\t%v\t%d\t\n", harness.MB(peakSampled), pct(during, 50), pct(during, 99), pct(during, 100), len(during))
	fmt.Fprintf(tw, "flood (peak, VmHWM)\t%s\t\t\t\t\t\n", harness.MB(final.Peak))
	fmt.Fprintf(tw, "2 s after\t%s\t%v\t%v\t%v\t%d\t\n", harness.MB(final.RSS), pct(after, 50), pct(after, 99), pct(after, 100), len(after))
	tw.Flush()
	fmt.Printf("\naccount requests: %s; latency p50 %v, p99 %v, max %v\n", res.codes(), pct(res.lat, 50), pct(res.lat, 99), pct(res.lat, 100))
}

// form holds what a valid account request needs: the CSRF cookie and token
// and the id of a real organisation.
type form struct {
	base, cookie, token, org string
}

var (
	csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	orgRadio  = regexp.MustCompile(`name="organisation" id="org-(\d+)"`)
)

// newForm loads the form (cookie and token), then searches an organisation
// the way a person does (aktion=suchen).
func newForm(ctx context.Context, client *http.Client, base string) (*form, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/konto/beantragen", nil)
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	f := &form{base: base}
	for _, ck := range res.Cookies() {
		if ck.Name == "efa_csrf" {
			// Sent by hand: the cookie is Secure, which a cookie jar would
			// keep from a plain-HTTP loopback server.
			f.cookie = ck.Name + "=" + ck.Value
		}
	}
	m := csrfField.FindSubmatch(body)
	if res.StatusCode != http.StatusOK || f.cookie == "" || m == nil {
		return nil, fmt.Errorf("GET /konto/beantragen: status %d, cookie %q, token found %v", res.StatusCode, f.cookie, m != nil)
	}
	f.token = string(m[1])
	code, body, err := f.send(ctx, client, url.Values{"aktion": {"suchen"}, "q": {"Flensburg"}})
	if err != nil {
		return nil, err
	}
	o := orgRadio.FindSubmatch(body)
	if code != http.StatusOK || o == nil {
		return nil, fmt.Errorf("organisation search: status %d, no organisation offered\n%s", code, snippet(body))
	}
	f.org = string(o[1])
	return f, nil
}

func (f *form) send(ctx context.Context, client *http.Client, v url.Values) (int, []byte, error) {
	v.Set("_csrf", f.token)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.base+"/konto/beantragen", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", f.cookie)
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, body, err
}

// post sends account request i: valid in every field, with its own address.
func (f *form) post(ctx context.Context, client *http.Client, i int) (int, []byte, error) {
	return f.send(ctx, client, url.Values{"aktion": {"beantragen"}, "organisation": {f.org}, "name": {fmt.Sprintf("Flut %d", i)},
		"email": {fmt.Sprintf("flut-%d@example.org", i)}, "password": {"ein-langes-passwort-fuer-die-flut"}, "message": {"Lasttest"}})
}

type result struct {
	mu     sync.Mutex
	status map[string]int
	lat    []time.Duration
}

func (r *result) codes() string {
	keys := make([]string, 0, len(r.status))
	for k := range r.status {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, r.status[k]))
	}
	return strings.Join(parts, ", ")
}

// flood sends n account requests from c workers that all start together.
func flood(ctx context.Context, client *http.Client, f *form, n, c int) *result {
	r := &result{status: map[string]int{}}
	var next atomic.Int64
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for range c {
		wg.Go(func() {
			<-gate
			for {
				i := int(next.Add(1))
				if i > n || ctx.Err() != nil {
					return
				}
				t := time.Now()
				code, _, err := f.post(ctx, client, i)
				d := time.Since(t)
				key := fmt.Sprint(code)
				if err != nil {
					key = "error"
				}
				r.mu.Lock()
				r.status[key]++
				r.lat = append(r.lat, d)
				r.mu.Unlock()
			}
		})
	}
	close(gate)
	wg.Wait()
	return r
}

// probe times k sequential GET / with pause between them.
func probe(ctx context.Context, client *http.Client, base string, k int, pause time.Duration) []time.Duration {
	var out []time.Duration
	for i := 0; i < k && ctx.Err() == nil; i++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/", nil)
		t := time.Now()
		res, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			out = append(out, time.Since(t))
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
	return out
}

// sampler keeps the highest VmRSS seen.
type sampler struct {
	srv  *harness.Server
	peak atomic.Int64
}

func (s *sampler) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if m, err := s.srv.Memory(); err == nil && m.RSS > s.peak.Load() {
			s.peak.Store(m.RSS)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pct is the p-th percentile (100 = max) of ds, rounded.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return round(s[min(max(i-1, 0), len(s)-1)])
}

func round(d time.Duration) time.Duration {
	if d > 10*time.Millisecond {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}

func snippet(b []byte) string {
	if len(b) > 600 {
		b = b[:600]
	}
	return string(b)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "authflood:", err)
	os.Exit(1)
}

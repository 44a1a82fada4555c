// Command pages measures the pages and feeds that issue 17 keeps from
// growing with the catalogue: for each binary (before and after, say) it
// starts "efa serve" on its own data folder, waits until the in-memory views
// are loaded, requests each route once (the cold request, which may fill a
// cache) and then n times more (2 when the cold one took longer than
// -slow), and prints one table: route, status, bytes of the body, the cold
// request's time, and p50 and p99 of the others.
//
//	go run ./bench/pages -run before=/tmp/efa-base:/work/syn-base -run after=/tmp/efa:/work/syn-after
//
// Each run needs its own copy of the data folder: a newer binary migrates the
// database it opens. The routes' parameters default to records of the
// synthetic register of "efa gen-synthetic" (seed 1); -routes names a file
// with one path per line instead.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"efa-register/bench/harness"
)

// defaultRoutes are the routes of issue 17's list, with records of the
// synthetic register (50,000 solutions, 1,000,000 adoptions, seed 1): the
// solution with the most adoptions, the Gemeinde and the Kreis with the
// most, the Kreis with the most Gemeinden, the OZG-Leistung with the most
// solutions and the Land with the most adoptions.
var defaultRoutes = []string{
	"/",
	"/laender",
	"/einblicke/rendite",
	"/einblicke/rendite?loesungen-seite=500",
	"/einblicke/luecken",
	"/api/v1/savings",
	"/api/v1/savings?page=40&limit=1000",
	"/feed.json",
	"/feed.atom",
	"/api/v1/states",
	"/laender/06/historie",
	"/laender/07/historie",
	"/kreise/12051/historie",
	"/gemeinden/160745015096/historie",
	"/loesungen/synth-034538-familienpass/historie",
	"/leistungen/10092",
	"/leistungen/10550",
	"/laender/06/luecken",
	"/laender/07/luecken",
	"/laender/06",
	"/laender/07",
	"/kreise/07232",
	"/kreise/12051",
	"/gemeinden/160745015096",
	"/loesungen/synth-034538-familienpass",
}

type runFlag []string

func (r *runFlag) String() string     { return strings.Join(*r, ",") }
func (r *runFlag) Set(v string) error { *r = append(*r, v); return nil }

// result is what one route gave in one run.
type result struct {
	status         int
	bytes          int64
	cold, p50, p99 time.Duration
	err            error
}

func main() {
	var runs runFlag
	flag.Var(&runs, "run", "NAME=BINARY:DATADIR, once per binary to compare (in this order)")
	n := flag.Int("n", 20, "requests per route after the cold one")
	slow := flag.Duration("slow", 5*time.Second, "a route whose cold request takes longer gets only 2 more requests")
	routesFile := flag.String("routes", "", "file with one route per line (default: the built-in list)")
	flag.Parse()
	if len(runs) == 0 {
		fmt.Fprintln(os.Stderr, "usage: pages -run NAME=BINARY:DATADIR [-run …] [-n 20] [-routes FILE]")
		os.Exit(2)
	}
	routes := defaultRoutes
	if *routesFile != "" {
		var err error
		if routes, err = readRoutes(*routesFile); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	ctx := context.Background()
	var names []string
	results := map[string]map[string]result{}
	peaks := map[string]harness.Memory{}
	for _, r := range runs {
		name, rest, ok1 := strings.Cut(r, "=")
		bin, dir, ok2 := strings.Cut(rest, ":")
		if !ok1 || !ok2 {
			fmt.Fprintf(os.Stderr, "-run %q: want NAME=BINARY:DATADIR\n", r)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "%s: starting %s on %s\n", name, bin, dir)
		res, mem, err := measure(ctx, bin, dir, routes, *n, *slow)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			os.Exit(1)
		}
		names = append(names, name)
		results[name], peaks[name] = res, mem
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 1, ' ', 0)
	head := []string{"route"}
	for _, name := range names {
		head = append(head, name+": status", "bytes", "cold", "p50", "p99")
	}
	fmt.Fprintln(tw, "| "+strings.Join(head, "\t| ")+"\t|")
	fmt.Fprintln(tw, "|"+strings.Repeat("---\t|", len(head)))
	for _, route := range routes {
		row := []string{"`" + route + "`"}
		for _, name := range names {
			r := results[name][route]
			if r.err != nil {
				row = append(row, "error: "+r.err.Error(), "", "", "", "")
				continue
			}
			row = append(row, fmt.Sprint(r.status), size(r.bytes), ms(r.cold), ms(r.p50), ms(r.p99))
		}
		fmt.Fprintln(tw, "| "+strings.Join(row, "\t| ")+"\t|")
	}
	tw.Flush()
	for _, name := range names {
		fmt.Printf("%s: RSS at the end %s, peak %s\n", name, harness.MB(peaks[name].RSS), harness.MB(peaks[name].Peak))
	}
}

func readRoutes(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

// measure starts bin on dir and measures every route.
func measure(ctx context.Context, bin, dir string, routes []string, n int, slow time.Duration) (map[string]result, harness.Memory, error) {
	srv, err := harness.Start(ctx, bin, dir, "EFA_RATE_LIMIT=0")
	if err != nil {
		return nil, harness.Memory{}, err
	}
	defer srv.Stop(time.Minute)
	client := &http.Client{Timeout: 2 * time.Minute}
	// The insight pages answer once the in-memory views are loaded.
	start := time.Now()
	for {
		res, err := client.Get(srv.Base + "/laender")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > 5*time.Minute {
			return nil, harness.Memory{}, fmt.Errorf("views not loaded within 5 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "  views loaded %.1f s after ready\n", time.Since(start).Seconds())
	out := map[string]result{}
	for _, route := range routes {
		var r result
		var times []time.Duration
		for i, more := 0, n; i <= more; i++ {
			status, bytes, d, err := get(client, srv.Base+route)
			if err != nil {
				r.err = err
				break
			}
			if i == 0 {
				r.status, r.bytes, r.cold = status, bytes, d
				if d > slow {
					// Seconds per request: a few show it as well as many.
					more = min(n, 2)
				}
				continue
			}
			times = append(times, d)
		}
		if len(times) > 0 {
			slices.Sort(times)
			r.p50 = times[len(times)/2]
			r.p99 = times[min(len(times)-1, (len(times)*99+99)/100-1)]
		}
		out[route] = r
		fmt.Fprintf(os.Stderr, "  %s %d %s cold %s p50 %s p99 %s\n", route, r.status, size(r.bytes), ms(r.cold), ms(r.p50), ms(r.p99))
	}
	mem, err := srv.Memory()
	return out, mem, err
}

// get requests target as a browser would (gzip accepted, but the body is
// counted as sent without compression: the size a page has).
func get(client *http.Client, target string) (int, int64, time.Duration, error) {
	start := time.Now()
	res, err := client.Get(target)
	if err != nil {
		return 0, 0, 0, err
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, n, time.Since(start), err
}

func ms(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

func size(b int64) string {
	switch {
	case b >= 1e6:
		return fmt.Sprintf("%.2f MB", float64(b)/1e6)
	case b >= 1e3:
		return fmt.Sprintf("%.0f KB", float64(b)/1e3)
	}
	return fmt.Sprintf("%d B", b)
}

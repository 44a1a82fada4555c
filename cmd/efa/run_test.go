package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startProgram runs the whole program on 127.0.0.1:0 and returns its base
// URL and a function that stops it and returns run's error.
func startProgram(t *testing.T, dataDir string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	env := map[string]string{"EFA_ADDR": "127.0.0.1:0", "EFA_DATA_DIR": dataDir, "EFA_LOG_LEVEL": "warn"}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, nil, func(k string) string { return env[k] }, pw, io.Discard)
		pw.Close()
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("program did not start: %v (%v)", err, <-done)
	}
	go io.Copy(io.Discard, pr)
	i := strings.Index(line, "http://")
	if i < 0 {
		cancel()
		t.Fatalf("no address in %q", line)
	}
	return strings.TrimSpace(line[i:]), func() error { cancel(); return <-done }
}

func getJSON(t *testing.T, url string, into any) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(into); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return res.StatusCode
}

func TestProgramSeedsServesAndKeepsData(t *testing.T) {
	dir := t.TempDir()
	want := map[string]int{"states": 16, "districts": 401, "municipalities": 10794, "topicFields": 14,
		"lifeSituations": 55, "services": 557, "leikaServices": 5249, "solutions": 50, "adoptions": 70}
	for round := 1; round <= 2; round++ {
		base, stop := startProgram(t, dir)
		// The in-memory views load after the listener opens: /readyz says
		// 503 until they are there (the second round reads their snapshot).
		var ready map[string]any
		code := 0
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if code = getJSON(t, base+"/readyz", &ready); code == http.StatusOK {
				break
			}
		}
		if code != http.StatusOK || ready["status"] != "ready" || ready["insights"] != "aktuell" {
			t.Fatalf("round %d: /readyz = %d %v", round, code, ready)
		}
		var stats map[string]int
		if code := getJSON(t, base+"/api/v1/stats", &stats); code != http.StatusOK {
			t.Fatalf("round %d: /api/v1/stats = %d", round, code)
		}
		if len(stats) != len(want) {
			t.Errorf("round %d: stats keys = %v, want exactly %v", round, stats, want)
		}
		for k, v := range want {
			if stats[k] != v {
				t.Errorf("round %d: stats[%s] = %d, want %d", round, k, stats[k], v)
			}
		}
		if err := stop(); err != nil {
			t.Fatalf("round %d: run returned %v after shutdown", round, err)
		}
	}
}

func TestSeedCommandIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"EFA_DATA_DIR": dir, "EFA_LOG_LEVEL": "error"}[k] }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "17207 angelegt, 0 geändert") {
		t.Errorf("first seed: %q", out.String())
	}
	out.Reset()
	start := time.Now()
	if err := run(context.Background(), []string{"seed"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0 angelegt, 0 geändert, 17207 unverändert") {
		t.Errorf("second seed: %q (after %v)", out.String(), time.Since(start))
	}
}

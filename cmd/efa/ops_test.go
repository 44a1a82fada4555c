package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// seededDataDir returns a data folder holding a copy of the seeded database.
func seededDataDir(t *testing.T) string {
	t.Helper()
	return filepath.Dir(storetest.Path(t))
}

// lockedBuffer collects the program's log output across goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// launch runs the program with ctx and env (EFA_ADDR defaults to a free
// port) and returns its base URL and the channel run's result arrives on.
func launch(t *testing.T, ctx context.Context, env map[string]string, stderr io.Writer) (string, <-chan error) {
	t.Helper()
	if env["EFA_ADDR"] == "" {
		env["EFA_ADDR"] = "127.0.0.1:0"
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"serve"}, func(k string) string { return env[k] }, pw, stderr)
		pw.CloseWithError(fmt.Errorf("program ended: %v", err))
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("program did not start: %v", err)
	}
	go io.Copy(io.Discard, pr)
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("no address in %q", line)
	}
	return strings.TrimSpace(line[i:]), done
}

// TestSIGTERMFinishesInFlightRequestsAndClosesCleanly sends the process a
// real SIGTERM while a request is half received: the program must stop
// accepting, answer that request, close the database and return nil.
func TestSIGTERMFinishesInFlightRequestsAndClosesCleanly(t *testing.T) {
	dir := seededDataDir(t)
	// The same wiring as main: the context ends on SIGTERM or SIGINT.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var logs lockedBuffer
	base, done := launch(t, ctx, map[string]string{"EFA_DATA_DIR": dir, "EFA_LOG_LEVEL": "debug"}, &logs)
	addr := strings.TrimPrefix(base, "http://")

	// A request that carries secrets, for the log check at the end.
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/stats?token=tok-geheim-4711&q=x", nil)
	req.Header.Set("Authorization", "Bearer bearer-geheim-0815")
	req.Header.Set("Cookie", "efa_session=sitzung-geheim-42")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	rid := res.Header.Get("X-Request-ID")

	// The in-flight request: a write whose body is still on its way. With
	// "Expect: 100-continue" the server says "100 Continue" once the handler
	// reads the body, so the handler is known to be running.
	token := writerToken(t, filepath.Join(dir, "efa.db"), "031010000000")
	body := `{"solution": "elfe", "adopterKind": "gemeinde", "adopterKey": "031010000000", "status": "live", "since": "2026-11"}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/adoptions HTTP/1.1\r\nHost: efa\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", token, len(body))
	br := bufio.NewReader(conn)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("want 100 Continue, got %q %v", line, err)
	}
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, body[:10])

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Stop accepting: new connections are refused soon after the signal.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 10 s after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("run returned (%v) before the in-flight request was answered", err)
	default:
	}
	// Finish the request: it is served in full and its write is kept.
	io.WriteString(conn, body[10:])
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("in-flight write answered %d %s", resp.StatusCode, answer)
	}
	if !resp.Close {
		t.Error("the answer during shutdown should close the connection")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after SIGTERM: %v (exit status %d)", err, exitCode(err))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after SIGTERM")
	}
	// The database was closed: closing the last connection checkpoints and
	// removes the WAL. The data folder lock was released.
	if _, err := os.Stat(filepath.Join(dir, "efa.db-wal")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("efa.db-wal still there after shutdown (%v): database not closed", err)
	}
	release, err := lockDataDir(dir)
	if err != nil {
		t.Errorf("data folder still locked after shutdown: %v", err)
	} else {
		release()
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "efa.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.AdoptionsByOrganisation(context.Background(), catalog.KindGemeinde, "031010000000")
	st.Close()
	if err != nil || len(got) != 1 || got[0].Status != catalog.AdoptionLive {
		t.Errorf("the write answered during shutdown is not in the database: %v %v", got, err)
	}

	out := logs.String()
	for _, secret := range []string{"tok-geheim-4711", "bearer-geheim-0815", "sitzung-geheim-42"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q", secret)
		}
	}
	if rid == "" || !strings.Contains(out, `"request_id":"`+rid+`"`) || !strings.Contains(out, `"msg":"shutting down"`) {
		t.Errorf("log lacks the request line with id %q or the shutdown:\n%s", rid, out)
	}
}

// writerToken creates an editor for the Gemeinde with the ARS and an API
// token for it, as the accounts pages would, and returns the token.
func writerToken(t *testing.T, dbPath, ars string) string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	org, err := st.OrganisationByKey(ctx, catalog.KindGemeinde, ars)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, "ops-test", store.NewUser{Name: "Test " + ars, Email: "test-" + ars + "@example.org",
		Memberships: []store.NewMembership{{Kind: catalog.KindGemeinde, Key: ars, Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	secret, hash, err := auth.NewSecret("efa_")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateToken(ctx, "ops-test", catalog.APIToken{OrganisationID: org.ID, UserID: u.ID, Name: "ops-test",
		Hash: hash, Prefix: secret[:10], ExpiresAt: time.Now().Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return secret
}

// registerAdoptions writes adoptions of one solution by distinct Gemeinden
// through its own store connection until ctx ends, counting acknowledged writes.
func registerAdoptions(ctx context.Context, t *testing.T, dbPath string, acked *atomic.Int64) error {
	st, err := store.Open(ctx, dbPath, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	orgs, err := st.OrganisationsByKind(ctx, catalog.KindGemeinde, "03")
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if ctx.Err() != nil {
			return nil
		}
		_, err := st.RegisterAdoption(ctx, catalog.SystemPrincipal("ops-test"), store.AdoptionInput{SolutionSlug: "elfe", AdopterKind: catalog.KindGemeinde, AdopterKey: o.Key,
			Adoption: catalog.Adoption{Status: catalog.AdoptionLive, Since: "2026-11"}})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		acked.Add(1)
	}
	return fmt.Errorf("ran out of Gemeinden after %d writes", acked.Load())
}

func adoptionCount(t *testing.T, path string) int64 {
	t.Helper()
	info, err := store.Inspect(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Adoptions
}

// TestBackupWhileWritingAndRestoreDrill takes a backup while a server runs
// and another writer commits, refuses to restore under the running server,
// and restores after it stopped.
func TestBackupWhileWritingAndRestoreDrill(t *testing.T) {
	dir := seededDataDir(t)
	db := filepath.Join(dir, "efa.db")
	base0 := adoptionCount(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	base, done := launch(t, ctx, map[string]string{"EFA_DATA_DIR": dir, "EFA_LOG_LEVEL": "error"}, io.Discard)

	wctx, stopWriting := context.WithCancel(context.Background())
	var acked atomic.Int64
	werr := make(chan error, 1)
	go func() { werr <- registerAdoptions(wctx, t, db, &acked) }()
	for acked.Load() < 20 {
		select {
		case err := <-werr:
			t.Fatalf("writer stopped: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	env := func(k string) string { return map[string]string{"EFA_DATA_DIR": dir, "EFA_LOG_LEVEL": "error"}[k] }
	backupFile := filepath.Join(t.TempDir(), "sicherung.db")
	before := acked.Load()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", backupFile}, env, &out, io.Discard); err != nil {
		t.Fatalf("backup while writing: %v", err)
	}
	after := acked.Load()
	// Keep writing a little after the backup, so the restore visibly goes back.
	for acked.Load() < after+10 {
		select {
		case err := <-werr:
			t.Fatalf("writer stopped: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	stopWriting()
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
	final := base0 + acked.Load()
	inBackup := adoptionCount(t, backupFile)
	if inBackup < base0+before || inBackup > base0+after {
		t.Errorf("backup holds %d adoptions, want between %d and %d (writes acknowledged before and after it)", inBackup, base0+before, base0+after)
	}
	if !strings.Contains(out.String(), "integrity_check ok") || !strings.Contains(out.String(), fmt.Sprintf("%d Nachnutzungen", inBackup)) {
		t.Errorf("backup output: %q", out.String())
	}
	if err := run(context.Background(), []string{"backup", backupFile}, env, &out, io.Discard); err == nil || !strings.Contains(err.Error(), "gibt es schon") {
		t.Errorf("backup over an existing file: %v", err)
	}

	// Restore refuses while the server holds the data folder.
	err := run(context.Background(), []string{"restore", backupFile}, env, &out, io.Discard)
	if err == nil || !errors.Is(err, errLocked) || exitCode(err) != 1 {
		t.Fatalf("restore under a running server: %v", err)
	}
	if n := adoptionCount(t, db); n != final {
		t.Fatalf("refused restore changed the database: %d adoptions, want %d", n, final)
	}
	// Check runs beside the server, leaving the locked index alone, and
	// says so: it does not call the unchecked index in order.
	out.Reset()
	if err := run(context.Background(), []string{"check"}, env, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "integrity_check: ok") || !strings.Contains(out.String(), "Suchindex: nicht geprüft, efa serve läuft und hält ihn offen") ||
		!strings.HasSuffix(out.String(), "Ergebnis: Datenbank in Ordnung; der Suchindex wurde nicht geprüft.\n") ||
		strings.Contains(out.String(), "Suchindex: ok") || strings.Contains(out.String(), "bestanden") {
		t.Errorf("check beside the running server: %v\n%s", err, out.String())
	}
	// So does a second server on the same folder.
	if err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, env, io.Discard, io.Discard); !errors.Is(err, errLocked) {
		t.Errorf("second efa serve on the same data folder: %v", err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"restore", backupFile}, env, &out, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if n := adoptionCount(t, db); n != inBackup {
		t.Errorf("after restore: %d adoptions, want the backup's %d", n, inBackup)
	}
	kept, _ := filepath.Glob(filepath.Join(dir, "efa.db.before-restore-*"))
	if len(kept) != 1 || adoptionCount(t, kept[0]) != final {
		t.Errorf("the replaced database should be kept with all %d adoptions: %v", final, kept)
	}
	out.Reset()
	if err := run(context.Background(), []string{"check"}, env, &out, io.Discard); err != nil {
		t.Errorf("check after restore: %v\n%s", err, out.String())
	}
	// The restored register serves.
	ctx2, cancel2 := context.WithCancel(context.Background())
	base2, done2 := launch(t, ctx2, map[string]string{"EFA_DATA_DIR": dir, "EFA_LOG_LEVEL": "error"}, io.Discard)
	var stats map[string]int64
	if code := getJSON(t, base2+"/api/v1/stats", &stats); code != 200 || stats["adoptions"] != inBackup {
		t.Errorf("restored server: %d adoptions (status %d), want %d", stats["adoptions"], code, inBackup)
	}
	cancel2()
	if err := <-done2; err != nil {
		t.Fatal(err)
	}
	// The index the restored server rebuilt agrees with the database.
	out.Reset()
	if err := run(context.Background(), []string{"check"}, env, &out, io.Discard); err != nil || !strings.Contains(out.String(), "Suchindex: ok") ||
		!strings.HasSuffix(out.String(), "Ergebnis: Prüfung bestanden, Datenbank und Suchindex in Ordnung.\n") {
		t.Errorf("check after the restored server ran: %v\n%s", err, out.String())
	}
	// A damaged index is reported, and check leaves it as it is.
	meta := filepath.Join(dir, "index", "index_meta.json")
	if err := os.Remove(meta); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(context.Background(), []string{"check"}, env, &out, io.Discard)
	if !errors.Is(err, errCheckFailed) || !strings.Contains(out.String(), "Suchindex: 1 Problem(e)") {
		t.Errorf("check of a damaged index: %v\n%s", err, out.String())
	}
	if _, err := os.Stat(meta); !errors.Is(err, os.ErrNotExist) {
		t.Error("check repaired the index it should only look at")
	}
	_ = base
}

func TestCheckReportsDamage(t *testing.T) {
	dir := seededDataDir(t)
	env := func(k string) string { return map[string]string{"EFA_DATA_DIR": dir}[k] }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"check"}, env, &out, io.Discard); err != nil {
		t.Fatalf("check of the seeded database: %v\n%s", err, out.String())
	}
	for _, want := range []string{"integrity_check: ok", "foreign_key_check: ok", "50 Lösungen",
		"Suchindex: nicht geprüft, es gibt noch keinen", "Ergebnis: Datenbank in Ordnung; der Suchindex wurde nicht geprüft."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}

	// A dangling foreign key, written past the constraints.
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "efa.db")+"?_foreign_keys=off")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO adoptions (solution_id, organisation_id, status) VALUES (999999, 1, 'live')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	out.Reset()
	err = run(context.Background(), []string{"check"}, env, &out, io.Discard)
	if !errors.Is(err, errCheckFailed) || exitCode(err) != 1 || !strings.Contains(err.Error(), "1 Problem(e) in der Datenbank") ||
		!strings.Contains(out.String(), "foreign_key_check: 1 Problem(e)") || !strings.Contains(out.String(), "adoptions row") ||
		!strings.Contains(out.String(), "Suchindex: nicht geprüft, erst die Datenbank in Ordnung bringen") {
		t.Errorf("dangling foreign key: %v\n%s", err, out.String())
	}

	// Overwritten pages in the middle of the file.
	f, err := os.OpenFile(filepath.Join(dir, "efa.db"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	junk := bytes.Repeat([]byte{0xA5}, 64<<10)
	if _, err := f.WriteAt(junk, fi.Size()/2/4096*4096); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out.Reset()
	if err := run(context.Background(), []string{"check"}, env, &out, io.Discard); err == nil || exitCode(err) != 1 {
		t.Errorf("check of a damaged file passed: %v\n%s", err, out.String())
	}
	if err := run(context.Background(), []string{"check", "--data-dir", t.TempDir()}, env, &out, io.Discard); err == nil {
		t.Error("check of a missing database passed")
	}
	// A damaged file is not restored.
	err = run(context.Background(), []string{"restore", "--data-dir", t.TempDir(), filepath.Join(dir, "efa.db")}, env, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "abgelehnt") {
		t.Errorf("restore of a damaged file: %v", err)
	}
}

func TestOpsConfigFromEnvironment(t *testing.T) {
	env := map[string]string{
		"EFA_TRUSTED_PROXIES": "10.0.0.0/8,127.0.0.1", "EFA_MAX_BODY_BYTES": "65536", "EFA_HSTS": "true",
		"EFA_RATE_LIMIT": "5.5", "EFA_RATE_BURST": "30", "EFA_MAX_IN_FLIGHT": "8", "EFA_QUEUE_WAIT": "250ms",
		"EFA_METRICS_TOKEN": "scrape-0123456789abcdef", "EFA_TOKEN_RATE_LIMIT": "300", "EFA_EXPORT_SLOTS": "3",
	}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.Ops
	if len(o.TrustedProxies) != 2 || o.TrustedProxies[1].String() != "127.0.0.1/32" || o.MaxBodyBytes != 65536 || !o.HSTS ||
		o.RateLimit != 5.5 || o.RateBurst != 30 || o.MaxInFlight != 8 || o.QueueWait != 250*time.Millisecond ||
		o.MetricsToken != "scrape-0123456789abcdef" || o.TokenRateLimit != 300 || o.ExportSlots != 3 {
		t.Errorf("ops = %+v", o)
	}
	def, err := loadConfig(func(string) string { return "" })
	if err != nil || def.Ops.RateLimit != 20 || def.Ops.HSTS || len(def.Ops.TrustedProxies) != 0 || def.Ops.MaxBodyBytes != 2<<20 {
		t.Errorf("defaults = %+v, %v", def.Ops, err)
	}
	for k, v := range map[string]string{"EFA_TRUSTED_PROXIES": "10.0.0.0/99", "EFA_MAX_BODY_BYTES": "10", "EFA_HSTS": "vielleicht",
		"EFA_RATE_LIMIT": "-1", "EFA_RATE_BURST": "0", "EFA_MAX_IN_FLIGHT": "viele", "EFA_QUEUE_WAIT": "1", "EFA_METRICS_TOKEN": "kurz",
		"EFA_TOKEN_RATE_LIMIT": "viel", "EFA_EXPORT_SLOTS": "0"} {
		_, err := loadConfig(func(key string) string { return map[string]string{k: v}[key] })
		if exitCode(err) != 2 || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}

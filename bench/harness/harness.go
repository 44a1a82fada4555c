// Package harness runs the real efa binary for the benchmarks under bench/:
// it builds it, prepares a seeded data folder with API tokens for writers,
// starts and stops (or kills) the server and reads its memory use.
package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

// ModuleRoot is the folder of go.mod of the module the harness is part of.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the efa-register module")
	}
	return filepath.Dir(mod), nil
}

// Build compiles ./cmd/efa into dir and returns the binary's path. With race
// the binary is built with the race detector, which lets a test that runs
// under -race reuse its compiled packages instead of building SQLite again.
func Build(ctx context.Context, dir string, race bool) (string, error) {
	root, err := ModuleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "efa")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./cmd/efa")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/efa: %v\n%s", err, out)
	}
	return bin, nil
}

// Seed creates and seeds the database in dataDir with the binary itself.
func Seed(ctx context.Context, bin, dataDir string) error {
	cmd := exec.CommandContext(ctx, bin, "seed", "--data-dir", dataDir)
	cmd.Env = append(os.Environ(), "EFA_LOG_LEVEL=error")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("efa seed: %v\n%s", err, out)
	}
	return nil
}

// CopyDB copies a seeded database file (storetest's template, for tests)
// into dataDir as efa.db.
func CopyDB(src, dataDir string) error {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(filepath.Join(dataDir, "efa.db"))
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Writer is an API client allowed to register the adoptions of one Gemeinde.
type Writer struct {
	ARS   string
	Token string
}

// Writers creates n editors, each for another Gemeinde of the seeded
// database, with an API token each, the way the accounts pages do it. Run it
// before the server starts.
func Writers(ctx context.Context, dbPath string, n int) ([]Writer, error) {
	st, err := store.Open(ctx, dbPath, nil)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	orgs, err := st.OrganisationsByKind(ctx, catalog.KindGemeinde, "")
	if err != nil {
		return nil, err
	}
	if len(orgs) < n {
		return nil, fmt.Errorf("only %d Gemeinden for %d writers", len(orgs), n)
	}
	out := make([]Writer, 0, n)
	// Spread the writers over the whole country.
	step := len(orgs) / n
	for i := range n {
		o := orgs[i*step]
		u, err := st.CreateUser(ctx, "bench", store.NewUser{Name: "Last " + o.Key, Email: "bench-" + o.Key + "@example.org",
			Memberships: []store.NewMembership{{Kind: catalog.KindGemeinde, Key: o.Key, Role: catalog.RoleEditor}}})
		if err != nil {
			return nil, fmt.Errorf("writer for %s: %w", o.Key, err)
		}
		secret, hash, err := auth.NewSecret("efa_")
		if err != nil {
			return nil, err
		}
		if _, err := st.CreateToken(ctx, "bench", catalog.APIToken{OrganisationID: o.ID, UserID: u.ID, Name: "bench",
			Hash: hash, Prefix: secret[:10], ExpiresAt: time.Now().Add(7 * 24 * time.Hour)}); err != nil {
			return nil, fmt.Errorf("token for %s: %w", o.Key, err)
		}
		out = append(out, Writer{ARS: o.Key, Token: secret})
	}
	return out, nil
}

// Solutions returns the slugs of the solutions in the database.
func Solutions(ctx context.Context, dbPath string) ([]string, error) {
	st, err := store.Open(ctx, dbPath, nil)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	page, err := st.FindSolutions(ctx, store.SolutionFilter{PerPage: 200})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(page.Items))
	for i, s := range page.Items {
		out[i] = s.Slug
	}
	return out, nil
}

// Server is a running efa serve process.
type Server struct {
	cmd  *exec.Cmd
	Base string // http://127.0.0.1:port
	done chan struct{}
	err  error
	logs *tail
	// Started is when the process was started, Listening when it printed
	// its address (its listener is open from then on).
	Started, Listening time.Time
}

// Start runs "efa serve" on a free port of 127.0.0.1 with the data folder
// and extra environment (KEY=value), and waits until /readyz answers 200.
func Start(ctx context.Context, bin, dataDir string, env ...string) (*Server, error) {
	s, err := Launch(ctx, bin, dataDir, env...)
	if err != nil {
		return nil, err
	}
	if err := s.WaitReady(ctx, 2*time.Minute); err != nil {
		s.Kill()
		return nil, err
	}
	return s, nil
}

// Launch runs "efa serve" on a free port of 127.0.0.1 with the data folder
// and extra environment (KEY=value) and returns as soon as the server has
// printed its address, that is once its listener is open; it does not wait
// for /readyz. Started is the moment the process was started.
func Launch(ctx context.Context, bin, dataDir string, env ...string) (*Server, error) {
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir)
	cmd.Env = append(append(os.Environ(), "EFA_LOG_LEVEL=warn"), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &Server{cmd: cmd, done: make(chan struct{}), logs: &tail{max: 8 << 10}}
	cmd.Stderr = s.logs
	s.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		io.Copy(io.Discard, r)
	}()
	select {
	case line := <-lines:
		i := strings.Index(line, "http://")
		if i < 0 {
			s.Kill()
			return nil, fmt.Errorf("efa serve did not start: %q\n%s", line, s.logs)
		}
		s.Base = strings.TrimSpace(line[i:])
		s.Listening = time.Now()
	case <-time.After(2 * time.Minute):
		s.Kill()
		return nil, fmt.Errorf("efa serve did not start within 2 minutes\n%s", s.logs)
	case <-ctx.Done():
		s.Kill()
		return nil, ctx.Err()
	}
	return s, nil
}

// WaitReady polls /readyz until it answers 200.
func (s *Server) WaitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last string
	for time.Now().Before(deadline) {
		res, err := http.Get(s.Base + "/readyz")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", res.StatusCode, b)
		} else {
			last = err.Error()
		}
		select {
		case <-s.done:
			return fmt.Errorf("efa serve ended: %v\n%s", s.err, s.logs)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("not ready within %v: %s", limit, last)
}

// Pid is the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Logs returns the end of the server's log output.
func (s *Server) Logs() string { return s.logs.String() }

// Kill ends the server with SIGKILL, the harshest crash there is, and waits
// for it to be gone.
func (s *Server) Kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// Stop sends SIGTERM and waits; it returns an error unless the server exits
// with status 0 within the limit.
func (s *Server) Stop(limit time.Duration) error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-s.done:
		if s.err != nil {
			return fmt.Errorf("efa serve after SIGTERM: %v\n%s", s.err, s.logs)
		}
		return nil
	case <-time.After(limit):
		s.Kill()
		return fmt.Errorf("efa serve did not stop within %v of SIGTERM", limit)
	}
}

// Memory is the resident memory of a process in bytes: now and the peak.
type Memory struct{ RSS, Peak int64 }

// Memory reads VmRSS and VmHWM from /proc (Linux).
func (s *Server) Memory() (Memory, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.Pid()))
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	for line := range strings.SplitSeq(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.RSS = kb << 10
		case "VmHWM:":
			m.Peak = kb << 10
		}
	}
	return m, nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// MB formats bytes as megabytes.
func MB(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }

// Command propagation measures how long a write through one instance takes
// to show in the search of another instance on the same PostgreSQL
// database: it starts two efa serve processes (A and B, data folders of
// their own) on a new database, renames one solution through A's web form
// n times, and after each save polls B's search API until the new name is
// found there. It prints p50, p99 and the maximum.
//
//	go run ./bench/propagation -database-url postgres://postgres@127.0.0.1:5432/test?sslmode=disable [-n 1000]
//
// The database of the URL is only used to create (and afterwards drop) a
// database of its own.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"efa-register/bench/harness"
	"efa-register/internal/auth"
	"efa-register/internal/store"
)

func main() {
	dbURL := flag.String("database-url", os.Getenv("EFA_TEST_DATABASE_URL"), "PostgreSQL server (postgres://…); a new database is created on it")
	n := flag.Int("n", 1000, "writes to measure")
	bin := flag.String("bin", "", "efa binary (default: build ./cmd/efa)")
	flag.Parse()
	if *dbURL == "" {
		fail(fmt.Errorf("-database-url fehlt (oder EFA_TEST_DATABASE_URL)"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dbURL, *n, *bin); err != nil {
		fail(err)
	}
}

func run(ctx context.Context, serverURL string, n int, bin string) error {
	work, err := os.MkdirTemp("", "efa-propagation-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if bin == "" {
		if bin, err = harness.Build(ctx, work, false); err != nil {
			return err
		}
	}
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	name := fmt.Sprintf("efa_propagation_%d", os.Getpid())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	defer admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	u, _ := url.Parse(serverURL)
	u.Path = "/" + name
	dbURL := u.String()

	env := []string{"EFA_DATABASE_URL=" + dbURL, "EFA_RATE_LIMIT=0", "EFA_COOKIE_SECURE=false"}
	if err := harness.Seed(ctx, bin, work+"/seed", env...); err != nil {
		return err
	}
	const email, password = "messung@example.org", "ein-sehr-langes-passwort"
	st, err := store.OpenURL(ctx, dbURL, "", nil)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := st.CreateUser(ctx, "bench", store.NewUser{Name: "Messung", Email: email, PasswordHash: hash, Admin: true}); err != nil {
		return err
	}
	st.Close()
	a, err := harness.Start(ctx, bin, work+"/a", env...)
	if err != nil {
		return err
	}
	defer a.Stop(20 * time.Second)
	b, err := harness.Start(ctx, bin, work+"/b", env...)
	if err != nil {
		return err
	}
	defer b.Stop(20 * time.Second)

	w := &web{cookies: map[string]string{}}
	tok, err := w.csrf(a.Base + "/anmelden")
	if err != nil {
		return err
	}
	if code, _, err := w.post(a.Base+"/anmelden", url.Values{"email": {email}, "password": {password}, "_csrf": {tok}}); err != nil || code != http.StatusSeeOther {
		return fmt.Errorf("login: %d %v", code, err)
	}
	form := func(title string) url.Values {
		return url.Values{"name": {title}, "provider": {"land:01"}, "status": {"pilot"}, "ozg": {"10092"}, "aktion": {"speichern"}}
	}
	tok, err = w.csrf(a.Base + "/loesungen/neu")
	if err != nil {
		return err
	}
	f := form("Laufzeitprobe Anfang")
	f.Set("_csrf", tok)
	code, loc, err := w.post(a.Base+"/loesungen/neu", f)
	if err != nil || code != http.StatusSeeOther {
		return fmt.Errorf("create: %d %v", code, err)
	}
	slug := strings.TrimPrefix(loc, "/loesungen/")
	fmt.Printf("propagation A→B: %d renames of %s through A's web form, each looked for in B's search (%s)\n", n, slug, a.Base+" → "+b.Base)
	var delays []time.Duration
	for i := range n {
		if err := ctx.Err(); err != nil {
			return err
		}
		word := marker(i)
		title := "Laufzeitprobe " + word
		f := form(title)
		f.Set("_csrf", tok)
		code, _, err := w.post(a.Base+"/loesungen/"+slug+"/bearbeiten", f)
		if err != nil || code != http.StatusSeeOther {
			return fmt.Errorf("rename %d: %d %v", i, code, err)
		}
		saved := time.Now()
		for {
			found, err := searchFinds(ctx, b.Base, word, slug, title)
			if err != nil {
				return err
			}
			if found {
				break
			}
			if time.Since(saved) > 30*time.Second {
				return fmt.Errorf("rename %d not in B's search after 30 s", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
		delays = append(delays, time.Since(saved))
		if (i+1)%100 == 0 {
			fmt.Printf("  %d/%d\n", i+1, n)
		}
	}
	slices.Sort(delays)
	q := func(p float64) time.Duration {
		return delays[min(len(delays)-1, int(p*float64(len(delays))))].Round(time.Millisecond)
	}
	fmt.Printf("propagation A→B over %d writes (FollowInterval %v): p50 %v, p99 %v, max %v\n", len(delays), store.FollowInterval, q(0.5), q(0.99), delays[len(delays)-1].Round(time.Millisecond))
	return nil
}

// marker is a word of letters only that no earlier rename used.
func marker(i int) string {
	b := []byte("qx")
	for range 4 {
		b = append(b, byte('a'+i%26))
		i /= 26
	}
	return string(b)
}

func searchFinds(ctx context.Context, base, word, slug, title string) (bool, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/search?type=solution&q="+url.QueryEscape(word), nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	var out struct {
		Hits []struct{ ID, Name string } `json:"hits"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return false, err
	}
	for _, h := range out.Hits {
		if h.ID == slug && h.Name == title {
			return true, nil
		}
	}
	return false, nil
}

// web is a browser without JavaScript that keeps its cookies.
type web struct{ cookies map[string]string }

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (w *web) do(req *http.Request) (*http.Response, error) {
	for k, v := range w.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		return nil, err
	}
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(w.cookies, c.Name)
		} else {
			w.cookies[c.Name] = c.Value
		}
	}
	return res, nil
}

func (w *web) csrf(target string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	res, err := w.do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	m := csrfField.FindSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("GET %s = %d without a form token", target, res.StatusCode)
	}
	return string(m[1]), nil
}

func (w *web) post(target string, form url.Values) (int, string, error) {
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := w.do(req)
	if err != nil {
		return 0, "", err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location"), nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "propagation:", err)
	os.Exit(1)
}

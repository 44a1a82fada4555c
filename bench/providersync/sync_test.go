// Package providersync measures what a provider's sync loop costs in API
// calls (issue 19): a provider keeps 50 solutions in its own system and
// brings the register in line with list, compare and PUT with If-Match,
// over the real router and a seeded SQLite store with its search index.
//
//	go test -count=1 -v ./bench/providersync
//
// It prints the calls per cycle; the counts are exact, so the test also
// checks them (it never looks at the clock).
package providersync

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/search"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

const solutions = 50

// doc is what the provider owns of a solution and compares.
type doc struct {
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	Summary  string `json:"summary"`
	Provider struct {
		Kind string `json:"kind"`
		Key  string `json:"key"`
	} `json:"provider"`
	OZGIDs  []string `json:"ozgIds"`
	Status  string   `json:"status"`
	Licence string   `json:"licence"`
}

func (d doc) same(o doc) bool {
	a, _ := json.Marshal(d)
	b, _ := json.Marshal(o)
	return string(a) == string(b)
}

// client counts the calls it makes.
type client struct {
	t     *testing.T
	h     http.Handler
	token string
	calls int
}

func (c *client) do(method, target, body string, header ...string) *httptest.ResponseRecorder {
	c.t.Helper()
	c.calls++
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	return rec
}

// provider is the provider's own system: its truth and the ETags it got.
type provider struct {
	truth map[string]doc
	etags map[string]string
	// listETag and last are the ETag and the content of the last list
	// answer: a 304 says the register is as it was then.
	listETag string
	last     map[string]doc
}

// list reads the provider's solutions in the register (one page of 100).
func (p *provider) list(c *client) (map[string]doc, bool) {
	c.t.Helper()
	rec := c.do("GET", "/api/v1/solutions?provider=01&limit=100&sort=name", "", "If-None-Match", p.listETag)
	if rec.Code == http.StatusNotModified {
		return p.last, false
	}
	if rec.Code != http.StatusOK {
		c.t.Fatalf("list = %d: %s", rec.Code, rec.Body.String())
	}
	p.listETag = rec.Header().Get("ETag")
	var page struct {
		Total int   `json:"total"`
		Items []doc `json:"items"`
	}
	json.Unmarshal(rec.Body.Bytes(), &page)
	if page.Total > 100 {
		c.t.Fatalf("more than one page: %d", page.Total)
	}
	out := map[string]doc{}
	for _, d := range page.Items {
		out[d.Slug] = d
	}
	p.last = out
	return out, true
}

// put writes the provider's truth of one solution with the ETag it knows,
// reading the solution first when it knows none or its ETag is stale.
func (p *provider) put(c *client, d doc) {
	body, _ := json.Marshal(d)
	for attempt := 0; attempt < 2; attempt++ {
		if p.etags[d.Slug] == "" {
			rec := c.do("GET", "/api/v1/solutions/"+d.Slug, "")
			p.etags[d.Slug] = rec.Header().Get("ETag")
		}
		rec := c.do("PUT", "/api/v1/solutions/"+d.Slug, string(body), "If-Match", p.etags[d.Slug])
		switch rec.Code {
		case http.StatusOK:
			p.etags[d.Slug] = rec.Header().Get("ETag")
			return
		case http.StatusPreconditionFailed:
			// Someone changed it in the register: read it again (a real
			// provider would look at what changed before overwriting it).
			p.etags[d.Slug] = ""
			continue
		}
		c.t.Fatalf("PUT %s = %d: %s", d.Slug, rec.Code, rec.Body.String())
	}
}

// sync is one cycle: list, compare, PUT what differs. It returns the calls.
func (p *provider) sync(c *client) (calls, writes int) {
	start := c.calls
	current, _ := p.list(c)
	for slug, want := range p.truth {
		if got, ok := current[slug]; !ok || !got.same(want) {
			p.put(c, want)
			writes++
		}
	}
	return c.calls - start, writes
}

// env is the real router over a seeded store with a search index, and an
// API token of Schleswig-Holstein's (land:01) editor.
func env(t *testing.T) (http.Handler, string, func()) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Seeded(t)
	ix, err := search.Open(ctx, filepath.Join(t.TempDir(), "index"), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	u, err := st.CreateUser(ctx, "test", store.NewUser{Name: "Anbieter", Email: "anbieter@example.de",
		Memberships: []store.NewMembership{{Kind: catalog.KindLand, Key: "01", Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	org, _ := st.OrganisationByKey(ctx, catalog.KindLand, "01")
	secret, hash, _ := auth.NewSecret("efa_")
	if _, err := st.CreateToken(ctx, "test", catalog.APIToken{OrganisationID: org.ID, UserID: u.ID, Name: "Sync", Hash: hash,
		Prefix: secret[:10], ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	app := server.New(server.Deps{Store: st, Search: ix, Version: "test", Log: servertest.TestLog})
	// The index follows the event log after commit; the sync loop lists
	// only once it has caught up, as a provider that syncs every few minutes would.
	catchUp := func() {
		if err := ix.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return app, secret, catchUp
}

func TestProviderSyncLoopCalls(t *testing.T) {
	app, token, catchUp := env(t)
	c := &client{t: t, h: app, token: token}
	p := &provider{truth: map[string]doc{}, etags: map[string]string{}}

	// The provider registers its 50 solutions once (one POST each).
	for i := range solutions {
		d := doc{Slug: fmt.Sprintf("sh-dienst-%02d", i), Name: fmt.Sprintf("SH-Dienst %02d", i), Summary: "Fassung 1",
			OZGIDs: []string{"10092"}, Status: "live", Licence: "EUPL-1.2"}
		d.Provider.Kind, d.Provider.Key = "land", "01"
		body, _ := json.Marshal(d)
		rec := c.do("POST", "/api/v1/solutions", string(body), "Idempotency-Key", "create-"+d.Slug)
		if rec.Code != http.StatusCreated {
			t.Fatalf("create %s = %d: %s", d.Slug, rec.Code, rec.Body.String())
		}
		p.truth[d.Slug], p.etags[d.Slug] = d, rec.Header().Get("ETag")
	}
	t.Logf("initial registration: %d calls for %d solutions", c.calls, solutions)
	catchUp()

	change := func(from, to int, summary string) {
		for i := from; i < to; i++ {
			slug := fmt.Sprintf("sh-dienst-%02d", i)
			d := p.truth[slug]
			d.Summary = summary
			p.truth[slug] = d
		}
	}
	type cycle struct {
		name                string
		prepare             func()
		wantCalls, wantPuts int
	}
	cycles := []cycle{
		{"nothing changed", func() {}, 1, 0},
		{"5 of 50 changed, ETags known from the last answers", func() { change(0, 5, "Fassung 2") }, 1 + 5, 5},
		{"all 50 changed, ETags known", func() { change(0, 50, "Fassung 3") }, 1 + 50, 50},
		{"5 changed, 1 also edited in the register meanwhile (412, GET, PUT)", func() {
			change(20, 25, "Fassung 5")
			rec := c.do("PATCH", "/api/v1/solutions/sh-dienst-20", `{"licence":"MIT"}`, "If-Match", "*")
			c.calls-- // the other editor's call is not the provider's
			if rec.Code != http.StatusOK {
				t.Fatalf("other edit = %d", rec.Code)
			}
		}, 1 + 5 + 2, 5},
		{"5 changed, ETags forgotten (cold start: GET each first)", func() {
			change(10, 15, "Fassung 4")
			p.etags = map[string]string{}
		}, 1 + 2*5, 5},
	}
	var rows []string
	for _, cy := range cycles {
		cy.prepare()
		catchUp()
		calls, puts := p.sync(c)
		rows = append(rows, fmt.Sprintf("%-70s %3d calls, %2d PUT", cy.name, calls, puts))
		if calls != cy.wantCalls || puts != cy.wantPuts {
			t.Errorf("%s: %d calls, %d PUT; want %d, %d", cy.name, calls, puts, cy.wantCalls, cy.wantPuts)
		}
		catchUp()
	}
	t.Logf("provider sync loop for %d solutions (list with If-None-Match, compare, PUT with If-Match):\n%s", solutions, strings.Join(rows, "\n"))
}

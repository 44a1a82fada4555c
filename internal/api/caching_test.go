package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/server"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

func newSolutionInput(slug, name string) store.SolutionInput {
	return store.SolutionInput{Solution: catalog.Solution{Slug: slug, Name: name, Summary: "Neu im Register.",
		Status: catalog.SolutionPilot, Verified: catalog.VerifiedNo}, ProviderKind: catalog.KindLand, ProviderKey: "06", OZGIDs: []string{"10092"}}
}

// TestConditionalRequests: a second GET with If-None-Match gets 304 without
// a body; after a write it gets 200 and a new ETag. The same holds for
// If-Modified-Since and for the gzip variants, on the export, the change
// feed, a list, an object and both news feeds.
func TestConditionalRequests(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	cl := newClient(t, server.New(server.Deps{Store: st, Version: "test"}))
	head, err := st.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	targets := []string{"/api/v1/export", "/api/v1/changes?after=" + feed.Cursor(head-3), "/api/v1/states",
		"/api/v1/organisations/land/06", "/feed.json", "/feed.atom"}
	// changedByWrite: which answers a new solution of Hessen changes (the
	// organisation record does not embed its solutions).
	changedByWrite := map[string]bool{targets[0]: true, targets[1]: true, targets[2]: true, targets[4]: true, targets[5]: true}

	type seen struct{ etag, etagGz, lastModified string }
	before := map[string]seen{}
	for _, target := range targets {
		first := cl.get(target)
		etag, lm := first.Header().Get("ETag"), first.Header().Get("Last-Modified")
		if first.Code != 200 || !strings.HasPrefix(etag, `"`) || lm == "" || first.Header().Get("Cache-Control") != "public, no-cache" {
			t.Fatalf("%s: %d, ETag %q, Last-Modified %q, Cache-Control %q", target, first.Code, etag, lm, first.Header().Get("Cache-Control"))
		}
		if _, err := http.ParseTime(lm); err != nil {
			t.Errorf("%s: Last-Modified %q: %v", target, lm, err)
		}
		again := cl.get(target, "If-None-Match", etag)
		if again.Code != http.StatusNotModified || again.Body.Len() != 0 || again.Header().Get("ETag") != etag {
			t.Errorf("%s with If-None-Match: %d, %d bytes, ETag %q", target, again.Code, again.Body.Len(), again.Header().Get("ETag"))
		}
		if other := cl.get(target, "If-None-Match", `"something-else", W/`+etag); other.Code != http.StatusNotModified {
			t.Errorf("%s: a weak form of the tag in a list must match too: %d", target, other.Code)
		}
		if ims := cl.get(target, "If-Modified-Since", lm); ims.Code != http.StatusNotModified || ims.Body.Len() != 0 {
			t.Errorf("%s with If-Modified-Since: %d", target, ims.Code)
		}
		if old := cl.get(target, "If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"); old.Code != 200 {
			t.Errorf("%s modified since 2006: %d", target, old.Code)
		}
		if stale := cl.get(target, "If-None-Match", `"0000"`, "If-Modified-Since", lm); stale.Code != 200 {
			t.Errorf("%s: If-None-Match decides over If-Modified-Since: %d", target, stale.Code)
		}
		gz := cl.get(target, "Accept-Encoding", "gzip")
		etagGz := gz.Header().Get("ETag")
		if gz.Header().Get("Content-Encoding") == "gzip" {
			if etagGz == etag {
				t.Errorf("%s: gzip variant shares the ETag", target)
			}
			if r := cl.get(target, "Accept-Encoding", "gzip", "If-None-Match", etagGz); r.Code != http.StatusNotModified {
				t.Errorf("%s: gzip revalidation = %d", target, r.Code)
			}
		}
		before[target] = seen{etag, etagGz, lm}
	}

	if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolutionInput("etag-probe", "ETag-Probe")); err != nil {
		t.Fatal(err)
	}
	for _, target := range targets {
		rec := cl.get(target, "If-None-Match", before[target].etag)
		if !changedByWrite[target] {
			if rec.Code != http.StatusNotModified {
				t.Errorf("%s did not change, yet revalidation gives %d", target, rec.Code)
			}
			continue
		}
		if rec.Code != 200 || rec.Header().Get("ETag") == before[target].etag || rec.Body.Len() == 0 {
			t.Errorf("%s after a write: %d, ETag %q (before %q)", target, rec.Code, rec.Header().Get("ETag"), before[target].etag)
		}
		if !strings.Contains(rec.Body.String(), "etag-probe") && !strings.Contains(rec.Body.String(), "ETag-Probe") && target != "/api/v1/states" {
			t.Errorf("%s after the write does not show it", target)
		}
		if r := cl.get(target, "Accept-Encoding", "gzip", "If-None-Match", before[target].etagGz); r.Code != 200 {
			t.Errorf("%s: old gzip tag after a write = %d", target, r.Code)
		}
	}
	var x struct{ Cursor string }
	cl.json("/api/v1/export", 200, &x)
	if x.Cursor != feed.Cursor(head+1) {
		t.Errorf("export cursor after one write = %s, want %d", x.Cursor, head+1)
	}
}

// TestNewsFeedsParseAndShowTheLatestChange: both feeds parse with gofeed,
// have permanent ids and links, and the newest item is the newest change.
func TestNewsFeedsParseAndShowTheLatestChange(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	cl := newClient(t, server.New(server.Deps{Store: st, Version: "test", PublicURL: "https://efa.example.de/"}))
	if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolutionInput("feed-probe", "Feed-Probe")); err != nil {
		t.Fatal(err)
	}
	a, err := st.RegisterAdoption(ctx, catalog.SystemPrincipal("test"), store.AdoptionInput{SolutionSlug: "feed-probe", AdopterKind: catalog.KindGemeinde,
		AdopterKey: "010010000000", Adoption: catalog.Adoption{Status: catalog.AdoptionLive}})
	if err != nil {
		t.Fatal(err)
	}
	head, _ := st.LastEventSeq(ctx)
	for _, c := range []struct {
		target, contentType, feedType string
	}{{"/feed.json", "application/feed+json", "json"}, {"/feed.atom", "application/atom+xml; charset=utf-8", "atom"}} {
		rec := cl.get(c.target)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != c.contentType {
			t.Fatalf("%s: %d %q", c.target, rec.Code, rec.Header().Get("Content-Type"))
		}
		f, err := gofeed.NewParser().ParseString(rec.Body.String())
		if err != nil {
			t.Fatalf("%s does not parse: %v", c.target, err)
		}
		// The seed import is no news: only the two writes of this test are items.
		if f.FeedType != c.feedType || len(f.Items) != 2 {
			t.Fatalf("%s: %s feed with %d items", c.target, f.FeedType, len(f.Items))
		}
		newest, second := f.Items[0], f.Items[1]
		if newest.GUID != feed.ItemID(head) || !strings.Contains(newest.Title, "Flensburg") || !strings.Contains(newest.Title, "Feed-Probe") ||
			newest.Link != "https://efa.example.de/loesungen/feed-probe" {
			t.Errorf("%s: newest item = %q %q %q (adoption %d, head %d)", c.target, newest.GUID, newest.Title, newest.Link, a.ID, head)
		}
		if second.GUID != feed.ItemID(head-1) || second.Title != "Neue Lösung: Feed-Probe" || second.PublishedParsed == nil ||
			time.Since(*second.PublishedParsed) > time.Minute {
			t.Errorf("%s: second item = %+v", c.target, second)
		}
		ids := map[string]bool{}
		for _, it := range f.Items {
			if ids[it.GUID] || !strings.HasPrefix(it.GUID, "urn:uuid:") || !strings.HasPrefix(it.Link, "https://efa.example.de/loesungen/") {
				t.Errorf("%s: item id %q / link %q", c.target, it.GUID, it.Link)
			}
			ids[it.GUID] = true
		}
	}
	// Without a configured public address the links follow the request.
	local := newClient(t, server.New(server.Deps{Store: st, Version: "test"}))
	var jf struct {
		HomePageURL string `json:"home_page_url"`
		Items       []struct {
			URL string `json:"url"`
		} `json:"items"`
	}
	if err := json.Unmarshal(local.get("/feed.json").Body.Bytes(), &jf); err != nil {
		t.Fatal(err)
	}
	if jf.HomePageURL != "http://example.com/" || !strings.HasPrefix(jf.Items[0].URL, "http://example.com/loesungen/") {
		t.Errorf("links without EFA_PUBLIC_URL: %q, %q", jf.HomePageURL, jf.Items[0].URL)
	}
}

// TestHeadOfTheExport: HEAD gets the headers of GET (type, validators) and
// no body; the export is streamed (chunked, no length known in advance).
func TestHeadOfTheExport(t *testing.T) {
	st := storetest.Seeded(t)
	app := server.New(server.Deps{Store: st, Version: "test"})
	srv := httptest.NewServer(app)
	defer srv.Close()
	// The same document through a recorder.
	inMemory := httptest.NewRecorder()
	app.ServeHTTP(inMemory, httptest.NewRequest(http.MethodGet, "/api/v1/export", nil))
	// Without the client's transparent gzip, so both ask for the identity form.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get, err := client.Get(srv.URL + "/api/v1/export")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	get.Body.Close()
	head, err := client.Head(srv.URL + "/api/v1/export")
	if err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(head.Body)
	head.Body.Close()
	if head.StatusCode != 200 || len(rest) != 0 || head.Header.Get("ETag") == "" || head.Header.Get("ETag") != get.Header.Get("ETag") ||
		head.Header.Get("Content-Type") != get.Header.Get("Content-Type") || head.Header.Get("Last-Modified") != get.Header.Get("Last-Modified") {
		t.Errorf("HEAD: %d, %d bytes, ETag %q vs %q, %v", head.StatusCode, len(rest), head.Header.Get("ETag"), get.Header.Get("ETag"), head.Header)
	}
	if !bytes.Equal(body, inMemory.Body.Bytes()) {
		t.Error("the export sent over TCP differs from the one written to a recorder")
	}
	if get.ContentLength != -1 || len(get.TransferEncoding) != 1 || get.TransferEncoding[0] != "chunked" || len(body) < 1<<20 {
		t.Errorf("GET over TCP: Content-Length %d, %v, %d bytes", get.ContentLength, get.TransferEncoding, len(body))
	}
}

// TestAPIWritesConform: the token-protected writes (built with the accounts)
// conform to the document too, and a write shows in the change feed.
func TestAPIWritesConform(t *testing.T) {
	ctx := context.Background()
	st := storetest.Seeded(t)
	org, err := st.OrganisationByKey(ctx, catalog.KindGemeinde, "010010000000")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, "test", store.NewUser{Name: "Flensburg API", Email: "api@flensburg.example",
		Memberships: []store.NewMembership{{Kind: catalog.KindGemeinde, Key: org.Key, Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	secret, hash, err := auth.NewSecret("efa_")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateToken(ctx, "test", catalog.APIToken{OrganisationID: org.ID, UserID: u.ID, Name: "Portal",
		Hash: hash, Prefix: secret[:10], ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	all, err := st.AllSolutions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := st.LastEventSeq(ctx)
	cl := newClient(t, server.New(server.Deps{Store: st, Version: "test"}))
	bearer := []string{"Authorization", "Bearer " + secret}

	rec := cl.send(http.MethodPost, "/api/v1/adoptions", `{"solution":"`+all[0].Slug+`","adopterKind":"gemeinde","adopterKey":"010010000000","status":"interested"}`, bearer...)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST = %d %s", rec.Code, rec.Body.String())
	}
	var created feed.Adoption
	json.Unmarshal(rec.Body.Bytes(), &created)
	id := created.ID
	if rec := cl.send(http.MethodPatch, "/api/v1/adoptions/"+id, `{"status":"live","since":"2025-02"}`, bearer...); rec.Code != http.StatusOK {
		t.Fatalf("PATCH = %d %s", rec.Code, rec.Body.String())
	}
	var one feed.Adoption
	cl.json("/api/v1/adoptions/"+id, http.StatusOK, &one)
	if one.Status != "live" || one.Since != "2025-02" || one.Adopter.ID != "gemeinde:010010000000" {
		t.Errorf("after PATCH: %+v", one)
	}
	if rec := cl.send(http.MethodPost, "/api/v1/adoptions", `{"solution":"x"}`); rec.Code != http.StatusUnauthorized {
		t.Errorf("POST without token = %d", rec.Code)
	}
	if rec := cl.send(http.MethodDelete, "/api/v1/adoptions/"+id, "", bearer...); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE = %d %s", rec.Code, rec.Body.String())
	}
	var page struct {
		Changes []struct{ Type, Entity, ID string } `json:"changes"`
	}
	cl.json("/api/v1/changes?after="+feed.Cursor(head), http.StatusOK, &page)
	var types []string
	for _, c := range page.Changes {
		if c.Entity == "adoption" && c.ID == id {
			types = append(types, c.Type)
		}
	}
	// Every record describes the adoption as it is now: deleted.
	if strings.Join(types, ",") != "deleted,deleted,deleted" {
		t.Errorf("records of adoption %s: %v", id, types)
	}
}

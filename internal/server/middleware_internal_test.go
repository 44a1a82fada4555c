package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"regexp"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// TestRequestIDsAreUniqueAndPlain: made ids are 24 hex digits, never repeat
// within a process and do not count up visibly.
func TestRequestIDsAreUniqueAndPlain(t *testing.T) {
	hex24 := regexp.MustCompile(`^[0-9a-f]{24}$`)
	const n = 200_000
	seen := make(map[string]bool, n)
	var prev string
	sameTail := 0
	for range n {
		id := newRequestID()
		if !hex24.MatchString(id) {
			t.Fatalf("id %q is not 24 hex digits", id)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
		if prev != "" && id[:8] != prev[:8] {
			t.Fatalf("the process prefix changed: %q then %q", prev, id)
		}
		if prev != "" && id[8:20] == prev[8:20] {
			sameTail++
		}
		prev = id
	}
	// A plain counter would leave most of the digits unchanged from one id
	// to the next; the bijection scatters them.
	if sameTail > n/100 {
		t.Errorf("%d of %d consecutive ids share 12 digits: the counter shows", sameTail, n)
	}
}

// TestHeaderFieldsAreCanonical: the fields set by direct map access must be
// in canonical form, or Header.Get and net/http would not find them.
func TestHeaderFieldsAreCanonical(t *testing.T) {
	keys := []string{hdrXRequestID, hstsField.key}
	for _, f := range securityHeaderFields() {
		keys = append(keys, f.key)
	}
	for _, k := range keys {
		if c := textproto.CanonicalMIMEHeaderKey(k); c != k {
			t.Errorf("header key %q is not canonical (%q)", k, c)
		}
	}
}

// TestTokenCacheTrustsForAWhile: a token found valid spares the look-up for
// tokenTrust and no longer; the cache stays bounded.
func TestTokenCacheTrustsForAWhile(t *testing.T) {
	tc := newTokenCache()
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	if tc.trusted(42, t0) {
		t.Fatal("an unknown token is trusted")
	}
	tc.remember(42, t0)
	if !tc.trusted(42, t0.Add(tokenTrust-time.Millisecond)) {
		t.Error("a token found valid is not trusted within tokenTrust")
	}
	if tc.trusted(42, t0.Add(tokenTrust)) {
		t.Error("a token is trusted after tokenTrust without a new look-up")
	}
	if tc.trusted(43, t0) {
		t.Error("another key is trusted")
	}
	tc = newTokenCache()
	for k := range uint64(maxTrustedTokens) {
		tc.remember(1000+k, t0)
	}
	if len(tc.until) != maxTrustedTokens {
		t.Fatalf("%d entries, want %d", len(tc.until), maxTrustedTokens)
	}
	later := t0.Add(2 * tokenTrust)
	tc.remember(7, later)
	if len(tc.until) != 1 || !tc.trusted(7, later) {
		t.Errorf("a full cache keeps %d entries after its entries expired, want only the new one", len(tc.until))
	}
	for k := range uint64(maxTrustedTokens + 5) {
		tc.remember(5000+k, later)
	}
	if len(tc.until) > maxTrustedTokens {
		t.Errorf("the cache grew to %d entries, bound %d", len(tc.until), maxTrustedTokens)
	}
}

// TestTrustedTokenLeavesTheAnonymousBudget: once a token is known valid,
// its requests no longer draw on the budget of its address, so anonymous
// clients behind the same address (a shared NAT) keep theirs.
func TestTrustedTokenLeavesTheAnonymousBudget(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	u, err := st.CreateUser(ctx, "test", store.NewUser{Name: "Portal", Email: "portal-budget@example.de",
		Memberships: []store.NewMembership{{Kind: catalog.KindLand, Key: "01", Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	org, _ := st.OrganisationByKey(ctx, catalog.KindLand, "01")
	secret, hash, _ := auth.NewSecret("efa_")
	if _, err := st.CreateToken(ctx, "test", catalog.APIToken{OrganisationID: org.ID, UserID: u.ID, Name: "Portal", Hash: hash,
		Prefix: secret[:10], ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	s := &server{Deps: Deps{Store: st, Log: slog.New(slog.DiscardHandler), Ops: Ops{RateLimit: 1, RateBurst: 1}}}
	s.initOps()
	o := s.newOpsChain()
	e := echo.New()
	allowed := func(token string, at time.Time) bool {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/stats", nil)
		req.RemoteAddr = "192.0.2.1:1234"
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return o.checkRate(e.NewContext(req, httptest.NewRecorder()), req.URL.Path, at) == nil
	}
	t0 := time.Now()
	got := []bool{
		allowed(secret, t0), // the budget of one: spent, the token not looked up
		allowed(secret, t0), // over the limit: looked up, valid, trusted
	}
	t1 := t0.Add(time.Second) // the budget has one request again
	for range 5 {
		got = append(got, allowed(secret, t1))
	}
	got = append(got, allowed("", t1), allowed("", t1))
	if want := []bool{true, true, true, true, true, true, true, true, false}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("allowed = %v, want %v", got, want)
	}
}

package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// startMockIDP runs an offline OIDC provider on loopback. When forgeAudience
// is set, it re-signs the ID token with its own key but for another client.
func startMockIDP(t *testing.T, forgeAudience *atomic.Bool) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	err = m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.TokenEndpoint || !forgeAudience.Load() {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Errorf("token response: %v", err)
				return
			}
			raw, _ := body["id_token"].(string)
			parts := strings.Split(raw, ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			var claims jwt.MapClaims
			json.Unmarshal(payload, &claims)
			claims["aud"] = "ein-anderer-client"
			forged, err := m.Keypair.SignJWT(claims)
			if err != nil {
				t.Errorf("sign: %v", err)
			}
			body["id_token"] = forged
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(body)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return m
}

func TestOIDCLogin(t *testing.T) {
	var forge atomic.Bool
	m := startMockIDP(t, &forge)
	cfg := m.Config()
	env := servertest.NewEnv(t, server.AuthConfig{OIDC: server.OIDCConfig{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: "http://efa.example/anmelden/oidc/rueckruf"}})
	// The IdP's default user has a verified address; give it an account.
	if _, err := env.Store.CreateUser(context.Background(), "test", store.NewUser{Name: "Jane", Email: "jane.doe@example.com",
		Memberships: []store.NewMembership{{Kind: "gemeinde", Key: servertest.GemeindeA, Role: "editor"}}}); err != nil {
		t.Fatal(err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// flow runs one login; tamper may change the authorization URL first.
	flow := func(c *servertest.Client, tamper func(url.Values)) *httptest.ResponseRecorder {
		t.Helper()
		rec := c.Do("GET", "/anmelden/oidc?weiter=/konto/tokens", nil, nil)
		if rec.Code != http.StatusFound {
			t.Fatalf("start = %d %s", rec.Code, rec.Body.String())
		}
		authURL, _ := url.Parse(rec.Header().Get("Location"))
		q := authURL.Query()
		if q.Get("nonce") == "" || q.Get("state") == "" || q.Get("client_id") != cfg.ClientID {
			t.Fatalf("authorization URL lacks nonce/state/client_id: %s", authURL)
		}
		if tamper != nil {
			tamper(q)
			authURL.RawQuery = q.Encode()
		}
		res, err := noFollow.Get(authURL.String())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		back, _ := url.Parse(res.Header.Get("Location"))
		return c.Do("GET", "/anmelden/oidc/rueckruf?"+back.RawQuery, nil, nil)
	}

	c := env.Client(t)
	rec := flow(c, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/konto/tokens" {
		t.Fatalf("login via OIDC = %d %q %s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	if rec := c.Do("GET", "/konto", nil, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "jane.doe@example.com") {
		t.Errorf("account after OIDC login = %d", rec.Code)
	}

	// A wrong nonce (replayed or injected token) is refused.
	c2 := env.Client(t)
	if rec := flow(c2, func(q url.Values) { q.Set("nonce", "eine-andere-nonce") }); rec.Code != http.StatusUnauthorized {
		t.Errorf("wrong nonce = %d", rec.Code)
	}
	if rec := c2.Do("GET", "/konto", nil, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("logged in despite wrong nonce: %d", rec.Code)
	}

	// A token for another client (wrong audience), validly signed by the IdP, is refused.
	forge.Store(true)
	c3 := env.Client(t)
	if rec := flow(c3, nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("wrong audience = %d", rec.Code)
	}
	forge.Store(false)

	// A wrong state (login CSRF) is refused.
	c4 := env.Client(t)
	if rec := flow(c4, func(q url.Values) { q.Set("state", "fremder-state") }); rec.Code != http.StatusUnauthorized {
		t.Errorf("wrong state = %d", rec.Code)
	}

	// Someone without an account is asked to request one.
	m.QueueUser(&mockoidc.MockUser{Subject: "unbekannt", Email: "neu@example.com", EmailVerified: true})
	c5 := env.Client(t)
	if rec := flow(c5, nil); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "beantragen") {
		t.Errorf("unknown person = %d", rec.Code)
	}
}

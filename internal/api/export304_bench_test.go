package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// discardWriter is the least a server does per answer: a fresh header map
// (as net/http makes one per request), the status, the body thrown away. It
// keeps the harness out of the figures, so the hello-world and the 304 path
// differ by what the application does and nothing else.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(b)
	return len(b), nil
}

// BenchmarkExport304 measures the 304 path of GET /api/v1/export side by
// side with an Echo hello-world handler without middleware, the baseline of
// issue 6 (goal: at least 0.8 of its rate, i.e. at most 1.25 × its ns/op,
// though in process the fixed costs of a connection are missing on both
// sides). The application runs with the full router, every middleware and
// the production limits (cmd/efa's default rate limit); the client is the
// portal polling with its API token and a valid If-None-Match. Every target
// gets the same request headers. The header count per answer is reported,
// since every header is bytes on the wire.
func BenchmarkExport304(b *testing.B) {
	st := storetest.Seeded(b)
	token := benchToken(b, st)
	app := server.New(server.Deps{Store: st, Version: "bench", Ops: server.Ops{RateLimit: 20}})
	first := httptest.NewRecorder()
	app.ServeHTTP(first, httptest.NewRequest(http.MethodGet, "/api/v1/export", nil))
	etag := first.Header().Get("ETag")
	zipped := httptest.NewRequest(http.MethodGet, "/api/v1/export", nil)
	zipped.Header.Set("Accept-Encoding", "gzip")
	second := httptest.NewRecorder()
	app.ServeHTTP(second, zipped)
	etagGz := second.Header().Get("ETag")
	hello := echo.New()
	hello.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "Hello, World!") })
	run := func(h http.Handler, target string, header map[string]string, want int) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			headers := 0
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.RemoteAddr = "127.0.0.1:40000"
				req.Header.Set("Authorization", "Bearer "+token)
				for k, v := range header {
					req.Header.Set(k, v)
				}
				w := &discardWriter{}
				for pb.Next() {
					w.h, w.status, w.n = make(http.Header), 0, 0
					h.ServeHTTP(w, req)
					if w.status != want {
						b.Fatalf("%s = %d, want %d", target, w.status, want)
					}
				}
				headers = len(w.h)
			})
			b.ReportMetric(float64(headers), "headers/op")
		}
	}
	b.Run("hello", run(hello, "/", nil, http.StatusOK))
	b.Run("export-304", run(app, "/api/v1/export", map[string]string{"If-None-Match": etag}, http.StatusNotModified))
	b.Run("export-304-gzip", run(app, "/api/v1/export",
		map[string]string{"If-None-Match": etagGz, "Accept-Encoding": "gzip, deflate, br"}, http.StatusNotModified))
}

// benchToken creates an editor with an API token and returns its secret.
func benchToken(b *testing.B, st *store.Store) string {
	ctx := context.Background()
	u, err := st.CreateUser(ctx, "bench", store.NewUser{Name: "Portal", Email: "portal-bench@example.de",
		Memberships: []store.NewMembership{{Kind: catalog.KindGemeinde, Key: servertest.GemeindeA, Role: catalog.RoleEditor}}})
	if err != nil {
		b.Fatal(err)
	}
	org, err := st.OrganisationByKey(ctx, catalog.KindGemeinde, servertest.GemeindeA)
	if err != nil {
		b.Fatal(err)
	}
	secret, hash, err := auth.NewSecret("efa_")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateToken(ctx, "bench", catalog.APIToken{OrganisationID: org.ID, UserID: u.ID, Name: "Portal", Hash: hash,
		Prefix: secret[:10], ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	return secret
}

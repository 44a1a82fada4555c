package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"efa-register/internal/server"
	"efa-register/internal/store/storetest"
)

// BenchmarkExport measures GET /api/v1/export in process (the full router
// with every middleware), the 200 and the 304 path, next to an Echo
// hello-world handler. bench/api measures the same over loopback.
func BenchmarkExport(b *testing.B) {
	app := server.New(server.Deps{Store: storetest.Seeded(b), Version: "bench"})
	first := httptest.NewRecorder()
	app.ServeHTTP(first, httptest.NewRequest(http.MethodGet, "/api/v1/export", nil))
	etag := first.Header().Get("ETag")
	hello := echo.New()
	hello.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "Hello, World!") })
	run := func(h http.Handler, target, inm string, want int) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodGet, target, nil)
					if inm != "" {
						req.Header.Set("If-None-Match", inm)
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != want {
						b.Fatalf("%s = %d", target, rec.Code)
					}
				}
			})
		}
	}
	b.Run("hello", run(hello, "/", "", 200))
	b.Run("export-304", run(app, "/api/v1/export", etag, 304))
	b.Run("export-200", run(app, "/api/v1/export", "", 200))
}

package publiccode_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"efa-register/internal/publiccode"
)

// TestFetchRefusesLoopback: the test server listens on 127.0.0.1, so the
// fetcher must refuse it at dial time, also when a public-looking name is
// given or a redirect points there.
func TestFetchRefusesLoopback(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Write([]byte("publiccodeYmlVersion: \"0.4\"\nname: Intern\n"))
	}))
	defer srv.Close()
	f := publiccode.NewFetcher(2*time.Second, 0)
	ctx := context.Background()
	for _, u := range []string{srv.URL + "/publiccode.yml", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/publiccode.yml",
		"http://127.0.0.1/publiccode.yml", "http://2130706433/publiccode.yml", "http://127.1/publiccode.yml", "http://[::1]/publiccode.yml",
		"http://169.254.169.254/latest/meta-data/"} {
		_, err := f.Fetch(ctx, u)
		var fe *publiccode.FetchError
		if !errors.As(err, &fe) || !errors.Is(err, publiccode.ErrForbiddenAddress) || !strings.Contains(fe.Message, "internes Netz") {
			t.Errorf("Fetch(%s) = %v, want refusal", u, err)
		}
	}
	for _, u := range []string{"file:///etc/passwd", "ftp://example.com/x", "https://user:pw@example.com/x", "kein url"} {
		if _, err := f.Fetch(ctx, u); !errors.Is(err, publiccode.ErrForbiddenAddress) {
			t.Errorf("Fetch(%s) = %v, want refusal", u, err)
		}
	}
	if hits != 0 {
		t.Errorf("the internal server was reached %d times", hits)
	}
}

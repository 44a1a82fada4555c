package publiccode_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"efa-register/internal/publiccode"
)

func TestCheckDial(t *testing.T) {
	for addr, allowed := range map[string]bool{
		"93.184.215.14:443":      true,
		"[2a00:1450::1]:443":     true,
		"93.184.215.14:80":       true,
		"93.184.215.14:22":       false, // only the web ports
		"127.0.0.1:443":          false,
		"127.8.9.1:80":           false,
		"[::1]:443":              false,
		"10.1.2.3:443":           false,
		"172.16.0.1:443":         false,
		"192.168.178.1:80":       false,
		"169.254.169.254:80":     false, // cloud metadata
		"[fe80::1]:443":          false,
		"[fd00::1]:443":          false,
		"100.64.0.1:443":         false,
		"0.0.0.0:443":            false,
		"[::]:443":               false,
		"[::ffff:127.0.0.1]:443": false, // IPv4-mapped loopback
		"[64:ff9b::a00:1]:443":   false, // NAT64 of 10.0.0.1
		"224.0.0.1:443":          false,
		"not-an-address:443":     false,
	} {
		err := publiccode.CheckDial("tcp", addr, nil)
		if allowed && err != nil {
			t.Errorf("CheckDial(%s) = %v, want allowed", addr, err)
		}
		if !allowed && !errors.Is(err, publiccode.ErrForbiddenAddress) {
			t.Errorf("CheckDial(%s) = %v, want ErrForbiddenAddress", addr, err)
		}
	}
	if err := publiccode.CheckDial("udp", "93.184.215.14:443", nil); err == nil {
		t.Error("udp allowed")
	}
	if !publiccode.ForbiddenIP(netip.MustParseAddr("::ffff:192.168.1.1")) {
		t.Error("mapped private address allowed")
	}
}

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
	for _, u := range []string{srv.URL + "/publiccode.yml", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/publiccode.yml"} {
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

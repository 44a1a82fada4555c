package netguard_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"efa-register/internal/netguard"
)

func TestControl(t *testing.T) {
	web := netguard.Guard{Ports: []uint16{80, 443}}
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
		"[::127.0.0.1]:443":      false, // IPv4-compatible loopback
		"[64:ff9b::a00:1]:443":   false, // NAT64 of 10.0.0.1
		"224.0.0.1:443":          false,
		"not-an-address:443":     false,
	} {
		err := web.Control("tcp", addr, nil)
		if allowed && err != nil {
			t.Errorf("Control(%s) = %v, want allowed", addr, err)
		}
		if !allowed && !errors.Is(err, netguard.ErrForbiddenAddress) {
			t.Errorf("Control(%s) = %v, want ErrForbiddenAddress", addr, err)
		}
	}
	if err := web.Control("udp", "93.184.215.14:443", nil); err == nil {
		t.Error("udp allowed")
	}
	if err := (netguard.Guard{}).Control("tcp", "93.184.215.14:8443", nil); err != nil {
		t.Errorf("any port without Ports: %v", err)
	}
	if !netguard.ForbiddenIP(netip.MustParseAddr("::ffff:192.168.1.1")) {
		t.Error("mapped private address allowed")
	}
}

// TestCheckURL holds the receivers of issue 15, row 4 that were accepted.
func TestCheckURL(t *testing.T) {
	g := netguard.Guard{DenyHosts: []string{"efa.example.de"}}
	for _, raw := range []string{
		"http://127.0.0.1/hook",
		"http://127.0.0.1:8080/hook",
		"http://0.0.0.0/hook",
		"http://[::1]/hook",
		"http://[::]/hook",
		"http://169.254.169.254/latest/meta-data/",
		"http://2130706433/hook",     // 127.0.0.1 as one number
		"http://127.1/hook",          // 127.0.0.1 shortened
		"http://0x7f.1/hook",         // hexadecimal
		"http://0x7f000001/hook",     // hexadecimal, one number
		"http://0177.0.0.1/hook",     // octal
		"http://017700000001/hook",   // octal, one number
		"http://127.0.0.1./hook",     // trailing dot
		"http://[::ffff:127.0.0.1]/", // IPv4-mapped
		"http://[::ffff:7f00:1]/",
		"http://[fe80::1%25eth0]/", // link-local with zone
		"http://[fd12:3456::1]/",   // unique local
		"http://10.0.0.1/",
		"http://10.1/", // 10.0.0.1
		"http://192.168.1.1/",
		"http://172.31.255.255/",
		"http://100.64.0.1/",
		"http://localhost/hook",
		"http://LOCALHOST./hook",
		"http://api.localhost/hook",
		"https://efa.example.de/api/v1/changes", // the register itself
		"https://EFA.example.de./x",
		"http://999.1.1.1/",         // a number that is no address
		"http://1.2.3.4.5/",         // too many parts
		"http://4294967296/",        // beyond 32 bits
		"ftp://portal.example.org/", // scheme
		"file:///etc/passwd",
		"gopher://portal.example.org/",
		"https://user:pw@portal.example.org/",
		"https:///nohost",
		"https://portal.example.org:0/",
		"https://portal.example.org:99999/",
	} {
		if err := g.CheckURL(raw); !errors.Is(err, netguard.ErrForbiddenAddress) {
			t.Errorf("CheckURL(%q) = %v, want refusal", raw, err)
		}
	}
	for _, raw := range []string{
		"https://portal.example.org/hook?x=1",
		"http://portal.example.org:8443/hook",
		"https://93.184.215.14/hook",
		"https://[2a00:1450::1]/hook",
		"https://134744072/", // 8.8.8.8 as one number: public
		"https://1e100.net/", // last label is not a number
		"https://efa.example.de.evil.org/",
	} {
		if err := g.CheckURL(raw); err != nil {
			t.Errorf("CheckURL(%q) = %v, want allowed", raw, err)
		}
	}
	// Ports, when given, hold at registration too.
	if err := (netguard.Guard{Ports: []uint16{443}}).CheckURL("https://portal.example.org:8443/"); !errors.Is(err, netguard.ErrForbiddenAddress) {
		t.Errorf("port outside Ports: %v", err)
	}
}

// TestClientRefusesLoopback: a guarded client never reaches a server on
// 127.0.0.1, by address or by the name localhost.
func TestClientRefusesLoopback(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := netguard.Guard{}.Client(2*time.Second, 0)
	for _, u := range []string{srv.URL + "/hook", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/hook"} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, u, strings.NewReader("{}"))
		res, err := c.Do(req)
		if err == nil {
			res.Body.Close()
		}
		if !errors.Is(err, netguard.ErrForbiddenAddress) {
			t.Errorf("POST %s = %v, want refusal", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server was reached %d times", n)
	}
}

// TestClientRedirects: with no redirects allowed the redirect answer comes
// back as it is; with redirects allowed one to an internal address is
// refused before it is followed.
func TestClientRedirects(t *testing.T) {
	var followed atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed.Add(1) }))
	defer target.Close()
	redirect := func(to string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, to, http.StatusTemporaryRedirect)
		}))
	}
	// Loopback is opened for the test servers only; the targets below are refused all the same.
	g := netguard.Guard{LoopbackInTests: true}
	toMetadata := redirect("http://169.254.169.254/latest/meta-data/")
	defer toMetadata.Close()
	toNumeric := redirect("http://167772161/") // 10.0.0.1 as one number
	defer toNumeric.Close()
	toFile := redirect("file:///etc/passwd")
	defer toFile.Close()
	for _, srv := range []*httptest.Server{toMetadata, toNumeric, toFile} {
		res, err := g.Client(2*time.Second, 3).Get(srv.URL)
		if err == nil {
			res.Body.Close()
		}
		if !errors.Is(err, netguard.ErrForbiddenAddress) {
			t.Errorf("redirect from %s followed: %v", srv.URL, err)
		}
	}
	toTarget := redirect(target.URL)
	defer toTarget.Close()
	res, err := g.Client(2*time.Second, 0).Get(toTarget.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTemporaryRedirect || followed.Load() != 0 {
		t.Errorf("no-redirect client: status %d, followed %d", res.StatusCode, followed.Load())
	}
	res, err = g.Client(2*time.Second, 1).Get(toTarget.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || followed.Load() != 1 {
		t.Errorf("one-redirect client: status %d, followed %d", res.StatusCode, followed.Load())
	}
}

// TestLoopbackInTestsOnlyLoopback: the test opening allows loopback, not
// the other internal networks.
func TestLoopbackInTestsOnlyLoopback(t *testing.T) {
	g := netguard.Guard{LoopbackInTests: true, Ports: []uint16{443}}
	if err := g.Control("tcp", "127.0.0.1:34567", nil); err != nil {
		t.Errorf("loopback in a test: %v", err)
	}
	for _, addr := range []string{"10.0.0.1:443", "169.254.169.254:443", "[fd00::1]:443", "0.0.0.0:443"} {
		if err := g.Control("tcp", addr, nil); !errors.Is(err, netguard.ErrForbiddenAddress) {
			t.Errorf("Control(%s) with the test opening = %v, want refusal", addr, err)
		}
	}
}

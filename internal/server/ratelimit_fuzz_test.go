package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"efa-register/internal/server"
)

// FuzzClientAddr: whatever a client sends, an untrusted peer is rate limited
// by its own address, and a trusted proxy's client is an address that
// appears in X-Forwarded-For or the peer itself.
func FuzzClientAddr(f *testing.F) {
	f.Add("203.0.113.5:4000", "198.51.100.1")
	f.Add("10.1.2.3:4000", "1.2.3.4, 198.51.100.1")
	f.Add("10.1.2.3:4000", "198.51.100.1, 10.9.9.9, nonsense")
	f.Add("[fd00::1]:4000", "2001:db8::7,  ::ffff:1.2.3.4")
	f.Add("10.0.0.1", "")
	f.Add("garbage", "1.1.1.1")
	f.Add("10.1.2.3:80", ",,,")
	proxies, err := server.ParseTrustedProxies("10.0.0.0/8, fd00::/8")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = remote
		req.Header.Set("X-Forwarded-For", xff)
		got := server.ClientAddr(req, proxies)
		var peer netip.Addr
		if ap, err := netip.ParseAddrPort(remote); err == nil {
			peer = ap.Addr()
		} else if a, err := netip.ParseAddr(remote); err == nil {
			peer = a
		} else {
			return // an unparsable peer (never the case behind net/http)
		}
		peer = peer.Unmap()
		trusted := false
		for _, p := range proxies {
			if p.Contains(peer) {
				trusted = true
			}
		}
		if !trusted {
			if got != peer {
				t.Fatalf("untrusted peer %s with X-Forwarded-For %q got client %s", peer, xff, got)
			}
			return
		}
		if got == peer {
			return
		}
		found := false
		for part := range strings.SplitSeq(xff, ",") {
			if a, err := netip.ParseAddr(strings.TrimSpace(part)); err == nil && a.Unmap() == got {
				found = true
			}
		}
		if !found {
			t.Fatalf("client %s is neither the peer %s nor in X-Forwarded-For %q", got, peer, xff)
		}
	})
}

// FuzzParseTrustedProxies: a list is either refused or parses to prefixes
// that print and parse back to themselves.
func FuzzParseTrustedProxies(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "10.0.0.0/8, 192.168.1.7 ,fd00::/8", "", ",", "10.0.0.1/33", "::ffff:10.0.0.1", "1.2.3.4/24"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := server.ParseTrustedProxies(s)
		if err != nil {
			return
		}
		var parts []string
		for _, p := range ps {
			if p != p.Masked() {
				t.Fatalf("%q: prefix %s not masked", s, p)
			}
			parts = append(parts, p.String())
		}
		again, err := server.ParseTrustedProxies(strings.Join(parts, ","))
		if err != nil || len(again) != len(ps) {
			t.Fatalf("%q: %v does not parse back: %v %v", s, ps, again, err)
		}
		for i := range ps {
			if again[i] != ps[i] {
				t.Fatalf("%q: %v parses back as %v", s, ps, again)
			}
		}
	})
}

// Package netguard keeps the register's outgoing requests (publiccode.yml
// downloads, webhook deliveries) away from its own machine and network: no
// loopback, private, link-local, unspecified, unique-local or otherwise
// internal address, checked when an address is registered (CheckURL) and
// again for every address actually dialled (Control), so a name that
// resolves to an internal address, or changes its answer between the check
// and the connection, and a redirect to such an address are refused too.
// It imports only the standard library.
package netguard

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ErrForbiddenAddress is returned when a request would go to an address
// that is not public, to a refused port or scheme, or to a refused host.
var ErrForbiddenAddress = errors.New("netguard: address not allowed")

// ErrTooManyRedirects is returned when a client would follow more redirects
// than it was made for.
var ErrTooManyRedirects = errors.New("netguard: too many redirects")

// blockedPrefixes are the networks never reached besides what netip reports
// as private, loopback, link-local, multicast or unspecified.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may embed an internal IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2002::/16"),       // 6to4: may embed an internal IPv4 address
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("2001::/32"),       // Teredo: may embed an internal IPv4 address
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated): embeds an IPv4 address
	netip.MustParsePrefix("ff00::/8"),        // multicast
	netip.MustParsePrefix("169.254.0.0/16"),  // link-local, cloud metadata
	netip.MustParsePrefix("fe80::/10"),       // link-local
	netip.MustParsePrefix("fc00::/7"),        // unique local
	netip.MustParsePrefix("127.0.0.0/8"),     // loopback
	netip.MustParsePrefix("::1/128"),         // loopback
	netip.MustParsePrefix("10.0.0.0/8"),      // private
	netip.MustParsePrefix("172.16.0.0/12"),   // private
	netip.MustParsePrefix("192.168.0.0/16"),  // private
	netip.MustParsePrefix("255.255.255.255/32"),
}

// ForbiddenIP reports whether ip is not a public unicast address.
func ForbiddenIP(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// localNames are host names that mean this machine without DNS.
var localNames = []string{"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}

// Guard refuses requests to addresses that are not public. The zero value
// is the production policy for any port.
type Guard struct {
	// Ports, when not empty, are the only ports a connection may go to.
	Ports []uint16
	// DenyHosts are host names refused in addition, compared without case
	// and trailing dot: the register's own public host, so it does not post
	// to itself.
	DenyHosts []string
	// LoopbackInTests lets tests reach their httptest servers: it allows
	// loopback addresses (any port) and the name localhost, and it takes
	// effect only in a test binary (testing.Testing reports true), so no
	// configuration can open the guard in the running register.
	LoopbackInTests bool
}

// loopbackAllowed reports whether the test-only opening applies.
func (g Guard) loopbackAllowed() bool { return g.LoopbackInTests && testing.Testing() }

// allowedIP reports whether a connection may go to ip.
func (g Guard) allowedIP(ip netip.Addr) bool {
	if g.loopbackAllowed() && ip.Unmap().IsLoopback() {
		return true
	}
	return !ForbiddenIP(ip)
}

// Control is a net.Dialer Control function: it runs after name resolution
// for every address actually dialled (each redirect, each address of a name
// with several) and refuses what is not public or not an allowed port.
func (g Guard) Control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return fmt.Errorf("%w: network %s", ErrForbiddenAddress, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	if !g.allowedIP(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	if len(g.Ports) > 0 && !slices.Contains(g.Ports, ap.Port()) && !(g.loopbackAllowed() && ap.Addr().Unmap().IsLoopback()) {
		return fmt.Errorf("%w: port %d", ErrForbiddenAddress, ap.Port())
	}
	return nil
}

// CheckURL checks an address before it is stored or requested: http or
// https, a host, no user information, and a host that is not a literal
// internal address in any spelling a resolver accepts (127.0.0.1, [::1],
// 2130706433, 127.1, 0x7f.1, 0177.0.0.1, [::ffff:127.0.0.1]), not a name of
// this machine (localhost), not one of DenyHosts, and not a number that is
// no valid address. Names are not resolved here; Control checks what they
// resolve to when the connection is made. The error wraps ErrForbiddenAddress.
func (g Guard) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: unparsable address", ErrForbiddenAddress)
	}
	return g.checkURL(u)
}

func (g Guard) checkURL(u *url.URL) error {
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%w: scheme %q", ErrForbiddenAddress, u.Scheme)
	}
	if u.User != nil || u.Hostname() == "" {
		return fmt.Errorf("%w: credentials or no host", ErrForbiddenAddress)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 || (len(g.Ports) > 0 && !slices.Contains(g.Ports, uint16(n)) && !g.loopbackAllowed()) {
			return fmt.Errorf("%w: port %s", ErrForbiddenAddress, p)
		}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	for _, d := range g.DenyHosts {
		if host == strings.TrimSuffix(strings.ToLower(d), ".") {
			return fmt.Errorf("%w: host %s", ErrForbiddenAddress, host)
		}
	}
	if slices.Contains(localNames, host) || strings.HasSuffix(host, ".localhost") {
		if g.loopbackAllowed() {
			return nil
		}
		return fmt.Errorf("%w: host %s", ErrForbiddenAddress, host)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !g.allowedIP(ip) {
			return fmt.Errorf("%w: %s", ErrForbiddenAddress, ip)
		}
		return nil
	}
	if endsInNumber(host) {
		ip, ok := parseIPv4Loose(host)
		if !ok {
			return fmt.Errorf("%w: host %s is no valid address", ErrForbiddenAddress, host)
		}
		if !g.allowedIP(ip) {
			return fmt.Errorf("%w: %s (%s)", ErrForbiddenAddress, host, ip)
		}
		// A public address in a legacy spelling: allowed, Control checks it again.
	}
	return nil
}

// endsInNumber reports whether the last label of host is a number (decimal,
// or hexadecimal with 0x), which makes browsers and resolvers read the whole
// host as an IPv4 address (WHATWG URL "ends in a number").
func endsInNumber(host string) bool {
	labels := strings.Split(host, ".")
	last := labels[len(labels)-1]
	if last == "" {
		return false
	}
	if allDigits(last, 10) {
		return true
	}
	return (strings.HasPrefix(last, "0x") || strings.HasPrefix(last, "0X")) && allDigits(last[2:], 16)
}

func allDigits(s string, base int) bool {
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
		case base == 16 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')):
		default:
			return false
		}
	}
	return true
}

// parseIPv4Loose parses the legacy IPv4 spellings inet_aton and the WHATWG
// URL standard accept: one to four parts, each decimal, octal (leading 0)
// or hexadecimal (0x); the last part fills the remaining bytes.
func parseIPv4Loose(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			p, base = p[2:], 16
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		if p == "" {
			return netip.Addr{}, false
		}
		n, err := strconv.ParseUint(p, base, 64)
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v |= last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// Client returns an HTTP client whose every connection passes Control and
// that uses no proxy from the environment (the check must see the real
// target). timeout bounds the whole request. maxRedirects is how many
// redirects it follows, each checked with CheckURL before and Control when
// it connects; with 0 it follows none and returns the redirect answer
// itself (a webhook delivery must not be sent on to an address nobody
// registered).
func (g Guard) Client(timeout time.Duration, maxRedirects int) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, Control: g.Control}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
		IdleConnTimeout:        30 * time.Second,
		MaxIdleConnsPerHost:    2,
	}
	return &http.Client{Timeout: timeout, Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if maxRedirects <= 0 {
				return http.ErrUseLastResponse
			}
			if len(via) > maxRedirects {
				return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, maxRedirects)
			}
			return g.checkURL(req.URL)
		}}
}

package auth

import "net/netip"

// ClientKey is the key the throttles count a client address by, grouped
// like the rate limiter (web's rateKey): an IPv4 address on its own, an
// IPv6 address by its /64, the smallest block one subscriber usually gets,
// so a host cannot escape a limit by rotating addresses within its block
// (issue 15, row 6). IPv4-mapped IPv6 addresses count as IPv4. An invalid
// address (no client known) gets one shared key.
//
//	192.0.2.7                 -> "192.0.2.7"
//	::ffff:192.0.2.7          -> "192.0.2.7"
//	2001:db8:1:2:a:b:c:d      -> "2001:db8:1:2::/64"
func ClientKey(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is6():
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

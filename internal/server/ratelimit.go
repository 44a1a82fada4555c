package server

import (
	"fmt"
	"hash/maphash"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/auth"

	"golang.org/x/time/rate"
)

// ParseTrustedProxies parses a comma-separated list of CIDRs or single
// addresses (EFA_TRUSTED_PROXIES), e.g. "10.0.0.0/8, 192.168.1.7".
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "/") {
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: not a CIDR", part)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an IP address or CIDR", part)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func trusted(nets []netip.Prefix, a netip.Addr) bool {
	for _, p := range nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr is the address of the TCP peer of r.
func peerAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// ClientAddr is the real address of the client of r. It is the TCP peer,
// unless the peer is a trusted proxy: then X-Forwarded-For is read from the
// right, skipping trusted proxies, and the first other address is the
// client. Headers from untrusted peers are ignored entirely, so nobody can
// pick the address they are rate limited by.
func ClientAddr(r *http.Request, proxies []netip.Prefix) netip.Addr {
	peer, ok := peerAddr(r)
	if !ok {
		return netip.Addr{}
	}
	if !trusted(proxies, peer) {
		return peer
	}
	client := peer
	hops := r.Header.Values(echo.HeaderXForwardedFor)
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				// A malformed entry ends the chain we can believe.
				return client
			}
			client = a.Unmap()
			if !trusted(proxies, client) {
				return client
			}
		}
	}
	return client
}

// clientIPExtractor makes Echo's c.RealIP() return ClientAddr.
// Pitfall: without an IPExtractor, Echo's RealIP believes X-Forwarded-For from any peer.
func clientIPExtractor(proxies []netip.Prefix) echo.IPExtractor {
	return func(r *http.Request) string {
		a := ClientAddr(r, proxies)
		if !a.IsValid() {
			return r.RemoteAddr
		}
		return a.String()
	}
}

// rateKey groups IPv6 clients by /64, the smallest block one subscriber
// usually gets, so one host cannot escape its limit by rotating addresses.
func rateKey(a netip.Addr) netip.Addr {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// limiters holds one token bucket per key: a client address, or an API
// token (by its hash). Buckets unused for idleAfter are swept, and the map
// never grows beyond maxClients.
type limiters[K comparable] struct {
	mu        sync.Mutex
	rate      rate.Limit
	burst     int
	clients   map[K]*client
	lastSweep time.Time
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

const (
	idleAfter  = 10 * time.Minute
	maxClients = 100_000
)

func newLimiters[K comparable](perSecond float64, burst int) *limiters[K] {
	return &limiters[K]{rate: rate.Limit(perSecond), burst: burst, clients: map[K]*client{}, lastSweep: time.Now()}
}

// reserve takes one token for a and returns how long to wait when none is
// left (0 means allowed).
func (l *limiters[K]) reserve(a K, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		l.sweep(now)
	}
	c, ok := l.clients[a]
	if !ok && len(l.clients) >= maxClients {
		// Under a flood of addresses the newcomers share one bucket until
		// the next sweep makes room.
		var shared K
		a = shared
		c, ok = l.clients[a]
	}
	if !ok {
		c = &client{lim: rate.NewLimiter(l.rate, l.burst)}
		l.clients[a] = c
	}
	c.seen = now
	if c.lim.AllowN(now, 1) {
		return 0
	}
	r := c.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return max(d, time.Millisecond)
}

func (l *limiters[K]) sweep(now time.Time) {
	l.lastSweep = now
	cutoff := idleAfter
	if len(l.clients) >= maxClients {
		// Under an address flood keep only the clients of the last minute.
		cutoff = time.Minute
	}
	for a, c := range l.clients {
		if now.Sub(c.seen) > cutoff {
			delete(l.clients, a)
		}
	}
}

// checkRate answers 429 with Retry-After to a client that exceeds its rate
// (no limiter: no limit). Probes and the metrics endpoint have their own
// limit (checkProbe), and static assets, which a page load fetches several
// of at once and which cost nothing, have none.
//
// A client with a valid API token has a budget of its own per token
// (TokenRateLimit, higher than the anonymous one), so it neither uses up
// nor depends on the budget of anonymous clients behind the same address.
// A token is looked up in the database only when the anonymous limit would
// apply, so floods of invalid tokens cost no more than any other request; a
// token found valid is then believed for tokenTrust without asking again (a
// machine client that polls many times a second is above the anonymous
// rate all the time, and a query per request would cost more than the
// answer). This decides only about throttling: routes that need a token
// check it themselves on every request.
func (o *opsChain) checkRate(c echo.Context, path string, now time.Time) error {
	l := o.limiter
	if l == nil || strings.HasPrefix(path, "/static/") {
		return nil
	}
	secret, hasToken := bearerToken(c.Request())
	var key uint64
	if hasToken {
		key = maphash.String(o.validTokens.seed, secret)
		if o.validTokens.trusted(key, now) {
			return o.checkTokenRate(c, key, now)
		}
	}
	a := ClientAddr(c.Request(), o.s.Ops.TrustedProxies)
	wait := l.reserve(rateKey(a), now)
	if wait == 0 {
		return nil
	}
	if hasToken && o.validToken(c, secret, key, now) {
		return o.checkTokenRate(c, key, now)
	}
	return o.tooMany(c, "rate_limit", wait)
}

// checkTokenRate applies the budget of one valid API token.
func (o *opsChain) checkTokenRate(c echo.Context, key uint64, now time.Time) error {
	if o.tokenLimiter == nil {
		return nil
	}
	if wait := o.tokenLimiter.reserve(key, now); wait > 0 {
		return o.tooMany(c, "token_rate_limit", wait)
	}
	return nil
}

// tooMany answers 429 with Retry-After and counts the refusal.
func (o *opsChain) tooMany(c echo.Context, reason string, wait time.Duration) error {
	o.s.metrics.rejected.WithLabelValues(reason).Inc()
	c.Response().Header().Set("Retry-After", retryAfter(wait))
	return echo.NewHTTPError(http.StatusTooManyRequests)
}

// bearerToken is the secret of an "Authorization: Bearer" header; the
// scheme is case-insensitive (RFC 9110 11.1).
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header["Authorization"] // canonical key: no canonicalising per request
	if len(h) == 0 || len(h[0]) < len("Bearer ") || !strings.EqualFold(h[0][:len("Bearer ")], "Bearer ") {
		return "", false
	}
	secret := strings.TrimSpace(h[0][len("Bearer "):])
	return secret, secret != ""
}

// validToken asks the database whether secret is an active API token and
// remembers the answer yes under key.
func (o *opsChain) validToken(c echo.Context, secret string, key uint64, now time.Time) bool {
	if _, err := o.s.Store.TokenPrincipal(c.Request().Context(), auth.HashSecret(secret), now); err != nil {
		return false
	}
	o.validTokens.remember(key, now)
	return true
}

// tokenTrust is how long a token found valid spares the rate limit without
// another look-up: a revoked or expired token is throttled again after at
// most this long.
const tokenTrust = 5 * time.Second

// maxTrustedTokens bounds the memory of valid tokens.
const maxTrustedTokens = 10_000

// tokenCache remembers recently validated tokens until a deadline. It keeps
// no secret: the key is a hash of the token under a random seed of this
// process (a stranger's token that met a valid one's key would only escape
// the rate limit, never gain access).
type tokenCache struct {
	seed  maphash.Seed
	mu    sync.RWMutex
	until map[uint64]time.Time
}

func newTokenCache() *tokenCache {
	return &tokenCache{seed: maphash.MakeSeed(), until: map[uint64]time.Time{}}
}

func (t *tokenCache) trusted(key uint64, now time.Time) bool {
	t.mu.RLock()
	until, ok := t.until[key]
	t.mu.RUnlock()
	return ok && now.Before(until)
}

func (t *tokenCache) remember(key uint64, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.until) >= maxTrustedTokens {
		for k, until := range t.until {
			if !now.Before(until) {
				delete(t.until, k)
			}
		}
		if len(t.until) >= maxTrustedTokens {
			clear(t.until)
		}
	}
	t.until[key] = now.Add(tokenTrust)
}

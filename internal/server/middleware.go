package server

import (
	"context"
	"crypto/rand"
	"efa-register/internal/httpx"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"efa-register/internal/i18n"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Ops configures the operational middleware that wraps every request:
// request ids and access logs, metrics, security headers, the body size
// limit, the per-client rate limit and the concurrency limit.
type Ops struct {
	// TrustedProxies are the networks of reverse proxies whose
	// X-Forwarded-For header is believed. From any other peer the header is
	// ignored, so a client cannot choose the address it is rate limited by.
	TrustedProxies []netip.Prefix
	// MaxBodyBytes is the largest request body accepted (default 2 MiB).
	MaxBodyBytes int64
	// HSTS sends Strict-Transport-Security; only set it when the register is
	// reached over HTTPS.
	HSTS bool
	// RateLimit is the sustained number of requests per second one client
	// may make; 0 switches rate limiting off.
	RateLimit float64
	// RateBurst is how many requests a client may make at once (default
	// 4 × RateLimit, at least 20).
	RateBurst int
	// TokenRateLimit is the sustained number of requests per second one
	// valid API token may make, in a budget of its own (default 10 ×
	// RateLimit); negative switches the token limit off. TokenRateBurst is
	// its burst (default 4 × TokenRateLimit).
	TokenRateLimit float64
	TokenRateBurst int
	// MaxIndexLag is how far the search index may trail the database while
	// /readyz still answers 200: at most MaxIndexLagEvents events (default
	// 1,000) and MaxIndexLagAge behind the oldest event not yet applied
	// (default 5 s). A few parallel writes must not take an instance out of
	// its load balancer; an index that stopped following must.
	MaxIndexLagEvents uint64
	MaxIndexLagAge    time.Duration
	// MaxInFlight is how many requests are served at the same time (default
	// 64); further ones wait up to QueueWait and are then answered with 503.
	MaxInFlight int
	// QueueWait is how long a request waits for a free slot (default 100 ms).
	QueueWait time.Duration
	// MetricsToken, when set, is the bearer token /metrics asks for;
	// without it /metrics answers only requests from a loopback address
	// that came through no proxy.
	MetricsToken string
	// ExportSlots is how many exports (the JSON export, the CSV and XLSX
	// tables) are streamed at the same time (default 2); one more is
	// answered 429 with Retry-After.
	ExportSlots int
}

// Default values of Ops.
const (
	DefaultMaxBodyBytes = 2 << 20
	DefaultMaxInFlight  = 64
	DefaultQueueWait    = 100 * time.Millisecond

	DefaultMaxIndexLagEvents = 1000
	DefaultMaxIndexLagAge    = 5 * time.Second
)

func (o Ops) withDefaults() Ops {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.QueueWait <= 0 {
		o.QueueWait = DefaultQueueWait
	}
	if o.RateLimit > 0 && o.RateBurst <= 0 {
		o.RateBurst = max(20, int(4*o.RateLimit))
	}
	if o.TokenRateLimit == 0 {
		o.TokenRateLimit = 10 * o.RateLimit
	}
	if o.TokenRateLimit > 0 && o.TokenRateBurst <= 0 {
		o.TokenRateBurst = max(20, int(4*o.TokenRateLimit))
	}
	if o.MaxIndexLagEvents == 0 {
		o.MaxIndexLagEvents = DefaultMaxIndexLagEvents
	}
	if o.MaxIndexLagAge <= 0 {
		o.MaxIndexLagAge = DefaultMaxIndexLagAge
	}
	return o
}

// ContentSecurityPolicy is sent with every response. It allows no inline
// script or style and nothing from other hosts; data: images are needed by
// the KERN-UX stylesheet, which draws its icons as data: SVGs.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// useOps registers the operational middleware. It runs before routing (Pre),
// so redirects, 404s and static files get the same headers, limits and logs.
//
// It is one middleware, not a chain: Echo applies middleware anew on every
// request (a closure per middleware and request), and the 304 path of the
// API, which a portal polls, should cost little more than a bare handler.
// The steps, outermost first: HEAD is served as GET (before the request is
// copied); request id, metrics and access log (so errors are rendered and
// the status is known); security headers; the concurrency limit; the
// per-client rate limit; the body size limit; panics become 500 answers;
// a path with a trailing slash is redirected to the one without.
func (s *server) useOps(e *echo.Echo) {
	e.IPExtractor = clientIPExtractor(s.Ops.TrustedProxies)
	ops := s.newOpsChain()
	ops.router = e.Router()
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { return ops.serve(c, next) }
	})
}

// earlyLang returns the request's context with a first choice of the
// reader's language (a page's cookie, else Accept-Language), so refusals
// before routing (rate limit, overload, body size) speak it; the language
// middleware decides again for routed requests.
func earlyLang(r *http.Request) context.Context {
	return i18n.WithLang(r.Context(), readerLang(r, ""))
}

// opsChain holds what the operational middleware needs, resolved once.
type opsChain struct {
	s        *server
	security []headerField // about content
	hsts     bool
	inFlight chan struct{}
	wait     time.Duration
	limiter  *limiters[netip.Addr] // nil when rate limiting is off
	// tokenLimiter is the budget per valid API token (nil: none).
	tokenLimiter *limiters[uint64]
	// probes is the small budget of /healthz, /readyz and /metrics, apart
	// from the limits of the pages so that probes answer under overload.
	probes *limiters[netip.Addr]
	// router finds the route of a request refused before routing, for its
	// metrics and log label.
	router *echo.Router
	// validTokens spares token holders a database look-up per request.
	validTokens *tokenCache
	// trailingSlash redirects /pfad/ to /pfad (301), applied only to such paths.
	trailingSlash echo.MiddlewareFunc
}

func (s *server) newOpsChain() *opsChain {
	o := &opsChain{s: s, security: securityHeaderFields(), hsts: s.Ops.HSTS, inFlight: make(chan struct{}, s.Ops.MaxInFlight), wait: s.Ops.QueueWait,
		validTokens:   newTokenCache(),
		trailingSlash: middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently})}
	if s.Ops.RateLimit > 0 {
		o.limiter = newLimiters[netip.Addr](s.Ops.RateLimit, s.Ops.RateBurst)
	}
	if s.Ops.RateLimit > 0 && s.Ops.TokenRateLimit > 0 {
		o.tokenLimiter = newLimiters[uint64](s.Ops.TokenRateLimit, s.Ops.TokenRateBurst)
	}
	o.probes = newLimiters[netip.Addr](probeRate, probeBurst)
	s.metrics.inFlight.Store(&o.inFlight)
	return o
}

// serve runs one request through the operational steps and then next.
func (o *opsChain) serve(c echo.Context, next echo.HandlerFunc) error {
	httpx.ServeHeadAsGet(c)
	start := time.Now()
	req, res := c.Request(), c.Response()
	var id string
	if h := req.Header[hdrXRequestID]; len(h) > 0 {
		id = requestID(h[0])
	} else {
		id = newRequestID()
	}
	ctx, idHeader := httpx.WithRequest(earlyLang(req), id, start)
	res.Header()[hdrXRequestID] = idHeader
	c.SetRequest(req.WithContext(ctx))

	if err := o.guard(c, next, start); err != nil {
		if c.Path() == "" {
			// Refused before routing (a limit): label it with its route all the same.
			o.router.Find(req.Method, echo.GetPath(req), c)
		}
		c.Error(err)
	}
	if !res.Committed {
		// Nothing was written (net/http sends an empty 200): the security
		// headers a conditional request has not got yet must still go out.
		o.securityUnlessNotModified(res)
	}
	o.s.finish(c, req, ctx, start)
	return nil
}

// guard sets the security headers and applies the limits before next; now
// is when the request arrived.
func (o *opsChain) guard(c echo.Context, next echo.HandlerFunc, now time.Time) (err error) {
	req := c.Request()
	if o.hsts {
		c.Response().Header()[hstsField.key] = hstsField.value
	}
	if conditional(req) {
		// It may be answered 304, which carries none of the security
		// headers about content (see securityUnlessNotModified); the status
		// is known only when the answer is written.
		res := c.Response()
		res.Before(func() { o.securityUnlessNotModified(res) })
	} else {
		setHeaderFields(c.Response().Header(), o.security)
	}
	if q := req.URL.RawQuery; q != "" && strings.ContainsAny(q, ";%") {
		if err := checkQuery(q); err != nil {
			return err
		}
	}
	path := req.URL.Path
	if quietPath(path) {
		if err := o.checkProbe(c, now); err != nil {
			return err
		}
	} else {
		if ok, err := o.acquire(c); !ok {
			return err
		}
		defer func() { <-o.inFlight }()
		if err := o.checkRate(c, path, now); err != nil {
			return err
		}
	}
	defer func() {
		if r := recover(); r != nil {
			err = o.recovered(c, r)
		}
	}()
	if len(path) > 1 && path[len(path)-1] == '/' {
		next = o.trailingSlash(next)
	}
	return o.s.limitBody(c, next)
}

// recovered turns a panic of a handler into an error answered with 500,
// logged with its stack. http.ErrAbortHandler keeps its meaning (abort the
// answer without a log).
func (o *opsChain) recovered(c echo.Context, r any) error {
	if r == http.ErrAbortHandler {
		panic(r)
	}
	err, ok := r.(error)
	if !ok {
		err = fmt.Errorf("%v", r)
	}
	stack := make([]byte, 16<<10)
	stack = stack[:runtime.Stack(stack, false)]
	o.s.Log.ErrorContext(c.Request().Context(), "panic in handler", "err", err, "stack", string(stack))
	return fmt.Errorf("panic: %w", err)
}

// conditional reports whether r may be answered 304 Not Modified.
func conditional(r *http.Request) bool {
	return len(r.Header["If-None-Match"]) > 0 || len(r.Header["If-Modified-Since"]) > 0
}

// securityUnlessNotModified adds the security headers (those a handler has
// not set itself) unless the answer is 304 Not Modified. A 304 has no
// content: the client goes on using its stored answer, and the header
// fields of that stored answer, the security headers among them, stay in
// force (RFC 9111 4.3.4 replaces only the fields the 304 carries). RFC 9110
// 15.4.5 asks a 304 to carry little beyond the validators, Cache-Control
// and Vary. Every field costs on the path the portal polls.
func (o *opsChain) securityUnlessNotModified(res *echo.Response) {
	if res.Status == http.StatusNotModified {
		return
	}
	h := res.Header()
	for _, f := range o.security {
		if _, set := h[f.key]; !set {
			h[f.key] = f.value
		}
	}
}

// validRequestID reports whether an incoming X-Request-ID is kept: 1 to 64
// of A-Z, a-z, 0-9 and ._:- (FuzzRequestID holds it to that pattern).
func validRequestID(h string) bool {
	if len(h) == 0 || len(h) > 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		switch b := h[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '.', b == '_', b == ':', b == '-':
		default:
			return false
		}
	}
	return true
}

// requestID takes the caller's X-Request-ID when it is a plain token (so a
// proxy's id carries through) and makes a new one otherwise; anything else
// could smuggle line breaks or secrets into the logs.
func requestID(h string) string {
	if validRequestID(h) {
		return h
	}
	return newRequestID()
}

// Request ids are 24 hex digits: 32 random bits chosen at start, so the ids
// of two processes (or of a restart) do not meet, then a counter passed
// through a keyed bijection of 64 bits, so the ids of one process never
// repeat yet do not reveal how many requests it served. That costs a few
// nanoseconds, where reading 96 random bits from the kernel per request cost
// far more on the path a polling portal takes.
var (
	idPrefix  [8]byte
	idKey     [2]uint64
	idCounter atomic.Uint64
)

func init() {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	hex.Encode(idPrefix[:], b[:4])
	idKey[0], idKey[1] = binary.LittleEndian.Uint64(b[4:]), binary.LittleEndian.Uint64(b[12:])
}

// idBlock is a range of counter values [next, end) that one goroutine at a
// time draws ids from: the shared counter is touched once per idBlockSize
// ids, not on every request by every core.
type idBlock struct{ next, end uint64 }

const idBlockSize = 256

var idBlocks = sync.Pool{New: func() any { return new(idBlock) }}

// nextIDCounter returns a counter value no other call returns.
func nextIDCounter() uint64 {
	b := idBlocks.Get().(*idBlock)
	if b.next == b.end {
		b.end = idCounter.Add(idBlockSize)
		b.next = b.end - idBlockSize
	}
	n := b.next
	b.next++
	idBlocks.Put(b)
	return n
}

// newRequestID returns a fresh request id.
func newRequestID() string {
	x := nextIDCounter() + idKey[0]
	// The finaliser of splitmix64: xor-shifts and odd multiplications are
	// invertible, so distinct counters give distinct ids.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	x ^= idKey[1]
	var b [24]byte
	copy(b[:8], idPrefix[:])
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], x)
	hex.Encode(b[8:], n[:])
	return string(b[:])
}

// quietPath reports the paths logged at debug level: probes and scrapes
// every few seconds.
func quietPath(p string) bool { return p == "/healthz" || p == "/readyz" || p == "/metrics" }

// finish records metrics and writes the access log of a served request; req
// is the request as it arrived, ctx carries its id.
func (s *server) finish(c echo.Context, req *http.Request, ctx context.Context, start time.Time) {
	res := c.Response()
	route := routeLabel(c)
	elapsed := time.Since(start)
	s.metrics.observe(req.Method, route, res.Status, elapsed)

	level := slog.LevelInfo
	if quietPath(req.URL.Path) {
		level = slog.LevelDebug
	}
	if !s.Log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("route", route),
		slog.String("path", logPath(c)),
		slog.Int("status", res.Status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.Int64("bytes", res.Size),
		slog.String("client", c.RealIP()),
	}
	if q := redactQuery(req.URL.RawQuery); q != "" {
		attrs = append(attrs, slog.String("query", q))
	}
	if ua := req.UserAgent(); ua != "" {
		attrs = append(attrs, slog.String("user_agent", truncate(ua, 200)))
	}
	s.Log.LogAttrs(ctx, level, "request", attrs...)
}

// routeLabel is the route template of the request (bounded cardinality for
// metrics); requests that matched no route share one label.
func routeLabel(c echo.Context) string {
	p := c.Path()
	if p == "" || c.Response().Status == http.StatusNotFound && (p == "/*" || strings.HasSuffix(p, "/*") && p != "/static/*") {
		return "unmatched"
	}
	return p
}

// logPath is the request path, or the route template when a path parameter
// carries a secret (an invitation or reset token in the URL).
func logPath(c echo.Context) string {
	for _, name := range c.ParamNames() {
		if sensitiveName(name) {
			return c.Path()
		}
	}
	return truncate(c.Request().URL.EscapedPath(), 500)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// sensitiveNames are parts of parameter, header and attribute names whose
// values are never logged.
var sensitiveNames = []string{"passw", "pwd", "token", "secret", "session", "cookie", "auth", "csrf", "apikey", "api_key", "signature", "credential"}

// sensitiveName reports whether a parameter or attribute called name may
// hold a password, token, session id or cookie.
func sensitiveName(name string) bool {
	n := strings.ToLower(name)
	if n == "sid" {
		return true
	}
	for _, s := range sensitiveNames {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// redacted replaces every secret value in logs.
const redacted = "[REDACTED]"

// redactQuery returns the query string with the values of sensitive
// parameters replaced, sorted by name, at most 1000 characters.
func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		// Unparsable: still strip what looks like a secret parameter.
		return "[unparsable query]"
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range vals[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			if sensitiveName(k) {
				b.WriteString(redacted)
			} else {
				b.WriteString(url.QueryEscape(v))
			}
		}
	}
	return truncate(b.String(), 1000)
}

// redactingHandler is a slog.Handler that replaces the values of sensitive
// attributes (by name) and of strings that carry credentials (by shape)
// before they reach the output, whoever logs them.
type redactingHandler struct{ next slog.Handler }

// RedactingHandler wraps h so that passwords, tokens, session ids, cookies
// and Authorization values never reach the log output.
func RedactingHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(redactingHandler); ok {
		return h
	}
	return redactingHandler{next: h}
}

func (h redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, redactString(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	if id := httpx.RequestID(ctx); id != "" {
		out.AddAttrs(slog.String("request_id", id))
	}
	return h.next.Handle(ctx, out)
}

func (h redactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = redactAttr(a)
	}
	return redactingHandler{next: h.next.WithAttrs(clean)}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{next: h.next.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	if sensitiveName(a.Key) {
		return slog.String(a.Key, redacted)
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, x := range g {
			clean[i] = redactAttr(x)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindString:
		return slog.String(a.Key, redactString(v.String()))
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, redactString(err.Error()))
		}
		if u, ok := v.Any().(*url.URL); ok && u != nil {
			c := *u
			c.RawQuery = redactQuery(u.RawQuery)
			c.User = nil
			return slog.String(a.Key, c.String())
		}
		if h, ok := v.Any().(http.Header); ok {
			return slog.Any(a.Key, redactHeader(h))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// reCredential matches credentials inside free text: HTTP auth schemes,
// cookies and key=value pairs with a sensitive key.
var reCredential = regexp.MustCompile(`\b(?:[Bb]earer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}|` +
	`(?i)\b([a-z_]*(?:passw|pwd|token|secret|session|cookie|csrf|apikey|api_key)[a-z_]*)\s*[=:]\s*("[^"]*"|[^\s&;,"]+)`)

func redactString(s string) string {
	if !reCredential.MatchString(s) {
		return s
	}
	return reCredential.ReplaceAllStringFunc(s, func(m string) string {
		if i := strings.IndexAny(m, "=: \t"); i > 0 {
			return m[:i+1] + redacted
		}
		return redacted
	})
}

// redactHeader returns a copy of h with the values of Authorization,
// Cookie, Set-Cookie and every other sensitive header replaced.
func redactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if sensitiveName(k) || strings.EqualFold(k, "Proxy-Authorization") {
			out[k] = []string{redacted}
			continue
		}
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// headerField is a response header with its value, made once: the key is
// in canonical form and the value slice is shared by every response, so
// setting it allocates nothing. Nobody may modify such a slice in place
// (Header.Set and Add replace or grow it, which is safe).
type headerField struct {
	key   string
	value []string
}

// hdrXRequestID is X-Request-ID in canonical form, for direct map access.
const hdrXRequestID = "X-Request-Id"

// securityHeaderFields are the security headers about content, sent with
// every response that has content (not with 304, see
// securityUnlessNotModified).
func securityHeaderFields() []headerField {
	return []headerField{
		{"Content-Security-Policy", []string{ContentSecurityPolicy}},
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Referrer-Policy", []string{"same-origin"}},
		{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
		{"Permissions-Policy", []string{"camera=(), microphone=(), geolocation=(), payment=()"}},
	}
}

// hstsField is Strict-Transport-Security, about the connection rather than
// the content: with Ops.HSTS it goes with every response, 304 included.
var hstsField = headerField{"Strict-Transport-Security", []string{"max-age=31536000; includeSubDomains"}}

func setHeaderFields(h http.Header, fields []headerField) {
	for _, f := range fields {
		h[f.key] = f.value
	}
}

// Probes and scrapes are served even under overload, so that they tell the
// truth and the operator can watch what is happening; they have a small
// budget of their own per client instead, and answer from cached state.
const (
	probeRate  = 5  // per second and client
	probeBurst = 20 // at once
)

func (o *opsChain) checkProbe(c echo.Context, now time.Time) error {
	a := ClientAddr(c.Request(), o.s.Ops.TrustedProxies)
	if wait := o.probes.reserve(rateKey(a), now); wait > 0 {
		return o.tooMany(c, "probe_limit", wait)
	}
	return nil
}

// checkQuery refuses a query string that the handlers would read only in
// part: Go drops pairs with ";" separators and bad escapes silently.
func checkQuery(q string) error {
	_, err := url.ParseQuery(q)
	switch {
	case err == nil:
		return nil
	case strings.Contains(err.Error(), "semicolon"):
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("server.query_semicolon"))
	default:
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("server.query_percent"))
	}
}

// acquire takes a slot of the concurrency limit; with ok the caller gives
// it back to o.inFlight. A request that finds no free slot within QueueWait
// is answered 503 at once instead of piling up until clients time out.
func (o *opsChain) acquire(c echo.Context) (ok bool, err error) {
	select {
	case o.inFlight <- struct{}{}:
		return true, nil
	default:
	}
	t := time.NewTimer(o.wait)
	defer t.Stop()
	select {
	case o.inFlight <- struct{}{}:
		return true, nil
	case <-t.C:
		o.s.metrics.rejected.WithLabelValues("overload").Inc()
		c.Response().Header().Set("Retry-After", "1")
		return false, echo.NewHTTPError(http.StatusServiceUnavailable, i18n.M("server.busy"))
	case <-c.Request().Context().Done():
		// The client gave up while waiting: nothing to log as a fault.
		return false, c.NoContent(http.StatusServiceUnavailable)
	}
}

// errBodyTooLarge is the answer to a body over the limit.
var errBodyTooLarge = echo.NewHTTPError(http.StatusRequestEntityTooLarge, i18n.M("server.too_large"))

// limitedBody is the request body behind http.MaxBytesReader; it remembers
// whether the limit was hit, so an error a handler made of it (a JSON or form
// parse error) is still answered with 413.
type limitedBody struct {
	io.ReadCloser
	hit bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.hit = true
	}
	return n, err
}

// Pitfall: behind Echo's BodyLimit a handler that turns the read error into its own (400 "JSON fehlerhaft") hides the 413.
// limitBody enforces MaxBodyBytes while the body is read: a declared
// Content-Length over the limit is refused before reading, a longer chunked
// body fails at the limit.
func (s *server) limitBody(c echo.Context, next echo.HandlerFunc) error {
	limit := s.Ops.MaxBodyBytes
	req := c.Request()
	if req.ContentLength > limit {
		s.metrics.rejected.WithLabelValues("body_too_large").Inc()
		return errBodyTooLarge
	}
	if req.Body == nil || req.Body == http.NoBody {
		return next(c)
	}
	lb := &limitedBody{ReadCloser: http.MaxBytesReader(c.Response().Writer, req.Body, limit)}
	req.Body = lb
	err := next(c)
	var mbe *http.MaxBytesError
	if lb.hit || err != nil && errors.As(err, &mbe) {
		s.metrics.rejected.WithLabelValues("body_too_large").Inc()
		if c.Response().Committed {
			return err
		}
		return errBodyTooLarge
	}
	return err
}

// retryAfter renders a wait as whole seconds for the Retry-After header.
func retryAfter(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	return fmt.Sprint(max(1, secs))
}

// initOps applies the defaults of Ops, makes every log line of the web layer
// pass the redaction and sets up the metrics.
func (s *server) initOps() {
	s.Ops = s.Ops.withDefaults()
	s.Log = slog.New(RedactingHandler(s.Log.Handler()))
	s.metrics = newMetrics(s)
}

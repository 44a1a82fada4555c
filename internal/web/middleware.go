package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
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
	// MaxInFlight is how many requests are served at the same time (default
	// 64); further ones wait up to QueueWait and are then answered with 503.
	MaxInFlight int
	// QueueWait is how long a request waits for a free slot (default 100 ms).
	QueueWait time.Duration
}

// Default values of Ops.
const (
	DefaultMaxBodyBytes = 2 << 20
	DefaultMaxInFlight  = 64
	DefaultQueueWait    = 100 * time.Millisecond
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
	return o
}

// ContentSecurityPolicy is sent with every response. It allows no inline
// script or style and nothing from other hosts; data: images are needed by
// the KERN-UX stylesheet, which draws its icons as data: SVGs.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// useOps registers the operational middleware. It runs before routing (Pre),
// so redirects, 404s and static files get the same headers, limits and logs.
func (s *server) useOps(e *echo.Echo) {
	e.IPExtractor = clientIPExtractor(s.Ops.TrustedProxies)
	e.Pre(s.observe, securityHeaders(s.Ops.HSTS), s.limitInFlight(), s.rateLimit(), s.limitBody)
}

type requestIDKey struct{}

// RequestID returns the id of the request ctx belongs to ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

var reRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// requestID takes the caller's X-Request-ID when it is a plain token (so a
// proxy's id carries through) and makes a new one otherwise; anything else
// could smuggle line breaks or secrets into the logs.
func requestID(h string) string {
	if reRequestID.MatchString(h) {
		return h
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// quietPaths are logged at debug level: probes and scrapes every few seconds.
var quietPaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// observe is the outermost middleware: it assigns the request id, renders
// errors (so the status is known), records metrics and writes the access log.
func (s *server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		id := requestID(req.Header.Get(echo.HeaderXRequestID))
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		ctx := context.WithValue(req.Context(), requestIDKey{}, id)
		c.SetRequest(req.WithContext(ctx))
		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()

		err := next(c)
		if err != nil {
			c.Error(err)
		}
		res := c.Response()
		route := routeLabel(c)
		elapsed := time.Since(start)
		s.metrics.observe(req.Method, route, res.Status, elapsed)

		level := slog.LevelInfo
		if quietPaths[req.URL.Path] {
			level = slog.LevelDebug
		}
		if !s.Log.Enabled(ctx, level) {
			return nil
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
		return nil
	}
}

// routeLabel is the route template of the request (bounded cardinality for
// metrics); requests that matched no route share one label.
func routeLabel(c echo.Context) string {
	p := c.Path()
	if p == "" || c.Response().Status == http.StatusNotFound && (p == "/*" || strings.HasSuffix(p, "/*") && p != "/static*") {
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
	if id := RequestID(ctx); id != "" {
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

// securityHeaders sets the security headers on every response.
func securityHeaders(hsts bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", ContentSecurityPolicy)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
			if hsts {
				h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			}
			return next(c)
		}
	}
}

// exemptFromLimits are served even under overload, so that probes tell the
// truth and the operator can watch what is happening.
func exemptFromLimits(path string) bool { return quietPaths[path] }

// limitInFlight bounds the requests served at once. A request that finds no
// free slot within QueueWait is answered 503 at once instead of piling up
// until clients time out.
func (s *server) limitInFlight() echo.MiddlewareFunc {
	sem := make(chan struct{}, s.Ops.MaxInFlight)
	wait := s.Ops.QueueWait
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if exemptFromLimits(c.Request().URL.Path) {
				return next(c)
			}
			select {
			case sem <- struct{}{}:
			default:
				t := time.NewTimer(wait)
				select {
				case sem <- struct{}{}:
					t.Stop()
				case <-t.C:
					s.metrics.rejected.WithLabelValues("overload").Inc()
					c.Response().Header().Set("Retry-After", "1")
					return echo.NewHTTPError(http.StatusServiceUnavailable, "Der Dienst ist gerade ausgelastet.")
				case <-c.Request().Context().Done():
					// The client gave up while waiting: nothing to log as a fault.
					t.Stop()
					return c.NoContent(http.StatusServiceUnavailable)
				}
			}
			defer func() { <-sem }()
			return next(c)
		}
	}
}

// errBodyTooLarge is the answer to a body over the limit.
var errBodyTooLarge = echo.NewHTTPError(http.StatusRequestEntityTooLarge, "Die Anfrage ist zu groß.")

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

// limitBody enforces MaxBodyBytes while the body is read: a declared
// Content-Length over the limit is refused before reading, a longer chunked
// body fails at the limit.
func (s *server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	limit := s.Ops.MaxBodyBytes
	return func(c echo.Context) error {
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

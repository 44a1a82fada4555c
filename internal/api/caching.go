package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"efa-register/internal/feed"
	"efa-register/internal/httpx"
	"efa-register/internal/store"
)

// HTTP caching of the JSON API and the feeds.
//
// Every answer carries a strong ETag (a hash of its bytes; the gzip variant
// has its own tag, as RFC 9110 requires for a different content coding),
// Last-Modified (the time of the newest change the answer reflects) and
// Cache-Control "public, no-cache": caches may keep it but must revalidate,
// which costs a 304 without a body. The feeds are built once per change of
// the register and kept with their gzip form. The export is too large to
// keep: it is streamed from the database (export.go), and its ETag names
// the head of the event log instead of hashing a body.
//
// Whether anything changed is known without asking the database on every
// request: the store counts each committed write of this process before
// the write returns (Store.Writes, one atomic load), and a request that
// finds the count changed reads the newest event sequence number (one
// prepared SELECT) before it answers, so an answer never predates a write
// that returned before the request began. Writes by another process (efa
// seed, efa webhook, an import) are not counted; they are noticed by
// reading the sequence number at least every headRecheck.

// Cache-Control values.
const (
	cacheRevalidate = "public, no-cache"
	cacheDocument   = "public, max-age=300"
)

// gzipMinSize is the smallest body worth compressing.
const gzipMinSize = 1024

// headRecheck bounds how long writes of other processes may go unnoticed.
const headRecheck = 500 * time.Millisecond

// apiState is what the API handlers share: the head of the event log and the caches.
type apiState struct {
	st         *store.Store
	now        func() time.Time
	headMu     sync.Mutex
	headOnce   sync.Once
	head       *store.HeadReader
	headErr    error
	stamp      atomic.Pointer[headStamp]
	exportTags atomic.Pointer[exportTags]
	catalogue  atomic.Pointer[exportCatalogue]
	jsonFeed   docCache
	atomFeed   docCache
	// states is /api/v1/states, rebuilt on the first request after a change.
	states    docCache
	openapiMu sync.Mutex
	openapi   *cachedBody
	// ahead holds change-feed pages read ahead for anonymous readers.
	ahead readAhead
}

// headStamp is the newest event and its time, as read at checked while the
// store's write count was gen.
type headStamp struct {
	seq     uint64
	at      time.Time
	gen     uint64
	checked time.Time
}

func newAPIState(st *store.Store) *apiState {
	return &apiState{st: st, now: time.Now}
}

// current returns the newest committed event sequence number and its time.
func (a *apiState) current(ctx context.Context) (uint64, time.Time, error) {
	gen, now := a.st.Writes(), httpx.RequestStart(ctx)
	if h := a.stamp.Load(); h != nil && h.gen == gen && now.Sub(h.checked) < headRecheck {
		return h.seq, h.at, nil
	}
	a.headMu.Lock()
	defer a.headMu.Unlock()
	if h := a.stamp.Load(); h != nil && h.gen == a.st.Writes() && now.Sub(h.checked) < headRecheck && !h.checked.Before(now) {
		return h.seq, h.at, nil
	}
	a.headOnce.Do(func() { a.head, a.headErr = a.st.NewHeadReader(context.Background()) })
	if a.headErr != nil {
		return 0, time.Time{}, a.headErr
	}
	// The write count is read before the database: a write counted while
	// we read makes the next request read again.
	gen = a.st.Writes()
	seq, err := a.head.Head(ctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	at := time.Time{}
	if h := a.stamp.Load(); h != nil && h.seq == seq {
		at = h.at
	} else if at, err = a.st.EventTime(ctx, seq); err != nil {
		return 0, time.Time{}, err
	}
	a.stamp.Store(&headStamp{seq: seq, at: at, gen: gen, checked: time.Now()})
	return seq, at, nil
}

// cachedBody is one encoded answer with its gzip form and validators.
type cachedBody struct {
	// head is the event sequence number the answer was built at; variant
	// distinguishes answers that also depend on something else (the base URL).
	head    uint64
	variant string
	// settled is false when the document's cursor is behind head (a gap in
	// the sequence was still open); such an answer is rebuilt soon.
	settled      bool
	builtAt      time.Time
	contentType  string
	body, gz     []byte
	etag, etagGz string
	lastModified time.Time
	// Header values made once, so answering costs no formatting: the 304
	// path is the one polled most.
	hdrETag, hdrETagGz, hdrLastModified, hdrType []string
	hdrLength, hdrLengthGz                       []string
	// file holds a large identity body for sendfile (Linux); nil otherwise.
	file *bodyFile
}

// newCachedBody compresses body and computes both validators.
func newCachedBody(contentType string, body []byte, lastModified time.Time) *cachedBody {
	cb := &cachedBody{contentType: contentType, body: body, lastModified: lastModified}
	cb.etag = etagOf(body)
	if len(body) >= gzipMinSize {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		zw.Write(body)
		zw.Close()
		cb.gz = buf.Bytes()
		cb.etagGz = strings.TrimSuffix(cb.etag, `"`) + `-gz"`
		cb.hdrETagGz, cb.hdrLengthGz = []string{cb.etagGz}, []string{strconv.Itoa(len(cb.gz))}
	}
	cb.hdrETag, cb.hdrLength, cb.hdrType = []string{cb.etag}, []string{strconv.Itoa(len(body))}, []string{contentType}
	cb.file = newBodyFile(body)
	if !lastModified.IsZero() {
		cb.hdrLastModified = []string{lastModified.UTC().Format(http.TimeFormat)}
	}
	return cb
}

// etagOf is the strong entity tag of body: 96 bits of its SHA-256.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// docCache keeps the newest build of one document.
type docCache struct {
	mu  sync.Mutex
	cur atomic.Pointer[cachedBody]
	// builds counts the builds, so tests can check "once per change".
	builds atomic.Int64
}

// unsettledReuse is how long a document built over an open sequence gap is reused.
const unsettledReuse = time.Second

// get returns the document for head (and variant), building it at most once
// per change: concurrent requests wait for the one build. The clock is read
// only for a document that is not settled (or a build), not per request.
func (d *docCache) get(head uint64, variant string, clock func() time.Time, build func() (*cachedBody, error)) (*cachedBody, error) {
	fresh := func(cb *cachedBody) bool {
		return cb != nil && cb.head == head && cb.variant == variant && (cb.settled || clock().Sub(cb.builtAt) < unsettledReuse)
	}
	if cb := d.cur.Load(); fresh(cb) {
		return cb, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if cb := d.cur.Load(); fresh(cb) {
		return cb, nil
	}
	d.builds.Add(1)
	builtAt := clock()
	cb, err := build()
	if err != nil {
		return nil, err
	}
	cb.head, cb.variant, cb.builtAt = head, variant, builtAt
	if old := d.cur.Swap(cb); old != nil && old != cb {
		old.file.retire()
	}
	return cb, nil
}

// acceptsGzip reports whether the request accepts the gzip content coding.
func acceptsGzip(r *http.Request) bool { return httpx.AcceptsGzip(r) }

// opaqueTag strips the weak prefix, the closing quote and the gzip suffix,
// so the identity and gzip variants of one state compare equal
// (If-None-Match uses weak comparison). It returns part of t: comparing tags
// allocates nothing.
func opaqueTag(t string) string {
	t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
	return strings.TrimSuffix(strings.TrimSuffix(t, `"`), "-gz")
}

// notModified evaluates If-None-Match, or else If-Modified-Since (RFC 9110 13.2.2).
func notModified(r *http.Request, etag string, lastModified time.Time) bool {
	if inm := firstValue(r.Header, "If-None-Match"); inm != "" {
		if inm == etag {
			return true
		}
		want := opaqueTag(etag)
		for t := range strings.SplitSeq(inm, ",") {
			if t = strings.TrimSpace(t); t == "*" || opaqueTag(t) == want {
				return true
			}
		}
		return false
	}
	if ims := firstValue(r.Header, "If-Modified-Since"); ims != "" && !lastModified.IsZero() {
		if t, err := http.ParseTime(ims); err == nil {
			return !lastModified.Truncate(time.Second).After(t)
		}
	}
	return false
}

// firstValue is h.Get(key) for a key in canonical form, without
// canonicalising it on every request.
func firstValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Canonical header keys, for direct map access.
const (
	hdrETag          = "Etag"
	hdrCacheControl  = "Cache-Control"
	hdrLastModified  = "Last-Modified"
	hdrVary          = "Vary"
	hdrContentType   = "Content-Type"
	hdrContentLength = "Content-Length"
	hdrContentEnc    = "Content-Encoding"
)

var (
	varyAcceptEncoding = []string{echo.HeaderAcceptEncoding}
	contentGzip        = []string{"gzip"}
	cacheHeaders       = map[string][]string{cacheRevalidate: {cacheRevalidate}, cacheDocument: {cacheDocument}}
)

// serveCached answers with a cached document: 304 when the client's copy is
// current, else the identity or gzip body. The header values are shared,
// never modified slices made when the document was built.
func serveCached(c echo.Context, cb *cachedBody, cacheControl string) error {
	h := c.Response().Header()
	gz := cb.gz != nil && acceptsGzip(c.Request())
	etag, hdrETagValue := cb.etag, cb.hdrETag
	if gz {
		etag, hdrETagValue = cb.etagGz, cb.hdrETagGz
	}
	addVary(h, echo.HeaderAcceptEncoding)
	h[hdrETag] = hdrETagValue
	if cc, ok := cacheHeaders[cacheControl]; ok {
		h[hdrCacheControl] = cc
	} else {
		h.Set(hdrCacheControl, cacheControl)
	}
	if cb.hdrLastModified != nil {
		h[hdrLastModified] = cb.hdrLastModified
	}
	if notModified(c.Request(), etag, cb.lastModified) {
		return c.NoContent(http.StatusNotModified)
	}
	body := cb.body
	h[hdrContentType] = cb.hdrType
	// A known length spares the chunked encoding of large documents.
	h[hdrContentLength] = cb.hdrLength
	if gz {
		h[hdrContentEnc] = contentGzip
		h[hdrContentLength] = cb.hdrLengthGz
		body = cb.gz
	}
	if httpx.IsHead(c) {
		// HEAD: the headers say it all; reading the body would be wasted.
		c.Response().WriteHeader(http.StatusOK)
		return nil
	}
	var f *os.File
	if !gz {
		f = cb.file.take()
	}
	if f != nil {
		// The net/http writer takes an *os.File with ReadFrom and sendfile(2).
		defer cb.file.put(f)
		res := c.Response()
		res.WriteHeader(http.StatusOK)
		defer cork(c.Request().Context())()
		n, err := io.Copy(res.Writer, f)
		res.Size += n
		return err
	}
	c.Response().WriteHeader(http.StatusOK)
	_, err := c.Response().Write(body)
	return err
}

// serveBytes answers with a freshly built body, with the same validators and
// gzip handling as the cached documents.
func serveBytes(c echo.Context, contentType string, body []byte, lastModified time.Time) error {
	h := c.Response().Header()
	etag := etagOf(body)
	gz := len(body) >= gzipMinSize && acceptsGzip(c.Request())
	if gz {
		etag = strings.TrimSuffix(etag, `"`) + `-gz"`
	}
	addVary(h, echo.HeaderAcceptEncoding)
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheRevalidate)
	if !lastModified.IsZero() {
		h.Set(echo.HeaderLastModified, lastModified.UTC().Format(http.TimeFormat))
	}
	if notModified(c.Request(), etag, lastModified) {
		return c.NoContent(http.StatusNotModified)
	}
	if !gz {
		h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
		return c.Blob(http.StatusOK, contentType, body)
	}
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(body)
	zw.Close()
	gzipWriters.Put(zw)
	h.Set(echo.HeaderContentEncoding, "gzip")
	h.Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}

// connKey is the request-context key of the client's connection.
type connKey struct{}

// ConnContext puts the connection into each request's context, so a large
// answer can tune its socket (TCP_CORK during sendfile). Set it as the
// http.Server's ConnContext.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return zw
}}

// mimeJSON is the content type of every JSON answer of the API.
const mimeJSON = "application/json"

var mimeJSONHeader = []string{mimeJSON}

// serveJSON encodes v and answers with caching validators; lastModified is
// the time of the newest change of the register.
func (s *API) serveJSON(c echo.Context, v any) error {
	_, at, err := s.api.current(c.Request().Context())
	if err != nil {
		return err
	}
	body, err := feed.Marshal(v)
	if err != nil {
		return err
	}
	return serveBytes(c, mimeJSON, body, at)
}

// CORS lets browser code on any origin read the API and the feeds. Only
// safe methods are offered: writes need a token and are not for browsers of
// other sites. Credentials are never included. Requests without Origin that
// are no preflight (machine clients such as the portal) take a short path
// with the same outcome as Echo's CORS middleware: Vary: Origin, nothing else.
func CORS() echo.MiddlewareFunc {
	full := middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:  []string{"*"},
		AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodOptions},
		AllowHeaders:  []string{"If-None-Match", "If-Modified-Since", echo.HeaderAuthorization},
		ExposeHeaders: []string{"ETag", echo.HeaderLastModified, "Link", "Retry-After", echo.HeaderXRequestID},
		MaxAge:        86400,
	})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !corsRequest(c.Request()) {
				addVary(c.Response().Header(), "Origin")
				return next(c)
			}
			return full(next)(c)
		}
	}
}

// Middleware is the middleware of the /api/v1 group: apiCORS, then
// apiErrors. It is one step, since Echo applies middleware per request.
func Middleware() echo.MiddlewareFunc {
	cors := CORS()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !corsRequest(c.Request()) {
				addVary(c.Response().Header(), "Origin")
				return paramProblem(c, next(c))
			}
			return cors(apiErrors(next))(c)
		}
	}
}

// corsRequest reports whether the CORS middleware has more to do than add
// Vary: Origin: a preflight, or a request of browser code that names its origin.
func corsRequest(r *http.Request) bool {
	return r.Method == http.MethodOptions || len(r.Header["Origin"]) > 0
}

// Vary values made once (see headerField for the sharing rule).
var (
	varyOrigin               = []string{"Origin"}
	varyOriginAcceptEncoding = []string{"Origin, Accept-Encoding"}
)

// addVary adds a field name to Vary without dropping the ones already
// there (CORS varies on Origin, the API documents on Accept-Encoding), and
// without allocating in the common cases.
func addVary(h http.Header, name string) {
	v := h[hdrVary]
	switch {
	case len(v) == 0 && name == "Origin":
		h[hdrVary] = varyOrigin
	case len(v) == 0 && name == echo.HeaderAcceptEncoding:
		h[hdrVary] = varyAcceptEncoding
	case len(v) == 1 && v[0] == "Origin" && name == echo.HeaderAcceptEncoding:
		h[hdrVary] = varyOriginAcceptEncoding
	default:
		for _, line := range v {
			for have := range strings.SplitSeq(line, ",") {
				if strings.EqualFold(strings.TrimSpace(have), name) {
					return
				}
			}
		}
		h[hdrVary] = append(v[:len(v):len(v)], name)
	}
}

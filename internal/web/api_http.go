package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"efa-register/internal/feed"
	"efa-register/internal/store"
)

// HTTP caching of the JSON API and the feeds.
//
// Every answer carries a strong ETag (a hash of its bytes; the gzip variant
// has its own tag, as RFC 9110 requires for a different content coding),
// Last-Modified (the time of the newest change the answer reflects) and
// Cache-Control "public, no-cache": caches may keep it but must revalidate,
// which costs a 304 without a body. The export and the feeds are built once
// per change of the register and kept with their gzip form; the cheap
// question "did anything change?" is one prepared SELECT of the newest event
// sequence number (about 2 µs), asked on every request, so an answer is never
// staler than the last committed write, also when another process wrote.

// Cache-Control values.
const (
	cacheRevalidate = "public, no-cache"
	cacheDocument   = "public, max-age=300"
)

// gzipMinSize is the smallest body worth compressing.
const gzipMinSize = 1024

// apiState is what the API handlers share: the head reader and the caches.
type apiState struct {
	st        *store.Store
	now       func() time.Time
	headOnce  sync.Once
	head      *store.HeadReader
	headErr   error
	headTime  atomic.Pointer[headStamp]
	export    docCache
	jsonFeed  docCache
	atomFeed  docCache
	openapiMu sync.Mutex
	openapi   *cachedBody
}

// headStamp is the newest event and its time.
type headStamp struct {
	seq uint64
	at  time.Time
}

func newAPIState(st *store.Store) *apiState {
	return &apiState{st: st, now: time.Now}
}

// current returns the newest committed event sequence number and its time.
func (a *apiState) current(ctx context.Context) (uint64, time.Time, error) {
	a.headOnce.Do(func() { a.head, a.headErr = a.st.NewHeadReader(context.Background()) })
	if a.headErr != nil {
		return 0, time.Time{}, a.headErr
	}
	seq, err := a.head.Head(ctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	if h := a.headTime.Load(); h != nil && h.seq == seq {
		return seq, h.at, nil
	}
	at, err := a.st.EventTime(ctx, seq)
	if err != nil {
		return 0, time.Time{}, err
	}
	a.headTime.Store(&headStamp{seq: seq, at: at})
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
}

// newCachedBody compresses body and computes both validators.
func newCachedBody(contentType string, body []byte, lastModified time.Time) *cachedBody {
	cb := &cachedBody{contentType: contentType, body: body, lastModified: lastModified}
	cb.etag = etagOf(body)
	if len(body) >= gzipMinSize {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		cb.gz = buf.Bytes()
		cb.etagGz = strings.TrimSuffix(cb.etag, `"`) + `-gz"`
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
// per change: concurrent requests wait for the one build.
func (d *docCache) get(head uint64, variant string, now time.Time, build func() (*cachedBody, error)) (*cachedBody, error) {
	fresh := func(cb *cachedBody) bool {
		return cb != nil && cb.head == head && cb.variant == variant && (cb.settled || now.Sub(cb.builtAt) < unsettledReuse)
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
	cb, err := build()
	if err != nil {
		return nil, err
	}
	cb.head, cb.variant, cb.builtAt = head, variant, now
	d.cur.Store(cb)
	return cb, nil
}

// acceptsGzip reports whether the request accepts the gzip content coding.
func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get(echo.HeaderAcceptEncoding), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		if q, ok := strings.CutPrefix(strings.ReplaceAll(strings.TrimSpace(params), " ", ""), "q="); ok {
			if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
				continue
			}
		}
		return true
	}
	return false
}

// opaqueTag strips the weak prefix and the gzip suffix, so the identity and
// gzip variants of one state compare equal (If-None-Match uses weak comparison).
func opaqueTag(t string) string {
	t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
	return strings.TrimSuffix(strings.TrimSuffix(t, `"`), "-gz") + `"`
}

// notModified evaluates If-None-Match, or else If-Modified-Since (RFC 9110 13.2.2).
func notModified(r *http.Request, etag string, lastModified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		want := opaqueTag(etag)
		for t := range strings.SplitSeq(inm, ",") {
			if t = strings.TrimSpace(t); t == "*" || opaqueTag(t) == want {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !lastModified.IsZero() {
		if t, err := http.ParseTime(ims); err == nil {
			return !lastModified.Truncate(time.Second).After(t)
		}
	}
	return false
}

// serveCached answers with a cached document: 304 when the client's copy is
// current, else the identity or gzip body.
func serveCached(c echo.Context, cb *cachedBody, cacheControl string) error {
	h := c.Response().Header()
	gz := cb.gz != nil && acceptsGzip(c.Request())
	etag := cb.etag
	if gz {
		etag = cb.etagGz
	}
	h.Set(echo.HeaderVary, echo.HeaderAcceptEncoding)
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl)
	if !cb.lastModified.IsZero() {
		h.Set(echo.HeaderLastModified, cb.lastModified.UTC().Format(http.TimeFormat))
	}
	if notModified(c.Request(), etag, cb.lastModified) {
		return c.NoContent(http.StatusNotModified)
	}
	if gz {
		h.Set(echo.HeaderContentEncoding, "gzip")
		return c.Blob(http.StatusOK, cb.contentType, cb.gz)
	}
	return c.Blob(http.StatusOK, cb.contentType, cb.body)
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
	h.Set(echo.HeaderVary, echo.HeaderAcceptEncoding)
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheRevalidate)
	if !lastModified.IsZero() {
		h.Set(echo.HeaderLastModified, lastModified.UTC().Format(http.TimeFormat))
	}
	if notModified(c.Request(), etag, lastModified) {
		return c.NoContent(http.StatusNotModified)
	}
	if !gz {
		return c.Blob(http.StatusOK, contentType, body)
	}
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(body)
	zw.Close()
	gzipWriters.Put(zw)
	h.Set(echo.HeaderContentEncoding, "gzip")
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return zw
}}

// mimeJSON is the content type of every JSON answer of the API.
const mimeJSON = "application/json"

// serveJSON encodes v and answers with caching validators; lastModified is
// the time of the newest change of the register.
func (s *server) serveJSON(c echo.Context, v any) error {
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

// apiCORS lets browser code on any origin read the API and the feeds. Only
// safe methods are offered: writes need a token and are not for browsers of
// other sites. Credentials are never included.
func apiCORS() echo.MiddlewareFunc {
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:  []string{"*"},
		AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodOptions},
		AllowHeaders:  []string{"If-None-Match", "If-Modified-Since", echo.HeaderAuthorization},
		ExposeHeaders: []string{"ETag", echo.HeaderLastModified, "Link", "Retry-After", echo.HeaderXRequestID},
		MaxAge:        86400,
	})
}

package httpx

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
)

// Streamed answers: large documents (the exports) are written while they are
// read from the database, never built in memory first.

// streamWriteWindow is how long a streamed answer may stall before the
// connection's write deadline cuts it. Each write pushes the deadline
// forward, so a download that keeps moving outlives the server's
// WriteTimeout, and a client that stops reading does not hold the export
// slot for ever.
const streamWriteWindow = 60 * time.Second

// AcceptsGzip reports whether the request accepts the gzip content coding.
func AcceptsGzip(r *http.Request) bool {
	ae := r.Header[echo.HeaderAcceptEncoding]
	if len(ae) == 0 {
		return false
	}
	for part := range strings.SplitSeq(strings.Join(ae, ","), ",") {
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

// Stream sends the status line and headers of a 200 answer of contentType
// (gzip-coded when gz is true; the caller decides, as its validators depend
// on it) and returns the buffered writer for the body and the function that
// finishes the body. Set every other header before.
func Stream(c echo.Context, contentType string, gz bool) (w *bufio.Writer, finish func() error) {
	res := c.Response()
	h := res.Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Del(echo.HeaderContentLength)
	if gz {
		h.Set(echo.HeaderContentEncoding, "gzip")
	}
	res.WriteHeader(http.StatusOK)
	dw := &deadlineWriter{w: res, rc: http.NewResponseController(res.Writer)}
	var out io.Writer = dw
	var zw *gzip.Writer
	if gz {
		zw, _ = gzip.NewWriterLevel(dw, gzip.DefaultCompression)
		out = zw
	}
	w = bufio.NewWriterSize(out, 64<<10)
	return w, func() error {
		if err := w.Flush(); err != nil {
			return err
		}
		if zw != nil {
			return zw.Close()
		}
		return nil
	}
}

// deadlineWriter pushes the connection's write deadline forward while a
// streamed answer is written (at most once a second).
type deadlineWriter struct {
	w    io.Writer
	rc   *http.ResponseController
	next time.Time
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	if now := time.Now(); now.After(d.next) {
		// Not every writer supports deadlines (a test recorder): then the
		// server's own timeout stays.
		_ = d.rc.SetWriteDeadline(now.Add(streamWriteWindow))
		d.next = now.Add(time.Second)
	}
	return d.w.Write(p)
}

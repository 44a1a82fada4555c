package httpx

import (
	"context"
	"time"
)

type requestInfoKey struct{}

// requestInfo is the context of a request below the operational
// middleware: the parent context with the request id and the time the
// request arrived. It is one allocation where context.WithValue, the
// boxed id and the header value took three; id doubles as the
// X-Request-ID header value (one element, never modified).
type requestInfo struct {
	context.Context
	id    [1]string
	start time.Time
}

// Value answers requestInfoKey with the requestInfo and asks the parent
// for every other key.
func (ri *requestInfo) Value(key any) any {
	if key == (requestInfoKey{}) {
		return ri
	}
	return ri.Context.Value(key)
}

// WithRequest returns the context of a request with id that arrived at
// start, and the one-element header value of its id (shared, never modified).
func WithRequest(parent context.Context, id string, start time.Time) (context.Context, []string) {
	ri := &requestInfo{Context: parent, start: start}
	ri.id[0] = id
	return ri, ri.id[:]
}

// RequestID returns the id of the request ctx belongs to ("" outside a request).
func RequestID(ctx context.Context) string {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return ri.id[0]
	}
	return ""
}

// RequestStart returns when the request of ctx arrived, or now outside a
// request: the arrival is as good as the present for deciding whether a
// cached answer is fresh, and it was read already.
func RequestStart(ctx context.Context) time.Time {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return ri.start
	}
	return time.Now()
}

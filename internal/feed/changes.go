package feed

import (
	"sync"
	"time"

	"github.com/segmentio/encoding/json"
)

// The types of change records.
const (
	ChangeCreated = "created"
	ChangeUpdated = "updated"
	ChangeDeleted = "deleted"
)

// Change is one record of the change feed. Created and updated records carry
// the full current object (the same form as in the export); a deleted record
// is a tombstone with the identifier only. Records describe the entity as it
// is when the page is read: an entity deleted since appears as a tombstone,
// so applying records in order (upsert for created/updated, remove for
// deleted) always converges on the current state.
type Change struct {
	// Cursor is the position of the change; every record of one change shares it.
	Cursor string `json:"cursor"`
	Type   string `json:"type"`
	// Event names what happened, "<entity>.<type>" (solution.created,
	// adoption.deleted, ...), for advisories advisory.published (the first
	// publication) or advisory.updated (every later revision).
	Event  string    `json:"event"`
	Entity string    `json:"entity"`
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	// Object is a Solution, Adoption, Service, TopicField, LifeSituation or Advisory; absent for deleted.
	Object any `json:"object,omitempty"`
}

// ChangePage is one answer of the change feed.
type ChangePage struct {
	Changes []Change `json:"changes"`
	// Next is the cursor to ask with next time; it equals the request's cursor when nothing is new.
	Next string `json:"next"`
	// More says whether further changes are ready now (the page was cut at the limit).
	More bool `json:"more"`
}

// EncodeChangePage writes a page of the change feed.
func EncodeChangePage(p ChangePage) ([]byte, error) {
	if p.Changes == nil {
		p.Changes = []Change{}
	}
	for i := range p.Changes {
		p.Changes[i].At = p.Changes[i].At.UTC()
	}
	// An adoption record is about 750 bytes: one buffer for most pages, taken
	// from the pages written before.
	size := 64 + 800*len(p.Changes)
	b := jsonBuffer{}
	if held, ok := pageBuffers.Get().(*[]byte); ok && cap(*held) >= size {
		b.data = (*held)[:0]
	} else {
		b.data = make([]byte, 0, size)
	}
	if err := encode(&b, p); err != nil {
		return nil, err
	}
	return b.data, nil
}

// pageBuffers keeps the buffers of change-feed pages that were written, for
// the next pages: a full sync encodes a thousand pages of about 0.8 MB, a
// fifth of everything the server allocates for it.
var pageBuffers sync.Pool

// ReleaseChangePage hands the buffer of a page from EncodeChangePage back
// for reuse. Call it only once the page is written and nothing refers to
// it any more. Buffers above 4 MB are left to the collector.
func ReleaseChangePage(page []byte) {
	if cap(page) <= 4<<20 {
		pageBuffers.Put(&page)
	}
}

// marshal is json.Marshal without HTML escaping and with a final newline.
func marshal(v any) ([]byte, error) { return marshalSized(v, 0) }

// marshalSized is marshal into a buffer of the expected size.
func marshalSized(v any, size int) ([]byte, error) {
	b := jsonBuffer{data: make([]byte, 0, size)}
	if err := encode(&b, v); err != nil {
		return nil, err
	}
	return b.data, nil
}

// encode appends v to b without HTML escaping and with a final newline.
func encode(b *jsonBuffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

type jsonBuffer struct{ data []byte }

func (b *jsonBuffer) Write(p []byte) (int, error) { b.data = append(b.data, p...); return len(p), nil }

// Marshal encodes any API document the way the feed documents are encoded
// (no HTML escaping, final newline), so every JSON answer looks alike.
func Marshal(v any) ([]byte, error) { return marshal(v) }

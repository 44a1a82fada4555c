package feed

import (
	"github.com/segmentio/encoding/json"
	"time"
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
	// An adoption record is about 750 bytes: one allocation for most pages.
	return marshalSized(p, 64+800*len(p.Changes))
}

// marshal is json.Marshal without HTML escaping and with a final newline.
func marshal(v any) ([]byte, error) { return marshalSized(v, 0) }

// marshalSized is marshal into a buffer of the expected size.
func marshalSized(v any, size int) ([]byte, error) {
	b := jsonBuffer{data: make([]byte, 0, size)}
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.data, nil
}

type jsonBuffer struct{ data []byte }

func (b *jsonBuffer) Write(p []byte) (int, error) { b.data = append(b.data, p...); return len(p), nil }

// Marshal encodes any API document the way the feed documents are encoded
// (no HTML escaping, final newline), so every JSON answer looks alike.
func Marshal(v any) ([]byte, error) { return marshal(v) }

package httpx

import "sync"

// SeqCache memoises values derived from the data at one version: the
// store's last event sequence or the search index's applied sequence. A new
// version empties it, so it never serves figures older than the data it
// was asked about. Two requests that miss at once both compute; that costs
// time, never correctness.
type SeqCache struct {
	mu      sync.Mutex
	seq     uint64
	entries map[string]any
	max     int
}

// NewSeqCache returns a cache of at most max entries.
func NewSeqCache(max int) *SeqCache { return &SeqCache{entries: map[string]any{}, max: max} }

// Get returns the value for key at version seq.
func (c *SeqCache) Get(seq uint64, key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq != c.seq {
		return nil, false
	}
	v, ok := c.entries[key]
	return v, ok
}

// Put stores the value for key at version seq; a newer seq empties the cache.
func (c *SeqCache) Put(seq uint64, key string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq < c.seq {
		return
	}
	if seq > c.seq || len(c.entries) >= c.max {
		c.seq, c.entries = seq, map[string]any{}
	}
	c.entries[key] = v
}

// Cached returns the value for key at data version seq, computing it on a miss.
func Cached[T any](c *SeqCache, seq uint64, key string, compute func() (T, error)) (T, error) {
	if v, ok := c.Get(seq, key); ok {
		return v.(T), nil
	}
	v, err := compute()
	if err == nil {
		c.Put(seq, key, v)
	}
	return v, err
}

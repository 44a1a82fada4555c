package search

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode"

	"efa-register/internal/store"
)

// maxPendingZero bounds the distinct queries kept between two flushes, so a
// flood of random queries cannot grow memory without limit.
const maxPendingZero = 10000

// zeroCounter collects queries that found nothing, per normalised query and
// UTC day, and hands them to the store in batches: a search never waits for a
// database write.
type zeroCounter struct {
	mu      sync.Mutex
	pending map[store.ZeroResultKey]int64
	dropped int64
	now     func() time.Time
}

func (z *zeroCounter) note(query string) {
	q := normaliseQuery(query)
	if q == "" || looksPersonal(q) {
		return
	}
	now := time.Now
	if z.now != nil {
		now = z.now
	}
	k := store.ZeroResultKey{Day: now().UTC().Format("2006-01-02"), Query: q}
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.pending == nil {
		z.pending = map[store.ZeroResultKey]int64{}
	}
	if _, ok := z.pending[k]; !ok && len(z.pending) >= maxPendingZero {
		z.dropped++
		return
	}
	z.pending[k]++
}

func (z *zeroCounter) take() map[store.ZeroResultKey]int64 {
	z.mu.Lock()
	defer z.mu.Unlock()
	p := z.pending
	z.pending = nil
	return p
}

// looksPersonal reports whether a query may carry personal data (an e-mail
// address, a phone or file number): such queries are not counted at all.
func looksPersonal(q string) bool {
	if strings.ContainsRune(q, '@') {
		return true
	}
	run := 0
	for _, r := range q {
		if unicode.IsDigit(r) {
			run++
			if run >= 6 {
				return true
			}
		} else if r != ' ' && r != '/' && r != '-' {
			run = 0
		}
	}
	return false
}

// FlushZeroResults writes the zero-result counts gathered so far to the
// store. Follow calls it periodically and Close calls it at the end; tests
// call it to read the counters deterministically.
func (ix *Index) FlushZeroResults(ctx context.Context) error {
	p := ix.zero.take()
	if len(p) == 0 {
		return nil
	}
	return ix.st.AddZeroResults(ctx, p)
}

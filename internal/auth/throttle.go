package auth

import (
	"sync"
	"time"
)

// Throttle limits failed logins per key (an account or a client address)
// within a sliding window. It lives in memory: a restart forgets it, which
// is acceptable for one instance (see README).
type Throttle struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
	now    func() time.Time
}

// NewThrottle allows max failures per key within window.
func NewThrottle(max int, window time.Duration) *Throttle {
	return &Throttle{max: max, window: window, fails: map[string][]time.Time{}, now: time.Now}
}

// SetClock replaces the clock (tests).
func (t *Throttle) SetClock(now func() time.Time) { t.now = now }

func (t *Throttle) recent(key string) []time.Time {
	cut := t.now().Add(-t.window)
	list := t.fails[key]
	i := 0
	for i < len(list) && list[i].Before(cut) {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(t.fails, key)
	} else {
		t.fails[key] = list
	}
	return list
}

// Blocked reports whether key has used up its failures, and until when.
func (t *Throttle) Blocked(key string) (bool, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := t.recent(key)
	if len(list) < t.max {
		return false, time.Time{}
	}
	return true, list[0].Add(t.window)
}

// Fail records a failure for key.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fails[key] = append(t.recent(key), t.now())
	// Bound memory: keep only the last max failures per key.
	if l := t.fails[key]; len(l) > t.max {
		t.fails[key] = l[len(l)-t.max:]
	}
}

// Reset forgets the failures of key (after a successful login).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}

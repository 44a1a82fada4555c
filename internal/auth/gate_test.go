package auth

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// argonCall is what one Argon2id derivation was asked to do.
type argonCall struct {
	pwLen, saltLen       int
	time, memory, keyLen uint32
	threads              uint8
}

// fakeArgon replaces argonKey for one test: it records the calls, counts
// the derivations running at once and holds each for hold.
type fakeArgon struct {
	hold          time.Duration
	mu            sync.Mutex
	calls         []argonCall
	running, peak atomic.Int64
}

func useFakeArgon(t *testing.T, hold time.Duration) *fakeArgon {
	t.Helper()
	f := &fakeArgon{hold: hold}
	orig := argonKey
	argonKey = func(password, salt []byte, time_, memory uint32, threads uint8, keyLen uint32) []byte {
		n := f.running.Add(1)
		for {
			p := f.peak.Load()
			if n <= p || f.peak.CompareAndSwap(p, n) {
				break
			}
		}
		f.mu.Lock()
		f.calls = append(f.calls, argonCall{len(password), len(salt), time_, memory, keyLen, threads})
		f.mu.Unlock()
		time.Sleep(f.hold)
		f.running.Add(-1)
		return make([]byte, keyLen)
	}
	t.Cleanup(func() { argonKey = orig })
	return f
}

// useGate replaces the process's hash gate for one test.
func useGate(t *testing.T, slots, waiting int) *hashGate {
	t.Helper()
	orig := gate
	gate = newHashGate(slots, waiting)
	t.Cleanup(func() { gate = orig })
	return gate
}

// Row 2: 80 (here 40) concurrent account requests ran 80 hashes at once,
// 19 MiB each. Now no more than the gate's slots run, whatever arrives.
func TestHashGateBoundsConcurrency(t *testing.T) {
	f := useFakeArgon(t, 5*time.Millisecond)
	useGate(t, 2, 1000)
	hash, err := HashPasswordContext(context.Background(), "richtig-langes-passwort")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			var err error
			switch i % 4 {
			case 0:
				_, err = HashPasswordContext(context.Background(), "richtig-langes-passwort")
			case 1:
				err = CheckPasswordContext(context.Background(), hash, "x")
			case 2:
				err = CheckNoUserContext(context.Background(), "x")
			case 3:
				CheckNoUser("x") // the deprecated forms pass the gate too
				_, err = HashPassword("richtig-langes-passwort")
			}
			if err != nil && !errors.Is(err, ErrMismatch) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := f.peak.Load(); got > 2 || got < 1 {
		t.Errorf("%d hashes ran at once, want at most the 2 slots", got)
	}
	if len(f.calls) != 51 {
		t.Errorf("%d derivations, want 51", len(f.calls))
	}
}

func TestHashGateCapacity(t *testing.T) {
	if n := HashConcurrency(); n < 1 || n > 4 {
		t.Errorf("HashConcurrency %d, want 1..4 (memory bound 4 × 19 MiB)", n)
	}
}

// A request whose context ends while it waits for the gate gives up with
// ctx.Err() and never hashes; one whose context has ended does not queue.
func TestHashGateHonoursContext(t *testing.T) {
	f := useFakeArgon(t, 0)
	g := useGate(t, 1, 10)
	if err := g.acquire(context.Background(), true); err != nil { // the one slot is taken
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := CheckNoUserContext(ctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting past the deadline: %v, want context.DeadlineExceeded", err)
	}
	if _, err := HashPasswordContext(ctx, "richtig-langes-passwort"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ended context: %v", err)
	}
	g.release()
	done, stop := context.WithCancel(context.Background())
	stop()
	if err := CheckPasswordContext(done, dummyHash, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context with a free slot: %v, want context.Canceled", err)
	}
	if len(f.calls) != 0 || g.waiting.Load() != 0 {
		t.Errorf("%d derivations, %d still waiting", len(f.calls), g.waiting.Load())
	}
	if err := CheckNoUserContext(context.Background(), "x"); !errors.Is(err, ErrMismatch) || len(f.calls) != 1 {
		t.Errorf("after release: %v, %d derivations", err, len(f.calls))
	}
}

// When the queue is full, the next request is turned away at once (and
// the deprecated forms, which have no error to say so, still wait).
func TestHashGateQueueIsBounded(t *testing.T) {
	useFakeArgon(t, 0)
	g := useGate(t, 1, 3)
	if err := g.acquire(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() { errs <- CheckNoUserContext(context.Background(), "x") })
	}
	for deadline := time.Now().Add(10 * time.Second); g.waiting.Load() < 3; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d waiting for the gate, want 3", g.waiting.Load())
		}
	}
	start := time.Now()
	if err := CheckNoUserContext(context.Background(), "x"); !errors.Is(err, ErrBusy) {
		t.Errorf("fourth waiter: %v, want ErrBusy", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("ErrBusy took %v, want at once", d)
	}
	legacy := make(chan struct{})
	go func() { CheckNoUser("x"); close(legacy) }()
	g.release()
	wg.Wait()
	<-legacy
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrMismatch) {
			t.Errorf("queued check: %v", err)
		}
	}
}

// Row 7: a login for an unknown account must cost what one for a known
// account costs. Compared by the work asked of Argon2id, not by the clock:
// the same parameters, the same password, a salt and key of the same size.
func TestCheckNoUserCostsARealCheck(t *testing.T) {
	f := useFakeArgon(t, 0)
	real, err := HashPasswordContext(context.Background(), "das-richtige-passwort")
	if err != nil {
		t.Fatal(err)
	}
	f.calls = nil
	_ = CheckPasswordContext(context.Background(), real, "ein-falsches-passwort")
	if err := CheckNoUserContext(context.Background(), "ein-falsches-passwort"); !errors.Is(err, ErrMismatch) {
		t.Errorf("CheckNoUserContext: %v, want ErrMismatch", err)
	}
	CheckNoUser("ein-falsches-passwort")
	if len(f.calls) != 3 {
		t.Fatalf("%d derivations, want one per check: %+v", len(f.calls), f.calls)
	}
	want := argonCall{pwLen: len("ein-falsches-passwort"), saltLen: saltLen, time: argonTime, memory: argonMemory, keyLen: argonKeyLen, threads: argonThreads}
	for i, c := range f.calls {
		if c != want {
			t.Errorf("derivation %d: %+v, want %+v", i, c, want)
		}
	}
	if NeedsRehash(real) || NeedsRehash(dummyHash) {
		t.Error("a current hash needs a rehash")
	}
	if !NeedsRehash("$argon2id$v=19$m=4096,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") || !NeedsRehash("x") {
		t.Error("a cheaper or broken hash does not need a rehash")
	}
}

// Row 6: per-client keys were whole IPv6 addresses while the rate limiter
// grouped by /64, so a host rotating its addresses got new attempts.
func TestClientKey(t *testing.T) {
	key := func(s string) string { return ClientKey(netip.MustParseAddr(s)) }
	same := [][2]string{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe"},
		{"2001:db8:1:2::1", "2001:db8:1:2:abcd::1%eth0"},
		{"192.0.2.7", "::ffff:192.0.2.7"},
	}
	for _, p := range same {
		if key(p[0]) != key(p[1]) {
			t.Errorf("%s and %s: keys %q and %q, want one", p[0], p[1], key(p[0]), key(p[1]))
		}
	}
	differ := [][2]string{{"2001:db8:1:2::1", "2001:db8:1:3::1"}, {"192.0.2.7", "192.0.2.8"}, {"192.0.2.7", "::192.0.2.7"}}
	for _, p := range differ {
		if key(p[0]) == key(p[1]) {
			t.Errorf("%s and %s share the key %q", p[0], p[1], key(p[0]))
		}
	}
	if got := key("2001:db8:1:2:a:b:c:d"); got != "2001:db8:1:2::/64" {
		t.Errorf("IPv6 key %q", got)
	}
	if got := key("192.0.2.7"); got != "192.0.2.7" {
		t.Errorf("IPv4 key %q", got)
	}
	if ClientKey(netip.Addr{}) != "unknown" {
		t.Errorf("invalid address: %q", ClientKey(netip.Addr{}))
	}
}

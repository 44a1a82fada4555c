package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// TestEventSequenceFollowsCommitOrderAcrossInstances writes from two stores
// on one database at once (two instances; on PostgreSQL with
// EFA_TEST_DATABASE_URL) while a reader follows the event log as a change
// feed client does. Sequence numbers must become visible in order: a reader
// that has seen event N never later finds an event below N, so a cursor
// handed out is never overtaken.
func TestEventSequenceFollowsCommitOrderAcrossInstances(t *testing.T) {
	ctx := context.Background()
	a := storetest.Seeded(t)
	b := storetest.Another(t, a)
	start, err := a.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 25
	var done atomic.Bool
	var overtaken []string
	var seen []uint64
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		cursor := start
		for {
			finished := done.Load()
			evs, err := b.Events(ctx, cursor, 1000)
			if err != nil {
				overtaken = append(overtaken, err.Error())
				return
			}
			for _, ev := range evs {
				if ev.Seq != cursor+1 {
					overtaken = append(overtaken, fmt.Sprintf("after %d came %d", cursor, ev.Seq))
				}
				cursor = ev.Seq
				seen = append(seen, ev.Seq)
			}
			if finished && len(evs) == 0 {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range writers {
		st := a
		if w%2 == 1 {
			st = b
		}
		wg.Go(func() {
			for i := range each {
				url := fmt.Sprintf("https://empfaenger-%d-%d.example.org/hook", w, i)
				if _, err := st.AddWebhook(ctx, catalog.ActorSystem, url, "ein-geheimnis-mit-genug-zeichen", 0); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	done.Store(true)
	<-readerDone
	if len(overtaken) > 0 {
		t.Fatalf("the reader saw sequence numbers out of commit order (%d times), first: %s", len(overtaken), overtaken[0])
	}
	if len(seen) != writers*each {
		t.Fatalf("the reader saw %d events, %d were written", len(seen), writers*each)
	}
}

// TestFollowDatabaseSignalsWritesOfAnotherInstance: a write through one
// store reaches the followers of another store on the same database.
func TestFollowDatabaseSignalsWritesOfAnotherInstance(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := storetest.Seeded(t)
	b := storetest.Another(t, a)
	sub := b.Subscribe()
	go b.FollowDatabase(ctx)
	time.Sleep(2 * store.FollowInterval) // the follower has read the head
	for len(sub) > 0 {
		<-sub
	}
	before := b.Writes()
	if _, err := a.AddWebhook(ctx, catalog.ActorSystem, "https://folge.example.org/hook", "ein-geheimnis-mit-genug-zeichen", 0); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sub:
	case <-time.After(2 * time.Second):
		t.Fatal("no signal on the other instance within 2 s of the write")
	}
	if b.Writes() == before {
		t.Error("the other instance's write count did not move, so its caches would not notice the change")
	}
}

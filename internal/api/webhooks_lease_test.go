package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"efa-register/internal/api"
	"efa-register/internal/catalog"
	"efa-register/internal/netguard"
	"efa-register/internal/store"
	"efa-register/internal/store/storetest"
)

// TestWebhookDeliveredOnceByTwoInstances runs the dispatchers of two
// instances on one database (on PostgreSQL with EFA_TEST_DATABASE_URL) at
// the same time while changes are written: the receiver gets every change,
// and each once, because a dispatcher delivers only to webhooks it leased.
func TestWebhookDeliveredOnceByTwoInstances(t *testing.T) {
	ctx := context.Background()
	a := storetest.Seeded(t)
	b := storetest.Another(t, a)
	guard := netguard.Guard{LoopbackInTests: true}
	a.SetWebhookGuard(guard)
	rv := &receiver{secret: hookSecret}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	head, _ := a.LastEventSeq(ctx)
	hook, err := a.AddWebhook(ctx, "test", srv.URL+"/hook", hookSecret, head)
	if err != nil {
		t.Fatal(err)
	}

	const changes = 30
	var dispatchers []*api.WebhookDispatcher
	for _, st := range []*store.Store{a, b} {
		d := api.NewWebhookDispatcher(st, nil)
		d.Client = guard.Client(10*time.Second, 0)
		d.BatchLimit = 3 // many batches, many chances to send one twice
		dispatchers = append(dispatchers, d)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, d := range dispatchers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := d.DeliverDue(ctx); err != nil {
					t.Errorf("dispatcher %s: %v", d.Owner, err)
					return
				}
			}
		})
	}
	for i := range changes {
		st := a
		if i%2 == 1 {
			st = b
		}
		if _, err := st.CreateSolution(ctx, catalog.SystemPrincipal("test"), newSolutionInput(fmt.Sprintf("einmal-%02d", i), fmt.Sprintf("Einmal %02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	last, _ := a.LastEventSeq(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for {
		h, err := a.WebhookByID(ctx, hook.ID)
		if err != nil {
			t.Fatal(err)
		}
		if h.Cursor >= last {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s the webhook's cursor is %d, the log ends at %d", h.Cursor, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	perRecord := map[string]int{}
	batches := map[string]int{}
	for _, d := range rv.deliveries() {
		if d.status != 200 {
			t.Errorf("delivery %s answered %d", d.batch, d.status)
		}
		batches[d.batch]++
		for _, r := range d.records {
			perRecord[r.Entity+" "+r.ID]++
		}
	}
	for batch, n := range batches {
		if n > 1 {
			t.Errorf("batch %s delivered %d times", batch, n)
		}
	}
	if len(perRecord) != changes {
		t.Errorf("%d different records delivered, %d changes written", len(perRecord), changes)
	}
	for rec, n := range perRecord {
		if n > 1 {
			t.Errorf("%s delivered %d times", rec, n)
		}
	}
}

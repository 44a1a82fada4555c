package main

import (
	"bytes"
	"context"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"efa-register/internal/auth"
	"efa-register/internal/store"
)

// The operator frees a throttled owner while the server keeps the database
// open (the throttle's counts live in it).
func TestUnblock(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"EFA_DATA_DIR": dir, "EFA_LOG_LEVEL": "error"}[k] }
	st, err := store.Open(ctx, dir+"/efa.db", nil) // the "running server"
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateUser(ctx, "test", store.NewUser{Email: "admin@land.example", Name: "Admin", Admin: true}); err != nil {
		t.Fatal(err)
	}
	th := store.NewThrottle(st, store.DefaultThrottleLimits)
	home := auth.ClientKey(netip.MustParseAddr("2001:db8:7:7::1"))
	now := time.Now()
	for range 5 {
		if r, err := th.ReserveLogin(ctx, "admin@land.example", home, now); err != nil || !r.OK {
			t.Fatal(r, err)
		}
	}
	if r, _ := th.ReserveLogin(ctx, "admin@land.example", home, now); r.OK {
		t.Fatal("not blocked after 5 failures")
	}

	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"unblock", "Admin@Land.example"}, env, &out, &errOut); err != nil {
		t.Fatalf("unblock: %v (%s)", err, errOut.String())
	}
	if s := out.String(); !strings.Contains(s, "Fehlversuche von Admin@Land.example vergessen") || !strings.Contains(s, "von Client 2001:db8:7:7::/64") ||
		!strings.Contains(s, "insgesamt (Verlangsamung)") || strings.Count(s, "  5, hätten gezählt bis") != 2 {
		t.Errorf("unblock printed %q", s)
	}
	r, err := th.ReserveLogin(ctx, "admin@land.example", home, now)
	if err != nil || !r.OK {
		t.Fatalf("still blocked after efa unblock: %+v %v", r, err)
	}
	if err := th.Succeed(ctx, r); err != nil { // the owner's password was right
		t.Fatal(err)
	}

	out.Reset()
	if err := run(ctx, []string{"unblock", "admin@land.example"}, env, &out, io.Discard); err != nil || !strings.Contains(out.String(), "nichts zu entsperren") {
		t.Errorf("second unblock: %v %q", err, out.String())
	}
	err = run(ctx, []string{"unblock", "niemand@land.example"}, env, io.Discard, io.Discard)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), `kein Konto mit der E-Mail-Adresse "niemand@land.example"`) {
		t.Errorf("unknown address: %v (exit %d)", err, exitCode(err))
	}
	for _, bad := range [][]string{{"unblock"}, {"unblock", "a@b.de", "c@d.de"}} {
		if err := run(ctx, bad, env, io.Discard, io.Discard); exitCode(err) != 2 {
			t.Errorf("%v: %v, want a usage error", bad, err)
		}
	}
}

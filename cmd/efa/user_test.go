package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"efa-register/internal/auth"
	"efa-register/internal/store"
)

func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"EFA_DATA_DIR": dir, "EFA_LOG_LEVEL": "error"}[k] }
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"user", "add", "--email", "Koordination@SH.example", "--name", "OZG-Koordination SH", "--coordinator", "01"}, env, &out, &errOut)
	if err != nil {
		t.Fatalf("user add: %v (%s)", err, errOut.String())
	}
	_, pw, ok := strings.Cut(out.String(), "Einmal-Passwort (jetzt notieren, es wird nicht gespeichert): ")
	if !ok {
		t.Fatalf("no one-time password in %q", out.String())
	}
	pw = strings.TrimSpace(pw)
	st, err := store.Open(context.Background(), dir+"/efa.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByEmail(context.Background(), "koordination@sh.example")
	if err != nil || auth.CheckPassword(u.PasswordHash, pw) != nil {
		t.Fatalf("user %+v, password check failed: %v", u, err)
	}
	p, _ := st.Principal(context.Background(), u.ID)
	if got := p.Coordinates(); len(got) != 1 || got[0] != "01" || p.Admin {
		t.Errorf("principal %+v", p)
	}
	for _, bad := range [][]string{
		{"user", "add", "--email", "x@y.de", "--name", "X"},                         // no role
		{"user", "add", "--email", "x@y.de", "--name", "X", "--coordinator", "17"},  // bad Land
		{"user", "add", "--email", "x@y.de", "--name", "X", "--editor", "dorf:123"}, // bad kind
		{"user", "list"}, // unknown subcommand
	} {
		if err := run(context.Background(), bad, env, io.Discard, io.Discard); exitCode(err) != 2 {
			t.Errorf("%v: err %v, want usage error", bad, err)
		}
	}
	err = run(context.Background(), []string{"user", "add", "--email", "koordination@sh.example", "--name", "Doppelt", "--admin"}, env, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "bereits ein Konto") {
		t.Errorf("duplicate e-mail: %v", err)
	}
}

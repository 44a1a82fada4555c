package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
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
	pw, _, _ = strings.Cut(pw, "\n")
	st, err := store.Open(context.Background(), dir+"/efa.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByEmail(context.Background(), "koordination@sh.example")
	if err != nil || auth.CheckPassword(u.PasswordHash, pw) != nil {
		t.Fatalf("user %+v, password check failed: %v", u, err)
	}
	if !u.MustChangePassword || !strings.Contains(out.String(), "Es muss bei der ersten Anmeldung durch ein eigenes Passwort ersetzt werden.") {
		t.Errorf("a password set on the command line must be changed at first login: %v %q", u.MustChangePassword, out.String())
	}
	p, _ := st.Principal(context.Background(), u.ID)
	if got := p.Coordinates(); len(got) != 1 || got[0] != "01" || p.Admin {
		t.Errorf("principal %+v", p)
	}
	for _, bad := range [][]string{
		{"user", "add", "--email", "x@y.de", "--name", "X"},                         // no role
		{"user", "add", "--email", "x@y.de", "--name", "X", "--coordinator", "17"},  // bad Land
		{"user", "add", "--email", "x@y.de", "--name", "X", "--editor", "dorf:123"}, // bad kind
		{"user", "bogus"}, // unknown subcommand
		{"user"},          // no subcommand
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

// efa user list, passwd, remove and unblock, against a database that a
// running server would share.
func TestUserListPasswdRemoveUnblock(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"EFA_DATA_DIR": dir, "EFA_LOG_LEVEL": "error"}[k] }
	runOK := func(stdin string, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := runWithStdin(ctx, args, env, strings.NewReader(stdin), &out, &errOut); err != nil {
			t.Fatalf("%v: %v (%s)", args, err, errOut.String())
		}
		return out.String()
	}
	runOK("", "user", "add", "--email", "admin@land.example", "--name", "Admin", "--admin")
	runOK("", "user", "add", "--email", "redaktion@kiel.example", "--name", "Redaktion Kiel", "--editor", "gemeinde:010020000000")

	st, err := store.Open(ctx, dir+"/efa.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	kiel, _ := st.UserByEmail(ctx, "redaktion@kiel.example")
	// A session of the Kiel editor, as efa serve would have stored it.
	sessData, err := (scs.GobCodec{}).Encode(time.Now().Add(time.Hour), map[string]any{httpx.SessionUserID: int(kiel.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Sessions().Commit("sitzung-kiel", sessData, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	list := runOK("", "user", "list")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[1], "admin@land.example") || !strings.Contains(lines[1], "Plattformverwaltung") ||
		!strings.Contains(lines[2], "redaktion@kiel.example") || !strings.Contains(lines[2], "Redaktion der Organisation Kiel") ||
		!strings.Contains(lines[2], "Passwort (muss geändert werden)") || !strings.Contains(lines[2], "nie") || lines[3] != "2 Konten" {
		t.Errorf("user list:\n%s", list)
	}
	if got := runOK("", "user", "list", "--suche", "kiel"); !strings.Contains(got, "redaktion@kiel.example") || strings.Contains(got, "admin@land.example") || !strings.HasSuffix(got, "1 Konten\n") {
		t.Errorf("user list --suche kiel:\n%s", got)
	}

	// passwd: a new password to change at the next login; sessions end.
	out := runOK("neues-passwort-fuer-kiel\n", "user", "passwd", "--password-stdin", "Redaktion@Kiel.example")
	if !strings.Contains(out, "Neues Passwort für redaktion@kiel.example gesetzt; 1 Sitzung(en) beendet.") {
		t.Errorf("user passwd printed %q", out)
	}
	kiel, _ = st.UserByEmail(ctx, "redaktion@kiel.example")
	if auth.CheckPassword(kiel.PasswordHash, "neues-passwort-fuer-kiel") != nil || !kiel.MustChangePassword {
		t.Errorf("after passwd: must change %v", kiel.MustChangePassword)
	}
	if _, found, _ := st.Sessions().Find("sitzung-kiel"); found {
		t.Error("the session survived efa user passwd")
	}
	out = runOK("", "user", "passwd", "redaktion@kiel.example")
	_, pw, _ := strings.Cut(out, "Einmal-Passwort (jetzt notieren, es wird nicht gespeichert): ")
	pw, _, _ = strings.Cut(pw, "\n")
	if kiel, _ = st.UserByEmail(ctx, "redaktion@kiel.example"); len(pw) < 20 || auth.CheckPassword(kiel.PasswordHash, pw) != nil {
		t.Errorf("generated password %q does not log in", pw)
	}

	// unblock: the same as efa unblock.
	th := store.NewThrottle(st, store.DefaultThrottleLimits)
	client := auth.ClientKey(netip.MustParseAddr("192.0.2.1"))
	for range 5 {
		th.ReserveLogin(ctx, "redaktion@kiel.example", client, time.Now())
	}
	if r, _ := th.ReserveLogin(ctx, "redaktion@kiel.example", client, time.Now()); r.OK {
		t.Fatal("not blocked")
	}
	if out := runOK("", "user", "unblock", "redaktion@kiel.example"); !strings.Contains(out, "Fehlversuche von redaktion@kiel.example vergessen") {
		t.Errorf("user unblock printed %q", out)
	}
	if r, _ := th.ReserveLogin(ctx, "redaktion@kiel.example", client, time.Now()); !r.OK {
		t.Error("still blocked after efa user unblock")
	}

	// remove: the account goes; the last admin stays.
	if out := runOK("", "user", "remove", "redaktion@kiel.example"); !strings.Contains(out, "(redaktion@kiel.example) gelöscht; 0 Sitzung(en) beendet.") {
		t.Errorf("user remove printed %q", out)
	}
	if _, err := st.UserByEmail(ctx, "redaktion@kiel.example"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("removed user still there: %v", err)
	}
	err = run(ctx, []string{"user", "remove", "admin@land.example"}, env, io.Discard, io.Discard)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "letzte Plattformverwaltung") {
		t.Errorf("remove last admin: %v", err)
	}
	for _, args := range [][]string{{"user", "passwd", "niemand@land.example"}, {"user", "remove", "niemand@land.example"}, {"user", "unblock", "niemand@land.example"}} {
		if err := run(ctx, args, env, io.Discard, io.Discard); err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), `kein Konto mit der E-Mail-Adresse "niemand@land.example"`) {
			t.Errorf("%v: %v", args, err)
		}
	}
	for _, args := range [][]string{{"user", "passwd"}, {"user", "remove"}, {"user", "unblock"}, {"user", "remove", "a@b.de", "c@d.de"}, {"user", "list", "x"}} {
		if err := run(ctx, args, env, io.Discard, io.Discard); exitCode(err) != 2 {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	if err := runWithStdin(ctx, []string{"user", "passwd", "--password-stdin", "admin@land.example"}, env, strings.NewReader("kurz\n"), io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "mindestens 12 Zeichen") {
		t.Errorf("short password: %v", err)
	}
}

// EFA_SMTP_URL is checked at start, without showing its password.
func TestSMTPURLConfig(t *testing.T) {
	cfg, err := loadConfig(func(k string) string {
		return map[string]string{"EFA_SMTP_URL": "smtp://u:geheim@mail.land.example?from=register@land.example"}[k]
	})
	if err != nil || cfg.SMTP == nil || cfg.SMTP.Host != "mail.land.example" || cfg.SMTP.Password != "geheim" {
		t.Fatalf("config %+v %v", cfg.SMTP, err)
	}
	_, err = loadConfig(func(k string) string {
		return map[string]string{"EFA_SMTP_URL": "smtp://u:geheim@mail.land.example"}[k]
	})
	if exitCode(err) != 2 || strings.Contains(err.Error(), "geheim") || !strings.Contains(err.Error(), "from=") {
		t.Errorf("no sender: %v", err)
	}
	if cfg, err := loadConfig(func(string) string { return "" }); err != nil || cfg.SMTP != nil {
		t.Errorf("unset: %+v %v", cfg.SMTP, err)
	}
}

// runWithStdin runs an "efa user …" command with stdin (run reads os.Stdin).
func runWithStdin(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if len(args) == 0 || args[0] != "user" {
		return run(ctx, args, getenv, stdout, stderr)
	}
	return cmdUser(ctx, cfg, args[1:], stdin, stdout, stderr)
}

package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"efa-register/internal/store"
)

func TestWebhookCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"EFA_DATA_DIR": dir, "EFA_LOG_LEVEL": "error"}[k] }
	efa := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, args, env, &out, &errOut)
		return out.String() + errOut.String(), err
	}

	out, err := efa("webhook", "add", "--url", "https://portal.example.org/efa")
	if err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Geheimnis \(jetzt notieren, es wird nicht wieder angezeigt\): ([0-9a-f]{64})`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "Webhook 1 angelegt: https://portal.example.org/efa") {
		t.Fatalf("add printed %q", out)
	}
	if _, err := efa("webhook", "add", "--url", "https://zweites.example.org/hook", "--secret", "selbst-gewaehltes-geheimnis", "--from-start"); err != nil {
		t.Fatal(err)
	}

	st, err := store.Open(ctx, dir+"/efa.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	hooks, err := st.Webhooks(ctx)
	st.Close()
	if err != nil || len(hooks) != 2 || hooks[0].Secret != m[1] || hooks[1].Secret != "selbst-gewaehltes-geheimnis" || hooks[1].Cursor != 0 {
		t.Fatalf("stored webhooks: %+v, %v", hooks, err)
	}

	list, err := efa("webhook", "list", "-v")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list, "https://portal.example.org/efa") || !strings.Contains(list, "https://zweites.example.org/hook") ||
		strings.Contains(list, m[1]) || strings.Contains(list, "selbst-gewaehltes-geheimnis") {
		t.Errorf("list shows %q (and must never show a secret)", list)
	}

	if out, err := efa("webhook", "remove", "1"); err != nil || !strings.Contains(out, "Webhook 1 entfernt") {
		t.Errorf("remove: %v %q", err, out)
	}
	if list, _ := efa("webhook", "list"); strings.Contains(list, "portal.example.org") {
		t.Errorf("removed webhook still listed: %q", list)
	}
	if _, err := efa("webhook", "remove", "1"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("removing twice: %v", err)
	}

	for _, bad := range [][]string{
		{"webhook"},
		{"webhook", "send"},
		{"webhook", "add"},
		{"webhook", "remove"},
		{"webhook", "remove", "abc"},
	} {
		if _, err := efa(bad...); exitCode(err) != 2 {
			t.Errorf("%v: err %v, want usage error", bad, err)
		}
	}
	// Invalid addresses are refused with the German message.
	if out, err := efa("webhook", "add", "--url", "ftp://portal.example.org"); err == nil || !strings.Contains(err.Error(), "https://") {
		t.Errorf("ftp URL: %v %q", err, out)
	}
	if err := run(ctx, []string{"webhook", "add", "--url", "https://x.example.org", "--secret", "kurz"}, env, io.Discard, io.Discard); err == nil {
		t.Error("a short secret was accepted")
	}
}

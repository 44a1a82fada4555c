package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"efa-register/internal/mail"
	"efa-register/internal/mail/mailtest"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want mail.Config
	}{
		{"smtp://user:p%40ss@mail.land.example?from=register@land.example",
			mail.Config{Host: "mail.land.example", Port: 587, Username: "user", Password: "p@ss", From: "register@land.example", FromName: "EfA-Register", TLS: mail.TLSStartTLS, Timeout: 15 * time.Second}},
		{"smtps://mail.land.example?from=register@land.example&name=EfA-Register%20NRW&timeout=5s",
			mail.Config{Host: "mail.land.example", Port: 465, From: "register@land.example", FromName: "EfA-Register NRW", TLS: mail.TLSImplicit, Timeout: 5 * time.Second}},
		{"smtp://localhost:2525?tls=none&from=a@b.example",
			mail.Config{Host: "localhost", Port: 2525, From: "a@b.example", FromName: "EfA-Register", TLS: mail.TLSNone, Timeout: 15 * time.Second}},
		{"smtp://relay?tls=none&from=a@b.example",
			mail.Config{Host: "relay", Port: 25, From: "a@b.example", FromName: "EfA-Register", TLS: mail.TLSNone, Timeout: 15 * time.Second}},
	} {
		got, err := mail.ParseURL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseURL(%q) = %+v, %v\nwant %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"",
		"http://user:geheim@host?from=a@b.example",
		"smtp://user:geheim@host",                              // no sender
		"smtp://user:geheim@host?from=kein-absender",           // bad sender
		"smtp://user:geheim@host:99999?from=a@b.example",       // bad port
		"smtp://user:geheim@host?from=a@b.example&tls=maybe",   // bad tls
		"smtps://user:geheim@host?from=a@b.example&tls=none",   // contradiction
		"smtp://user:geheim@host/pfad?from=a@b.example",        // path
		"smtp://user:geheim@host?from=a@b.example&timeout=-1s", // bad timeout
		"smtp://user:geheim@host?from=a@b.example&port=25",     // unknown parameter
		"smtp://user:geheim@?from=a@b.example",                 // no host
		"smtp://user:geheim@host%zz?from=a@b.example",          // not a URL
	} {
		_, err := mail.ParseURL(bad)
		if err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "geheim") {
			t.Errorf("ParseURL(%q) error shows the password: %v", bad, err)
		}
	}
	c, _ := mail.ParseURL("smtp://user:geheim@mail.land.example?from=register@land.example")
	if r := c.Redacted(); strings.Contains(r, "geheim") || r != "smtp://user:REDACTED@mail.land.example:587?from=register%40land.example" {
		t.Errorf("Redacted() = %q", r)
	}
}

// A message goes to each recipient once, on its own, through a real SMTP
// server with authentication; Flush waits for it.
func TestMailerDelivers(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Username, srv.Password = "register", "s3cret!"
	cfg, err := mail.ParseURL(srv.URL("register@land.example"))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	m := mail.New(cfg, mail.Options{Log: slog.New(slog.NewTextHandler(&logs, nil)), Retries: []time.Duration{}})
	defer m.Close(context.Background())
	m.Send(mail.Message{To: []string{"a@gemeinde.example", "B@kreis.example", "a@gemeinde.example"}, Subject: "Ihr Kontoantrag – Stand: genehmigt",
		Body: "Guten Tag,\n\nÄnderungen übernommen: https://efa.example/konto/antrag/abc\n", Kind: "test"})
	if err := m.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 2 {
		t.Fatalf("%d messages, want 2 (one per recipient, duplicate dropped): %+v", len(got), got)
	}
	for i, to := range []string{"a@gemeinde.example", "B@kreis.example"} {
		g := got[i]
		if len(g.To) != 1 || g.To[0] != to || g.From != "register@land.example" {
			t.Errorf("message %d envelope from %q to %v", i, g.From, g.To)
		}
		if g.Subject != "Ihr Kontoantrag – Stand: genehmigt" || !strings.Contains(g.Body, "Änderungen übernommen: https://efa.example/konto/antrag/abc") {
			t.Errorf("message %d subject %q body %q", i, g.Subject, g.Body)
		}
		if g.Header.Get("Auto-Submitted") != "auto-generated" || !strings.Contains(g.Header.Get("From"), "EfA-Register") {
			t.Errorf("message %d header %v", i, g.Header)
		}
	}
	if s := m.Stats(); s.Sent != 2 || s.Failed != 0 {
		t.Errorf("stats %+v", s)
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("log shows the password: %s", logs.String())
	}
}

// A temporary refusal is retried; a server that stays away is given up
// after the retries, and logged without the password.
func TestMailerRetries(t *testing.T) {
	srv := mailtest.Start(t)
	cfg, _ := mail.ParseURL(srv.URL("register@land.example"))
	m := mail.New(cfg, mail.Options{Retries: []time.Duration{time.Millisecond, time.Millisecond}})
	defer m.Close(context.Background())
	srv.FailNext(2)
	m.Send(mail.Message{To: []string{"a@gemeinde.example"}, Subject: "x", Body: "y", Kind: "test"})
	if err := m.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages after two temporary failures, want 1", n)
	}
	srv.FailNext(5)
	m.Send(mail.Message{To: []string{"b@gemeinde.example"}, Subject: "x", Body: "y", Kind: "test"})
	m.Flush(context.Background())
	if s := m.Stats(); s.Sent != 1 || s.Failed != 1 || len(srv.Messages()) != 1 {
		t.Errorf("after three failures: stats %+v, %d messages", s, len(srv.Messages()))
	}

	var logs bytes.Buffer
	down, _ := mail.ParseURL("smtp://user:geheim@127.0.0.1:1?tls=none&from=a@b.example&timeout=1s")
	m2 := mail.New(down, mail.Options{Retries: []time.Duration{}, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	m2.Send(mail.Message{To: []string{"x@y.example"}, Subject: "x", Body: "y", Kind: "request-received"})
	m2.Close(context.Background())
	if s := m2.Stats(); s.Failed != 1 || !strings.Contains(logs.String(), "kind=request-received") || strings.Contains(logs.String(), "geheim") ||
		strings.Contains(logs.String(), "x@y.example") {
		t.Errorf("unreachable server: stats %+v, log %s", s, logs.String())
	}
}

// The queue is bounded: beyond it messages are dropped, not buffered.
func TestMailerQueueBounded(t *testing.T) {
	down, _ := mail.ParseURL("smtp://127.0.0.1:1?tls=none&from=a@b.example&timeout=1s")
	m := mail.New(down, mail.Options{QueueSize: 2, Retries: []time.Duration{time.Hour}})
	for range 10 {
		m.Send(mail.Message{To: []string{"x@y.example"}, Subject: "x", Body: "y"})
	}
	if s := m.Stats(); s.Dropped < 7 {
		t.Errorf("stats %+v: want at least 7 dropped of 10 with a queue of 2 and one in delivery", s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	m.Close(ctx) // gives up the retry wait
	var nilMailer *mail.Mailer
	nilMailer.Send(mail.Message{To: []string{"x@y.example"}})
	if nilMailer.Enabled() || nilMailer.Flush(context.Background()) != nil {
		t.Error("nil mailer")
	}
}

// Package mail sends the register's e-mails (account requests, decisions,
// password resets, login warnings) through one SMTP server configured by
// EFA_SMTP_URL. Messages are plain text; they are queued in memory after
// the database commit and delivered by one worker with retries, so a slow
// or unreachable mail server never delays a page. A nil *Mailer is a
// register without e-mail: it sends nothing and says so (Enabled).
package mail

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TLSMode is how the connection to the SMTP server is encrypted.
type TLSMode string

// The TLS modes.
const (
	// TLSStartTLS upgrades a plain connection with STARTTLS and refuses a
	// server that does not offer it (smtp://, the default; port 587).
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (smtps://; port 465).
	TLSImplicit TLSMode = "tls"
	// TLSNone sends in the clear: only for a relay on the same host or in
	// tests (smtp://…?tls=none; port 25).
	TLSNone TLSMode = "none"
)

// Config is a parsed EFA_SMTP_URL.
type Config struct {
	Host string
	Port int
	// Username and Password authenticate at the server (none when empty).
	Username, Password string
	// From is the sender address of every message.
	From string
	// FromName is the sender's display name ("EfA-Register" by default).
	FromName string
	TLS      TLSMode
	// Timeout bounds one delivery (connect, hand over, quit).
	Timeout time.Duration
}

// ParseURL reads EFA_SMTP_URL:
//
//	smtp://USER:PASSWORD@HOST[:PORT]?from=ADDRESS[&name=NAME][&tls=starttls|none][&timeout=10s]
//	smtps://USER:PASSWORD@HOST[:PORT]?from=ADDRESS[&name=NAME][&timeout=10s]
//
// smtp:// requires STARTTLS (port 587 by default) unless tls=none (port 25
// by default, for a relay on the same host); smtps:// is TLS from the start
// (port 465 by default). User and password are optional and, like every
// part of a URL, percent-encoded where they contain reserved characters.
// Error messages never contain the password.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse quotes the whole input, password included.
		return Config{}, fmt.Errorf("mail: EFA_SMTP_URL is not a URL (smtp://USER:PASSWORD@HOST:587?from=ADDRESS)")
	}
	c := Config{Host: u.Hostname(), FromName: "EfA-Register", Timeout: 15 * time.Second}
	q := u.Query()
	switch u.Scheme {
	case "smtp":
		c.TLS, c.Port = TLSStartTLS, 587
		switch q.Get("tls") {
		case "", "starttls":
		case "none":
			c.TLS, c.Port = TLSNone, 25
		default:
			return Config{}, fmt.Errorf("mail: EFA_SMTP_URL tls=%q: want starttls or none (smtps:// for TLS from the start)", q.Get("tls"))
		}
	case "smtps":
		c.TLS, c.Port = TLSImplicit, 465
		if t := q.Get("tls"); t != "" && t != "tls" {
			return Config{}, fmt.Errorf("mail: EFA_SMTP_URL smtps:// with tls=%q: smtps is always TLS", t)
		}
	default:
		return Config{}, fmt.Errorf("mail: EFA_SMTP_URL must start with smtp:// or smtps://")
	}
	if c.Host == "" || u.Path != "" && u.Path != "/" || u.Fragment != "" || u.Opaque != "" {
		return Config{}, fmt.Errorf("mail: EFA_SMTP_URL wants a host and no path: smtp://USER:PASSWORD@HOST:587?from=ADDRESS")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Config{}, fmt.Errorf("mail: EFA_SMTP_URL port %q is not a port number", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	from := q.Get("from")
	if a, err := mail.ParseAddress(from); err != nil || a.Address != from {
		return Config{}, fmt.Errorf("mail: EFA_SMTP_URL wants the sender as from=ADDRESS (e.g. from=register@land.example), got %q", from)
	}
	c.From = from
	if n := strings.TrimSpace(q.Get("name")); n != "" {
		if len(n) > 100 || strings.ContainsAny(n, "\r\n") {
			return Config{}, fmt.Errorf("mail: EFA_SMTP_URL name: at most 100 characters on one line")
		}
		c.FromName = n
	}
	if t := q.Get("timeout"); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 || d > 10*time.Minute {
			return Config{}, fmt.Errorf("mail: EFA_SMTP_URL timeout=%q: want a duration such as 10s (at most 10m)", t)
		}
		c.Timeout = d
	}
	for k := range q {
		switch k {
		case "from", "name", "tls", "timeout":
		default:
			return Config{}, fmt.Errorf("mail: EFA_SMTP_URL has an unknown parameter %q (from, name, tls, timeout)", k)
		}
	}
	return c, nil
}

// Redacted is the configuration as a URL without the password, for logs
// and "efa check".
func (c Config) Redacted() string {
	scheme, q := "smtp", url.Values{"from": {c.From}}
	switch c.TLS {
	case TLSImplicit:
		scheme = "smtps"
	case TLSNone:
		q.Set("tls", "none")
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), RawQuery: q.Encode()}
	if c.Username != "" {
		u.User = url.UserPassword(c.Username, "REDACTED")
		if c.Password == "" {
			u.User = url.User(c.Username)
		}
	}
	return u.String()
}

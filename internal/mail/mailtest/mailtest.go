// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp)
// inside a test, on a loopback port, and keeps what it receives, so tests
// see exactly which messages went to which recipients.
package mailtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message as the server got it, decoded.
type Received struct {
	// From is the envelope sender; To the envelope recipients.
	From string
	To   []string
	// Header is the parsed header; Subject and Body are decoded text.
	Header  mail.Header
	Subject string
	Body    string
}

// Server is an SMTP server that keeps every message.
type Server struct {
	// Addr is host:port the server listens on.
	Addr string
	// Username and Password, when set, are required (AUTH PLAIN).
	Username, Password string

	srv *smtp.Server
	mu  sync.Mutex
	got []Received
	// failNext answers the next deliveries with a temporary error.
	failNext int
}

// Start starts a server on 127.0.0.1 that stops with the test.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// URL is an EFA_SMTP_URL for this server (no TLS; with the credentials when set).
func (s *Server) URL(from string) string {
	user := ""
	if s.Username != "" {
		user = s.Username + ":" + s.Password + "@"
	}
	return fmt.Sprintf("smtp://%s%s?tls=none&from=%s&timeout=5s", user, s.Addr, from)
}

// Messages returns what arrived so far, in order.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// To returns the messages with rcpt among their envelope recipients.
func (s *Server) To(rcpt string) []Received {
	var out []Received
	for _, m := range s.Messages() {
		if slices.Contains(m.To, rcpt) {
			out = append(out, m)
		}
	}
	return out
}

// Reset forgets the messages received so far.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = nil
}

// FailNext makes the next n deliveries fail with a temporary error (421).
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != x.s.Username || password != x.s.Password {
			return errors.New("invalid credentials")
		}
		x.authed = true
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.Username != "" && !x.authed {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.failNext > 0 {
		x.s.failNext--
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	body, err := io.ReadAll(m.Body)
	if err != nil {
		return err
	}
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		if body, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err != nil {
			return err
		}
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return err
	}
	x.s.got = append(x.s.got, Received{From: x.from, To: slices.Clone(x.to), Header: m.Header, Subject: subject,
		Body: strings.ReplaceAll(string(body), "\r\n", "\n")})
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

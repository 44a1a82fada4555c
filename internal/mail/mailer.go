package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one plain-text e-mail. Each recipient gets the message on
// its own (no recipient sees the others).
type Message struct {
	To      []string
	Subject string
	Body    string
	// Kind names the message in logs and metrics ("request-received", …);
	// logs never carry addresses or bodies.
	Kind string
}

// Options tune the queue; the zero value is right for production.
type Options struct {
	// Log receives delivery failures (without addresses or passwords).
	Log *slog.Logger
	// QueueSize bounds the messages waiting for delivery (default 500);
	// beyond it new messages are dropped and logged, so a flood of requests
	// cannot grow the memory.
	QueueSize int
	// Retries are the waits before the second, third, … attempt of a
	// delivery that failed (default 30 s, 2 min, 10 min, 30 min).
	Retries []time.Duration
	// TLSConfig overrides the TLS settings (tests with their own CA).
	TLSConfig *tls.Config
}

// Mailer delivers messages in the background. The zero of *Mailer (nil)
// sends nothing.
type Mailer struct {
	cfg   Config
	opts  Options
	queue chan item
	log   *slog.Logger

	mu      sync.Mutex
	pending int           // queued or being delivered
	idle    chan struct{} // closed while pending == 0
	stop    chan struct{}
	done    chan struct{}
	closed  bool

	stats Stats
}

type item struct {
	to  string
	msg Message
}

// Stats count deliveries since the start.
type Stats struct {
	Sent, Failed, Dropped int
}

// New starts a mailer with its worker; Close stops it.
func New(cfg Config, opts Options) *Mailer {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 500
	}
	if opts.Retries == nil {
		opts.Retries = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute}
	}
	m := &Mailer{cfg: cfg, opts: opts, log: opts.Log, queue: make(chan item, opts.QueueSize),
		idle: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	close(m.idle)
	go m.run()
	return m
}

// Enabled reports whether e-mails are sent at all.
func (m *Mailer) Enabled() bool { return m != nil }

// Config is the configuration the mailer sends with.
func (m *Mailer) Config() Config { return m.cfg }

// Send queues the message for each of its recipients and returns at once.
// Call it after the database commit of what the message tells. On a nil
// Mailer it does nothing.
func (m *Mailer) Send(msg Message) {
	if m == nil {
		return
	}
	seen := map[string]bool{}
	for _, to := range msg.To {
		key := strings.ToLower(strings.TrimSpace(to))
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			m.log.Error("mail: not sent, the mailer is closed", "kind", msg.Kind)
			return
		}
		select {
		case m.queue <- item{to: to, msg: msg}:
			if m.pending == 0 {
				m.idle = make(chan struct{})
			}
			m.pending++
		default:
			m.stats.Dropped++
			m.log.Error("mail: queue full, message dropped", "kind", msg.Kind, "queue", cap(m.queue))
		}
		m.mu.Unlock()
	}
}

// Flush waits until every message queued so far has been delivered or
// given up, or until ctx ends.
func (m *Mailer) Flush(ctx context.Context) error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	idle := m.idle
	m.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats returns the delivery counts.
func (m *Mailer) Stats() Stats {
	if m == nil {
		return Stats{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stats
}

// Close delivers what is queued until ctx ends, then stops the worker;
// messages still waiting then are logged as lost.
func (m *Mailer) Close(ctx context.Context) error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		<-m.done
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	err := m.Flush(ctx)
	close(m.stop)
	<-m.done
	return err
}

func (m *Mailer) run() {
	defer close(m.done)
	for {
		select {
		case it := <-m.queue:
			m.deliver(it)
		case <-m.stop:
			for {
				select {
				case it := <-m.queue:
					m.log.Error("mail: not sent, shutting down", "kind", it.msg.Kind)
					m.finish(false, true)
				default:
					return
				}
			}
		}
	}
}

// deliver tries one recipient's message until it is sent or the retries
// are used up. Retries wait in this one worker: mail volume is small, and
// a server that refuses one message refuses the next as well.
func (m *Mailer) deliver(it item) {
	for attempt := 0; ; attempt++ {
		err := m.sendNow(it.to, it.msg)
		if err == nil {
			m.finish(true, false)
			return
		}
		if attempt >= len(m.opts.Retries) || permanent(err) {
			m.log.Error("mail: delivery failed, giving up", "kind", it.msg.Kind, "attempts", attempt+1, "err", err)
			m.finish(false, false)
			return
		}
		m.log.Warn("mail: delivery failed, will retry", "kind", it.msg.Kind, "attempt", attempt+1, "retry_in", m.opts.Retries[attempt].String(), "err", err)
		select {
		case <-time.After(m.opts.Retries[attempt]):
		case <-m.stop:
			m.log.Error("mail: not sent, shutting down", "kind", it.msg.Kind)
			m.finish(false, true)
			return
		}
	}
}

func (m *Mailer) finish(sent, dropped bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case sent:
		m.stats.Sent++
	case dropped:
		m.stats.Dropped++
	default:
		m.stats.Failed++
	}
	m.pending--
	if m.pending == 0 {
		close(m.idle)
	}
}

// permanent reports whether retrying cannot help: the server refused the
// recipient or the message with a 5xx answer.
func permanent(err error) bool {
	var se *gomail.SendError
	return errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600
}

// sendNow delivers one message to one recipient.
func (m *Mailer) sendNow(to string, msg Message) error {
	g := gomail.NewMsg()
	if err := g.FromFormat(m.cfg.FromName, m.cfg.From); err != nil {
		return fmt.Errorf("mail: sender: %w", err)
	}
	if err := g.To(to); err != nil {
		return fmt.Errorf("mail: recipient: %w", err)
	}
	g.Subject(msg.Subject)
	g.SetDate()
	g.SetMessageID()
	g.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	g.SetBodyString(gomail.TypeTextPlain, msg.Body)
	opts := []gomail.Option{gomail.WithPort(m.cfg.Port), gomail.WithTimeout(m.cfg.Timeout)}
	switch m.cfg.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if m.opts.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(m.opts.TLSConfig))
	}
	if m.cfg.Username != "" {
		// Over an unencrypted connection (tls=none, a relay the operator
		// chose) only PLAIN is offered; otherwise the strongest mechanism
		// the server announces.
		auth := gomail.SMTPAuthAutoDiscover
		if m.cfg.TLS == TLSNone {
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth),
			gomail.WithUsername(m.cfg.Username), gomail.WithPassword(m.cfg.Password))
	}
	c, err := gomail.NewClient(m.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: client: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.Timeout)
	defer cancel()
	return c.DialAndSendWithContext(ctx, g)
}

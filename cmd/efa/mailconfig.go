package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"efa-register/internal/mail"
)

// smtpConfig is the parsed EFA_SMTP_URL.
type smtpConfig = mail.Config

// loadMail reads EFA_SMTP_URL (see mail.ParseURL); empty means the
// register sends no e-mails, and its pages say so. The error never shows
// the password.
func loadMail(getenv func(string) string) (*mail.Config, error) {
	v := getenv("EFA_SMTP_URL")
	if v == "" {
		return nil, nil
	}
	c, err := mail.ParseURL(v)
	if err != nil {
		return nil, fmt.Errorf("EFA_SMTP_URL: %v: %w", err, errUsage)
	}
	return &c, nil
}

// startMailer starts the mailer of efa serve (nil without EFA_SMTP_URL)
// and returns the function that delivers what is queued, for at most 10 s,
// at shutdown.
func startMailer(cfg config, log *slog.Logger) (*mail.Mailer, func()) {
	if cfg.SMTP == nil {
		log.Info("mail: EFA_SMTP_URL not set, no e-mails are sent")
		return nil, func() {}
	}
	m := mail.New(*cfg.SMTP, mail.Options{Log: log})
	log.Info("mail: sending through " + cfg.SMTP.Redacted())
	return m, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			log.Warn("mail: shut down with messages still queued", "err", err)
		}
	}
}

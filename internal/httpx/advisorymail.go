package httpx

import (
	"context"
	"log/slog"

	"efa-register/internal/catalog"
	"efa-register/internal/mail"
	"efa-register/internal/store"
)

// NotifyAdvisory e-mails the members of the affected organisations after a
// write made the advisory news (store.Notifies): the web form and the API
// both call it. Without a mailer (no EFA_SMTP_URL) nothing is sent.
func NotifyAdvisory(ctx context.Context, st *store.Store, m *mail.Mailer, log *slog.Logger, a catalog.Advisory, solutionName, base string) {
	if !m.Enabled() {
		return
	}
	to, err := st.AdvisoryRecipients(ctx, a.ID)
	if err != nil {
		log.ErrorContext(ctx, "mail: advisory recipients", "advisory", a.ID, "err", err)
		return
	}
	if len(to) > 0 {
		m.Send(mail.AdvisoryNotice(a, solutionName, base, to))
	}
}

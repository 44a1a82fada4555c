package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

// TestAccountPagesInEnglish walks the account pages in English: login
// errors, the request form and its status page, the coordinator's decision
// (its flash in the reader's language), tokens, webhooks and the user
// administration, and the CSRF refusal.
func TestAccountPagesInEnglish(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	en := map[string]string{"Accept-Language": "en"}
	contains := func(t *testing.T, what, body string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", what, w)
			}
		}
	}

	t.Run("login", func(t *testing.T) {
		anon := env.Client(t)
		anon.Header["Accept-Language"] = "en"
		rec := anon.Do("POST", "/anmelden", url.Values{"email": {"admin@example.de"}, "password": {"falsch-falsch-falsch"}}, nil)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("wrong password = %d", rec.Code)
		}
		contains(t, "failed login", rec.Body.String(), "The email address or password is wrong.", "Forgotten your password?")
		rec = anon.Do("POST", "/anmelden", url.Values{"email": {""}, "password": {""}}, nil)
		contains(t, "empty login", rec.Body.String(), "Please enter your email address and password.")
		// A form sent from another site is refused in the reader's language.
		rec = anon.Do("POST", "/anmelden", url.Values{"email": {"a@b.de"}}, map[string]string{"Sec-Fetch-Site": "cross-site"})
		if rec.Code != http.StatusForbidden {
			t.Fatalf("cross-site post = %d", rec.Code)
		}
		contains(t, "CSRF refusal", rec.Body.String(), "refused for security reasons")
	})

	t.Run("api token", func(t *testing.T) {
		rec := env.Client(t).Do("POST", "/api/v1/adoptions", nil, map[string]string{"Accept-Language": "en", "Accept": "application/json"})
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("write without token = %d", rec.Code)
		}
		contains(t, "problem without token", rec.Body.String(), "Write access needs an API token")
	})

	t.Run("request", func(t *testing.T) {
		anon := env.Client(t)
		anon.Header["Accept-Language"] = "en"
		rec := anon.Do("POST", "/konto/beantragen", url.Values{"q": {"01001000"}, "aktion": {"suchen"}}, nil)
		contains(t, "organisation search", rec.Body.String(), "Organisations found", "Decided by the state coordination of Schleswig-Holstein.")
		flensburg, _ := env.Store.OrganisationByAGS(context.Background(), "01001000")
		form := url.Values{"q": {"01001000"}, "organisation": {fmt.Sprint(flensburg.ID)}, "name": {"Erika Muster"},
			"email": {"buergerbuero@flensburg.example"}, "password": {servertest.TestPassword}, "aktion": {"beantragen"}}
		rec = anon.Do("POST", "/konto/beantragen", form, nil)
		if rec.Code != http.StatusCreated {
			t.Fatalf("request = %d", rec.Code)
		}
		body := rec.Body.String()
		contains(t, "status page", body, "Your request has been received.", "under review", time.Now().Format("2 Jan 2006"))
		// The coordinator decides in English and reads the notice in English;
		// a German coordinator reads the next notice in German.
		sh := env.As(t, "koordination-sh")
		sh.Header["Accept-Language"] = "en"
		list := sh.Do("GET", "/verwaltung/antraege", nil, nil).Body.String()
		contains(t, "request list", list, "Erika Muster for Flensburg", "Approve", "Reject")
		reqs, _ := env.Store.AccountRequests(context.Background(), nil)
		if rec := sh.Do("POST", fmt.Sprintf("/verwaltung/antraege/%d", reqs[0].ID), url.Values{"entscheidung": {"ablehnen"}}, nil); rec.Code != http.StatusSeeOther {
			t.Fatalf("reject = %d", rec.Code)
		}
		contains(t, "flash after rejection", sh.Do("GET", "/verwaltung/antraege", nil, nil).Body.String(), "The request has been rejected.")
	})

	t.Run("tokens", func(t *testing.T) {
		c := env.As(t, "redaktion-a")
		c.Header["Accept-Language"] = "en"
		page := c.Do("GET", "/konto/tokens", nil, nil).Body.String()
		contains(t, "token page", page, "API tokens", "Valid until", time.Now().AddDate(0, 6, 0).Format("2006-01-02"))
		rec := c.Do("POST", "/konto/tokens", url.Values{"name": {"Test"}, "organisation": {"0"}, "expiresAt": {"irgendwann"}}, nil)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad token form = %d", rec.Code)
		}
		contains(t, "token errors", rec.Body.String(), "Please choose one of your organisations.", "Please enter the day as YYYY-MM-DD")
	})

	t.Run("webhooks", func(t *testing.T) {
		admin := env.As(t, "admin")
		admin.Header["Accept-Language"] = "en"
		rec := admin.Do("POST", "/verwaltung/webhooks", url.Values{"url": {"https://portal.example.de/efa"}}, nil)
		contains(t, "webhook added", rec.Body.String(), "The webhook is registered.", "shown only once")
		hooks, _ := env.Store.Webhooks(context.Background())
		if len(hooks) != 1 {
			t.Fatalf("%d webhooks", len(hooks))
		}
		admin.Do("POST", fmt.Sprintf("/verwaltung/webhooks/%d/loeschen", hooks[0].ID), url.Values{}, nil)
		contains(t, "flash after removal", admin.Do("GET", "/verwaltung/webhooks", nil, nil).Body.String(), "The webhook has been removed.")
		// German readers still read German.
		de := env.As(t, "admin")
		de.Do("POST", "/verwaltung/webhooks", url.Values{"url": {"https://portal.example.de/zwei"}}, nil)
		hooks, _ = env.Store.Webhooks(context.Background())
		de.Do("POST", fmt.Sprintf("/verwaltung/webhooks/%d/loeschen", hooks[0].ID), url.Values{}, nil)
		contains(t, "German flash", de.Do("GET", "/verwaltung/webhooks", nil, nil).Body.String(), "Der Webhook wurde entfernt.")
	})

	t.Run("users", func(t *testing.T) {
		admin := env.As(t, "admin")
		rec := admin.Do("GET", "/verwaltung/benutzer", nil, en)
		contains(t, "user list", rec.Body.String(), "User administration", "As platform administration you see all user accounts.",
			"user accounts", "Last login")
		rec = admin.Do("GET", "/verwaltung/benutzer?sortierung=quer", nil, en)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("unknown order = %d", rec.Code)
		}
		contains(t, "unknown order", rec.Body.String(), "Unknown order")
	})
}

// TestEnglishRequesterGetsAConsistentMail: the request page answers in
// English, the e-mail (German so far, see mails.go) names the decider in
// German, not in the page's language.
func TestEnglishRequesterGetsAConsistentMail(t *testing.T) {
	env := servertest.NewEnvWithMail(t, server.AuthConfig{})
	anon := env.Client(t)
	anon.Header["Accept-Language"] = "en"
	rec := anon.Do("POST", "/konto/beantragen", requestForm(t, env, "01001000", "Erika Muster", "erika@flensburg.example"), nil)
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), "We have sent you an email to erika@flensburg.example.") {
		t.Fatalf("request = %d", rec.Code)
	}
	env.FlushMail(t)
	msgs := env.SMTP.Messages()
	if len(msgs) == 0 || strings.Contains(msgs[0].Body, "entscheidet the state coordination") {
		t.Fatalf("confirmation mixes languages or is missing: %v", msgs)
	}
}

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/mail/mailtest"
	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
	"efa-register/internal/store"
)

// requestForm is a complete account request for the Gemeinde with the AGS.
func requestForm(t *testing.T, env *servertest.Env, ags, name, email string) url.Values {
	t.Helper()
	org, err := env.Store.OrganisationByAGS(context.Background(), ags)
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"q": {ags}, "organisation": {fmt.Sprint(org.ID)}, "name": {name}, "email": {email},
		"password": {servertest.TestPassword}, "message": {"Bitte freischalten."}, "aktion": {"beantragen"}}
}

// recipients lists the envelope recipients of the messages, each message's
// own list joined by "+", in order of arrival.
func recipients(msgs []mailtest.Received) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, strings.Join(m.To, "+"))
	}
	return out
}

var statusLinkRE = regexp.MustCompile(`https://efa\.example/konto/antrag/[A-Za-z0-9_-]{43}`)

// Each e-mail of an account request goes to exactly the right people: the
// requester, the coordinators of the Land (else the platform admins), and
// the decision to the requester.
func TestAccountRequestMailsReachTheRightRecipients(t *testing.T) {
	env := servertest.NewEnvWithMail(t, server.AuthConfig{})
	anon := env.Client(t)

	// The form says who decides, per organisation found.
	doc := servertest.Doc(t, anon.Do("POST", "/konto/beantragen", url.Values{"q": {"01001000"}, "aktion": {"suchen"}}, nil))
	if got := servertest.Text(doc.Find(`label[for^="org-"]`).First()); !strings.Contains(got, "Es entscheidet die Landeskoordination Schleswig-Holstein.") {
		t.Errorf("choice of Flensburg: %q", got)
	}
	doc = servertest.Doc(t, anon.Do("POST", "/konto/beantragen", url.Values{"q": {"09161000"}, "aktion": {"suchen"}}, nil))
	if got := servertest.Text(doc.Find(`label[for^="org-"]`).First()); !strings.Contains(got, "Es entscheidet die Plattformverwaltung (für Bayern gibt es keine Landeskoordination).") {
		t.Errorf("choice of Ingolstadt: %q", got)
	}
	if n := doc.Find(servertest.TID("keine-mails")).Length(); n != 0 {
		t.Errorf("a register with e-mail says it sends none")
	}

	// Flensburg (SH): the SH coordinator decides.
	rec := anon.Do("POST", "/konto/beantragen", requestForm(t, env, "01001000", "Erika Muster", "erika@flensburg.example"), nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("request = %d", rec.Code)
	}
	doc = servertest.Doc(t, rec)
	link, _ := doc.Find(servertest.TID("statuslink")).Attr("href")
	if !statusLinkRE.MatchString(link) || servertest.Text(doc.Find(servertest.TID("statuslink"))) != link {
		t.Errorf("status link %q is not an absolute link with itself as text", link)
	}
	if got := servertest.Text(doc.Find(servertest.TID("mailhinweis"))); !strings.Contains(got, "E-Mail an erika@flensburg.example") {
		t.Errorf("mail notice %q", got)
	}
	env.FlushMail(t)
	msgs := env.SMTP.Messages()
	if got := recipients(msgs); !slices.Equal(got, []string{"erika@flensburg.example", "koordination-sh@example.de"}) {
		t.Fatalf("recipients %v, want the requester, then the SH coordinator only", got)
	}
	if m := msgs[0]; m.Subject != "Ihr Kontoantrag im EfA-Register ist eingegangen" || !strings.Contains(m.Body, link) ||
		!strings.Contains(m.Body, "Über ihn entscheidet die Landeskoordination Schleswig-Holstein.") || !strings.Contains(m.Body, "Guten Tag Erika Muster,") {
		t.Errorf("confirmation %q:\n%s", m.Subject, m.Body)
	}
	if m := msgs[1]; m.Subject != "Neuer Kontoantrag: Erika Muster für Flensburg, Stadt / New account request: Erika Muster for Flensburg, Stadt" || !strings.Contains(m.Body, "https://efa.example/verwaltung/antraege") ||
		!strings.Contains(m.Body, "Flensburg, Stadt (Gemeinde), Schleswig-Holstein") || strings.Contains(m.Body, "/konto/antrag/") {
		t.Errorf("coordinator notice %q:\n%s", m.Subject, m.Body)
	}

	// Ingolstadt (Bayern has no coordinator): the platform admins decide.
	env.SMTP.Reset()
	if rec := anon.Do("POST", "/konto/beantragen", requestForm(t, env, "09161000", "Max Bayer", "max@ingolstadt.example"), nil); rec.Code != http.StatusCreated {
		t.Fatalf("request = %d", rec.Code)
	}
	env.FlushMail(t)
	msgs = env.SMTP.Messages()
	if got := recipients(msgs); !slices.Equal(got, []string{"max@ingolstadt.example", "admin@example.de"}) {
		t.Fatalf("recipients %v, want the requester, then the admin only", got)
	}
	if !strings.Contains(msgs[0].Body, "Über ihn entscheidet die Plattformverwaltung (für Bayern gibt es keine Landeskoordination).") {
		t.Errorf("confirmation does not name the admins:\n%s", msgs[0].Body)
	}

	// Decisions go to the requester only.
	reqs, _ := env.Store.AccountRequests(context.Background(), nil)
	ids := map[string]uint{}
	for _, r := range reqs {
		ids[r.Email] = r.ID
	}
	env.SMTP.Reset()
	sh := env.As(t, "koordination-sh")
	if rec := sh.Do("POST", fmt.Sprintf("/verwaltung/antraege/%d", ids["erika@flensburg.example"]), url.Values{"entscheidung": {"genehmigen"}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("approve = %d", rec.Code)
	}
	admin := env.As(t, "admin")
	if rec := admin.Do("POST", fmt.Sprintf("/verwaltung/antraege/%d", ids["max@ingolstadt.example"]), url.Values{"entscheidung": {"ablehnen"}, "grund": {"Bitte über das Funktionspostfach beantragen."}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("reject = %d", rec.Code)
	}
	env.FlushMail(t)
	msgs = env.SMTP.Messages()
	if got := recipients(msgs); !slices.Equal(got, []string{"erika@flensburg.example", "max@ingolstadt.example"}) {
		t.Fatalf("decision recipients %v", got)
	}
	if m := msgs[0]; !strings.HasPrefix(m.Subject, "Ihr Konto im EfA-Register ist freigeschaltet / ") || !strings.Contains(m.Body, "https://efa.example/anmelden") {
		t.Errorf("approval %q:\n%s", m.Subject, m.Body)
	}
	if m := msgs[1]; !strings.HasPrefix(m.Subject, "Ihr Kontoantrag im EfA-Register wurde abgelehnt / ") || !strings.Contains(m.Body, "Begründung: Bitte über das Funktionspostfach beantragen.") {
		t.Errorf("rejection %q:\n%s", m.Subject, m.Body)
	}
}

// The request form and status page of a register without e-mail say so.
func TestRegisterWithoutMailSaysSo(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	anon := env.Client(t)
	doc := servertest.Doc(t, anon.Do("GET", "/konto/beantragen", nil, nil))
	if got := servertest.Text(doc.Find(servertest.TID("keine-mails"))); !strings.HasPrefix(got, "Dieses Register versendet keine E-Mails;") {
		t.Errorf("request form: %q", got)
	}
	rec := anon.Do("POST", "/konto/beantragen", requestForm(t, env, "01001000", "Erika Muster", "erika@flensburg.example"), nil)
	doc = servertest.Doc(t, rec)
	if got := servertest.Text(doc.Find(servertest.TID("keine-mails"))); !strings.Contains(got, "Dieses Register versendet keine E-Mails; Sie erfahren die Entscheidung nur über diesen Link.") {
		t.Errorf("confirmation: %q", got)
	}
	if href, _ := doc.Find(`a` + servertest.TID("statuslink")).Attr("href"); !strings.HasPrefix(href, "http://example.com/konto/antrag/") {
		t.Errorf("status link %q", href)
	}
	doc = servertest.Doc(t, anon.Do("GET", "/passwort-vergessen", nil, nil))
	if got := servertest.Text(doc.Find(servertest.TID("keine-mails"))); !strings.HasPrefix(got, "Dieses Register versendet keine E-Mails;") || doc.Find("form[action='/passwort-vergessen']").Length() != 0 {
		t.Errorf("forgot page without mail: %q", got)
	}
}

// The answer to an account request is the same whether the address is
// unknown, has an account, or has a pending request (issue 15, row 7); the
// owner learns the rest by e-mail, and only real requests reach the deciders.
func TestAccountRequestAnswerSameForKnownAddress(t *testing.T) {
	env := servertest.NewEnvWithMail(t, server.AuthConfig{})
	ctx := context.Background()
	anon := env.Client(t)
	post := func(email string) (int, string, string) {
		rec := anon.Do("POST", "/konto/beantragen", requestForm(t, env, "01001000", "Erika Muster", email), nil)
		body := rec.Body.String()
		link := statusLinkRE.FindString(body)
		norm := strings.ReplaceAll(strings.ReplaceAll(body, link, "LINK"), email, "EMAIL")
		return rec.Code, norm, link
	}
	codeNew, bodyNew, linkNew := post("neu@flensburg.example")
	codeAcct, bodyAcct, linkAcct := post("redaktion-a@example.de")
	codePend, bodyPend, linkPend := post("neu@flensburg.example") // pending since the first post
	for name, got := range map[string]struct {
		code       int
		body, link string
	}{"existing account": {codeAcct, bodyAcct, linkAcct}, "pending request": {codePend, bodyPend, linkPend}} {
		if got.code != codeNew || got.code != http.StatusCreated {
			t.Errorf("%s: status %d, new address %d", name, got.code, codeNew)
		}
		if got.body != bodyNew {
			t.Errorf("%s: answer differs from a new address's", name)
		}
		if got.link == "" || got.link == linkNew {
			t.Errorf("%s: status link %q", name, got.link)
		}
		path := strings.TrimPrefix(got.link, "https://efa.example")
		if rec := anon.Do("GET", path, nil, nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "in Prüfung") {
			t.Errorf("%s: status page %d", name, rec.Code)
		}
	}
	env.FlushMail(t)
	msgs := env.SMTP.Messages()
	if got := recipients(msgs); !slices.Equal(got, []string{"neu@flensburg.example", "koordination-sh@example.de", "redaktion-a@example.de", "neu@flensburg.example"}) {
		t.Fatalf("recipients %v: want the new request's two messages and one note to each known owner", got)
	}
	if b := msgs[2].Body; !strings.Contains(b, "Für diese Adresse gibt es bereits ein Konto") || !strings.Contains(b, "https://efa.example/passwort-vergessen") {
		t.Errorf("note to the account owner:\n%s", b)
	}
	if b := msgs[3].Body; !strings.Contains(b, "Für diese Adresse liegt bereits ein Antrag vom") || !strings.Contains(b, "Flensburg, Stadt (Gemeinde)") {
		t.Errorf("note to the requester:\n%s", b)
	}
	// The coordinator sees the one real request, nothing to decide twice.
	reqs, _ := env.Store.AccountRequests(ctx, nil)
	if len(reqs) != 1 || reqs[0].Email != "neu@flensburg.example" || reqs[0].Status != catalog.RequestPending {
		t.Errorf("requests to decide: %+v", reqs)
	}
	doc := servertest.Doc(t, env.As(t, "koordination-sh").Do("GET", "/konto", nil, nil))
	if got := servertest.Text(doc.Find(servertest.TID("wartende-antraege"))); got != "1 Kontoantrag wartet auf Ihre Entscheidung" {
		t.Errorf("coordinator's /konto: %q", got)
	}
	if href, _ := doc.Find(servertest.TID("wartende-antraege") + " a").Attr("href"); href != "/verwaltung/antraege" {
		t.Errorf("count links to %q", href)
	}
	doc = servertest.Doc(t, env.As(t, "koordination-nw").Do("GET", "/konto", nil, nil))
	if got := servertest.Text(doc.Find(servertest.TID("wartende-antraege"))); got != "Es warten keine Kontoanträge auf Ihre Entscheidung." {
		t.Errorf("NW coordinator's /konto: %q", got)
	}
	if n := servertest.Doc(t, env.As(t, "redaktion-a").Do("GET", "/konto", nil, nil)).Find(servertest.TID("wartende-antraege")).Length(); n != 0 {
		t.Error("an editor is shown waiting requests")
	}
}

// Logging in before approval says the request is being reviewed, but only
// with the right password.
func TestLoginBeforeApproval(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	anon := env.Client(t)
	if rec := anon.Do("POST", "/konto/beantragen", requestForm(t, env, "01001000", "Erika Muster", "erika@flensburg.example"), nil); rec.Code != http.StatusCreated {
		t.Fatalf("request = %d", rec.Code)
	}
	c := env.Client(t)
	rec := c.Do("POST", "/anmelden", url.Values{"email": {"erika@flensburg.example"}, "password": {"falsches-passwort-123"}}, nil)
	if got := servertest.Text(servertest.Doc(t, rec).Find(servertest.TID("formularfehler"))); rec.Code != http.StatusUnauthorized || got != "E-Mail-Adresse oder Passwort sind falsch." {
		t.Errorf("wrong password before approval = %d", rec.Code)
	}
	rec = c.Do("POST", "/anmelden", url.Values{"email": {"Erika@Flensburg.example"}, "password": {servertest.TestPassword}}, nil)
	want := "Ihr Kontoantrag für Flensburg, Stadt vom " + time.Now().Format("02.01.2006") + " wird noch geprüft. Sie können sich anmelden, sobald er genehmigt ist."
	if rec.Code != http.StatusForbidden || !strings.Contains(servertest.Text(servertest.Doc(t, rec).Find(servertest.TID("antrag-in-pruefung"))), want) {
		t.Errorf("right password before approval = %d: %s", rec.Code, rec.Body.String())
	}
	if _, ok := c.Cookies[servertest.SessionCookie]; ok && c.Do("GET", "/konto", nil, nil).Code == http.StatusOK {
		t.Error("logged in before approval")
	}
}

// The own password is changed on /konto/passwort: current one required,
// rules as for new accounts; other sessions end.
func TestPasswordChange(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	c := env.As(t, "redaktion-a")
	other := env.As(t, "redaktion-a") // a second browser
	doc := servertest.Doc(t, c.Do("GET", "/konto", nil, nil))
	if doc.Find(`a[href="/konto/passwort"]`).Length() != 1 {
		t.Error("no link to change the password on /konto")
	}
	if rec := c.Do("GET", "/konto/passwort", nil, nil); rec.Code != http.StatusOK || servertest.Doc(t, rec).Find(servertest.TID("passwort-pflicht")).Length() != 0 {
		t.Fatalf("form = %d", rec.Code)
	}
	newPW := "ein-ganz-neues-passwort"
	for _, tc := range []struct {
		form  url.Values
		field string
		msg   string
	}{
		{url.Values{"current": {"falsch-falsch-falsch"}, "password": {newPW}, "repeat": {newPW}}, "current", "Das bisherige Passwort ist falsch."},
		{url.Values{"current": {servertest.TestPassword}, "password": {"kurz"}, "repeat": {"kurz"}}, "password", "Das Passwort muss mindestens 12 Zeichen lang sein."},
		{url.Values{"current": {servertest.TestPassword}, "password": {newPW}, "repeat": {newPW + "x"}}, "repeat", "Die beiden Eingaben des neuen Passworts stimmen nicht überein."},
		{url.Values{"current": {servertest.TestPassword}, "password": {servertest.TestPassword}, "repeat": {servertest.TestPassword}}, "password", "Das neue Passwort muss sich vom bisherigen unterscheiden."},
		{url.Values{"password": {newPW}, "repeat": {newPW}}, "current", "Bitte geben Sie Ihr bisheriges Passwort ein."},
	} {
		rec := c.Do("POST", "/konto/passwort", tc.form, nil)
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), tc.msg) ||
			servertest.Doc(t, rec).Find("#feld-"+tc.field+"-fehler").Length() != 1 {
			t.Errorf("%s: %d, want 422 with %q at the field", tc.field, rec.Code, tc.msg)
		}
	}
	// Without the form token the change is refused.
	noToken := &servertest.Client{T: t, H: env.App, Cookies: map[string]*http.Cookie{servertest.SessionCookie: c.Cookies[servertest.SessionCookie]}, Header: map[string]string{}}
	if rec := noToken.Do("POST", "/konto/passwort", url.Values{"current": {servertest.TestPassword}, "password": {newPW}, "repeat": {newPW}}, map[string]string{"Sec-Fetch-Site": ""}); rec.Code != http.StatusForbidden {
		t.Errorf("without CSRF token = %d", rec.Code)
	}
	rec := c.Do("POST", "/konto/passwort", url.Values{"current": {servertest.TestPassword}, "password": {newPW}, "repeat": {newPW}}, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/konto" {
		t.Fatalf("change = %d", rec.Code)
	}
	if got := servertest.Text(servertest.Doc(t, c.Do("GET", "/konto", nil, nil)).Find(servertest.TID("hinweis"))); !strings.Contains(got, "Ihr Passwort wurde geändert.") {
		t.Errorf("notice %q", got)
	}
	if rec := other.Do("GET", "/konto", nil, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("the other session still works: %d", rec.Code)
	}
	if rec := env.Client(t).Do("POST", "/anmelden", url.Values{"email": {"redaktion-a@example.de"}, "password": {servertest.TestPassword}}, nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("old password = %d", rec.Code)
	}
	if rec := env.Client(t).Do("POST", "/anmelden", url.Values{"email": {"redaktion-a@example.de"}, "password": {newPW}}, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("new password = %d", rec.Code)
	}
}

// A forgotten password is reset by a single-use link with an expiry; the
// answer is the same whether the address has an account.
func TestPasswordReset(t *testing.T) {
	env := servertest.NewEnvWithMail(t, server.AuthConfig{})
	ctx := context.Background()
	anon := env.Client(t)
	doc := servertest.Doc(t, anon.Do("GET", "/anmelden", nil, nil))
	if href, _ := doc.Find(servertest.TID("passwort-vergessen")).Attr("href"); href != "/passwort-vergessen" {
		t.Errorf("login page links to %q", href)
	}
	ask := func(email string) (int, string) {
		rec := anon.Do("POST", "/passwort-vergessen", url.Values{"email": {email}}, nil)
		return rec.Code, strings.ReplaceAll(rec.Body.String(), email, "EMAIL")
	}
	codeKnown, known := ask("redaktion-a@example.de")
	codeUnknown, unknown := ask("niemand@example.de")
	if codeKnown != http.StatusOK || codeUnknown != codeKnown || known != unknown || !strings.Contains(known, "Bitte sehen Sie in Ihr Postfach.") {
		t.Errorf("answers differ: %d %d", codeKnown, codeUnknown)
	}
	if rec := anon.Do("POST", "/passwort-vergessen", url.Values{"email": {"keine-adresse"}}, nil); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("bad address = %d", rec.Code)
	}
	env.FlushMail(t)
	msgs := env.SMTP.Messages()
	if got := recipients(msgs); !slices.Equal(got, []string{"redaktion-a@example.de"}) {
		t.Fatalf("recipients %v", got)
	}
	link := regexp.MustCompile(`https://efa\.example(/passwort-neu/[A-Za-z0-9_-]{43})`).FindStringSubmatch(msgs[0].Body)
	if link == nil || !strings.Contains(msgs[0].Body, "Der Link gilt einmal und bis") {
		t.Fatalf("reset mail:\n%s", msgs[0].Body)
	}
	path := link[1]
	if rec := anon.Do("GET", path, nil, nil); rec.Code != http.StatusOK || servertest.Doc(t, rec).Find(servertest.TID("neues-passwort")).Length() != 1 {
		t.Fatalf("reset form = %d", rec.Code)
	}
	if rec := anon.Do("POST", path, url.Values{"password": {"kurz"}, "repeat": {"kurz"}}, nil); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("short password = %d", rec.Code)
	}
	newPW := "zurueckgesetztes-passwort"
	rec := anon.Do("POST", path, url.Values{"password": {newPW}, "repeat": {newPW}}, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/anmelden" {
		t.Fatalf("reset = %d %s", rec.Code, rec.Body.String())
	}
	if got := servertest.Text(servertest.Doc(t, anon.Do("GET", "/anmelden", nil, nil)).Find(servertest.TID("hinweis"))); got != "Ihr neues Passwort gilt. Bitte melden Sie sich damit an." {
		t.Errorf("login notice %q", got)
	}
	if rec := env.Client(t).Do("POST", "/anmelden", url.Values{"email": {"redaktion-a@example.de"}, "password": {newPW}}, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("login with the new password = %d", rec.Code)
	}
	// Used: refused, and the password stays.
	for _, method := range []string{"GET", "POST"} {
		rec := anon.Do(method, path, url.Values{"password": {"noch-ein-passwort-1"}, "repeat": {"noch-ein-passwort-1"}}, nil)
		if rec.Code != http.StatusGone || servertest.Doc(t, rec).Find(servertest.TID("link-ungueltig")).Length() != 1 {
			t.Errorf("%s used link = %d", method, rec.Code)
		}
	}
	// Expired: refused.
	secret, hash, _ := auth.NewSecret("")
	past := time.Now().Add(-2 * time.Hour)
	if _, err := env.Store.CreatePasswordReset(ctx, "redaktion-b@example.de", hash, past, past.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"GET", "POST"} {
		if rec := anon.Do(method, "/passwort-neu/"+secret, url.Values{"password": {newPW}, "repeat": {newPW}}, nil); rec.Code != http.StatusGone {
			t.Errorf("%s expired link = %d", method, rec.Code)
		}
	}
	if rec := env.Client(t).Do("POST", "/anmelden", url.Values{"email": {"redaktion-b@example.de"}, "password": {servertest.TestPassword}}, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("expired link changed the password: login = %d", rec.Code)
	}
	if rec := anon.Do("GET", "/passwort-neu/erfunden", nil, nil); rec.Code != http.StatusGone {
		t.Errorf("unknown link = %d", rec.Code)
	}
	// At most 3 links per address and hour (one was asked above), from any client.
	for i, want := range []int{http.StatusOK, http.StatusOK, http.StatusTooManyRequests} {
		c := env.Client(t)
		c.Remote = fmt.Sprintf("192.0.2.%d:1000", i+10)
		if rec := c.Do("POST", "/passwort-vergessen", url.Values{"email": {"redaktion-a@example.de"}}, nil); rec.Code != want {
			t.Errorf("link %d for one address = %d, want %d", i+2, rec.Code, want)
		}
	}
}

// A password the operator set (efa user add / passwd) must be changed at
// the first login: every page leads to the form until then.
func TestForcedPasswordChange(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	ctx := context.Background()
	if _, err := env.Store.CreateUser(ctx, "test", store.NewUser{Name: "Neu", Email: "neu@example.de", PasswordHash: servertest.PasswordHash(t),
		MustChangePassword: true, Memberships: []store.NewMembership{servertest.EditorOf(servertest.GemeindeA)}}); err != nil {
		t.Fatal(err)
	}
	c := env.Client(t)
	c.Login("neu@example.de")
	for _, target := range []string{"/konto", "/loesungen", "/", "/konto/tokens"} {
		if rec := c.Do("GET", target, nil, nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/konto/passwort" {
			t.Errorf("GET %s = %d → %q", target, rec.Code, rec.Header().Get("Location"))
		}
	}
	if rec := c.Do("POST", "/loesungen/wohngeld-online/nachnutzung", url.Values{"organisation": {"gemeinde:" + servertest.GemeindeA}, "status": {"interested"}}, nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/konto/passwort" {
		t.Errorf("POST elsewhere = %d", rec.Code)
	}
	doc := servertest.Doc(t, c.Do("GET", "/konto/passwort", nil, nil))
	if doc.Find(servertest.TID("passwort-pflicht")).Length() != 1 {
		t.Error("the form does not say why")
	}
	newPW := "mein-eigenes-passwort"
	if rec := c.Do("POST", "/konto/passwort", url.Values{"current": {servertest.TestPassword}, "password": {newPW}, "repeat": {newPW}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("change = %d %s", rec.Code, rec.Body.String())
	}
	if rec := c.Do("GET", "/konto/tokens", nil, nil); rec.Code != http.StatusOK {
		t.Errorf("after the change /konto/tokens = %d", rec.Code)
	}
	if u, _ := env.Store.UserByEmail(ctx, "neu@example.de"); u.MustChangePassword || auth.CheckPassword(u.PasswordHash, newPW) != nil {
		t.Errorf("stored: must change %v", u.MustChangePassword)
	}
}

// After failures block or slow an account, its owner is told once.
func TestLoginBlockedOwnerToldOnce(t *testing.T) {
	env := servertest.NewEnvWithMail(t, server.AuthConfig{})
	fail := func(remote, email string, n int) {
		c := env.Client(t)
		c.Remote = remote
		for range n {
			c.Do("POST", "/anmelden", url.Values{"email": {email}, "password": {"geraten-geraten"}}, nil)
		}
	}
	fail("203.0.113.1:1", "redaktion-a@example.de", 4)
	env.FlushMail(t)
	if n := len(env.SMTP.Messages()); n != 0 {
		t.Fatalf("%d messages after 4 failures", n)
	}
	fail("203.0.113.1:1", "redaktion-a@example.de", 1) // the 5th blocks this client
	fail("203.0.113.2:1", "redaktion-a@example.de", 5) // another client: blocked too, and the account slowed
	fail("203.0.113.3:1", "niemand@example.de", 5)     // unknown: nobody to tell
	env.FlushMail(t)
	msgs := env.SMTP.Messages()
	if got := recipients(msgs); !slices.Equal(got, []string{"redaktion-a@example.de"}) {
		t.Fatalf("recipients %v, want the owner once", got)
	}
	if m := msgs[0]; !strings.HasPrefix(m.Subject, "Fehlgeschlagene Anmeldeversuche bei Ihrem Konto – EfA-Register / ") || !strings.Contains(m.Body, "https://efa.example/konto/passwort") {
		t.Errorf("warning %q:\n%s", m.Subject, m.Body)
	}
}

// The mails to the person acting are in the request's language; those to
// people whose language is unknown (deciders, the requester told the
// decision) are German first, then English.
func TestAccountMailsInEnglish(t *testing.T) {
	env := servertest.NewEnvWithMail(t, server.AuthConfig{})
	anon := env.Client(t)
	anon.Header["Accept-Language"] = "en"
	if rec := anon.Do("POST", "/konto/beantragen", requestForm(t, env, "01001000", "Erika Muster", "erika@flensburg.example"), nil); rec.Code != http.StatusCreated {
		t.Fatalf("request = %d", rec.Code)
	}
	env.FlushMail(t)
	msgs := env.SMTP.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	if m := msgs[0]; m.Subject != "Your account request at the EfA-Register has been received" || !strings.Contains(m.Body, "Hello Erika Muster,") ||
		!strings.Contains(m.Body, "Your request for an account for Flensburg, Stadt – Gemeinde (municipality) has been received.") ||
		!statusLinkRE.MatchString(m.Body) || strings.Contains(m.Body, "Guten Tag") || strings.Contains(m.Body, "English version") ||
		!strings.Contains(m.Body, "\n-- \nEfA-Register – the register of the “Einer für Alle” (One for All) online services\nThis message was generated automatically.") {
		t.Errorf("confirmation %q:\n%s", m.Subject, m.Body)
	}
	m := msgs[1]
	de, en, ok := strings.Cut(m.Body, "\n\n– English version –\n\n")
	if m.Subject != "Neuer Kontoantrag: Erika Muster für Flensburg, Stadt / New account request: Erika Muster for Flensburg, Stadt" || !ok ||
		!strings.HasPrefix(de, "Guten Tag,\n\nein neuer Kontoantrag wartet auf Ihre Entscheidung:\n\n  Name:         Erika Muster\n  E-Mail:       erika@flensburg.example\n"+
			"  Organisation: Flensburg, Stadt (Gemeinde), Schleswig-Holstein\n  Nachricht:    Bitte freischalten.\n") ||
		!strings.HasPrefix(en, "Hello,\n\nA new account request is waiting for your decision:\n\n  Name:         Erika Muster\n  E-mail:       erika@flensburg.example\n"+
			"  Organisation: Flensburg, Stadt – Gemeinde (municipality), Schleswig-Holstein\n  Message:      Bitte freischalten.\n\n"+
			"You can approve or reject it here (after signing in):\nhttps://efa.example/verwaltung/antraege") {
		t.Errorf("coordinator notice %q:\n%s", m.Subject, m.Body)
	}

	// The decision: bilingual, whatever language the decider reads.
	reqs, _ := env.Store.AccountRequests(context.Background(), nil)
	env.SMTP.Reset()
	sh := env.As(t, "koordination-sh")
	sh.Header["Accept-Language"] = "en"
	if rec := sh.Do("POST", fmt.Sprintf("/verwaltung/antraege/%d", reqs[0].ID), url.Values{"entscheidung": {"genehmigen"}}, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("approve = %d", rec.Code)
	}
	env.FlushMail(t)
	msgs = env.SMTP.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	if m := msgs[0]; m.Subject != "Ihr Konto im EfA-Register ist freigeschaltet / Your account at the EfA-Register has been activated" ||
		!strings.Contains(m.Body, "Ihr Antrag auf ein Konto für Flensburg, Stadt (Gemeinde) wurde genehmigt.") ||
		!strings.Contains(m.Body, "– English version –\n\nHello Erika Muster,\n\nYour request for an account for Flensburg, Stadt – Gemeinde (municipality) has been approved.") {
		t.Errorf("approval %q:\n%s", m.Subject, m.Body)
	}

	// A password reset asked for in English is answered in English, the
	// expiry in English format.
	env.SMTP.Reset()
	if rec := anon.Do("POST", "/passwort-vergessen", url.Values{"email": {"redaktion-a@example.de"}}, nil); rec.Code != http.StatusOK {
		t.Fatalf("reset = %d", rec.Code)
	}
	env.FlushMail(t)
	msgs = env.SMTP.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	if m := msgs[0]; m.Subject != "Reset your password – EfA-Register" || !strings.Contains(m.Body, "/passwort-neu/") ||
		!regexp.MustCompile(`The link can be used once, until \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} \(German time\)\.`).MatchString(m.Body) ||
		strings.Contains(m.Body, "Passwort") {
		t.Errorf("reset %q:\n%s", m.Subject, m.Body)
	}
}

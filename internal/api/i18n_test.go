package api_test

import (
	"net/http"
	"testing"

	"efa-register/internal/server"
	"efa-register/internal/server/servertest"
)

// TestProblemInEnglish checks that the title and detail of a problem
// document follow Accept-Language while the members and the German
// default stay.
func TestProblemInEnglish(t *testing.T) {
	env := servertest.NewEnv(t, server.AuthConfig{})
	cl := &apiClient{t: t, h: env.App} // some requests break the schema on purpose
	en := decodeProblem(t, cl.sendAs(http.MethodGet, "/api/v1/services/abc", "", "", "Accept-Language", "en-GB,en;q=0.9"))
	if want := "The parameter “ozgId” is invalid: expected an OZG ID of 5 digits."; en.Detail != want {
		t.Errorf("English detail = %q, want %q", en.Detail, want)
	}
	if en.Status != http.StatusBadRequest || en.Errors["ozgId"] != "expected an OZG ID of 5 digits." {
		t.Errorf("English problem = %+v", en)
	}
	de := decodeProblem(t, cl.sendAs(http.MethodGet, "/api/v1/services/abc", "", ""))
	if want := "Der Parameter „ozgId“ ist ungültig: erwartet wird eine OZG-ID aus 5 Ziffern."; de.Detail != want {
		t.Errorf("German detail = %q, want %q", de.Detail, want)
	}
	bearer := env.Token(t, "anbieter")
	rec := cl.sendAs(http.MethodPost, "/api/v1/solutions", "text/plain", "x", "Authorization", "Bearer "+bearer, "Accept-Language", "en")
	if p := decodeProblem(t, rec); p.Detail != "Please send JSON (Content-Type: application/json) or a publiccode.yml (Content-Type: application/yaml)." {
		t.Errorf("415 detail in English = %q (%d)", p.Detail, rec.Code)
	}
	rec = cl.sendAs(http.MethodPost, "/api/v1/solutions", "application/json", `{"name":""}`, "Authorization", "Bearer "+bearer, "Accept-Language", "en")
	if p := decodeProblem(t, rec); p.Errors["status"] != "Required field missing (planned, pilot, live, retired or unknown)." {
		t.Errorf("422 field message in English = %q (%d %+v)", p.Errors["status"], rec.Code, p)
	}
}

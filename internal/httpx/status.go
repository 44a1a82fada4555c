package httpx

import "net/http"

var statusTitles = map[int]string{
	http.StatusNotFound:            "Nicht gefunden",
	http.StatusBadRequest:          "Ungültige Anfrage",
	http.StatusUnprocessableEntity: "Ungültige Eingaben",
	http.StatusConflict:            "Konflikt",
	http.StatusForbidden:           "Keine Berechtigung",
	http.StatusUnauthorized:        "Anmeldung erforderlich",
	http.StatusMethodNotAllowed:    "Methode nicht erlaubt",
	http.StatusTooManyRequests:     "Zu viele Anfragen",
}

// StatusTitle is the German title of an HTTP status for error pages and problem documents.
func StatusTitle(code int) string {
	if t, ok := statusTitles[code]; ok {
		return t
	}
	if code >= 500 {
		return "Fehler"
	}
	return http.StatusText(code)
}

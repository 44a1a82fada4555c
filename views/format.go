// Package views holds the templ components of the UI. It never imports Echo
// or the store: handlers pass plain view data in.
package views

import (
	"encoding/json"
	"net/url"
	"strconv"
)

func statusText(status int) string { return strconv.Itoa(status) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// csrfHeader is the hx-headers value that makes htmx send the CSRF token.
func csrfHeader(token string) string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

func uintStr(n uint) string { return strconv.FormatUint(uint64(n), 10) }

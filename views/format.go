// Package views holds the templ components of the UI. It never imports Echo
// or the store: handlers pass plain view data in.
package views

import (
	"encoding/json"
	"net/url"
	"strconv"
)

// FormatInt formats n with German thousands separators (10.794).
//
// Deprecated: German only; templates use num(ctx, n), handlers i18n.Int.
func FormatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, '.')
		}
		out = append(out, c)
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

func statusText(status int) string { return strconv.Itoa(status) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// csrfHeader is the hx-headers value that makes htmx send the CSRF token.
func csrfHeader(token string) string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

func uintStr(n uint) string { return strconv.FormatUint(uint64(n), 10) }

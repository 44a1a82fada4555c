// Package views holds the templ components of the UI. It never imports Echo
// or the store: handlers pass plain view data in.
package views

import "strconv"

// FormatInt formats n with German thousands separators (10.794).
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

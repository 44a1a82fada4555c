package server

import (
	"bytes"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// FuzzRedactQuery: in the logged form of any query string, every parameter
// with a sensitive name has only the redacted value.
func FuzzRedactQuery(f *testing.F) {
	for _, s := range []string{"token=abc&q=Wohngeld", "password=x&password=y&page=2", "a=%zz", "Session=1;x=2",
		"access_token=abc%26def&sort=name", "q=" + strings.Repeat("x", 2000), "csrf&=&&=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out := redactQuery(raw)
		if out == "" || out == "[unparsable query]" || strings.HasSuffix(out, "…") {
			return
		}
		vals, err := url.ParseQuery(out)
		if err != nil {
			t.Fatalf("redacted form %q of %q does not parse: %v", out, raw, err)
		}
		for k, vs := range vals {
			if !sensitiveName(k) {
				continue
			}
			for _, v := range vs {
				if v != redacted {
					t.Fatalf("%q: sensitive %q kept value %q in %q", raw, k, v, out)
				}
			}
		}
	})
}

// reRequestID is what an incoming X-Request-ID must look like to be kept.
var reRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// FuzzRequestID: the id that reaches logs and headers is always a plain
// token, and a caller's plain token is kept.
func FuzzRequestID(f *testing.F) {
	for _, s := range []string{"", "abc-123", "evil\nline", strings.Repeat("a", 65), "a b", "x:y.z_1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		id := requestID(h)
		if !reRequestID.MatchString(id) {
			t.Fatalf("requestID(%q) = %q is not a plain token", h, id)
		}
		if reRequestID.MatchString(h) && id != h {
			t.Fatalf("plain id %q replaced by %q", h, id)
		}
		if validRequestID(h) != reRequestID.MatchString(h) {
			t.Fatalf("validRequestID(%q) = %v disagrees with the pattern", h, validRequestID(h))
		}
	})
}

// FuzzRedactingHandler: a value logged under a sensitive name never reaches
// the output, whatever the message, name and value are.
func FuzzRedactingHandler(f *testing.F) {
	f.Add("login failed", "password", "S3cr3t-Wert")
	f.Add("token used", "api_token", "efa_abcdefgh")
	f.Add("x", "Cookie", "sid=12345678")
	f.Fuzz(func(t *testing.T, msg, key, value string) {
		if !sensitiveName(key) || len(value) < 8 || strings.Contains(msg, value) || strings.Contains(key, value) ||
			strings.Contains(redacted, value) || strings.ContainsAny(value, "\"\\<>&\x00") {
			return
		}
		var buf bytes.Buffer
		log := slog.New(RedactingHandler(slog.NewJSONHandler(&buf, nil)))
		log.Info(msg, key, value)
		log.With(key, value).Info(msg)
		log.Info(msg, slog.Group("g", key, value))
		if strings.Contains(buf.String(), value) {
			t.Fatalf("value %q of %q reached the log: %s", value, key, buf.String())
		}
	})
}

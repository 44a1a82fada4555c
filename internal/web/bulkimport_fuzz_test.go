package web

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseImportCSV: any upload either fails with a German message or
// yields rows that each carry a clear error or a complete adoption input.
func FuzzParseImportCSV(f *testing.F) {
	for _, s := range []string{
		"loesung;schluessel;status\nelfe;031010000000;live\n",
		"loesung,schluessel,status,seit,notiz\nelfe,03101000,interessiert,2026-11,\"mit, Komma\"\n",
		"\ufeffLoesung;Schluessel;Status\n;;\nelfe;123;live\n",
		"loesung;status\nelfe;live\n",
		"loesung;schluessel;status\n\"offen;1;2\n",
		"\xff\xfe\x00l\x00o",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, err := parseImportCSV(strings.NewReader(string(data)))
		if err != nil {
			if !utf8.ValidString(err.Error()) || err.Error() == "" {
				t.Fatalf("error message %q", err)
			}
			return
		}
		if len(lines) > maxImportRows {
			t.Fatalf("%d rows over the limit %d", len(lines), maxImportRows)
		}
		for _, l := range lines {
			if l.err.ID != "" {
				continue
			}
			in := l.input
			if in.SolutionSlug == "" || in.AdopterKind == "" || !in.Adoption.Status.Valid() {
				t.Fatalf("row %d accepted without solution, adopter kind or valid status: %+v", l.line, in)
			}
		}
	})
}

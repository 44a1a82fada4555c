package i18n

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// catalogue reads the message files of lang: id → the message's forms
// (a plain text is the form "other").
func catalogue(t *testing.T, lang Lang) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	entries, err := files.ReadDir("locales")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.SplitN(e.Name(), ".", 2)[0] != string(lang) {
			continue
		}
		data, err := files.ReadFile("locales/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		for id, v := range raw {
			if _, dup := out[id]; dup {
				t.Errorf("%s: id %q defined twice", e.Name(), id)
			}
			var s string
			if json.Unmarshal(v, &s) == nil {
				out[id] = map[string]string{"other": s}
				continue
			}
			var forms map[string]string
			if err := json.Unmarshal(v, &forms); err != nil {
				t.Errorf("%s: %s: neither a text nor plural forms", e.Name(), id)
			}
			out[id] = forms
		}
	}
	return out
}

var (
	literal = regexp.MustCompile(`"((?:[^"\\\n]|\\.)*)"`)
	idShape = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)
	// a message id as the first string argument of T, M or the views' t.
	call    = regexp.MustCompile(`\b(?:t|T|M)\((?:[A-Za-z_.()]+,\s*)?"([^"]+)"`)
	tmplVar = regexp.MustCompile(`\{\{\s*\.(\w+)`)
)

// TestCatalogues checks both catalogues against each other and against the
// code: the same ids, the same template fields, every id used in code or
// templates defined, and every defined id used.
func TestCatalogues(t *testing.T) {
	de, en := catalogue(t, DE), catalogue(t, EN)
	if len(de) == 0 {
		t.Fatal("the German catalogue is empty")
	}
	for id, forms := range de {
		enForms, ok := en[id]
		if !ok {
			t.Errorf("%s: missing in English", id)
			continue
		}
		if fieldsOf(forms) != fieldsOf(enForms) {
			t.Errorf("%s: template fields differ: de %s, en %s", id, fieldsOf(forms), fieldsOf(enForms))
		}
		for _, f := range enForms {
			if strings.TrimSpace(f) == "" {
				t.Errorf("%s: empty English text", id)
			}
		}
	}
	for id := range en {
		if _, ok := de[id]; !ok {
			t.Errorf("%s: missing in German", id)
		}
	}

	namespaces := map[string]bool{}
	for id := range de {
		namespaces[strings.SplitN(id, ".", 2)[0]] = true
	}
	used := map[string]string{} // id → first file that names it
	root := filepath.Join("..", "..")
	for _, dir := range []string{"cmd", "internal", "views"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name := d.Name()
			if strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, "_templ.go") ||
				!(strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".templ")) {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range call.FindAllStringSubmatch(string(src), -1) {
				if idShape.MatchString(m[1]) {
					if _, ok := used[m[1]]; !ok {
						used[m[1]] = path
					}
				}
			}
			for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
				if idShape.MatchString(m[1]) && namespaces[strings.SplitN(m[1], ".", 2)[0]] {
					if _, ok := used[m[1]]; !ok {
						used[m[1]] = path
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var missing, unused []string
	for id, path := range used {
		if _, ok := de[id]; !ok {
			missing = append(missing, id+" ("+path+")")
		}
	}
	for id := range de {
		if _, ok := used[id]; !ok {
			unused = append(unused, id)
		}
	}
	sort.Strings(missing)
	sort.Strings(unused)
	for _, m := range missing {
		t.Errorf("used but not in the catalogues: %s", m)
	}
	for _, u := range unused {
		t.Errorf("in the catalogues but not used: %s", u)
	}
	t.Logf("%d messages, %d used in code and templates", len(de), len(used))
}

func fieldsOf(forms map[string]string) string {
	set := map[string]bool{}
	for _, f := range forms {
		for _, m := range tmplVar.FindAllStringSubmatch(f, -1) {
			set[m[1]] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func TestNegotiate(t *testing.T) {
	for _, c := range []struct {
		choice, accept string
		want           Lang
	}{
		{"", "", DE},
		{"", "en-GB,en;q=0.9", EN},
		{"", "fr-FR,fr;q=0.9", DE},
		{"", "fr,en;q=0.5", EN},
		{"", "de-AT,en;q=0.8", DE},
		{"de", "en", DE},
		{"en", "de", EN},
		{"xx", "en", EN},
		{"", "%%%garbage", DE},
	} {
		if got := Negotiate(c.choice, c.accept); got != c.want {
			t.Errorf("Negotiate(%q, %q) = %s, want %s", c.choice, c.accept, got, c.want)
		}
	}
}

func TestFormats(t *testing.T) {
	day := time.Date(2026, 12, 5, 13, 4, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{DE.Int(1234567), "1.234.567"},
		{EN.Int(1234567), "1,234,567"},
		{DE.Int(-1234), "-1.234"},
		{DE.Decimal(1234.5, 1), "1.234,5"},
		{EN.Decimal(1234.5, 1), "1,234.5"},
		{EN.Decimal(-0.25, 2), "-0.25"},
		{DE.Percent(3.389), "3,39 %"},
		{EN.Percent(3.389), "3.39%"},
		{DE.Euro(1250000), "1.250.000 €"},
		{EN.Euro(1250000), "€1,250,000"},
		{DE.LongDate(day), "5. Dezember 2026"},
		{EN.LongDate(day), "5 December 2026"},
		{DE.Date(day), "05.12.2026"},
		{EN.Date(day), "5 Dec 2026"},
		{DE.DateTime(day), "05.12.2026, 14:04 Uhr"},
		{EN.DateTime(day), "5 Dec 2026, 14:04"},
		{DE.PartialDate("2024-03"), "03/2024"},
		{EN.PartialDate("2024-03-05"), "5 Mar 2024"},
		{DE.PartialDate("2024"), "2024"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestMessages(t *testing.T) {
	ctx := WithLang(context.Background(), EN)
	if got := T(ctx, "layout.title", "Page", "Solutions"); got != "Solutions – EfA-Register" {
		t.Errorf("T = %q", got)
	}
	m := M("nav.solutions")
	if m.String() != "Lösungen" || Localize(ctx, m) != "Solutions" || Localize(ctx, "plain") != "plain" {
		t.Errorf("message %q / %q", m.String(), Localize(ctx, m))
	}
	if got := T(context.Background(), "no.such.id"); got != "no.such.id" {
		t.Errorf("missing id gives %q", got)
	}
}

// BenchmarkT measures a lookup as pages make it: a plain text, and one with
// a field and a plural count.
func BenchmarkT(b *testing.B) {
	ctx := WithLang(context.Background(), EN)
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = T(ctx, "nav.solutions")
		}
	})
	b.Run("fields", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = T(ctx, "layout.title", "Page", "Solutions")
		}
	})
}

package publiccode_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"efa-register/internal/publiccode"
	"efa-register/internal/store/storetest"
)

// TestConformanceFixtures imports the files under testdata/conformance: one
// per rule of the standard, modelled on the rules of the reference parser's
// test files (written for this project). Each file says in its second line
// what the import must do: "gültig" (accepted, no warning about the
// standard), "fehler KEY" (refused with an error at KEY) or "hinweis KEY"
// (accepted with a warning at KEY: a missing key the standard requires, or
// a value the register keeps as written). The counts are the ones the
// closing note of issue 19 reports.
func TestConformanceFixtures(t *testing.T) {
	st := storetest.Seeded(t)
	ctx := context.Background()
	im := publiccode.NewImporter(st)
	counts := map[string]int{}
	for _, kind := range []string{"valid", "invalid"} {
		files, err := filepath.Glob(filepath.Join("testdata", "conformance", kind, "*.yml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s fixtures: %v", kind, err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			expect := expectation(data)
			verdict, key, _ := strings.Cut(expect, " ")
			d, err := im.Import(ctx, data)
			var pe *publiccode.Error
			if err != nil && !errors.As(err, &pe) {
				t.Fatalf("%s: %v", file, err)
			}
			if pe != nil {
				counts[kind+" rejected"]++
			} else {
				counts[kind+" accepted"]++
			}
			switch verdict {
			case "gültig":
				if pe != nil {
					t.Errorf("%s: valid file refused: %v", file, pe)
					continue
				}
				for _, w := range d.Warnings {
					if strings.HasPrefix(w.Message, "Pflichtangabe") || strings.Contains(w.Message, "der Standard") {
						t.Errorf("%s: valid file warns: %s", file, w)
					}
				}
			case "fehler":
				if pe == nil {
					t.Errorf("%s: accepted, want an error at %s (warnings %v)", file, key, d.Warnings)
				} else if !hasIssue(pe.Issues, key) {
					t.Errorf("%s: errors %v, want one at %s", file, pe.Issues, key)
				}
			case "hinweis":
				if pe != nil {
					t.Errorf("%s: refused (%v), want a warning at %s", file, pe, key)
				} else if !hasIssue(d.Warnings, key) {
					t.Errorf("%s: warnings %v, want one at %s", file, d.Warnings, key)
				}
			default:
				t.Errorf("%s: no expectation in the second line: %q", file, expect)
			}
		}
	}
	t.Logf("valid files: %d accepted, %d rejected; invalid files: %d rejected, %d accepted with a warning at the key",
		counts["valid accepted"], counts["valid rejected"], counts["invalid rejected"], counts["invalid accepted"])
	want := map[string]int{"valid accepted": 12, "invalid rejected": 37, "invalid accepted": 18}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s = %d, want %d", k, counts[k], n)
		}
	}
	if counts["valid rejected"] != 0 {
		t.Errorf("valid rejected = %d", counts["valid rejected"])
	}
}

// expectation reads "# erwartet: …" from the head of a fixture.
func expectation(data []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "# erwartet: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// hasIssue reports whether an issue names key ("-" for the file as a whole).
func hasIssue(list []publiccode.Issue, key string) bool {
	for _, is := range list {
		if is.Path == key || key == "-" && is.Path == "" {
			return true
		}
	}
	return false
}

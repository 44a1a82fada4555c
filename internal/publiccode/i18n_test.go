package publiccode

import (
	"context"
	"errors"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// TestIssuesInEnglish checks warnings and errors: German Message as before,
// English through Text and StringIn.
func TestIssuesInEnglish(t *testing.T) {
	en := i18n.WithLang(context.Background(), i18n.EN)
	_, warns, err := Parse([]byte("publiccodeYmlVersion: \"0.4\"\nname: Abc\nfoo: bar\n"))
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, w := range warns {
		if w.Path == "foo" {
			found = true
			if w.Message != "Unbekannter Schlüssel; er wird ignoriert." || w.Text(en) != "Unknown key; it is ignored." {
				t.Errorf("warning = %q / %q", w.Message, w.Text(en))
			}
			if got := w.StringIn(en); got != "Line 3, foo: Unknown key; it is ignored." {
				t.Errorf("StringIn(en) = %q", got)
			}
			if w.String() != "Zeile 3, foo: Unbekannter Schlüssel; er wird ignoriert." {
				t.Errorf("String() = %q", w.String())
			}
		}
	}
	if !found {
		t.Fatalf("no warning for foo: %+v", warns)
	}
	_, _, err = Parse([]byte(""))
	var pe *Error
	if !errors.As(err, &pe) || pe.Issues[0].Text(en) != "The file is empty." {
		t.Errorf("empty file: %v", err)
	}
	gaps := Gaps(catalog.Solution{Name: "x"})
	if len(gaps) == 0 || gaps[0].Text(en) != "The address of the source code repository is not recorded." ||
		gaps[0].Message != "Die Adresse des Quellcode-Repositorys ist nicht erfasst." {
		t.Errorf("gaps = %+v", gaps)
	}
}

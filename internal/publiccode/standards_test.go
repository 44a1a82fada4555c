package publiccode_test

import (
	"os"
	"strings"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/publiccode"
)

func vocabulary(t *testing.T) *catalog.Vocabulary {
	t.Helper()
	f, err := os.Open("../../seed/standards.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := catalog.ParseVocabulary(f)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A profile written into a publiccode.yml reads back the same; bad entries
// are left out with a German warning naming the line.
func TestProfileExtensionRoundTrip(t *testing.T) {
	v := vocabulary(t)
	p := catalog.Profile{{Standard: "epaybl", Mode: catalog.ModeChoice}, {Standard: "fit-connect", Mode: catalog.ModeImplements}, {Standard: "xbau", Mode: catalog.ModeRequires}}
	doc, err := publiccode.AppendProfile([]byte("publiccodeYmlVersion: \"0.4\"\nname: Test\n"), p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "x-efa-standardprofil:\n  - eintrag: epaybl\n    nutzung: zur-wahl\n") {
		t.Errorf("exported:\n%s", doc)
	}
	got, warns := publiccode.ReadProfile(doc, v)
	if len(warns) != 0 || len(got) != 3 || got[2] != p[2] || got[0] != p[0] {
		t.Errorf("read back %v, warnings %v", got, warns)
	}
	// The importer knows the key: no "unknown key" warning for it.
	if _, issues, err := publiccode.Parse(doc); err != nil {
		t.Fatal(err)
	} else {
		for _, is := range issues {
			if strings.HasPrefix(is.Path, publiccode.ProfileKey) {
				t.Errorf("the importer reports the profile key: %+v", is)
			}
		}
	}
	bad := []byte("name: X\nx-efa-standardprofil:\n  - eintrag: xgibtsnicht\n    nutzung: verlangt\n  - eintrag: bundid\n    nutzung: vielleicht\n  - eintrag: bundid\n    nutzung: setzt-um\n")
	got, warns = publiccode.ReadProfile(bad, v)
	if len(got) != 1 || got[0].Standard != "bundid" || len(warns) != 2 || warns[0].Line != 3 || !strings.Contains(warns[1].Message, "keine Nutzung") {
		t.Errorf("bad entries: %v, warnings %v", got, warns)
	}
	if got, warns := publiccode.ReadProfile([]byte("name: X\n"), v); got != nil || warns != nil {
		t.Errorf("file without the key: %v %v", got, warns)
	}
	if out, _ := publiccode.AppendProfile([]byte("name: X\n"), nil); string(out) != "name: X\n" {
		t.Errorf("empty profile changed the file: %q", out)
	}
}

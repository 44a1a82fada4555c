package publiccode_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"efa-register/internal/publiccode"
	"efa-register/internal/store/storetest"
)

// FuzzImport feeds any bytes to the publiccode.yml import (parse and map
// against the seeded register): it never panics, and it either returns a
// draft or an *Error whose every issue is a German message.
func FuzzImport(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yml"))
	more, _ := filepath.Glob(filepath.Join("testdata", "conformance", "*", "*.yml"))
	files = append(files, more...)
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("publiccodeYmlVersion: \"0.4\"\nname: &a [*a]\n"))
	f.Add([]byte("name: x\nname: y\n"))
	f.Add([]byte("\ufeff---\n- a\n- b\n"))
	st := storetest.Seeded(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := publiccode.Import(context.Background(), data, st)
		if err == nil {
			if d == nil {
				t.Fatal("no draft and no error")
			}
			if !utf8.ValidString(d.Solution.Name) {
				t.Fatalf("draft name is not valid UTF-8: %q", d.Solution.Name)
			}
			// What the import accepts, the export writes so that the
			// import accepts it again.
			out, err := publiccode.Export(publiccode.ExportInput{Solution: d.Solution, Release: d.Release})
			if err != nil {
				t.Fatalf("export of an accepted draft: %v", err)
			}
			if _, err := publiccode.Import(context.Background(), out, st); err != nil {
				t.Fatalf("import of the export of an accepted file: %v\n%s", err, out)
			}
			return
		}
		var pe *publiccode.Error
		if !errors.As(err, &pe) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		if len(pe.Issues) == 0 {
			t.Fatal("an *Error without issues")
		}
		for _, is := range pe.Issues {
			if strings.TrimSpace(is.Message) == "" || !utf8.ValidString(is.Message) {
				t.Fatalf("issue message %q", is.Message)
			}
		}
	})
}

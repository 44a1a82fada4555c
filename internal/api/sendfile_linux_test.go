//go:build linux

package api

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestBodyFileWithAndWithoutTempDir: the large body goes into an unnamed
// file in the temporary directory, or into a memfd where that directory
// cannot take one; either way every description reads the whole body, and
// nothing is left in the directory.
func TestBodyFileWithAndWithoutTempDir(t *testing.T) {
	body := bytes.Repeat([]byte(`{"solution":"wohngeld"},`), sendfileMinSize/8)
	dir := t.TempDir()
	for name, tmp := range map[string]string{"O_TMPFILE": dir, "memfd": filepath.Join(dir, "fehlt")} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("TMPDIR", tmp)
			b := newBodyFile(body)
			if b == nil {
				t.Fatal("no file for a large body")
			}
			defer b.retire()
			target, err := os.Readlink(b.path)
			if err != nil {
				t.Fatal(err)
			}
			if memfd := bytes.HasPrefix([]byte(target), []byte("/memfd:")); memfd != (name == "memfd") {
				t.Errorf("the body lives in %q", target)
			}
			f := b.take()
			if f == nil {
				t.Fatal("no description")
			}
			got, err := io.ReadAll(f)
			b.put(f)
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("read %d bytes of %d (%v)", len(got), len(body), err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("the temporary directory holds %d entries", len(entries))
			}
		})
	}
	if newBodyFile(body[:sendfileMinSize-1]) != nil {
		t.Error("a small body got a file")
	}
}

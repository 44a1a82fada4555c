package server_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// layer ranks every package of the module: a package may depend only on
// packages of a lower rank (docs/DESIGN.md, "Package map"). The HTTP face
// sits above the domain: cmd → server → api/web → store/search/insights/feed
// → catalog; api and web share a rank, so neither may import the other.
var layer = map[string]int{
	// i18n sits below everything: every layer may name a message.

	"efa-register/internal/catalog":           0,
	"efa-register/internal/auth":              0,
	"efa-register/internal/i18n":              -1,
	"efa-register/seed":                       0,
	"efa-register/static":                     0,
	"efa-register/internal/export":            1,
	"efa-register/internal/feed":              1,
	"efa-register/internal/geo":               1,
	"efa-register/internal/netguard":          1,
	"efa-register/internal/mail":              1,
	"efa-register/internal/mail/mailtest":     1,
	"efa-register/views":                      1,
	"efa-register/internal/store":             2,
	"efa-register/internal/store/storetest":   3,
	"efa-register/internal/search":            3,
	"efa-register/internal/insights":          3,
	"efa-register/internal/publiccode":        3,
	"efa-register/internal/httpx":             3,
	"efa-register/internal/api":               4,
	"efa-register/internal/web":               4,
	"efa-register/internal/server":            5,
	"efa-register/internal/server/servertest": 6,
	"efa-register/cmd/efa":                    7,
}

// TestPackagesDependOneWay walks `go list -deps` of every package and fails
// on an import against the direction of the layers, and on gorm used
// anywhere but internal/store.
func TestPackagesDependOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports,Deps,Standard", "efa-register/internal/...", "efa-register/cmd/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for {
		var p struct {
			ImportPath    string
			Imports, Deps []string
			Standard      bool
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p.ImportPath, "efa-register/") {
			continue
		}
		rank, ok := layer[p.ImportPath]
		if !ok {
			t.Errorf("package %s has no layer: add it to the map in layers_test.go and to docs/DESIGN.md", p.ImportPath)
			continue
		}
		checked++
		for _, d := range p.Deps {
			if r, own := layer[d]; own && r >= rank {
				t.Errorf("%s (layer %d) depends on %s (layer %d): imports must run downwards", p.ImportPath, rank, d, r)
			}
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "gorm.io/") && p.ImportPath != "efa-register/internal/store" {
				t.Errorf("%s imports %s: the database stays inside internal/store", p.ImportPath, imp)
			}
		}
	}
	if checked < 15 {
		t.Fatalf("checked only %d packages of the module", checked)
	}
}

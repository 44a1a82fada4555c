package api

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"
)

// The API page lists the operations of each section in the order of the
// OpenAPI document, every path of the document once per method.
func TestAPIDocKeepsDocumentOrder(t *testing.T) {
	d, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	for _, g := range d.Groups {
		last := -1
		for _, ep := range g.Endpoints {
			at := bytes.Index(OpenAPI, []byte(`"`+ep.Path+`": {`))
			if at < 0 || at < last {
				t.Errorf("section %s: %s %s at %d comes after an operation at %d", g.ID, ep.Method, ep.Path, at, last)
			}
			last = at
			listed++
		}
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				want++
			}
		}
	}
	if listed != want {
		t.Errorf("the page lists %d operations, the document's paths have %d", listed, want)
	}
}

// BenchmarkAPIDoc is the first request of /api: reading the operations out
// of the OpenAPI document.
func BenchmarkAPIDoc(b *testing.B) {
	for b.Loop() {
		apiDocOnce = sync.Once{}
		if _, err := loadAPIDoc(); err != nil {
			b.Fatal(err)
		}
	}
}

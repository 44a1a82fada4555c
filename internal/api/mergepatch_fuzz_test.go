package api

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzSolutionBody feeds arbitrary bodies to the JSON Merge Patch and the
// strict reading of a solution document: nothing panics, a patch result is
// valid JSON, and applying the same patch twice gives what applying it once
// gave (RFC 7396 patches are idempotent).
func FuzzSolutionBody(f *testing.F) {
	f.Add([]byte(`{"name":"A","provider":{"kind":"land","key":"01"},"status":"live"}`), []byte(`{"provider":{"key":"02"},"statusNote":null}`))
	f.Add([]byte(`{"a":{"b":"c"}}`), []byte(`{"a":{"b":"d","c":null}}`))
	f.Add([]byte(`[1,2]`), []byte(`{"a":[{"b":null}]}`))
	f.Add([]byte(`{"maturity":1e400}`), []byte(`{"ozgIds":["10092",null]}`))
	f.Fuzz(func(t *testing.T, doc, patch []byte) {
		if d, err := decodeSolutionDoc(doc); err == nil {
			_, _ = d.input("")
			_, _ = d.input("some-slug")
		}
		once, err := applyMergePatch(doc, patch)
		if err != nil {
			return
		}
		if !json.Valid(once) {
			t.Fatalf("patch result is not JSON: %q", once)
		}
		twice, err := applyMergePatch(once, patch)
		if err != nil {
			t.Fatalf("second application failed: %v", err)
		}
		var a, b any
		json.Unmarshal(once, &a)
		json.Unmarshal(twice, &b)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Fatalf("not idempotent: %s then %s", once, twice)
		}
	})
}

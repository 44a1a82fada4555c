package api

import (
	"encoding/json"
	"errors"
	"testing"
)

// The examples of RFC 7396 appendix A, and numbers that must keep their text.
func TestMergePatchRFC7396(t *testing.T) {
	cases := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
		{`{"n":9007199254740993}`, `{"m":1}`, `{"m":1,"n":9007199254740993}`},
	}
	for _, c := range cases {
		got, err := applyMergePatch([]byte(c.target), []byte(c.patch))
		if err != nil {
			t.Errorf("%s + %s: %v", c.target, c.patch, err)
			continue
		}
		var g, w any
		json.Unmarshal(got, &g)
		json.Unmarshal([]byte(c.want), &w)
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		if string(gj) != string(wj) || (c.target == `{"n":9007199254740993}` && string(got) != c.want) {
			t.Errorf("%s + %s = %s, want %s", c.target, c.patch, got, c.want)
		}
	}
	// RFC 7396 lets a non-object patch replace the whole target; a
	// resource of the register is an object, so such a patch is refused.
	for _, p := range []string{`["a"]`, `"x"`, `null`} {
		if _, err := applyMergePatch([]byte(`{"a":"b"}`), []byte(p)); !errors.Is(err, errPatchNotObject) {
			t.Errorf("patch %s: err = %v, want errPatchNotObject", p, err)
		}
	}
	if _, err := applyMergePatch([]byte(`{}`), []byte(`{"a":1} {"b":2}`)); err == nil {
		t.Error("trailing data accepted")
	}
}

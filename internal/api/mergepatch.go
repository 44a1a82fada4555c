package api

import (
	"bytes"
	"encoding/json"
	"errors"
)

// JSON Merge Patch (RFC 7396). No maintained Go library for it is among the
// modules this project may take, and the algorithm is the ten lines of the
// RFC's section 2, so it lives here with the RFC's own examples as tests.

// mimeMergePatch is the media type of a merge patch.
const mimeMergePatch = "application/merge-patch+json"

// errPatchNotObject refuses a patch of a whole resource that is no object.
var errPatchNotObject = errors.New("merge patch is not a JSON object")

// mergePatch applies patch to target as RFC 7396 section 2 defines it: an
// object patch merges member by member (null removes the member, an object
// merges recursively), anything else replaces the target whole.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergePatch(tm[k], v)
	}
	return tm
}

// applyMergePatch applies the merge patch document patch to the JSON
// document doc. Numbers keep their text (no float rounding). The patch of a
// resource must be an object: a patch that replaces the whole resource is
// refused with errPatchNotObject.
func applyMergePatch(doc, patch []byte) ([]byte, error) {
	var t, p any
	if err := decodeNumbers(doc, &t); err != nil {
		return nil, err
	}
	if err := decodeNumbers(patch, &p); err != nil {
		return nil, err
	}
	if _, ok := p.(map[string]any); !ok {
		return nil, errPatchNotObject
	}
	return json.Marshal(mergePatch(t, p))
}

// decodeNumbers decodes one JSON value with numbers as json.Number and
// refuses trailing data.
func decodeNumbers(raw []byte, into *any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

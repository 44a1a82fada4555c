package feed

import (
	"bytes"
	"encoding/json"
	"testing"
)

// A page encoded into the buffer of a released page is the page itself:
// nothing of the earlier, longer page remains in it.
func TestEncodeChangePageReusesReleasedBuffers(t *testing.T) {
	long := benchPage()
	short := benchPage()
	short.Changes, short.More = short.Changes[:3], false
	want, err := EncodeChangePage(short)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		first, err := EncodeChangePage(long)
		if err != nil {
			t.Fatal(err)
		}
		ReleaseChangePage(first)
		got, err := EncodeChangePage(short)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("page encoded into a reused buffer differs:\n%.300s\nwant\n%.300s", got, want)
		}
		var page struct {
			Changes []json.RawMessage `json:"changes"`
			More    bool              `json:"more"`
		}
		if err := json.Unmarshal(got, &page); err != nil || len(page.Changes) != 3 || page.More {
			t.Fatalf("decoded %d changes, more %v, %v", len(page.Changes), page.More, err)
		}
		ReleaseChangePage(got)
	}
}

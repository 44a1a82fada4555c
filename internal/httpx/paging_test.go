package httpx

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

func pagingContext(target string) echo.Context {
	return echo.New().NewContext(httptest.NewRequest(http.MethodGet, target, nil), httptest.NewRecorder())
}

func statusOf(err error) int {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he.Code
	}
	return 0
}

func TestPageParam(t *testing.T) {
	for _, c := range []struct {
		target string
		page   int
		status int
	}{
		{"/x", 1, 0}, {"/x?seite=3", 3, 0}, {"/x?seite=0", 0, 400}, {"/x?seite=-1", 0, 400},
		{"/x?seite=zwei", 0, 400}, {"/x?seite=99999999999", 0, 400},
	} {
		n, err := PageParam(pagingContext(c.target), "seite")
		if n != c.page || statusOf(err) != c.status {
			t.Errorf("%s: page %d, status %d; want %d, %d", c.target, n, statusOf(err), c.page, c.status)
		}
	}
}

func TestNewPaging(t *testing.T) {
	p, err := NewPaging(3, 50, 120)
	if err != nil || p.Pages() != 3 || p.Offset() != 100 || p.First() != 101 || p.Last() != 120 {
		t.Fatalf("page 3 of 120: %+v pages %d offset %d first %d last %d err %v", p, p.Pages(), p.Offset(), p.First(), p.Last(), err)
	}
	if lo, hi := p.Bounds(120); lo != 100 || hi != 120 {
		t.Errorf("bounds %d..%d", lo, hi)
	}
	if _, err := NewPaging(4, 50, 120); statusOf(err) != http.StatusNotFound {
		t.Errorf("page 4 of 3: %v", err)
	}
	// An empty list has one (empty) page.
	if p, err := NewPaging(1, 50, 0); err != nil || p.Pages() != 1 || p.First() != 0 || p.Last() != 0 {
		t.Errorf("empty list: %+v %v", p, err)
	}
	if _, err := NewPaging(2, 50, 0); statusOf(err) != http.StatusNotFound {
		t.Errorf("page 2 of an empty list: %v", err)
	}
}

func TestPageURLKeepsTheOtherParameters(t *testing.T) {
	c := pagingContext("/einblicke/rendite?loesungen-seite=2&laender-seite=3&q=a+b")
	if got, want := PageURL(c, "loesungen-seite", 5, "loesungen"), "/einblicke/rendite?laender-seite=3&loesungen-seite=5&q=a+b#loesungen"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := PageURL(c, "loesungen-seite", 1, ""), "/einblicke/rendite?laender-seite=3&q=a+b"; got != want {
		t.Errorf("page 1: got %s, want %s", got, want)
	}
	if got, want := PageURL(pagingContext("/x?seite=2"), "seite", 1, ""), "/x"; got != want {
		t.Errorf("only parameter: got %s, want %s", got, want)
	}
}

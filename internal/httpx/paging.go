package httpx

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"efa-register/internal/i18n"
)

// Pagination of the pages: a list that grows with the catalogue is shown a
// page at a time, the page number in a query parameter ("seite", or
// "<table>-seite" where a page holds several lists), and the links to the
// other pages keep every other parameter of the request (filters, sort,
// the pages of the other lists).

// maxPageNumber bounds a page number in a query, so no offset overflows.
const maxPageNumber = 1_000_000

// PageParam parses the page number in the query parameter key: 1 when it is
// absent, a German 400 when it is no whole number from 1 on.
func PageParam(c echo.Context, key string) (int, error) {
	raw := c.QueryParam(key)
	if raw == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxPageNumber {
		return 0, echo.NewHTTPError(http.StatusBadRequest,
			i18n.M("httpx.page_invalid", "Page", clipParam(raw)))
	}
	return n, nil
}

func clipParam(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}

// Paging is one page of a list of Total items, Size items a page.
type Paging struct {
	Page, Size int
	Total      int64
}

// NewPaging checks that page exists in a list of total items: a page past
// the last is a German 404 (the first page always exists, if empty).
func NewPaging(page, size int, total int64) (Paging, error) {
	p := Paging{Page: max(page, 1), Size: max(size, 1), Total: max(total, 0)}
	if p.Page > p.Pages() {
		return p, echo.NewHTTPError(http.StatusNotFound,
			i18n.M("httpx.page_missing", "Page", p.Page, "Count", p.Pages()))
	}
	return p, nil
}

// PageOf parses the page number in key and checks it against total: the
// one call of a handler that shows a page of a list.
func PageOf(c echo.Context, key string, size int, total int64) (Paging, error) {
	page, err := PageParam(c, key)
	if err != nil {
		return Paging{}, err
	}
	return NewPaging(page, size, total)
}

// Pages is the number of pages, at least 1.
func (p Paging) Pages() int {
	if p.Total <= 0 || p.Size <= 0 {
		return 1
	}
	return int((p.Total + int64(p.Size) - 1) / int64(p.Size))
}

// Offset is the number of items before the page.
func (p Paging) Offset() int { return (p.Page - 1) * p.Size }

// Limit is the number of items a page holds.
func (p Paging) Limit() int { return p.Size }

// Bounds returns the slice bounds of the page in a list of n items.
func (p Paging) Bounds(n int) (lo, hi int) {
	lo = min(p.Offset(), n)
	return lo, min(lo+p.Size, n)
}

// First and Last are the positions (1-based) of the page's first and last
// item; both 0 for an empty list.
func (p Paging) First() int64 {
	if p.Total == 0 {
		return 0
	}
	return int64(p.Offset()) + 1
}

// Last is the position of the page's last item.
func (p Paging) Last() int64 { return min(int64(p.Offset()+p.Size), p.Total) }

// PageURL is the address of this request with the query parameter key set
// to page (left out for page 1), every other parameter kept, and fragment
// (when not empty) appended, so the browser scrolls to the list.
func PageURL(c echo.Context, key string, page int, fragment string) string {
	q := c.Request().URL.Query()
	if page <= 1 {
		q.Del(key)
	} else {
		q.Set(key, strconv.Itoa(page))
	}
	u := c.Request().URL.Path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	if fragment != "" {
		u += "#" + fragment
	}
	return u
}

// PageLinks returns the page link maker of a list for the pagination nav.
func PageLinks(c echo.Context, key, fragment string) func(page int) string {
	return func(page int) string { return PageURL(c, key, page, fragment) }
}

package httpx

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// ServeHeadAsGet turns a HEAD request into a GET whose body is dropped, so
// it gets the headers of the GET route (Echo's router knows only the
// methods registered). The operational middleware calls it first, before
// anything copies the request.
func ServeHeadAsGet(c echo.Context) {
	if c.Request().Method != http.MethodHead {
		return
	}
	c.Request().Method = http.MethodGet
	c.Response().Writer = headWriter{c.Response().Writer}
}

// IsHead reports whether the answer is for a HEAD request (its body is
// dropped, so a handler may skip producing it).
func IsHead(c echo.Context) bool {
	_, ok := c.Response().Writer.(headWriter)
	return ok
}

// headWriter drops the body of a response.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(b []byte) (int, error) { return len(b), nil }

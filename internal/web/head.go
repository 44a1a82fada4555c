package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// serveHeadAsGet turns a HEAD request into a GET whose body is dropped, so
// it gets the headers of the GET route (Echo's router knows only the
// methods registered). The operational middleware calls it first, before
// anything copies the request.
func serveHeadAsGet(c echo.Context) {
	if c.Request().Method != http.MethodHead {
		return
	}
	c.Request().Method = http.MethodGet
	c.Response().Writer = headWriter{c.Response().Writer}
}

// headWriter drops the body of a response.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(b []byte) (int, error) { return len(b), nil }

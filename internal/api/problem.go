package api

import (
	"github.com/labstack/echo/v4"

	"efa-register/internal/httpx"
)

// WriteProblem answers with an RFC 9457 problem document of status code;
// detail is the German text safe to show, fields name the invalid inputs.
func WriteProblem(c echo.Context, code int, detail any, fields map[string]string) error {
	return httpx.WriteProblem(c, code, detail, fields)
}

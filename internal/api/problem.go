package api

import (
	"github.com/labstack/echo/v4"

	"efa-register/internal/httpx"
)

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail,omitempty"`
	Errors map[string]string `json:"errors,omitempty"`
}

// WriteProblem answers with an RFC 9457 problem document of status code;
// detail is the German text safe to show, fields name the invalid inputs.
func WriteProblem(c echo.Context, code int, detail string, fields map[string]string) error {
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	return c.JSON(code, problem{Type: "about:blank", Title: httpx.StatusTitle(code), Status: code, Detail: detail, Errors: fields})
}

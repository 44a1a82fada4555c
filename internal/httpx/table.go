package httpx

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/export"
)

const mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// SendTable answers with the table as CSV or XLSX under filename (without extension).
func SendTable(c echo.Context, t export.Table, filename, format string) error {
	var buf bytes.Buffer
	contentType := "text/csv; charset=utf-8"
	var err error
	if format == "xlsx" {
		contentType = mimeXLSX
		err = export.WriteXLSX(&buf, t)
	} else {
		err = export.WriteCSV(&buf, t)
	}
	if err != nil {
		return fmt.Errorf("export %s.%s: %w", filename, format, err)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.%s"`, filename, format))
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}

// ExportFormat maps the route (….csv or ….xlsx) to the file format.
func ExportFormat(c echo.Context) string {
	if strings.HasSuffix(c.Path(), ".xlsx") {
		return "xlsx"
	}
	return "csv"
}

// Stamp is today's date for file names.
func Stamp() string { return time.Now().UTC().Format("2006-01-02") }

package httpx

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/export"
	"efa-register/internal/i18n"
)

const mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// SendTable answers with the table as CSV or XLSX under filename (without
// extension). The rows are written as they come (a streamed table is never
// held in memory); the CSV is gzip-coded when the client accepts it. An XLSX
// file beyond Excel's row limit is refused with 422 and a pointer to the CSV.
func SendTable(c echo.Context, t export.Table, filename, format string) error {
	contentType := "text/csv; charset=utf-8"
	if format == "xlsx" {
		contentType = mimeXLSX
		if n := t.Len(); n > export.MaxXLSXRows {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, i18n.M("httpx.xlsx_too_many_rows",
				"Rows", n, "Max", export.MaxXLSXRows))
		}
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.%s"`, filename, format))
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	// XLSX is a zip archive already.
	gz := format != "xlsx" && AcceptsGzip(c.Request())
	if format != "xlsx" {
		h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	}
	if IsHead(c) {
		h.Set(echo.HeaderContentType, contentType)
		if gz {
			h.Set(echo.HeaderContentEncoding, "gzip")
		}
		return c.NoContent(http.StatusOK)
	}
	w, finish := Stream(c, contentType, gz)
	var err error
	if format == "xlsx" {
		err = export.WriteXLSX(w, t)
	} else {
		err = export.WriteCSV(w, t)
	}
	if err == nil {
		err = finish()
	}
	if err != nil {
		return fmt.Errorf("export %s.%s: %w", filename, format, err)
	}
	return nil
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

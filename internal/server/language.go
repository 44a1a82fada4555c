package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/i18n"
)

// langCookie remembers the language a reader chose with the switch.
const langCookie = "sprache"

// language puts the reader's language on the request context: ?lang= (the
// switch in the header, remembered in a cookie), else the cookie, else
// Accept-Language, else German. Pages vary by it; the API uses it for the
// text of its errors only.
func (s *server) language() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			page := isPage(r.URL.Path)
			choice := ""
			if page {
				if q := r.URL.Query().Get("lang"); q != "" {
					if l, ok := i18n.Parse(q); ok {
						choice = string(l)
						c.SetCookie(&http.Cookie{Name: langCookie, Value: choice, Path: "/", MaxAge: int(365 * 24 * time.Hour / time.Second),
							HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
					}
				}
				c.Response().Header().Add("Vary", "Accept-Language, Cookie")
			}
			c.SetRequest(r.WithContext(i18n.WithLang(r.Context(), readerLang(r, choice))))
			return next(c)
		}
	}
}

// readerLang is the language of the reader of r: choice (from ?lang=) if
// given, else on pages the one chosen before (cookie), else Accept-Language.
func readerLang(r *http.Request, choice string) i18n.Lang {
	if choice == "" && isPage(r.URL.Path) {
		if ck, err := r.Cookie(langCookie); err == nil {
			choice = ck.Value
		}
	}
	return i18n.Negotiate(choice, r.Header.Get("Accept-Language"))
}

package web

import (
	"github.com/labstack/echo/v4"

	"efa-register/views"
)

// handleHome renders the start page.
func (s *server) handleHome(c echo.Context) error {
	ctx := c.Request().Context()
	topics, err := s.Store.TopicFieldSummaries(ctx)
	if err != nil {
		return err
	}
	st, err := s.Store.Stats(ctx)
	if err != nil {
		return err
	}
	d := views.HomeData{Solutions: st.Solutions, Adoptions: st.Adoptions, Services: st.Services, Municipalities: st.Municipalities}
	for _, t := range topics {
		d.Topics = append(d.Topics, views.TopicRow{ID: t.ID, Name: t.Name, Services: t.Services, Solutions: t.Solutions})
	}
	return renderOK(c, views.Home(page(c, "Start", "/"), d))
}

package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/store"
	"efa-register/views"
)

// topicSolutionLimit is how many solutions a Themenfeld page lists; the
// catalogue link shows all of them.
const topicSolutionLimit = 20

// HandleTopicList renders the overview of the Themenfelder.
func (s *Site) HandleTopicList(c echo.Context) error {
	topics, err := s.Store.TopicFieldSummaries(c.Request().Context())
	if err != nil {
		return err
	}
	var d views.TopicListData
	for _, t := range topics {
		d.Topics = append(d.Topics, views.TopicRow{ID: t.ID, Name: t.Name, Services: t.Services, Solutions: t.Solutions})
	}
	return httpx.RenderOK(c, views.TopicListPage(httpx.Page(c, "OZG-Themenfelder", "/themenfelder",
		views.Crumb{Label: "Start", URL: "/"}, views.Crumb{Label: "Themenfelder"}), d))
}

// HandleTopicShow renders one Themenfeld.
func (s *Site) HandleTopicShow(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseUint(c.Param("id"), 10, 32)
	if err != nil || id == 0 {
		return catalog.ErrNotFound
	}
	tf, err := s.Store.TopicFieldByID(ctx, uint(id))
	if err != nil {
		return err
	}
	services, err := s.Store.ServicesByTopicField(ctx, tf.ID)
	if err != nil {
		return err
	}
	counts, err := s.Store.ServiceSolutionCounts(ctx, tf.ID)
	if err != nil {
		return err
	}
	sols, err := s.Store.FindSolutions(ctx, store.SolutionFilter{TopicFieldID: tf.ID, Sort: "adoptions", PerPage: topicSolutionLimit})
	if err != nil {
		return err
	}
	d := views.TopicData{TF: tf, ServiceCount: len(services), SolutionTotal: sols.Total,
		Services: views.Table{Caption: "OZG-Leistungen des Themenfelds " + tf.Name + " mit der Zahl ihrer Lösungen",
			Head: []string{"OZG-Leistung", "OZG-ID", "Lösungen"}, NumericCols: map[int]bool{2: true}, TestID: "topic-services"}}
	if d.Solutions, err = s.solutionItems(ctx, sols.Items); err != nil {
		return err
	}
	for _, sv := range services {
		n := counts[sv.ID]
		if n > 0 {
			d.Covered++
		}
		d.Services.Rows = append(d.Services.Rows, []views.Cell{{Text: sv.Name, URL: views.ServiceURL(sv.ID)}, {Text: sv.ID},
			{Text: strconv.FormatInt(n, 10)}})
	}
	return httpx.RenderOK(c, views.TopicPage(httpx.Page(c, tf.Name+" (Themenfeld)", "/themenfelder",
		views.Crumb{Label: "Start", URL: "/"}, views.Crumb{Label: "Themenfelder", URL: "/themenfelder"}, views.Crumb{Label: tf.Name}), d))
}

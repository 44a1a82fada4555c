package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
	"efa-register/views"
)

// topicSolutionLimit is how many solutions a Themenfeld page lists; the
// catalogue link shows all of them.
const topicSolutionLimit = 20

// HandleTopicList renders the overview of the Themenfelder.
func (s *Site) HandleTopicList(c echo.Context) error {
	ctx := c.Request().Context()
	topics, err := s.Store.TopicFieldSummaries(ctx)
	if err != nil {
		return err
	}
	var d views.TopicListData
	for _, t := range topics {
		d.Topics = append(d.Topics, views.TopicRow{ID: t.ID, Name: t.Name, Services: t.Services, Solutions: t.Solutions})
	}
	return httpx.RenderOK(c, views.TopicListPage(httpx.Page(c, i18n.T(ctx, "topic.list_title"), "/themenfelder",
		views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"}, views.Crumb{Label: i18n.T(ctx, "nav.topics")}), d))
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
		Services: views.Table{Caption: i18n.T(ctx, "topic.services_caption", "Name", tf.Name),
			Head:        []string{i18n.T(ctx, "topic.services_head_service"), i18n.T(ctx, "topic.services_head_id"), i18n.T(ctx, "topic.services_head_solutions")},
			NumericCols: map[int]bool{2: true}, TestID: "topic-services"}}
	if d.Solutions, err = s.solutionItems(ctx, sols.Items); err != nil {
		return err
	}
	for _, sv := range services {
		n := counts[sv.ID]
		if n > 0 {
			d.Covered++
		}
		d.Services.Rows = append(d.Services.Rows, []views.Cell{{Text: sv.Name, URL: views.ServiceURL(sv.ID), Data: true}, {Text: sv.ID},
			{Text: i18n.Int(ctx, n)}})
	}
	return httpx.RenderOK(c, views.TopicPage(httpx.Page(c, i18n.T(ctx, "topic.title", "Name", tf.Name), "/themenfelder",
		views.Crumb{Label: i18n.T(ctx, "nav.start"), URL: "/"}, views.Crumb{Label: i18n.T(ctx, "nav.topics"), URL: "/themenfelder"}, views.Crumb{Label: tf.Name}), d))
}

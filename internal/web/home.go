package web

import (
	"context"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/insights"
	"efa-register/internal/store"
	"efa-register/views"
)

// HandleHome renders the start page. Its figures aggregate the whole
// register, so they are computed once per data version.
func (s *Site) HandleHome(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := storeCached(ctx, s, "home", func() (views.HomeData, error) { return s.homeData(ctx) })
	if err != nil {
		return err
	}
	return httpx.RenderOK(c, views.Home(httpx.Page(c, i18n.T(ctx, "nav.start"), "/"), d))
}

// homeData gathers the key figures, the map, the latest changes and the Themenfelder.
func (s *Site) homeData(ctx context.Context) (views.HomeData, error) {
	var d views.HomeData
	topics, err := s.Store.TopicFieldSummaries(ctx)
	if err != nil {
		return d, err
	}
	st, err := s.Store.Stats(ctx)
	if err != nil {
		return d, err
	}
	reach, err := s.Store.AdoptionReach(ctx)
	if err != nil {
		return d, err
	}
	perLand, err := s.countsPerLand(ctx)
	if err != nil {
		return d, err
	}
	changes, err := s.latestChanges(ctx, 8)
	if err != nil {
		return d, err
	}
	d = views.HomeData{Solutions: st.Solutions, Adoptions: st.Adoptions, Services: st.Services, Municipalities: st.Municipalities,
		LaenderReached: reach.Laender, GemeindenReached: reach.Gemeinden, Changes: changes}
	for _, t := range topics {
		d.Topics = append(d.Topics, views.TopicRow{ID: t.ID, Name: t.Name, Services: t.Services, Solutions: t.Solutions})
	}
	counts := map[string]int64{}
	d.MapTable = views.Table{Caption: i18n.T(ctx, "home.map_caption"),
		Head: []string{i18n.T(ctx, "home.map_head_land"), i18n.T(ctx, "home.map_head_adoptions"), i18n.T(ctx, "home.map_head_live"),
			i18n.T(ctx, "home.map_head_provided")},
		NumericCols: map[int]bool{1: true, 2: true, 3: true}, TestID: "map-table"}
	for _, lc := range perLand {
		counts[lc.Land.Key] = lc.AdoptionsMade
		d.MapTable.Rows = append(d.MapTable.Rows, []views.Cell{{Text: lc.Land.Name, URL: views.LandURL(lc.Land.Key)},
			{Text: i18n.Int(ctx, lc.AdoptionsMade)}, {Text: i18n.Int(ctx, lc.LiveAdoptionsMade)}, {Text: i18n.Int(ctx, lc.Provided)}})
	}
	d.Map, err = countMapIn(ctx, "karte-start", i18n.T(ctx, "home.map_title"), i18n.T(ctx, "home.map_desc"), counts)
	return d, err
}

// countsPerLand returns the per-Land figures, computed once per data version.
func (s *Site) countsPerLand(ctx context.Context) ([]store.LandCounts, error) {
	if s.Insights != nil && s.Insights.WaitLoaded(ctx, insights.FallbackWait) {
		// The insight engine keeps these counters up to date per write; SQL
		// over a million adoptions would take seconds after every write.
		laender, err := storeCached(ctx, s, "laender", func() ([]catalog.Organisation, error) { return s.Store.Laender(ctx) })
		if err != nil {
			return nil, err
		}
		rows := s.Insights.Scoreboard()
		out := make([]store.LandCounts, 0, len(rows))
		for i, r := range rows {
			if i >= len(laender) || laender[i].Key != r.LandKey {
				break
			}
			out = append(out, store.LandCounts{Land: laender[i], Provided: int64(r.Provided), AdoptionsMade: int64(r.Made),
				LiveAdoptionsMade: int64(r.MadeLive), AdoptionsReceived: int64(r.ReceivedExternal), AdoptingMunicipalities: int64(r.AdoptingMunicipalities)})
		}
		if len(out) == len(laender) {
			return out, nil
		}
	}
	return storeCached(ctx, s, "countsPerLand", func() ([]store.LandCounts, error) { return s.Store.CountsPerLand(ctx) })
}

// latestChanges describes the newest solution and adoption events in words.
func (s *Site) latestChanges(ctx context.Context, n int) ([]views.ChangeItem, error) {
	evs, err := s.Store.LatestEvents(ctx, []string{catalog.EntitySolution, catalog.EntityAdoption}, n)
	if err != nil {
		return nil, err
	}
	var slugs []string
	var adoptionIDs []uint
	for _, ev := range evs {
		switch ev.EntityType {
		case catalog.EntitySolution:
			slugs = append(slugs, ev.EntityID)
		case catalog.EntityAdoption:
			if id, err := strconv.ParseUint(ev.EntityID, 10, 64); err == nil {
				adoptionIDs = append(adoptionIDs, uint(id))
			}
		}
	}
	sols, err := s.Store.SolutionsBySlugs(ctx, slugs)
	if err != nil {
		return nil, err
	}
	adoptions, err := s.Store.AdoptionsByIDs(ctx, adoptionIDs)
	if err != nil {
		return nil, err
	}
	out := make([]views.ChangeItem, 0, len(evs))
	for _, ev := range evs {
		changes := store.DecodeChanges(ev)
		value := func(field string) string {
			for _, ch := range changes {
				if ch.Field == field {
					if ev.Action == catalog.ActionDelete {
						return views.FormatValue(ctx, ch.Old)
					}
					return views.FormatValue(ctx, ch.New)
				}
			}
			return ""
		}
		item := views.ChangeItem{At: ev.At}
		switch ev.EntityType {
		case catalog.EntitySolution:
			item.What = i18n.T(ctx, "home.change_solution", "Action", views.ActionLabel(ctx, ev.Action))
			if sol, ok := sols[ev.EntityID]; ok {
				item.Subject = views.Link{Label: sol.Name, URL: views.SolutionURL(sol.Slug)}
			} else {
				item.Subject = views.Link{Label: orDash(value("name"))}
			}
			if ev.Action == catalog.ActionUpdate {
				item.Detail = changedFields(ctx, changes)
			}
		case catalog.EntityAdoption:
			item.What = i18n.T(ctx, "home.change_adoption", "Action", views.ActionLabel(ctx, ev.Action))
			id, _ := strconv.ParseUint(ev.EntityID, 10, 64)
			if a, ok := adoptions[uint(id)]; ok && a.Solution != nil && a.Organisation != nil {
				item.Subject = views.Link{Label: a.Solution.Name, URL: views.SolutionURL(a.Solution.Slug)}
				item.Detail = i18n.T(ctx, "home.change_adoption_by", "Org", a.Organisation.Name, "Status", a.Status.Msg())
			} else {
				item.Subject = views.Link{Label: orDash(value("solution"))}
			}
		}
		out = append(out, item)
	}
	return out, nil
}

// changedFields lists the names of the fields an update changed.
func changedFields(ctx context.Context, changes []store.FieldChange) string {
	names := make([]string, len(changes))
	for i, ch := range changes {
		names[i] = views.FieldLabel(ctx, ch.Field)
	}
	return i18n.T(ctx, "home.changed_fields", "Fields", strings.Join(names, ", "))
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

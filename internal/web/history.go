package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/views"
)

const historyLimit = 500

// actorLabel names who acted without naming the person: the roles and
// organisations of the account, the API, or the seed import.
func (s *Site) actorLabel(ctx context.Context, actor string, cache map[string]string) string {
	if l, ok := cache[actor]; ok {
		return l
	}
	label := views.ActorLabel(actor)
	userPart := actor
	if i := strings.Index(actor, "(user:"); i >= 0 {
		userPart = strings.TrimSuffix(actor[i+1:], ")")
	}
	if idText, ok := strings.CutPrefix(userPart, "user:"); ok {
		if id, err := strconv.ParseUint(idText, 10, 32); err == nil {
			roles, err := s.Store.ActorRoles(ctx, uint(id))
			switch {
			case err != nil:
			case len(roles) == 0:
				label = "Plattformverwaltung oder gelöschtes Konto"
			default:
				prefix := ""
				if strings.HasPrefix(actor, "token:") {
					prefix = "Schnittstelle (API) für "
				}
				label = prefix + strings.Join(roles, ", ")
			}
		}
	}
	cache[actor] = label
	return label
}

// historyPage turns events into entries naming each adoption's solution or adopter.
func (s *Site) historyPage(c echo.Context, evs []catalog.Event, subject views.Link, crumbs ...views.Crumb) error {
	ctx := c.Request().Context()
	var ids []string
	for _, ev := range evs {
		if ev.EntityType == catalog.EntityAdoption {
			ids = append(ids, ev.EntityID)
		}
	}
	subjects, err := s.Store.AdoptionSubjects(ctx, ids)
	if err != nil {
		return err
	}
	names := map[string]string{}
	nameOf := func(ref string) string {
		if n, ok := names[ref]; ok {
			return n
		}
		kind, key, _ := strings.Cut(ref, ":")
		n := ref
		if o, err := s.Store.OrganisationByKey(ctx, catalog.OrgKind(kind), key); err == nil {
			n = o.Name
		}
		names[ref] = n
		return n
	}
	actors := map[string]string{}
	entries := historyEntries(evs)
	for i, ev := range evs {
		entries[i].Actor = s.actorLabel(ctx, ev.Actor, actors)
		if ev.EntityType == catalog.EntityAdoption {
			sub := subjects[ev.EntityID]
			what := "Nachnutzung"
			if subject.URL != "" && strings.HasPrefix(subject.URL, "/loesungen/") {
				what = fmt.Sprintf("Nachnutzung durch %s", nameOf(sub[1]))
			} else if sub[0] != "" {
				what = fmt.Sprintf("Nachnutzung von „%s“", sub[0])
				if sol, err := s.Store.SolutionBySlug(ctx, sub[0]); err == nil {
					what = fmt.Sprintf("Nachnutzung von „%s“", sol.Name)
				}
			}
			entries[i].Action = what + " " + entries[i].Action
		}
	}
	p := httpx.Page(c, "Änderungsverlauf: "+subject.Label, "", crumbs...)
	return httpx.RenderOK(c, views.HistoryPage(p, subject, entries))
}

// HandleSolutionHistory shows the history of a solution and its adoptions.
func (s *Site) HandleSolutionHistory(c echo.Context) error {
	ctx := c.Request().Context()
	sol, err := s.Store.SolutionBySlug(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	evs, err := s.Store.SolutionHistory(ctx, sol.Slug, historyLimit)
	if err != nil {
		return err
	}
	url := "/loesungen/" + sol.Slug
	return s.historyPage(c, evs, views.Link{Label: sol.Name, URL: url},
		views.Crumb{Label: "Lösungen", URL: "/loesungen"}, views.Crumb{Label: sol.Name, URL: url}, views.Crumb{Label: "Änderungsverlauf"})
}

// HandleOrganisationHistory shows the history of a Land, Kreis or Gemeinde and its adoptions.
func (s *Site) HandleOrganisationHistory(kind catalog.OrgKind, param string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		o, err := s.Store.OrganisationByKey(ctx, kind, c.Param(param))
		if err != nil {
			return err
		}
		evs, err := s.Store.OrganisationHistory(ctx, o.Kind, o.Key, historyLimit)
		if err != nil {
			return err
		}
		url := orgURL(string(o.Kind), o.Key)
		return s.historyPage(c, evs, views.Link{Label: o.Name, URL: url}, views.Crumb{Label: o.Name, URL: url}, views.Crumb{Label: "Änderungsverlauf"})
	}
}

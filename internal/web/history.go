package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
	"efa-register/views"
)

// historyPageSize is how many changes a page of a history shows.
const historyPageSize = 50

// actorLabel names who acted without naming the person: the roles and
// organisations of the account, the API, or the seed import.
func (s *Site) actorLabel(ctx context.Context, actor string, cache map[string]string) string {
	if l, ok := cache[actor]; ok {
		return l
	}
	label := views.ActorLabel(ctx, actor)
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
				label = i18n.T(ctx, "history.actor_admin_or_deleted")
			default:
				label = strings.Join(roles, ", ")
				if strings.HasPrefix(actor, "token:") {
					label = i18n.T(ctx, "history.actor_api_for", "Roles", label)
				}
			}
		}
	}
	cache[actor] = label
	return label
}

// historyNames turns the event log into what the public history shows:
// names instead of keys and account ids, German labels instead of stored
// values. It caches each lookup for one page.
type historyNames struct {
	ctx    context.Context
	site   *Site
	orgs   map[string]string
	sols   map[string]string
	topics map[uint]string
	actors map[string]string
	// subjects maps adoption ids to their solution slug and adopter ref.
	subjects map[string][2]string
}

// newHistoryNames prepares the names for evs (it reads which solution and
// adopter each adoption event is about).
func (s *Site) newHistoryNames(ctx context.Context, evs []catalog.Event) (*historyNames, error) {
	var ids []string
	for _, ev := range evs {
		if ev.EntityType == catalog.EntityAdoption {
			ids = append(ids, ev.EntityID)
		}
	}
	subjects, err := s.Store.AdoptionSubjects(ctx, ids)
	if err != nil {
		return nil, err
	}
	return &historyNames{ctx: ctx, site: s, orgs: map[string]string{}, sols: map[string]string{}, topics: map[uint]string{},
		actors: map[string]string{}, subjects: subjects}, nil
}

// org names an organisation reference ("gemeinde:010550012012"); one the
// register no longer has is named by its kind only.
func (n *historyNames) org(ref string) string {
	if name, ok := n.orgs[ref]; ok {
		return name
	}
	kind, key, _ := strings.Cut(ref, ":")
	name := i18n.T(n.ctx, "history.org_gone")
	if o, err := n.site.Store.OrganisationByKey(n.ctx, catalog.OrgKind(kind), key); err == nil {
		name = o.Name
	} else if catalog.OrgKind(kind).Valid() {
		name = i18n.T(n.ctx, "history.org_gone_kind", "Kind", catalog.OrgKind(kind).Msg())
	}
	n.orgs[ref] = name
	return name
}

// solution names a solution by its slug; a deleted one keeps its slug.
func (n *historyNames) solution(slug string) string {
	if name, ok := n.sols[slug]; ok {
		return name
	}
	name := slug
	if sol, err := n.site.Store.SolutionBySlug(n.ctx, slug); err == nil {
		name = sol.Name
	}
	n.sols[slug] = name
	return name
}

func (n *historyNames) topic(id uint) string {
	if name, ok := n.topics[id]; ok {
		return name
	}
	name := i18n.T(n.ctx, "history.topic_unknown")
	if tf, err := n.site.Store.TopicFieldByID(n.ctx, id); err == nil {
		name = tf.Name
	}
	n.topics[id] = name
	return name
}

// value is the one mapping of a stored value of the event log to its public
// text: references become names, statuses and codes German labels.
func (n *historyNames) value(ctx context.Context, entityType, field string, v any) string {
	str, isStr := v.(string)
	if v == nil || isStr && str == "" {
		return views.FormatValue(ctx, v)
	}
	if rel, ok := v.(map[string]any); ok && strings.HasPrefix(field, "release ") {
		// A release of the solution: its date, notes and link.
		parts := []string{i18n.T(ctx, "history.release_published", "Date", i18n.PartialDate(ctx, fmt.Sprint(rel["date"])))}
		for _, k := range []string{"notes", "url"} {
			if t, ok := rel[k].(string); ok && t != "" {
				parts = append(parts, t)
			}
		}
		return views.FormatValue(ctx, strings.Join(parts, " – "))
	}
	switch field {
	case "source":
		// Sources are shown whole: a shortened address is no source.
		if isStr {
			return str
		}
	case "adopter", "provider", "successor":
		if isStr {
			return n.org(str)
		}
	case "solution":
		if isStr {
			return n.solution(str)
		}
	case "registeredBy":
		if isStr {
			return n.actor(str)
		}
	case "status":
		if isStr && entityType == catalog.EntityAdoption {
			return catalog.AdoptionStatus(str).L(ctx)
		}
		if isStr {
			return catalog.SolutionStatus(str).L(ctx)
		}
	case "verified":
		if isStr {
			return i18n.T(ctx, "comp.data_verified", "State", catalog.Verification(str).Msg())
		}
	case "confirmation":
		if isStr {
			return catalog.Confirmation(str).L(ctx)
		}
	case "kind":
		if isStr {
			return catalog.OrgKind(str).L(ctx)
		}
	case "since":
		if isStr {
			return i18n.PartialDate(ctx, str)
		}
	case "accessChannel":
		if isStr {
			return views.AccessChannelLabel(ctx, str)
		}
	case "costSharing":
		if isStr {
			return views.CostSharingLabel(ctx, str)
		}
	case "landKey":
		if isStr {
			return n.org(string(catalog.KindLand) + ":" + str)
		}
	case "kreisKey":
		if isStr {
			return n.org(string(catalog.KindKreis) + ":" + str)
		}
	case "topicFieldId":
		if f, ok := v.(float64); ok {
			return n.topic(uint(f))
		}
	case "efaMinimumMet":
		if b, ok := v.(bool); ok {
			return views.BoolLabel(ctx, &b)
		}
	case "retiredAt":
		if t, err := time.Parse(time.RFC3339Nano, str); isStr && err == nil {
			return i18n.Date(ctx, t)
		}
	}
	return views.FormatValue(ctx, v)
}

// isDataValue tells whether the shown value of a field is register data
// (German text, names) rather than a label in the reader's language.
func isDataValue(field string, v any) bool {
	switch x := v.(type) {
	case string:
		switch field {
		case "status", "verified", "confirmation", "kind", "since", "accessChannel", "costSharing", "registeredBy", "retiredAt":
			return false
		}
		return x != ""
	case []any:
		return len(x) > 0
	}
	return false
}

// actor names who acted without naming the person: the roles and
// organisations of the account, the API, or the seed import.
func (n *historyNames) actor(actor string) string {
	return n.site.actorLabel(n.ctx, actor, n.actors)
}

// entry maps one event to a line of the public history.
func (n *historyNames) entry(ctx context.Context, ev catalog.Event, onSolutionPage bool) views.HistoryEntry {
	e := views.HistoryEntry{At: ev.At, Actor: n.actor(ev.Actor), Action: views.ActionLabel(ctx, ev.Action)}
	for _, ch := range store.DecodeChanges(ev) {
		if ch.Field == "id" {
			continue
		}
		e.Changes = append(e.Changes, views.Change{Field: views.FieldLabel(ctx, ch.Field),
			Old: n.value(ctx, ev.EntityType, ch.Field, ch.Old), New: n.value(ctx, ev.EntityType, ch.Field, ch.New),
			OldData: isDataValue(ch.Field, ch.Old), NewData: isDataValue(ch.Field, ch.New)})
	}
	if ev.EntityType == catalog.EntityAdoption {
		sub := n.subjects[ev.EntityID]
		switch {
		case onSolutionPage && sub[1] != "":
			e.Action = i18n.T(ctx, "history.adoption_by", "Org", n.org(sub[1]), "Action", e.Action)
		case !onSolutionPage && sub[0] != "":
			e.Action = i18n.T(ctx, "history.adoption_of", "Solution", n.solution(sub[0]), "Action", e.Action)
		default:
			e.Action = i18n.T(ctx, "history.adoption", "Action", e.Action)
		}
	}
	return e
}

// historyEntries maps events to the lines of a public history.
func (s *Site) historyEntries(ctx context.Context, evs []catalog.Event, onSolutionPage bool) ([]views.HistoryEntry, error) {
	n, err := s.newHistoryNames(ctx, evs)
	if err != nil {
		return nil, err
	}
	out := make([]views.HistoryEntry, len(evs))
	for i, ev := range evs {
		out[i] = n.entry(ctx, ev, onSolutionPage)
	}
	return out, nil
}

// historyPage renders one page of the history of a solution or an
// organisation; load reads the page (offset, limit) and the total.
func (s *Site) historyPage(c echo.Context, subject views.Link, load func(offset, limit int) ([]catalog.Event, int64, error), crumbs ...views.Crumb) error {
	ctx := c.Request().Context()
	page, err := httpx.PageParam(c, "seite")
	if err != nil {
		return err
	}
	evs, total, err := load((page-1)*historyPageSize, historyPageSize)
	if err != nil {
		return err
	}
	p, err := httpx.NewPaging(page, historyPageSize, total)
	if err != nil {
		return err
	}
	entries, err := s.historyEntries(ctx, evs, strings.HasPrefix(subject.URL, "/loesungen/"))
	if err != nil {
		return err
	}
	d := views.HistoryData{Subject: subject, Entries: entries, Total: total, First: p.First(), Last: p.Last(),
		Pager: views.Pager{Page: p.Page, Pages: p.Pages(), URL: httpx.PageLinks(c, "seite", ""), Label: i18n.T(ctx, "history.pager_label")}}
	title := i18n.T(ctx, "history.page_title", "Subject", subject.Label)
	if p.Page > 1 {
		title = i18n.T(ctx, "history.page_title_n", "Subject", subject.Label, "Page", strconv.Itoa(p.Page))
	}
	return httpx.RenderOK(c, views.HistoryPage(httpx.Page(c, title, "", crumbs...), d))
}

// HandleSolutionHistory shows the history of a solution and its adoptions, a page at a time (?seite=).
func (s *Site) HandleSolutionHistory(c echo.Context) error {
	ctx := c.Request().Context()
	sol, err := s.Store.SolutionBySlug(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	url := "/loesungen/" + sol.Slug
	return s.historyPage(c, views.Link{Label: sol.Name, URL: url}, func(offset, limit int) ([]catalog.Event, int64, error) {
		return s.Store.SolutionHistory(ctx, sol.Slug, offset, limit)
	}, views.Crumb{Label: i18n.T(ctx, "nav.solutions"), URL: "/loesungen"}, views.Crumb{Label: sol.Name, URL: url}, views.Crumb{Label: i18n.T(ctx, "history.page_heading")})
}

// HandleOrganisationHistory shows the history of a Land, Kreis or Gemeinde
// and its adoptions, a page at a time (?seite=).
func (s *Site) HandleOrganisationHistory(kind catalog.OrgKind, param string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		o, err := s.Store.OrganisationByKey(ctx, kind, c.Param(param))
		if err != nil {
			return err
		}
		url := orgURL(string(o.Kind), o.Key)
		return s.historyPage(c, views.Link{Label: o.Name, URL: url}, func(offset, limit int) ([]catalog.Event, int64, error) {
			return s.Store.OrganisationHistory(ctx, o.Kind, o.Key, offset, limit)
		}, views.Crumb{Label: o.Name, URL: url}, views.Crumb{Label: i18n.T(ctx, "history.page_heading")})
	}
}

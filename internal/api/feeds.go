package api

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/httpx"
)

// The news feeds /feed.json (JSON Feed 1.1) and /feed.atom (Atom 1.0): the
// newest solutions, changed solutions and new adoptions, for people and feed
// readers. Machines that mirror the register use the change feed instead.

// feedItems is how many items the news feeds carry.
const feedItems = 50

// Content types of the news feeds.
const (
	mimeJSONFeed = "application/feed+json"
	mimeAtom     = "application/atom+xml; charset=utf-8"
)

// baseURL is the absolute address links in the feeds start with.
func (s *API) baseURL(c echo.Context) string {
	if s.PublicURL != "" {
		return strings.TrimSuffix(s.PublicURL, "/")
	}
	return c.Scheme() + "://" + c.Request().Host
}

// feedItemsNow reads the news items as they are now.
func (s *API) feedItemsNow(ctx context.Context) ([]feed.Item, error) {
	acts, err := s.Store.LatestActivity(ctx, feedItems)
	if err != nil {
		return nil, err
	}
	items := make([]feed.Item, 0, len(acts))
	for _, a := range acts {
		it := feed.Item{Seq: a.Event.Seq, At: a.Event.At, Solution: feed.NewSolution(a.Solution)}
		switch {
		case a.Adoption != nil:
			it.Kind, it.AdoptionStatus = feed.ItemAdoptionCreated, a.Adoption.Status
			it.Adopter = feed.NewOrganisationRef(a.Adoption.Organisation)
		case a.Event.Action == catalog.ActionCreate:
			it.Kind = feed.ItemSolutionCreated
		default:
			it.Kind, it.ChangedFields = feed.ItemSolutionUpdated, eventFieldNames(a.Event)
		}
		items = append(items, it)
	}
	return items, nil
}

// eventFieldNames are the field names an update event changed.
func eventFieldNames(ev catalog.Event) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(ev.Changes), &m) != nil {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// serveNewsFeed answers one of the two news feeds from its cache.
func (s *API) serveNewsFeed(c echo.Context, cache *docCache, contentType string,
	encode func(feed.Meta, []feed.Item) ([]byte, error)) error {
	ctx := c.Request().Context()
	head, at, err := s.api.current(ctx)
	if err != nil {
		return err
	}
	base := httpx.BaseURL(c, s.PublicURL)
	cb, err := cache.get(head, base, s.api.now, func() (*cachedBody, error) {
		items, err := s.feedItemsNow(ctx)
		if err != nil {
			return nil, err
		}
		body, err := encode(feed.Meta{BaseURL: base, Updated: at}, items)
		if err != nil {
			return nil, err
		}
		cb := newCachedBody(contentType, body, at)
		cb.settled = true
		return cb, nil
	})
	if err != nil {
		return err
	}
	return serveCached(c, cb, cacheRevalidate)
}

// HandleJSONFeed answers GET /feed.json.
func (s *API) HandleJSONFeed(c echo.Context) error {
	return s.serveNewsFeed(c, &s.api.jsonFeed, mimeJSONFeed, feed.JSONFeed)
}

// HandleAtomFeed answers GET /feed.atom.
func (s *API) HandleAtomFeed(c echo.Context) error {
	return s.serveNewsFeed(c, &s.api.atomFeed, mimeAtom, feed.Atom)
}

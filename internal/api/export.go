package api

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/store"
)

// The export and the change feed: the portal takes the export once, then
// follows the change feed from the export's cursor. Both read the register
// in one read transaction each, and both encode objects with package feed,
// so the consumer's copy ends equal to a fresh export.

// buildExport reads and encodes the whole export.
func (s *API) buildExport(ctx context.Context, head uint64) (*cachedBody, error) {
	cat := s.api.catalogue.Load()
	known := uint64(0)
	if cat != nil {
		known = cat.seq
	}
	x, err := s.Store.Export(ctx, s.api.now(), known)
	if err != nil {
		return nil, err
	}
	if cat == nil || x.CatalogueSeq != cat.seq {
		// The catalogue changed (or this is the first export): convert it once.
		cat = &exportCatalogue{seq: x.CatalogueSeq}
		topics := make([]feed.TopicField, 0, len(x.TopicFields))
		for _, t := range x.TopicFields {
			topics = append(topics, feed.NewTopicField(t))
		}
		lifes := make([]feed.LifeSituation, 0, len(x.LifeSituations))
		for _, l := range x.LifeSituations {
			lifes = append(lifes, feed.NewLifeSituation(l))
		}
		services := make([]feed.Service, 0, len(x.Services))
		for _, sv := range x.Services {
			services = append(services, feed.NewService(sv))
		}
		if cat.encoded, err = feed.EncodeCatalogue(topics, lifes, services); err != nil {
			return nil, err
		}
		s.api.catalogue.Store(cat)
	}
	doc := feed.Export{Cursor: x.Cursor, LastChange: x.LastChange, Catalogue: cat.encoded}
	doc.Solutions = make([]feed.Solution, 0, len(x.Solutions))
	for _, sol := range x.Solutions {
		doc.Solutions = append(doc.Solutions, feed.NewSolution(sol))
	}
	doc.Adoptions = adoptionDocs(x.Adoptions)
	body, err := feed.EncodeExport(doc)
	if err != nil {
		return nil, err
	}
	cb := newCachedBody(mimeJSON, body, x.LastChange)
	cb.settled = x.Cursor >= head
	return cb, nil
}

// exportDoc returns the export of the current state, built once per change.
func (s *API) exportDoc(ctx context.Context) (*cachedBody, error) {
	head, _, err := s.api.current(ctx)
	if err != nil {
		return nil, err
	}
	return s.api.export.get(head, "", s.api.now, func() (*cachedBody, error) { return s.buildExport(ctx, head) })
}

// HandleExport answers GET /api/v1/export.
func (s *API) HandleExport(c echo.Context) error {
	cb, err := s.exportDoc(c.Request().Context())
	if err != nil {
		return err
	}
	return serveCached(c, cb, cacheRevalidate)
}

// changeRecord turns a change of the store into a record of the feed.
func changeRecord(c store.Change) (feed.Change, error) {
	r := feed.Change{Cursor: feed.Cursor(c.Seq), At: c.At, ID: c.EntityID}
	switch c.Action {
	case catalog.ActionCreate:
		r.Type = feed.ChangeCreated
	default:
		r.Type = feed.ChangeUpdated
	}
	switch c.EntityType {
	case catalog.EntitySolution:
		r.Entity = feed.EntitySolution
		if c.Solution != nil {
			r.Object = feed.NewSolution(*c.Solution)
		}
	case catalog.EntityAdoption:
		r.Entity = feed.EntityAdoption
		if c.Adoption != nil {
			r.Object = feed.NewAdoption(*c.Adoption, c.Adoption.Solution.Slug, *c.Adoption.Organisation)
		}
	case catalog.EntityService:
		r.Entity = feed.EntityService
		if c.Service != nil {
			r.Object = feed.NewService(*c.Service)
		}
	case catalog.EntityTopicField:
		r.Entity = feed.EntityTopicField
		if c.TopicField != nil {
			r.Object = feed.NewTopicField(*c.TopicField)
		}
	case catalog.EntityLifeSituation:
		r.Entity = feed.EntityLifeSituation
		if c.LifeSituation != nil {
			r.Object = feed.NewLifeSituation(*c.LifeSituation)
		}
	default:
		return r, errUnknownEntity(c.EntityType)
	}
	// Whatever the event did, an entity that is gone now is a tombstone.
	if c.Action == catalog.ActionDelete || r.Object == nil {
		r.Type, r.Object = feed.ChangeDeleted, nil
	}
	return r, nil
}

// changePage reads one page of the change feed.
func (s *API) changePage(ctx context.Context, after uint64, limit int) (feed.ChangePage, error) {
	return changePage(ctx, s.Store, after, limit, s.api.now())
}

// changePage reads one page of the change feed; the API and the webhook
// dispatcher share it, so both deliver the same records.
func changePage(ctx context.Context, st *store.Store, after uint64, limit int, now time.Time) (feed.ChangePage, error) {
	b, err := st.ChangesAfter(ctx, after, limit, now)
	if err != nil {
		return feed.ChangePage{}, err
	}
	p := feed.ChangePage{Next: feed.Cursor(b.Next), More: b.More, Changes: make([]feed.Change, 0, len(b.Changes))}
	for _, c := range b.Changes {
		r, err := changeRecord(c)
		if err != nil {
			return p, err
		}
		p.Changes = append(p.Changes, r)
	}
	return p, nil
}

// HandleChanges answers GET /api/v1/changes?after=CURSOR&limit=N.
func (s *API) HandleChanges(c echo.Context) error {
	ctx := c.Request().Context()
	raw, err := queryValue(c, "after")
	if err != nil {
		return err
	}
	var after uint64
	if raw != "" {
		if after, err = feed.ParseCursor(raw); err != nil {
			return badParam("after", "erwartet wird ein Cursor aus dem Export oder aus „next“ einer früheren Antwort.")
		}
	}
	limit, err := queryInt(c, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	head, at, err := s.api.current(ctx)
	if err != nil {
		return err
	}
	if after > head {
		// The head may lag a write of another process by up to headRecheck;
		// ask the database before calling the cursor wrong.
		if head, err = s.Store.LastEventSeq(ctx); err != nil {
			return err
		}
	}
	if after > head {
		return badParam("after", "der Cursor liegt hinter dem neuesten Stand des Registers (%s); bitte mit dem Export neu beginnen.", feed.Cursor(head))
	}
	p, err := s.changePage(ctx, after, limit)
	if err != nil {
		return err
	}
	body, err := feed.EncodeChangePage(p)
	if err != nil {
		return err
	}
	return serveBytes(c, mimeJSON, body, at)
}

// exportCatalogue is the OZG catalogue part of the export, encoded once per
// catalogue change (seq is its newest event).
type exportCatalogue struct {
	seq     uint64
	encoded []byte
}

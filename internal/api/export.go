package api

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
)

// The export and the change feed: the portal takes the export once, then
// follows the change feed from the export's cursor. Both read the register
// in one read transaction each, and both encode objects with package feed,
// so the consumer's copy ends equal to a fresh export.

// HandleExport answers GET /api/v1/export. The export is streamed from
// the database while it is read (memory stays flat whatever the size of the
// register); its validators come from the head of the event log, so a 304
// costs no database read beyond the head and no encoding.
func (s *API) HandleExport(c echo.Context) error {
	head, at, err := s.api.current(c.Request().Context())
	if err != nil {
		return err
	}
	tags := s.api.exportTagsFor(head, at)
	gz := acceptsGzip(c.Request())
	etag, hdrETagValue := tags.etag, tags.hdrETag
	if gz {
		etag, hdrETagValue = tags.etagGz, tags.hdrETagGz
	}
	h := c.Response().Header()
	addVary(h, echo.HeaderAcceptEncoding)
	h[hdrETag] = hdrETagValue
	h[hdrCacheControl] = cacheHeaders[cacheRevalidate]
	if tags.hdrLastModified != nil {
		h[hdrLastModified] = tags.hdrLastModified
	}
	if notModified(c.Request(), etag, at) {
		return c.NoContent(http.StatusNotModified)
	}
	if httpx.IsHead(c) {
		h[hdrContentType] = mimeJSONHeader
		if gz {
			h[hdrContentEnc] = contentGzip
		}
		return c.NoContent(http.StatusOK)
	}
	release, ok, err := s.acquireExport(c, "json")
	if !ok {
		return err
	}
	defer release()
	return s.logStreamError(c, s.streamExport(c, head, gz))
}

// streamExport writes the export of the current state to the client while
// reading it, batch by batch, in one read transaction.
func (s *API) streamExport(c echo.Context, head uint64, gz bool) error {
	ctx := c.Request().Context()
	cat := s.api.catalogue.Load()
	known := uint64(0)
	if cat != nil {
		known = cat.seq
	}
	var xw *feed.ExportWriter
	var finish func() error
	var solDocs []feed.Solution
	err := s.Store.StreamExport(ctx, s.api.now(), known, store.ExportSink{
		Begin: func(x store.ExportData) error {
			if cat == nil || x.CatalogueSeq != cat.seq {
				// The catalogue changed (or this is the first export): convert it once.
				next, err := encodeCatalogue(x)
				if err != nil {
					return err
				}
				cat = next
				s.api.catalogue.Store(cat)
			}
			if x.Cursor != head {
				// Not the state the validators name (a write came in between,
				// or a sequence gap is still open): no entity tag for it.
				h := c.Response().Header()
				delete(h, hdrETag)
				if x.LastChange.IsZero() {
					delete(h, hdrLastModified)
				} else {
					h.Set(echo.HeaderLastModified, x.LastChange.UTC().Format(http.TimeFormat))
				}
			}
			var w *bufio.Writer
			w, finish = httpx.Stream(c, mimeJSON, gz)
			xw = feed.NewExportWriter(w)
			return xw.Begin(x.Cursor, x.LastChange, cat.encoded)
		},
		Solutions: func(batch []catalog.Solution) error {
			solDocs = solDocs[:0]
			for _, sol := range batch {
				solDocs = append(solDocs, feed.NewSolution(sol))
			}
			return xw.Solutions(solDocs)
		},
		Adoptions: func(batch []catalog.Adoption) error { return xw.Adoptions(adoptionDocs(batch)) },
	})
	if err != nil {
		return err
	}
	if err := xw.End(); err != nil {
		return err
	}
	return finish()
}

// encodeCatalogue converts and encodes the catalogue part of the export.
func encodeCatalogue(x store.ExportData) (*exportCatalogue, error) {
	cat := &exportCatalogue{seq: x.CatalogueSeq}
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
	var err error
	cat.encoded, err = feed.EncodeCatalogue(topics, lifes, services)
	return cat, err
}

// exportTags are the validators of the export at one head of the event
// log, made once per change so that answering a 304 costs no formatting.
type exportTags struct {
	head                                uint64
	at                                  time.Time
	etag, etagGz                        string
	hdrETag, hdrETagGz, hdrLastModified []string
}

// exportTagsFor returns the validators of the export at head (whose event
// was written at at). The tag names the head, the time of its event (so a
// restored older database never repeats a tag with other content) and the
// build of the program (whose encoding the body is).
func (a *apiState) exportTagsFor(head uint64, at time.Time) *exportTags {
	if t := a.exportTags.Load(); t != nil && t.head == head && t.at.Equal(at) {
		return t
	}
	opaque := `"x` + strconv.FormatUint(head, 10) + "-" + strconv.FormatInt(at.UnixNano(), 36) + "-" + buildTag
	t := &exportTags{head: head, at: at, etag: opaque + `"`, etagGz: opaque + `-gz"`}
	t.hdrETag, t.hdrETagGz = []string{t.etag}, []string{t.etagGz}
	if !at.IsZero() {
		t.hdrLastModified = []string{at.UTC().Format(http.TimeFormat)}
	}
	a.exportTags.Store(t)
	return t
}

// buildTag identifies the program's build (its module version and VCS
// revision), so entity tags of documents it encodes change with it.
var buildTag = func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	id := info.Main.Version
	for _, kv := range info.Settings {
		if kv.Key == "vcs.revision" || kv.Key == "vcs.modified" {
			id += "/" + kv.Value
		}
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:4])
}()

// logStreamError logs an error that happened after a streamed answer began
// (the error handler can no longer answer it) and passes every error on.
func (s *API) logStreamError(c echo.Context, err error) error {
	if err != nil && c.Response().Committed && c.Request().Context().Err() == nil {
		s.Log.ErrorContext(c.Request().Context(), "streamed export failed", "path", c.Request().URL.Path, "err", err)
	}
	return err
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
	case catalog.EntityAdvisory:
		r.Entity = feed.EntityAdvisory
		if c.Revision == 1 {
			r.Type = feed.ChangeCreated
		} else {
			r.Type = feed.ChangeUpdated
		}
		if c.Advisory != nil && c.Advisory.Solution != nil {
			r.Object = advisoryObject(*c.Advisory, *c.Advisory.Solution)
		}
	default:
		return r, errUnknownEntity(c.EntityType)
	}
	// Whatever the event did, an entity that is gone now is a tombstone.
	if c.Action == catalog.ActionDelete || r.Object == nil {
		r.Type, r.Object = feed.ChangeDeleted, nil
	}
	r.Event = r.Entity + "." + r.Type
	if r.Entity == feed.EntityAdvisory {
		// A reader learns of an advisory when it is published and when it
		// is revised (a tombstone: no longer visible to this reader).
		r.Event = "advisory.updated"
		if c.Revision == 1 && r.Object != nil {
			r.Event = "advisory.published"
		}
	}
	return r, nil
}

// changePage reads one page of the change feed; the API and the webhook
// dispatcher share it, so both deliver the same records. The reader p
// decides which advisories are in it (webhooks read as anonymous: a
// restricted advisory never leaves by webhook).
func changePage(ctx context.Context, st *store.Store, reader catalog.Principal, after uint64, limit int, now time.Time) (feed.ChangePage, error) {
	b, err := st.ChangesAfter(ctx, reader, after, limit, now)
	if err != nil {
		return feed.ChangePage{}, err
	}
	return pageOf(b)
}

// pageOf turns a batch of the store into the records of a page.
func pageOf(b store.ChangeBatch) (feed.ChangePage, error) {
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
			return badParam("after", i18n.M("apierr.param_after"))
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
		return badParam("after", i18n.M("apierr.param_after_ahead", "Cursor", feed.Cursor(head)))
	}
	reader := httpx.Principal(c)
	if !reader.Anonymous() {
		// With a token the page may hold restricted advisories: for this client only.
		body, err := s.encodedChangePage(ctx, reader, after, limit)
		if err != nil {
			return err
		}
		defer feed.ReleaseChangePage(body)
		private(c)
		return c.Blob(http.StatusOK, mimeJSON, body)
	}
	body, err := s.publicChangePage(ctx, head, after, limit)
	if err != nil {
		return err
	}
	defer feed.ReleaseChangePage(body)
	return serveBytes(c, mimeJSON, body, at)
}

// encodedChangePage reads and encodes one page of the change feed for reader.
func (s *API) encodedChangePage(ctx context.Context, reader catalog.Principal, after uint64, limit int) ([]byte, error) {
	p, err := changePage(ctx, s.Store, reader, after, limit, s.api.now())
	if err != nil {
		return nil, err
	}
	return feed.EncodeChangePage(p)
}

// publicChangePage returns the encoded page for an anonymous reader at
// register state head: read ahead when it is (see readAhead), else read
// now. When more follows, the pages after it are read ahead.
func (s *API) publicChangePage(ctx context.Context, head, after uint64, limit int) ([]byte, error) {
	pr := pageReader{
		plan: func(ctx context.Context, after uint64) (store.ChangePlan, error) {
			return s.Store.PlanChanges(ctx, catalog.Principal{}, after, limit, s.api.now())
		},
		read: s.Store.ReadPlan,
	}
	if p := s.api.ahead.take(aheadKey{after: after, head: head, limit: limit}); p != nil {
		select {
		case <-p.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if p.err == nil {
			s.api.ahead.served.Add(1)
			if p.more {
				s.api.ahead.extend(aheadKey{after: p.next, head: head, limit: limit}, pr)
			}
			return p.body, nil
		}
		// A failed read ahead is read again, in the request's own context.
	}
	plan, err := pr.plan(ctx, after)
	if err != nil {
		return nil, err
	}
	if plan.More {
		s.api.ahead.extend(aheadKey{after: plan.Next, head: head, limit: limit}, pr)
	}
	b, err := pr.read(ctx, plan)
	if err != nil {
		return nil, err
	}
	return encodePage(b)
}

// encodePage encodes a batch of the store as a page of the change feed.
func encodePage(b store.ChangeBatch) ([]byte, error) {
	page, err := pageOf(b)
	if err != nil {
		return nil, err
	}
	return feed.EncodeChangePage(page)
}

// exportCatalogue is the OZG catalogue part of the export, encoded once per
// catalogue change (seq is its newest event).
type exportCatalogue struct {
	seq     uint64
	encoded []byte
}

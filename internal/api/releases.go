package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
)

// releaseDoc is a release of a solution in the API.
type releaseDoc struct {
	Version   string    `json:"version"`
	Date      string    `json:"date"`
	Notes     string    `json:"notes,omitempty"`
	URL       string    `json:"url,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

func newReleaseDoc(r catalog.Release) releaseDoc {
	return releaseDoc{Version: r.Version, Date: r.Date, Notes: r.Notes, URL: r.URL, CreatedAt: r.CreatedAt.UTC()}
}

// releaseList is the answer of GET /api/v1/solutions/{slug}/releases.
type releaseList struct {
	// Current is the version of the newest release; null without releases.
	Current *string      `json:"current"`
	Items   []releaseDoc `json:"items"`
	// Adopters counts the adopters running the solution (onboarding or
	// live) by the release they named.
	Adopters releaseAdopters `json:"adopters"`
}

type releaseAdopters struct {
	OnCurrent int64 `json:"onCurrent"`
	OnOlder   int64 `json:"onOlder"`
	Unknown   int64 `json:"unknown"`
}

// HandleReleases lists the releases of a solution, newest first, with how
// many adopters run the current one: GET /api/v1/solutions/{slug}/releases.
func (s *API) HandleReleases(c echo.Context) error {
	slug, err := pathSlug(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.Store.SolutionBySlug(ctx, slug); err != nil {
		return err
	}
	rels, err := s.Store.Releases(ctx, slug)
	if err != nil {
		return err
	}
	st, err := s.Store.ReleaseStandingOf(ctx, slug)
	if err != nil {
		return err
	}
	out := releaseList{Items: make([]releaseDoc, 0, len(rels)),
		Adopters: releaseAdopters{OnCurrent: st.OnCurrent, OnOlder: st.Older, Unknown: st.Unknown}}
	for _, r := range rels {
		out.Items = append(out.Items, newReleaseDoc(r))
	}
	if st.Current != nil {
		out.Current = &st.Current.Version
	}
	return s.serveJSON(c, out)
}

// releaseWrite is the body of POST /api/v1/solutions/{slug}/releases.
type releaseWrite struct {
	Version string `json:"version"`
	Date    string `json:"date"`
	Notes   string `json:"notes"`
	URL     string `json:"url"`
}

// HandleReleaseCreate records a release of a solution (token of the
// provider): POST /api/v1/solutions/{slug}/releases.
func (s *API) HandleReleaseCreate(c echo.Context) error {
	slug, err := pathSlug(c)
	if err != nil {
		return err
	}
	var body releaseWrite
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	r, err := s.Store.AddRelease(c.Request().Context(), httpx.Principal(c), slug,
		catalog.Release{Version: body.Version, Date: body.Date, Notes: body.Notes, URL: body.URL})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, newReleaseDoc(r))
}

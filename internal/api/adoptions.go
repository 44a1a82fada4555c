package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/store"
)

// adoptionResponse returns the adoption in the API's shape (the same as the feed's).
func (s *API) adoptionResponse(ctx context.Context, id uint) (feed.Adoption, error) {
	a, err := s.Store.AdoptionByID(ctx, id)
	if err != nil {
		return feed.Adoption{}, err
	}
	slug := ""
	if a.Solution != nil {
		slug = a.Solution.Slug
	}
	var org catalog.Organisation
	if a.Organisation != nil {
		org = *a.Organisation
	}
	return feed.NewAdoption(a, slug, org), nil
}

// adoptionWrite is the JSON body of POST and PATCH /api/v1/adoptions.
type adoptionWrite struct {
	Solution     *string `json:"solution"`
	AdopterKind  *string `json:"adopterKind"`
	AdopterKey   *string `json:"adopterKey"`
	Status       *string `json:"status"`
	Since        *string `json:"since"`
	ContractType *string `json:"contractType"`
	Note         *string `json:"note"`
	// Release is the version of the solution the adopter runs ("" clears it).
	Release *string `json:"release"`
}

func bindJSON(c echo.Context, into any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, i18n.M("apierr.need_json"))
	}
	if err := (&echo.DefaultBinder{}).BindBody(c, into); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("apierr.bad_json"))
	}
	return nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// HandleAdoptionCreate registers (or updates) an adoption: POST /api/v1/adoptions.
func (s *API) HandleAdoptionCreate(c echo.Context) error {
	var body adoptionWrite
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	var v catalog.ValidationError
	for field, val := range map[string]*string{"solution": body.Solution, "adopterKind": body.AdopterKind, "adopterKey": body.AdopterKey, "status": body.Status} {
		if str(val) == "" {
			v.AddM(field, i18n.M("apierr.field_required"))
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, err := s.Store.RegisterAdoption(ctx, httpx.Principal(c), store.AdoptionInput{
		SolutionSlug: str(body.Solution), AdopterKind: catalog.OrgKind(str(body.AdopterKind)), AdopterKey: str(body.AdopterKey),
		Adoption: catalog.Adoption{Status: catalog.AdoptionStatus(str(body.Status)), Since: str(body.Since),
			ContractType: str(body.ContractType), Note: str(body.Note)},
		Release: body.Release,
	})
	if err != nil {
		return err
	}
	out, err := s.adoptionResponse(ctx, a.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/adoptions/%d", a.ID))
	return c.JSON(http.StatusCreated, out)
}

// HandleAdoptionPatch changes status, date, contract type or note: PATCH /api/v1/adoptions/{id}.
func (s *API) HandleAdoptionPatch(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var body adoptionWrite
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	if body.Solution != nil || body.AdopterKind != nil || body.AdopterKey != nil {
		v := catalog.ValidationError{}
		v.AddM("solution", i18n.M("apierr.adoption_fixed"))
		return &v
	}
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	a, err := s.Store.AdoptionByID(ctx, id)
	if err != nil {
		return err
	}
	next := a
	if body.Status != nil {
		next.Status = catalog.AdoptionStatus(str(body.Status))
	}
	if body.Since != nil {
		next.Since = str(body.Since)
	}
	if body.ContractType != nil {
		next.ContractType = str(body.ContractType)
	}
	if body.Note != nil {
		next.Note = str(body.Note)
	}
	if _, err := s.Store.RegisterAdoption(ctx, p, store.AdoptionInput{SolutionSlug: a.Solution.Slug, AdopterKind: a.Organisation.Kind,
		AdopterKey: a.Organisation.Key, Adoption: next, Release: body.Release}); err != nil {
		return err
	}
	out, err := s.adoptionResponse(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// HandleAdoptionDelete deletes an adoption: DELETE /api/v1/adoptions/{id}.
func (s *API) HandleAdoptionDelete(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	if _, err := s.Store.AdoptionByID(ctx, id); err != nil {
		return err
	}
	if err := s.Store.DeleteAdoption(ctx, p, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

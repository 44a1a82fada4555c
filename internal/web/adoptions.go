package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/store"
)

// Adoption writes share one path for the HTML forms and the JSON API, so the
// rules (who may write, which transitions) are the same for both.

// registerAdoption creates or updates the adoption of a solution by an
// organisation on behalf of p.
func (s *server) registerAdoption(ctx context.Context, p catalog.Principal, in store.AdoptionInput) (catalog.Adoption, error) {
	org, err := s.Store.OrganisationByKey(ctx, in.AdopterKind, in.AdopterKey)
	if err != nil {
		v := catalog.ValidationError{}
		v.Add("adopter", "Unbekannte Organisation.")
		return catalog.Adoption{}, &v
	}
	if !p.CanEditAdoptionsOf(org) {
		return catalog.Adoption{}, fmt.Errorf("register adoption for %s:%s: %w", org.Kind, org.Key, catalog.ErrForbidden)
	}
	in.Adoption.Confirmation = catalog.ConfirmationNone
	return s.Store.RegisterAdoption(ctx, p.Actor(), in)
}

// adoptionForEdit loads an adoption the principal may change as adopter.
func (s *server) adoptionForEdit(ctx context.Context, p catalog.Principal, id uint) (catalog.Adoption, error) {
	a, err := s.Store.AdoptionByID(ctx, id)
	if err != nil {
		return a, err
	}
	if a.Organisation == nil || !p.CanEditAdoptionsOf(*a.Organisation) {
		return a, fmt.Errorf("adoption %d: %w", id, catalog.ErrForbidden)
	}
	return a, nil
}

// confirmAdoption records the provider's answer.
func (s *server) confirmAdoption(ctx context.Context, p catalog.Principal, id uint, c catalog.Confirmation) (catalog.Adoption, error) {
	a, err := s.Store.AdoptionByID(ctx, id)
	if err != nil {
		return a, err
	}
	if a.Solution == nil || !p.CanEditSolution(*a.Solution) {
		return a, fmt.Errorf("confirm adoption %d: %w", id, catalog.ErrForbidden)
	}
	return s.Store.ConfirmAdoption(ctx, p.Actor(), id, c)
}

// pathID parses a positive numeric path parameter.
func pathID(c echo.Context, name string) (uint, error) {
	n, err := strconv.ParseUint(c.Param(name), 10, 32)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("path parameter %s=%q: %w", name, c.Param(name), catalog.ErrNotFound)
	}
	return uint(n), nil
}

// adoptionResponse returns the adoption in the API's shape (the same as the feed's).
func (s *server) adoptionResponse(ctx context.Context, id uint) (feed.Adoption, error) {
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
}

func bindJSON(c echo.Context, into any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "Bitte senden Sie JSON (Content-Type: application/json).")
	}
	if err := (&echo.DefaultBinder{}).BindBody(c, into); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Der JSON-Inhalt ist fehlerhaft.")
	}
	return nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// handleAPIAdoptionCreate registers (or updates) an adoption: POST /api/v1/adoptions.
func (s *server) handleAPIAdoptionCreate(c echo.Context) error {
	var body adoptionWrite
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	var v catalog.ValidationError
	for field, val := range map[string]*string{"solution": body.Solution, "adopterKind": body.AdopterKind, "adopterKey": body.AdopterKey, "status": body.Status} {
		if str(val) == "" {
			v.Add(field, "Pflichtfeld fehlt.")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, err := s.registerAdoption(ctx, principal(c), store.AdoptionInput{
		SolutionSlug: str(body.Solution), AdopterKind: catalog.OrgKind(str(body.AdopterKind)), AdopterKey: str(body.AdopterKey),
		Adoption: catalog.Adoption{Status: catalog.AdoptionStatus(str(body.Status)), Since: str(body.Since),
			ContractType: str(body.ContractType), Note: str(body.Note)},
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

// handleAPIAdoptionPatch changes status, date, contract type or note: PATCH /api/v1/adoptions/{id}.
func (s *server) handleAPIAdoptionPatch(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var body adoptionWrite
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	if body.Solution != nil || body.AdopterKind != nil || body.AdopterKey != nil {
		v := catalog.ValidationError{}
		v.Add("solution", "Lösung und Organisation einer Nachnutzung können nicht geändert werden.")
		return &v
	}
	ctx := c.Request().Context()
	p := principal(c)
	a, err := s.adoptionForEdit(ctx, p, id)
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
	if _, err := s.registerAdoption(ctx, p, store.AdoptionInput{SolutionSlug: a.Solution.Slug, AdopterKind: a.Organisation.Kind,
		AdopterKey: a.Organisation.Key, Adoption: next}); err != nil {
		return err
	}
	out, err := s.adoptionResponse(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// handleAPIAdoptionDelete deletes an adoption: DELETE /api/v1/adoptions/{id}.
func (s *server) handleAPIAdoptionDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := principal(c)
	if _, err := s.adoptionForEdit(ctx, p, id); err != nil {
		return err
	}
	if err := s.Store.DeleteAdoption(ctx, p.Actor(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

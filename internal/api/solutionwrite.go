package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/publiccode"
	"efa-register/internal/store"
)

// The solution writes of /api/v1 for providers (issue 19): create, full
// replace, JSON Merge Patch, delete, and create or update from a
// publiccode.yml. Each goes through the store's one write path of solutions
// (validation, permission check, event, history), so it appears in the
// change feed and the webhooks like a change made in the web form.
//
// Optimistic concurrency: every answer carries the ETag a GET of the
// solution gives (a hash of the solution document), and PUT, PATCH and
// DELETE need If-Match with it (428 without, 412 when the solution changed
// since). The check runs inside the write transaction. A POST that creates
// may carry an Idempotency-Key: a retry with the same key and body gets the
// first answer again instead of a second solution.

// The editorial fields the register keeps itself: a provider's write
// neither sets nor changes them (as in the web form).
const (
	apiVerifiedNote = "Selbstauskunft des Anbieters, nicht redaktionell geprüft"
	apiSource       = "Registrierung über die API des EfA-Registers"
)

// providerDoc is the provider inside a solution write: kind and key name
// the organisation; id ("kind:key") may stand instead of them and must
// agree with them when both are given. The other members of the read form
// are accepted and ignored.
type providerDoc struct {
	ID      *string         `json:"id"`
	Kind    string          `json:"kind"`
	Key     string          `json:"key"`
	Name    json.RawMessage `json:"name"`
	LandKey json.RawMessage `json:"landKey"`
	ARS     json.RawMessage `json:"ars"`
	AGS     json.RawMessage `json:"ags"`
	URN     json.RawMessage `json:"urn"`
}

// solutionDoc is the body of POST and PUT /api/v1/solutions (and the
// result of a merge patch): the solution document as GET returns it, so a
// client may send back what it read. Members the register keeps itself
// (verified, verifiedNote, source, knownAdoptersText, createdAt, updatedAt)
// are accepted and ignored; unknown members are refused.
type solutionDoc struct {
	Slug          *string      `json:"slug"`
	Name          string       `json:"name"`
	Summary       string       `json:"summary"`
	Description   string       `json:"description"`
	Provider      *providerDoc `json:"provider"`
	ProviderNote  string       `json:"providerNote"`
	Partners      string       `json:"partners"`
	Operator      string       `json:"operator"`
	TopicFieldID  *uint        `json:"topicFieldId"`
	OZGIDs        []string     `json:"ozgIds"`
	Status        string       `json:"status"`
	StatusNote    string       `json:"statusNote"`
	Maturity      *int         `json:"maturity"`
	EfAMinimumMet *bool        `json:"efaMinimumMet"`
	AccessChannel string       `json:"accessChannel"`
	AccessURL     string       `json:"accessUrl"`
	Licence       string       `json:"licence"`
	RepositoryURL string       `json:"repositoryUrl"`
	Standards     string       `json:"standards"`
	// StandardsProfile: vocabulary keys (see /datenquellen) with mode implements, requires or choice.
	StandardsProfile []catalog.ProfileEntry `json:"standardsProfile"`
	Costs            string                 `json:"costs"`
	BuildCostEUR     *int64                 `json:"buildCostEur"`
	YearlyCostEUR    *int64                 `json:"yearlyCostEur"`
	CostSharing      string                 `json:"costSharing"`
	ContactEmail     string                 `json:"contactEmail"`
	KnownAdopters    json.RawMessage        `json:"knownAdoptersText"`
	Verified         json.RawMessage        `json:"verified"`
	VerifiedNote     json.RawMessage        `json:"verifiedNote"`
	Source           json.RawMessage        `json:"source"`
	CreatedAt        json.RawMessage        `json:"createdAt"`
	UpdatedAt        json.RawMessage        `json:"updatedAt"`
}

// invalid returns a validation error with one message.
func invalid(field string, m i18n.Message) error {
	v := &catalog.ValidationError{}
	v.AddM(field, m)
	return v
}

// decodeSolutionDoc reads a solution document strictly: one JSON object,
// no unknown members, the right types; errors name the member.
func decodeSolutionDoc(raw []byte) (solutionDoc, error) {
	var doc solutionDoc
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(&doc)
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	if err == nil {
		return doc, nil
	}
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return doc, invalid(te.Field, i18n.M("apierr.wrong_type", "Type", jsonTypeName(te.Type.Kind().String())))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return doc, invalid(name, i18n.M("apierr.field_unknown"))
	}
	return doc, echo.NewHTTPError(http.StatusBadRequest, i18n.M("apierr.bad_json_object"))
}

// jsonTypeName names a Go kind as the JSON type a client sends.
func jsonTypeName(kind string) any {
	switch kind {
	case "string":
		return i18n.M("apierr.json_text")
	case "float64", "float32":
		return i18n.M("apierr.json_number")
	case "int", "int64", "uint", "uint64", "int32", "uint32":
		return i18n.M("apierr.json_integer")
	case "bool":
		return i18n.M("apierr.json_bool")
	case "slice":
		return i18n.M("apierr.json_list")
	case "struct", "ptr":
		return i18n.M("apierr.json_object")
	}
	return kind
}

// input turns the document into the store's input; slug is the solution's
// slug (from the path), or "" on create (then the document's).
func (d solutionDoc) input(slug string) (store.SolutionInput, error) {
	var v catalog.ValidationError
	sol := catalog.Solution{Name: d.Name, Summary: d.Summary, Description: d.Description, ProviderNote: d.ProviderNote,
		Partners: d.Partners, Operator: d.Operator, TopicFieldID: d.TopicFieldID, Status: catalog.SolutionStatus(d.Status),
		StatusNote: d.StatusNote, Maturity: d.Maturity, EfAMinimumMet: d.EfAMinimumMet, AccessChannel: d.AccessChannel,
		AccessURL: d.AccessURL, Licence: d.Licence, RepositoryURL: d.RepositoryURL, Standards: d.Standards, StandardsProfile: d.StandardsProfile, Costs: d.Costs,
		BuildCostEUR: d.BuildCostEUR, YearlyCostEUR: d.YearlyCostEUR, CostSharing: d.CostSharing, ContactEmail: d.ContactEmail}
	switch {
	case slug == "" && (d.Slug == nil || strings.TrimSpace(*d.Slug) == ""):
		sol.Slug = catalog.Slugify(d.Name, 60)
	case slug == "":
		sol.Slug = strings.TrimSpace(*d.Slug)
	default:
		if d.Slug != nil && strings.TrimSpace(*d.Slug) != slug {
			v.AddM("slug", i18n.M("apierr.slug_fixed"))
		}
		sol.Slug = slug
	}
	if strings.TrimSpace(d.Name) == "" {
		v.AddM("name", i18n.M("apierr.field_required"))
	}
	if d.Status == "" {
		v.AddM("status", i18n.M("apierr.status_required"))
	}
	in := store.SolutionInput{Solution: sol, OZGIDs: d.OZGIDs}
	if p := d.Provider; p == nil {
		v.AddM("provider", i18n.M("apierr.provider_required"))
	} else {
		kind, key := strings.TrimSpace(p.Kind), strings.TrimSpace(p.Key)
		if p.ID != nil {
			ik, ikey, ok := strings.Cut(strings.TrimSpace(*p.ID), ":")
			switch {
			case !ok:
				v.AddM("provider.id", i18n.M("apierr.provider_id_format"))
			case kind == "" && key == "":
				kind, key = ik, ikey
			case ik != kind || ikey != key:
				v.AddM("provider.id", i18n.M("apierr.provider_id_mismatch"))
			}
		}
		if kind == "" {
			v.AddM("provider.kind", i18n.M("apierr.field_required"))
		}
		if key == "" {
			v.AddM("provider.key", i18n.M("apierr.field_required"))
		}
		in.ProviderKind, in.ProviderKey = catalog.OrgKind(kind), key
	}
	// Let the catalog's own rules speak too, so every message comes at once.
	check := sol
	check.Verified = catalog.VerifiedNo
	var ve *catalog.ValidationError
	if errors.As(check.Validate(), &ve) {
		for k, m := range ve.Fields {
			if msg, ok := ve.Msgs[k]; ok {
				v.AddM(k, msg)
			} else {
				v.Add(k, m) // no catalogue message: a German text from elsewhere
			}
		}
	}
	return in, v.Err()
}

// solutionDocument is the solution as GET returns it, with its ETag.
func solutionDocument(sol catalog.Solution) ([]byte, string, error) {
	body, err := feed.Marshal(feed.NewSolution(sol))
	if err != nil {
		return nil, "", err
	}
	return body, etagOf(body), nil
}

// errStale answers a write whose If-Match names an older state.
var errStale = echo.NewHTTPError(http.StatusPreconditionFailed,
	i18n.M("apierr.solution_stale"))

// errNoIfMatch answers a write without If-Match.
var errNoIfMatch = echo.NewHTTPError(http.StatusPreconditionRequired,
	i18n.M("apierr.solution_no_if_match"))

// ifMatch returns the store precondition for the request's If-Match
// header; required makes a missing header an error (428).
func ifMatch(c echo.Context, required bool) (func(catalog.Solution) error, error) {
	return ifMatchOf(c, required, errNoIfMatch, errStale, func(cur catalog.Solution) (string, error) {
		_, tag, err := solutionDocument(cur)
		return tag, err
	})
}

// ifMatchOf returns a precondition for the request's If-Match header over
// a resource whose current ETag tagOf computes: nil without the header
// (or noHeader when it is required), stale when no tag matches.
func ifMatchOf[T any](c echo.Context, required bool, noHeader, stale error, tagOf func(T) (string, error)) (func(T) error, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" {
		if required {
			return nil, noHeader
		}
		return nil, nil
	}
	return func(cur T) error {
		tag, err := tagOf(cur)
		if err != nil {
			return err
		}
		want := opaqueTag(tag)
		for t := range strings.SplitSeq(h, ",") {
			t = strings.TrimSpace(t)
			// If-Match uses the strong comparison: a weak tag never matches.
			if t == "*" || (!strings.HasPrefix(t, "W/") && opaqueTag(t) == want) {
				return nil
			}
		}
		return stale
	}, nil
}

// publiccodeWarning is a note of a publiccode.yml import: the key path,
// its line and the German message.
type publiccodeWarning struct {
	Key     string `json:"key"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// solutionWithWarnings is the answer to a write from a publiccode.yml: the
// solution document and the import's warnings.
type solutionWithWarnings struct {
	feed.Solution
	Warnings []publiccodeWarning `json:"warnings"`
}

// solutionDocumentWithWarnings is solutionDocument with the warnings of a
// publiccode.yml import; the ETag is the solution document's, as GET gives it.
func solutionDocumentWithWarnings(sol catalog.Solution, warnings []publiccode.Issue) ([]byte, string, error) {
	_, tag, err := solutionDocument(sol)
	if err != nil {
		return nil, "", err
	}
	doc := solutionWithWarnings{Solution: feed.NewSolution(sol), Warnings: make([]publiccodeWarning, len(warnings))}
	for i, w := range warnings {
		doc.Warnings[i] = publiccodeWarning{Key: w.Path, Line: w.Line, Message: w.Message}
	}
	body, err := feed.Marshal(doc)
	return body, tag, err
}

// writeSolutionWithWarnings answers a write from a publiccode.yml with the
// stored solution, the import's warnings and the solution's ETag.
func (s *API) writeSolutionWithWarnings(c echo.Context, code int, slug string, warnings []publiccode.Issue) error {
	sol, err := s.Store.SolutionBySlug(c.Request().Context(), slug)
	if err != nil {
		return err
	}
	body, tag, err := solutionDocumentWithWarnings(sol, warnings)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("ETag", tag)
	h.Set("Cache-Control", "no-store")
	if code == http.StatusCreated {
		h.Set(echo.HeaderLocation, "/api/v1/solutions/"+slug)
	}
	return c.Blob(code, mimeJSON, body)
}

// writeSolution answers with the stored solution, its ETag and status code.
func (s *API) writeSolution(c echo.Context, code int, slug string) error {
	sol, err := s.Store.SolutionBySlug(c.Request().Context(), slug)
	if err != nil {
		return err
	}
	body, tag, err := solutionDocument(sol)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("ETag", tag)
	h.Set("Cache-Control", "no-store")
	if code == http.StatusCreated {
		h.Set(echo.HeaderLocation, "/api/v1/solutions/"+slug)
	}
	return c.Blob(code, mimeJSON, body)
}

// readBody reads the request body (bounded by the body limit of the server).
func readBody(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var me *http.MaxBytesError
		if errors.As(err, &me) {
			return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return nil, echo.NewHTTPError(http.StatusBadRequest, i18n.M("apierr.body_unreadable"))
	}
	return b, nil
}

// mediaType is the request's Content-Type without parameters, lower case.
func mediaType(c echo.Context) string {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil {
		return ""
	}
	return strings.ToLower(mt)
}

// isYAML reports whether a media type names YAML (a publiccode.yml).
func isYAML(mt string) bool {
	return mt == "application/yaml" || mt == "application/x-yaml" || mt == "text/yaml" || mt == "text/x-yaml"
}

var errNeedJSON = echo.NewHTTPError(http.StatusUnsupportedMediaType,
	i18n.M("apierr.need_json_or_yaml"))

// HandleSolutionCreate registers a solution: POST /api/v1/solutions, with a
// JSON solution document or a publiccode.yml (Content-Type: application/yaml).
func (s *API) HandleSolutionCreate(c echo.Context) error {
	mt := mediaType(c)
	if mt != echo.MIMEApplicationJSON && !isYAML(mt) {
		return errNeedJSON
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	key := strings.TrimSpace(c.Request().Header.Get("Idempotency-Key"))
	var idem *store.Idempotency
	// warnings are the notes of a publiccode.yml import; the answer carries them.
	var warnings []publiccode.Issue
	if key != "" {
		if len(key) > store.MaxIdempotencyKey || !catalog.ValidText(key, store.MaxIdempotencyKey) || strings.ContainsAny(key, "\t\r\n") {
			return badParam("Idempotency-Key", i18n.M("apierr.param_idempotency_key", "Max", store.MaxIdempotencyKey))
		}
		sum := sha256.Sum256([]byte(c.Request().Method + " " + c.Request().URL.Path + "\n" + mt + "\n" + c.QueryString() + "\n" + string(body)))
		idem = &store.Idempotency{Key: key, RequestHash: hex.EncodeToString(sum[:]), Render: func(sol catalog.Solution) (store.StoredResponse, error) {
			// The stored answer is the plain document, so a replay's ETag
			// is the solution's; the warnings come with the first answer only.
			b, _, err := solutionDocument(sol)
			return store.StoredResponse{Status: http.StatusCreated, Location: "/api/v1/solutions/" + sol.Slug, Body: b}, err
		}}
		if done, err := s.replay(c, p, idem); done || err != nil {
			return err
		}
	}
	var sol catalog.Solution
	if isYAML(mt) {
		sol, err = s.createFromPubliccode(c, body, idem, &warnings)
	} else {
		var doc solutionDoc
		if doc, err = decodeSolutionDoc(body); err != nil {
			return err
		}
		var in store.SolutionInput
		if in, err = doc.input(""); err != nil {
			return err
		}
		in.Solution.Verified, in.Solution.VerifiedNote, in.Solution.Source = catalog.VerifiedPartial, apiVerifiedNote, apiSource
		in.Idempotency = idem
		sol, err = s.Store.CreateSolution(ctx, p, in)
	}
	if err != nil {
		// A concurrent first try with the same key may have won the race.
		if idem != nil {
			if done, rerr := s.replay(c, p, idem); done || rerr != nil {
				return rerr
			}
		}
		return err
	}
	if isYAML(mt) {
		return s.writeSolutionWithWarnings(c, http.StatusCreated, sol.Slug, warnings)
	}
	return s.writeSolution(c, http.StatusCreated, sol.Slug)
}

// replay answers with the stored answer to the principal's idempotency key,
// when there is one (done): the first answer again for the same request,
// 422 for another request under the same key.
func (s *API) replay(c echo.Context, p catalog.Principal, idem *store.Idempotency) (done bool, err error) {
	resp, hash, found, err := s.Store.IdempotentResponse(c.Request().Context(), p, idem.Key)
	if err != nil || !found {
		return false, err
	}
	if hash != idem.RequestHash {
		return true, WriteProblem(c, http.StatusUnprocessableEntity,
			i18n.M("apierr.idempotency_reused"), nil)
	}
	h := c.Response().Header()
	h.Set("Idempotent-Replayed", "true")
	h.Set("Cache-Control", "no-store")
	if resp.Location != "" {
		h.Set(echo.HeaderLocation, resp.Location)
	}
	h.Set("ETag", etagOf(resp.Body))
	return true, c.Blob(resp.Status, mimeJSON, resp.Body)
}

// publiccodeProblem turns a refused publiccode.yml into a validation error
// whose fields are the file's key paths with the line.
func publiccodeProblem(err error) error {
	var pe *publiccode.Error
	if !errors.As(err, &pe) {
		return err
	}
	v := &catalog.ValidationError{}
	for _, is := range pe.Issues {
		var text any = is.Message
		if is.Msg.ID != "" {
			text = is.Msg
		}
		msg := i18n.M("apierr.text", "Text", text)
		if is.Line > 0 {
			msg = i18n.M("apierr.publiccode_line", "Line", is.Line, "Text", text)
		}
		// A list index is a step of the pointer: maintenance.contacts[0].email
		// becomes /maintenance/contacts/0/email.
		path := strings.NewReplacer("[", ".", "]", "").Replace(is.Path)
		if path == "" {
			path = "publiccode.yml"
		}
		v.AddM(path, msg)
	}
	if len(v.Fields) == 0 {
		v.AddM("publiccode.yml", i18n.M("apierr.publiccode_refused"))
	}
	return v
}

// importPubliccode maps a publiccode.yml body to a draft.
func (s *API) importPubliccode(ctx context.Context, body []byte) (*publiccode.Draft, error) {
	if len(body) > publiccode.MaxFileBytes {
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
	}
	d, err := publiccode.Import(ctx, body, s.Store)
	if err != nil {
		return nil, publiccodeProblem(err)
	}
	var warns []publiccode.Issue
	d.Solution.StandardsProfile, warns = publiccode.ReadProfile(body, store.Vocabulary())
	d.Warnings = append(d.Warnings, warns...)
	return d, nil
}

// publiccodeProvider is the provider of a solution created from a
// publiccode.yml: the query parameter provider=kind:key, or else the one
// organisation the principal provides solutions for.
func (s *API) publiccodeProvider(c echo.Context, p catalog.Principal) (catalog.OrgKind, string, error) {
	ref, err := queryValue(c, "provider")
	if err != nil {
		return "", "", err
	}
	if ref != "" {
		kind, key, ok := strings.Cut(ref, ":")
		if !ok || kind == "" || key == "" {
			return "", "", badParam("provider", i18n.M("apierr.param_provider"))
		}
		return catalog.OrgKind(kind), key, nil
	}
	var found []catalog.Grant
	for _, g := range p.Grants {
		if g.Kind.ProvidesSolutions() && (g.Role == catalog.RoleEditor || g.Role == catalog.RoleCoordinator) {
			found = append(found, g)
		}
	}
	if len(found) != 1 {
		return "", "", badParam("provider", i18n.M("apierr.param_provider_required"))
	}
	return found[0].Kind, found[0].Key, nil
}

// createFromPubliccode creates a solution from a publiccode.yml through the
// import mapping, and records its usedBy entries with exactly one matching
// organisation as the web import and the command line do.
func (s *API) createFromPubliccode(c echo.Context, body []byte, idem *store.Idempotency, warnings *[]publiccode.Issue) (catalog.Solution, error) {
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	kind, key, err := s.publiccodeProvider(c, p)
	if err != nil {
		return catalog.Solution{}, err
	}
	d, err := s.importPubliccode(ctx, body)
	if err != nil {
		return catalog.Solution{}, err
	}
	*warnings = d.Warnings
	sol, err := s.Store.CreateSolution(ctx, p, store.SolutionInput{Solution: d.Solution, ProviderKind: kind, ProviderKey: key,
		OZGIDs: d.OZGIDs, Idempotency: idem})
	if err != nil {
		return sol, err
	}
	if _, err := publiccode.RecordRelease(ctx, s.Store, p, sol.Slug, d.Release); err != nil {
		return sol, err
	}
	res, err := publiccode.ClaimUsedBy(ctx, s.Store, p, publiccode.SaveResult{Solution: sol}, d.MatchedAdopters())
	if err != nil {
		s.Log.WarnContext(ctx, "publiccode usedBy", "slug", sol.Slug, "err", err)
	}
	for _, r := range res.Rejected {
		s.Log.InfoContext(ctx, "publiccode usedBy rejected", "slug", sol.Slug, "entry", r)
	}
	return sol, nil
}

// currentSolution loads the solution of the path.
func (s *API) currentSolution(c echo.Context) (catalog.Solution, error) {
	slug, err := pathSlug(c)
	if err != nil {
		return catalog.Solution{}, err
	}
	return s.Store.SolutionBySlug(c.Request().Context(), slug)
}

// keepEditorial carries the fields the register keeps itself over to an update.
func keepEditorial(in *store.SolutionInput, cur catalog.Solution) {
	in.Solution.Verified, in.Solution.VerifiedNote, in.Solution.Source = cur.Verified, cur.VerifiedNote, cur.Source
	in.Solution.KnownAdopters = cur.KnownAdopters
}

// update writes doc over the solution cur with the request's If-Match.
func (s *API) update(c echo.Context, cur catalog.Solution, doc solutionDoc) error {
	pre, err := ifMatch(c, true)
	if err != nil {
		return err
	}
	in, err := doc.input(cur.Slug)
	if err != nil {
		return err
	}
	keepEditorial(&in, cur)
	in.Precondition = pre
	if _, err := s.Store.UpdateSolution(c.Request().Context(), httpx.Principal(c), cur.Slug, in); err != nil {
		return err
	}
	return s.writeSolution(c, http.StatusOK, cur.Slug)
}

// HandleSolutionPut replaces a solution: PUT /api/v1/solutions/{slug} with
// the whole solution document and If-Match.
func (s *API) HandleSolutionPut(c echo.Context) error {
	if mediaType(c) != echo.MIMEApplicationJSON {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, i18n.M("apierr.need_json"))
	}
	cur, err := s.currentSolution(c)
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	doc, err := decodeSolutionDoc(body)
	if err != nil {
		return err
	}
	return s.update(c, cur, doc)
}

// HandleSolutionPatch changes a solution by a JSON Merge Patch (RFC 7396):
// PATCH /api/v1/solutions/{slug} with If-Match. null removes a member,
// objects merge member by member.
func (s *API) HandleSolutionPatch(c echo.Context) error {
	if mt := mediaType(c); mt != mimeMergePatch && mt != echo.MIMEApplicationJSON {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, i18n.M("apierr.need_merge_patch"))
	}
	cur, err := s.currentSolution(c)
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	// The patch applies to the write form: the provider by kind and key only.
	base := feed.NewSolution(cur)
	type provRef struct {
		Kind string `json:"kind"`
		Key  string `json:"key"`
	}
	var prov *provRef
	if base.Provider != nil {
		prov = &provRef{Kind: base.Provider.Kind, Key: base.Provider.Key}
	}
	base.Provider = nil
	raw, err := json.Marshal(base)
	if err != nil {
		return err
	}
	var t any
	if err := decodeNumbers(raw, &t); err != nil {
		return err
	}
	m, _ := t.(map[string]any)
	m["provider"] = prov
	raw, err = json.Marshal(m)
	if err != nil {
		return err
	}
	merged, err := applyMergePatch(raw, body)
	if errors.Is(err, errPatchNotObject) {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("apierr.merge_patch_object"))
	}
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.M("apierr.bad_json"))
	}
	doc, err := decodeSolutionDoc(merged)
	if err != nil {
		return err
	}
	return s.update(c, cur, doc)
}

// HandleSolutionDelete deletes a solution with its adoptions, by the same
// rule as the web form (the provider's editors and admins): DELETE
// /api/v1/solutions/{slug} with If-Match.
func (s *API) HandleSolutionDelete(c echo.Context) error {
	cur, err := s.currentSolution(c)
	if err != nil {
		return err
	}
	pre, err := ifMatch(c, true)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteSolutionIf(c.Request().Context(), httpx.Principal(c), cur.Slug, pre); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// HandleSolutionPubliccode updates a solution from a publiccode.yml: POST
// /api/v1/solutions/{slug}/publiccode. The fields the file supplies
// (name, descriptions, licence, addresses, status, contact, and the
// OZG-Leistungen of the German extension) replace the stored ones; the
// others stay. If-Match is honoured when sent.
func (s *API) HandleSolutionPubliccode(c echo.Context) error {
	if !isYAML(mediaType(c)) {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, i18n.M("apierr.need_yaml"))
	}
	cur, err := s.currentSolution(c)
	if err != nil {
		return err
	}
	pre, err := ifMatch(c, false)
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	d, err := s.importPubliccode(c.Request().Context(), body)
	if err != nil {
		return err
	}
	next := cur
	f := d.Solution
	for field, set := range map[string]func(){
		"name": func() { next.Name = f.Name }, "summary": func() { next.Summary = f.Summary },
		"description": func() { next.Description = f.Description }, "licence": func() { next.Licence = f.Licence },
		"repositoryUrl": func() { next.RepositoryURL = f.RepositoryURL }, "accessUrl": func() { next.AccessURL = f.AccessURL },
		"status": func() { next.Status = f.Status }, "contactEmail": func() { next.ContactEmail = f.ContactEmail },
	} {
		if d.Sources[field] != "" {
			set()
		}
	}
	ids := cur.OZGIDs()
	if len(d.OZGIDs) > 0 {
		ids = d.OZGIDs
	}
	in := store.SolutionInput{Solution: next, OZGIDs: ids, Precondition: pre}
	if cur.Provider != nil {
		in.ProviderKind, in.ProviderKey = cur.Provider.Kind, cur.Provider.Key
	}
	in.Solution.Provider, in.Solution.ProviderID, in.Solution.Services = nil, nil, nil
	in.Solution.Publiccode = f.Publiccode
	keepEditorial(&in, cur)
	ctx := c.Request().Context()
	if _, err := s.Store.UpdateSolution(ctx, httpx.Principal(c), cur.Slug, in); err != nil {
		return err
	}
	if _, err := publiccode.RecordRelease(ctx, s.Store, httpx.Principal(c), cur.Slug, d.Release); err != nil {
		return err
	}
	return s.writeSolutionWithWarnings(c, http.StatusOK, cur.Slug, d.Warnings)
}

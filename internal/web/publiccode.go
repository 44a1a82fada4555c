package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/i18n"
	"efa-register/internal/publiccode"
	"efa-register/internal/store"
	"efa-register/views"
)

// The publiccode.yml import keeps the uploaded file in the server-side
// session between the preview and the save, under a random token, and reads
// it again on save. That way exactly the previewed file is saved (hidden
// fields would carry a long description through the browser and let any
// field change unseen between preview and save), the draft belongs to the
// user's session only, it is bounded by publiccode.MaxFileBytes, and it is
// removed once saved or replaced by the next upload.
const (
	sessPubliccodeData  = "publiccodeDraft"
	sessPubliccodeToken = "publiccodeDraftToken"
	sessPubliccodeName  = "publiccodeDraftName"
)

func (s *Site) publiccodePage(c echo.Context, status int, d views.PubliccodeImportData) error {
	ctx := c.Request().Context()
	d.FetchEnabled = s.PubliccodeFetcher != nil
	return httpx.Render(c, status, views.PubliccodeImportPage(httpx.Page(c, i18n.T(ctx, "pcimport.heading"), "/loesungen",
		views.Crumb{Label: i18n.T(ctx, "nav.solutions"), URL: "/loesungen"}, views.Crumb{Label: i18n.T(ctx, "pcimport.crumb")}), d), nil)
}

// importProviders are the organisations the user may register solutions for; none means no access.
func (s *Site) importProviders(c echo.Context) ([]views.Option, error) {
	opts, err := s.providerOptions(c.Request().Context(), httpx.Principal(c))
	if err != nil {
		return nil, err
	}
	if len(opts) <= 1 {
		return nil, echo.NewHTTPError(http.StatusForbidden, i18n.M("pcimport.err_not_provider"))
	}
	return opts, nil
}

// HandlePubliccodeForm shows the upload form.
func (s *Site) HandlePubliccodeForm(c echo.Context) error {
	if _, err := s.importProviders(c); err != nil {
		return err
	}
	return s.publiccodePage(c, http.StatusOK, views.PubliccodeImportData{})
}

// HandlePubliccodeImport reads an uploaded (or fetched) file and shows the
// preview, or saves the previewed draft (aktion=speichern).
func (s *Site) HandlePubliccodeImport(c echo.Context) error {
	providers, err := s.importProviders(c)
	if err != nil {
		return err
	}
	if c.FormValue("aktion") == "speichern" {
		return s.savePubliccode(c, providers)
	}
	data, name, msg, err := s.publiccodeUpload(c)
	if err != nil {
		return err
	}
	if msg != "" {
		return s.publiccodePage(c, http.StatusUnprocessableEntity, views.PubliccodeImportData{Error: msg, URL: c.FormValue("adresse")})
	}
	d, _, status, err := s.publiccodePreview(c, data, name, providers)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return s.publiccodePage(c, status, d)
	}
	// Only a file that can be saved is kept for the save step.
	ctx := c.Request().Context()
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return err
	}
	d.Token = hex.EncodeToString(token)
	s.Sessions.Put(ctx, sessPubliccodeData, data)
	s.Sessions.Put(ctx, sessPubliccodeToken, d.Token)
	s.Sessions.Put(ctx, sessPubliccodeName, name)
	return s.publiccodePage(c, status, d)
}

// publiccodeUpload returns the file of the request, or a message for the
// user in the language of the request.
func (s *Site) publiccodeUpload(c echo.Context) (data []byte, name, msg string, err error) {
	ctx := c.Request().Context()
	fh, ferr := c.FormFile("datei")
	switch {
	case ferr == nil && fh.Size > 0:
		if fh.Size > publiccode.MaxFileBytes {
			return nil, "", i18n.T(ctx, "pcimport.err_file_too_large", "KiB", publiccode.MaxFileBytes>>10), nil
		}
		f, err := fh.Open()
		if err != nil {
			return nil, "", i18n.T(ctx, "pcimport.err_file_unreadable"), nil
		}
		defer f.Close()
		data, err = io.ReadAll(io.LimitReader(f, publiccode.MaxFileBytes+1))
		if err != nil {
			return nil, "", i18n.T(ctx, "pcimport.err_file_unreadable"), nil
		}
		return data, fh.Filename, "", nil
	case ferr != nil && !errors.Is(ferr, http.ErrMissingFile):
		return nil, "", i18n.T(ctx, "pcimport.err_form_unreadable"), nil
	}
	addr := strings.TrimSpace(c.FormValue("adresse"))
	if addr == "" || s.PubliccodeFetcher == nil {
		return nil, "", i18n.T(ctx, "pcimport.err_no_file"), nil
	}
	data, err = s.PubliccodeFetcher.Fetch(ctx, addr)
	var fe *publiccode.FetchError
	if errors.As(err, &fe) {
		s.Log.InfoContext(ctx, "publiccode fetch refused or failed", "err", fe.Err)
		return nil, "", fe.Text(ctx), nil
	}
	if err != nil {
		return nil, "", "", err
	}
	return data, addr, "", nil
}

// publiccodePreview maps the file and fills the preview; a file that
// cannot be imported gives the error list and status 422.
func (s *Site) publiccodePreview(c echo.Context, data []byte, name string, providers []views.Option) (views.PubliccodeImportData, *publiccode.Draft, int, error) {
	ctx := c.Request().Context()
	d := views.PubliccodeImportData{FileName: name, Providers: providers}
	draft, err := publiccode.Import(ctx, data, s.Store)
	var pe *publiccode.Error
	if errors.As(err, &pe) {
		d.Errors, d.Warnings = issueViews(ctx, pe.Issues), issueViews(ctx, pe.Warnings)
		return d, nil, http.StatusUnprocessableEntity, nil
	}
	if err != nil {
		return d, nil, 0, err
	}
	// The register's extension key for the standards profile (publiccode/standards.go).
	var profileWarnings []publiccode.Issue
	draft.Solution.StandardsProfile, profileWarnings = publiccode.ReadProfile(data, store.Vocabulary())
	draft.Warnings = append(draft.Warnings, profileWarnings...)
	d.Preview = true
	d.Warnings = issueViews(ctx, draft.Warnings)
	for _, f := range publiccode.FieldLabels {
		v := draft.Value(f.Field)
		if v == "" {
			continue
		}
		fv := views.PubliccodeField{Label: f.Label, Value: v, Source: draft.Sources[f.Field], Data: previewData[f.Field]}
		if id, ok := previewLabels[f.Field]; ok {
			fv.Label = i18n.T(ctx, id)
		}
		switch f.Field {
		case "status":
			fv.Value = draft.Solution.Status.L(ctx)
		case "verified":
			fv.Value, fv.Note = draft.Solution.Verified.L(ctx), draft.Solution.VerifiedNote
		}
		d.Fields = append(d.Fields, fv)
	}
	for _, sv := range draft.Services {
		d.Services = append(d.Services, views.PubliccodeService{ID: sv.ID, Name: sv.Name, Via: sv.Via, Line: sv.Line})
	}
	for i, a := range draft.Adopters {
		av := views.PubliccodeAdopter{Index: i, Name: a.Name, Line: a.Line, Status: string(a.Status), Unique: a.Match != nil}
		for _, o := range candidatesOf(a) {
			av.Options = append(av.Options, views.Option{Value: orgRef(o),
				Label: i18n.T(ctx, "pcimport.adopter_option", "Name", o.Name, "Kind", o.Kind.L(ctx), "Key", o.Key)})
		}
		av.Options = append(av.Options, views.Option{Value: "", Label: i18n.T(ctx, "pcimport.adopter_skip")})
		if a.Match != nil {
			av.Selected = orgRef(*a.Match)
		}
		d.Adopters = append(d.Adopters, av)
	}
	d.Slug = draft.Solution.Slug
	d.Provider = preselectProvider(providers, draft.OwnerHint)
	d.Similar = s.draftSimilar(ctx, draft.Solution.Name, draft.Solution.Description, draft.OZGIDs, "")
	return d, draft, http.StatusOK, nil
}

// candidatesOf lists the organisations a usedBy entry may mean: the match, or the candidates.
func candidatesOf(a publiccode.Adopter) []catalog.Organisation {
	if a.Match != nil {
		return []catalog.Organisation{*a.Match}
	}
	return a.Candidates
}

// preselectProvider picks the provider option whose name the file's
// repoOwner or mainCopyrightOwner names, or the only one there is.
func preselectProvider(opts []views.Option, owner string) string {
	real := opts[1:]
	if len(real) == 1 {
		return real[0].Value
	}
	want := publiccode.Fold(owner)
	if want == "" {
		return ""
	}
	for _, o := range real {
		name, _, _ := strings.Cut(o.Label, " (")
		if f := publiccode.Fold(name); f == want || strings.HasSuffix(want, " "+f) {
			return o.Value
		}
	}
	return ""
}

// previewLabels are the catalogue ids of the preview's field names, by the
// field of publiccode.FieldLabels (whose German labels the command line uses).
var previewLabels = map[string]string{
	"name":          "pcimport.field_name",
	"slug":          "pcimport.field_slug",
	"summary":       "pcimport.field_summary",
	"description":   "pcimport.field_description",
	"status":        "pcimport.field_status",
	"licence":       "pcimport.field_licence",
	"repositoryUrl": "pcimport.field_repository_url",
	"accessUrl":     "pcimport.field_access_url",
	"contactEmail":  "pcimport.field_contact_email",
	"verified":      "pcimport.field_verified",
}

// previewData are the fields whose value is text of the file (German data).
var previewData = map[string]bool{"name": true, "summary": true, "description": true}

func issueViews(ctx context.Context, list []publiccode.Issue) []views.PubliccodeIssue {
	out := make([]views.PubliccodeIssue, len(list))
	for i, is := range list {
		out[i] = views.PubliccodeIssue{Line: is.Line, Path: is.Path, Message: is.Text(ctx)}
	}
	return out
}

// savePubliccode saves the draft kept in the session with the provider,
// slug and usedBy choices of the preview form.
func (s *Site) savePubliccode(c echo.Context, providers []views.Option) error {
	ctx := c.Request().Context()
	p := httpx.Principal(c)
	token := s.Sessions.GetString(ctx, sessPubliccodeToken)
	data := s.Sessions.GetBytes(ctx, sessPubliccodeData)
	if token == "" || len(data) == 0 || c.FormValue("entwurf") != token {
		return s.publiccodePage(c, http.StatusConflict, views.PubliccodeImportData{
			Error: i18n.T(ctx, "pcimport.err_stale")})
	}
	name := s.Sessions.GetString(ctx, sessPubliccodeName)
	d, draft, status, err := s.publiccodePreview(c, data, name, providers)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return s.publiccodePage(c, status, d)
	}
	d.Token = token
	var v catalog.ValidationError
	d.Provider = strings.TrimSpace(c.FormValue("provider"))
	kind, key, ok := strings.Cut(d.Provider, ":")
	if !ok {
		v.AddM("provider", i18n.M("pcimport.err_choose_provider"))
	} else if org, err := s.Store.OrganisationByKey(ctx, catalog.OrgKind(kind), key); err != nil || !p.CanProvideFor(org) {
		v.AddM("provider", i18n.M("pcimport.err_own_org_only"))
	}
	d.Slug = strings.TrimSpace(c.FormValue("slug"))
	draft.Solution.Slug = d.Slug
	var chosen []publiccode.Chosen
	for i, a := range draft.Adopters {
		field := "nachnutzer_" + strconv.Itoa(i)
		ref := c.FormValue(field)
		st := catalog.AdoptionStatus(c.FormValue("status_" + strconv.Itoa(i)))
		d.Adopters[i].Selected, d.Adopters[i].Status = ref, string(st)
		if ref == "" {
			continue
		}
		// Only an organisation the file's name may mean can be chosen.
		var org *catalog.Organisation
		for _, o := range candidatesOf(a) {
			if orgRef(o) == ref {
				org = &o
				break
			}
		}
		if org == nil {
			v.AddM(field, i18n.M("pcimport.err_choose_offered_org"))
			continue
		}
		if st != catalog.AdoptionLive && st != catalog.AdoptionInterested {
			v.AddM("status_"+strconv.Itoa(i), i18n.M("pcimport.err_choose_status"))
			continue
		}
		chosen = append(chosen, publiccode.Chosen{Name: a.Name, Kind: org.Kind, Key: org.Key, Status: st})
	}
	if v.Err() == nil {
		res, err := publiccode.Save(ctx, s.Store, p, draft, catalog.OrgKind(kind), key, chosen)
		var ve *catalog.ValidationError
		switch {
		case errors.As(err, &ve):
			for k, m := range ve.In(ctx) { // the store's messages, localised
				if k != "provider" && k != "slug" {
					k = ""
				}
				if k == "" {
					d.Error = m
					continue
				}
				v.Add(k, m)
			}
		case err != nil:
			return err
		default:
			s.Sessions.Remove(ctx, sessPubliccodeData)
			s.Sessions.Remove(ctx, sessPubliccodeToken)
			s.Sessions.Remove(ctx, sessPubliccodeName)
			msg := i18n.T(ctx, "pcimport.flash_saved", "Count", len(res.Adopted))
			if len(res.Rejected) > 0 {
				// The reasons are the store's texts (German until they are catalogue messages).
				msg = i18n.T(ctx, "pcimport.flash_saved_rejected", "Count", len(res.Adopted), "Rejected", strings.Join(res.Rejected, "; "))
			}
			s.flash(c, msg)
			return c.Redirect(http.StatusSeeOther, "/loesungen/"+res.Solution.Slug)
		}
	}
	d.FormErrors = v.In(ctx)
	return s.publiccodePage(c, http.StatusUnprocessableEntity, d)
}

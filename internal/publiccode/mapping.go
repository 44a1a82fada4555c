package publiccode

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// Lookup is what the mapping needs from the register; *store.Store has it.
type Lookup interface {
	AllOrganisations(ctx context.Context) ([]catalog.Organisation, error)
	ServiceByID(ctx context.Context, ozgID string) (catalog.Service, error)
	ServiceIDsOfLeika(ctx context.Context, leikaKey string) ([]string, error)
}

// Adopter is a usedBy entry matched against the register's organisations.
type Adopter struct {
	Name string
	Line int
	// Status is what the file says: "live" for software in use (beta, stable,
	// obsolete or no status), "interested" for software still in concept or development.
	Status catalog.AdoptionStatus
	// Match is the organisation when exactly one fits the name; nil otherwise.
	Match *catalog.Organisation
	// Candidates are the organisations that fit when the name is ambiguous or only approximate.
	Candidates []catalog.Organisation
}

// ServiceRef is an OZG-Leistung the German extension names.
type ServiceRef struct {
	ID, Name string
	// Via says how the file named it: "ozg-id" or "leika-id 99…".
	Via  string
	Line int
}

// Draft is a solution read from a publiccode.yml and not yet saved.
type Draft struct {
	// Solution has the mapped fields; Slug is derived from the name,
	// Verified is "teilweise" (self-declaration of the provider).
	Solution catalog.Solution
	// OZGIDs are the OZG-Leistungen the file names that exist in the register.
	OZGIDs   []string
	Services []ServiceRef
	Adopters []Adopter
	// Sources names, per solution field (JSON name), the key path it came from.
	Sources map[string]string
	// OwnerHint is legal.repoOwner or legal.mainCopyrightOwner, to preselect the provider.
	OwnerHint string
	Warnings  []Issue
	Unknown   []Unknown
	Version   string
	// Release is the release softwareVersion and releaseDate name; nil when the file has none.
	Release *catalog.Release
}

// Import parses data and maps it to a draft, matching usedBy names and the
// German extension's LeiKa entries against the register through lk. A file
// that cannot be imported returns an *Error.
func Import(ctx context.Context, data []byte, lk Lookup) (*Draft, error) {
	return NewImporter(lk).Import(ctx, data)
}

// Importer imports several files against the same register state: it
// reads the organisations for the usedBy matching once, on first need.
type Importer struct {
	lk      Lookup
	matcher *Matcher
}

// NewImporter returns an importer over lk.
func NewImporter(lk Lookup) *Importer { return &Importer{lk: lk} }

// Import parses data and maps it to a draft (see the package function Import).
func (im *Importer) Import(ctx context.Context, data []byte) (*Draft, error) {
	f, warnings, err := Parse(data)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			pe.Warnings = warnings
		}
		return nil, err
	}
	m := &mapper{f: f, d: &Draft{Sources: map[string]string{}, Warnings: warnings, Unknown: f.Unknown, Version: f.Version}}
	m.solution()
	if err := m.services(ctx, im.lk); err != nil {
		return nil, err
	}
	if len(f.UsedBy) > 0 && im.matcher == nil {
		orgs, err := im.lk.AllOrganisations(ctx)
		if err != nil {
			return nil, err
		}
		im.matcher = NewMatcher(orgs)
	}
	m.adopters(im.matcher)
	if len(m.errs) > 0 {
		sortIssues(m.errs)
		sortIssues(m.d.Warnings)
		return nil, &Error{Issues: m.errs, Warnings: m.d.Warnings}
	}
	sortIssues(m.d.Warnings)
	return m.d, nil
}

type mapper struct {
	f    *File
	d    *Draft
	errs []Issue
}

func (m *mapper) warn(path string, line int, msg i18n.Message) {
	m.d.Warnings = append(m.d.Warnings, newIssue(path, line, msg))
}

func (m *mapper) fail(path string, line int, msg i18n.Message) {
	m.errs = append(m.errs, newIssue(path, line, msg))
}

// StatusOf maps developmentStatus to the solution status.
func StatusOf(developmentStatus string) (catalog.SolutionStatus, bool) {
	switch strings.ToLower(strings.TrimSpace(developmentStatus)) {
	case "concept", "development":
		return catalog.SolutionPlanned, true
	case "beta":
		return catalog.SolutionPilot, true
	case "stable":
		return catalog.SolutionLive, true
	case "obsolete":
		return catalog.SolutionRetired, true
	}
	return catalog.SolutionUnknown, false
}

func (m *mapper) solution() {
	f, d := m.f, m.d
	sol := &d.Solution
	meta := &catalog.PubliccodeData{ApplicationSuite: f.ApplicationSuite, Logo: f.Logo, Platforms: f.Platforms,
		Categories: f.Categories, SoftwareType: f.SoftwareType, MainCopyrightOwner: f.MainCopyrightOwner, RepoOwner: f.RepoOwner,
		MaintenanceType: f.MaintenanceType, Contractors: f.Contractors, LocalisationReady: f.LocalisationReady,
		AvailableLanguages: f.AvailableLanguages, DependsOn: f.DependsOn, IT: f.IT}
	sol.Publiccode = meta
	sol.Name, d.Sources["name"] = f.Name, "name"
	nameLine := f.NameLine
	for _, desc := range f.Descriptions {
		if desc.LocalisedName != "" && langRank(desc.Lang) == 0 {
			sol.Name, d.Sources["name"] = desc.LocalisedName, "description."+desc.Lang+".localisedName"
			meta.Name = f.Name
			break
		}
	}
	if n := len([]rune(sol.Name)); n > 300 {
		m.fail(d.Sources["name"], nameLine, i18n.M("pcode.name_too_long", "Len", n))
	}
	sol.Slug = catalog.Slugify(sol.Name, 60)
	if sol.Slug == "" {
		m.fail(d.Sources["name"], nameLine, i18n.M("pcode.name_no_slug"))
	}
	// Summary and description come from one language, German first, so
	// that the export writes them back under the language they were
	// written in; every language is kept in the publiccode data.
	for _, desc := range f.Descriptions {
		meta.Descriptions = append(meta.Descriptions, catalog.PubliccodeDescription{Lang: desc.Lang,
			LocalisedName: desc.LocalisedName, GenericName: desc.GenericName, ShortDescription: desc.Short,
			LongDescription: desc.Long, Documentation: desc.Documentation, APIDocumentation: desc.APIDocumentation,
			Features: desc.Features, Screenshots: desc.Screenshots, Videos: desc.Videos, Awards: desc.Awards})
		if meta.TextLang != "" || desc.Short == "" && desc.Long == "" {
			continue
		}
		meta.TextLang = desc.Lang
		if langRank(desc.Lang) != 0 {
			m.warn("description."+desc.Lang, desc.Line, i18n.M("pcode.no_german_description", "Lang", desc.Lang))
		}
		if desc.Short != "" {
			path := "description." + desc.Lang + ".shortDescription"
			sol.Summary, d.Sources["summary"] = desc.Short, path
			if n := len([]rune(desc.Short)); n > 600 {
				m.fail(path, desc.ShortLine, i18n.M("pcode.short_description_register", "Len", n))
			}
		}
		if desc.Long != "" {
			path := "description." + desc.Lang + ".longDescription"
			sol.Description, d.Sources["description"] = desc.Long, path
		}
	}
	if f.Licence != "" {
		if len(f.Licence) > 100 {
			m.fail("legal.license", f.LicenceLine, i18n.M("pcode.licence_too_long"))
		}
		sol.Licence, d.Sources["licence"] = f.Licence, "legal.license"
	}
	if f.URL != "" && !ValidWebURL(f.URL) {
		// A git:// or ssh:// address is a valid url of the standard but
		// no link for the solution page; it is kept for the export.
		meta.URL = f.URL
		m.warn("url", f.URLLine, i18n.M("pcode.url_kept", "URL", f.URL))
	} else if f.URL != "" {
		sol.RepositoryURL, d.Sources["repositoryUrl"] = f.URL, "url"
	}
	if f.LandingURL != "" {
		sol.AccessURL, d.Sources["accessUrl"] = f.LandingURL, "landingURL"
	}
	sol.Status = catalog.SolutionUnknown
	if st, ok := StatusOf(f.DevelopmentStatus); ok {
		sol.Status, d.Sources["status"] = st, "developmentStatus"
	}
	// Only contacts with a function mailbox are kept: the register
	// publishes no person's address, and a name without one is no contact.
	for i, c := range f.Contacts {
		path := fmt.Sprintf("maintenance.contacts[%d]", i)
		switch {
		case c.Email == "":
			m.warn(path, c.Line, i18n.M("pcode.contact_no_email"))
		case !FunctionMailbox(c.Email, c.Name):
			// The message leaves out the address: it is personal data.
			m.warn(path+".email", c.EmailLine, i18n.M("pcode.contact_personal"))
		default:
			// A person's name and direct line are not kept with the mailbox.
			pc := catalog.PubliccodeContact{Name: ContactName, Email: c.Email, Affiliation: c.Affiliation}
			if FunctionalName(c.Name) {
				pc.Name, pc.Phone = c.Name, c.Phone
			} else if c.Name != "" {
				m.warn(path+".name", c.Line, i18n.M("pcode.contact_name_dropped", "Name", ContactName))
			}
			meta.Contacts = append(meta.Contacts, pc)
			if sol.ContactEmail == "" {
				sol.ContactEmail, d.Sources["contactEmail"] = c.Email, path+".email"
			}
		}
	}
	switch {
	case f.SoftwareVersion != "" && f.ReleaseDate != "":
		r := catalog.Release{Version: f.SoftwareVersion, Date: f.ReleaseDate}
		if err := r.Validate(); err != nil {
			m.warn("softwareVersion", f.SoftwareVersionLine, i18n.M("pcode.version_not_release", "Version", f.SoftwareVersion, "Reason", err))
		} else {
			d.Release = &r
		}
	case f.SoftwareVersion != "":
		m.warn("releaseDate", f.SoftwareVersionLine, i18n.M("pcode.release_date_missing", "Version", f.SoftwareVersion))
	case f.ReleaseDate != "":
		m.warn("softwareVersion", f.ReleaseDateLine, i18n.M("pcode.software_version_missing"))
	}
	d.OwnerHint = f.RepoOwner
	if d.OwnerHint == "" {
		d.OwnerHint = f.MainCopyrightOwner
	}
	sol.Verified = catalog.VerifiedPartial
	sol.VerifiedNote = "Selbstauskunft des Anbieters (publiccode.yml), nicht redaktionell geprüft"
	sol.Source = "publiccode.yml"
	if sol.RepositoryURL != "" {
		sol.Source = "publiccode.yml: " + sol.RepositoryURL
	}
}

// services resolves the German extension's leika entries to OZG-Leistungen.
func (m *mapper) services(ctx context.Context, lk Lookup) error {
	seen := map[string]bool{}
	add := func(id, via string, line int) (bool, error) {
		if seen[id] {
			return true, nil
		}
		sv, err := lk.ServiceByID(ctx, id)
		if errors.Is(err, catalog.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		seen[id] = true
		m.d.OZGIDs = append(m.d.OZGIDs, sv.ID)
		m.d.Services = append(m.d.Services, ServiceRef{ID: sv.ID, Name: sv.Name, Via: via, Line: line})
		return true, nil
	}
	for i, e := range m.f.Leika {
		path := fmt.Sprintf("de.leika[%d]", i)
		ozg, leika := e.OZGID, e.LeikaID
		if len(ozg) == 14 && strings.Trim(ozg, "0123456789") == "" {
			m.warn(path+".ozg-id", e.Line, i18n.M("pcode.ozg_is_leika", "ID", ozg))
			if leika == "" {
				leika = ozg
			}
			ozg = ""
		}
		if ozg != "" {
			if !catalog.ValidOZGID(ozg) {
				m.warn(path+".ozg-id", e.Line, i18n.M("pcode.ozg_invalid", "ID", ozg))
			} else if ok, err := add(ozg, "ozg-id", e.Line); err != nil {
				return err
			} else if !ok {
				m.warn(path+".ozg-id", e.Line, i18n.M("pcode.ozg_unknown", "ID", ozg))
			} else if leika != "" {
				ids, err := lk.ServiceIDsOfLeika(ctx, leika)
				if err != nil {
					return err
				}
				if len(ids) > 0 && !contains(ids, ozg) {
					m.warn(path+".leika-id", e.Line, i18n.M("pcode.leika_mismatch", "Leika", leika, "IDs", strings.Join(ids, ", "), "Given", ozg, "Taken", ozg))
				}
			}
			continue
		}
		ids, err := lk.ServiceIDsOfLeika(ctx, leika)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			m.warn(path+".leika-id", e.Line, i18n.M("pcode.leika_unknown", "Leika", leika))
			continue
		}
		for _, id := range ids {
			if _, err := add(id, "leika-id "+leika, e.Line); err != nil {
				return err
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// adopters matches the usedBy names against the register's organisations.
func (m *mapper) adopters(matcher *Matcher) {
	status := catalog.AdoptionLive
	if m.d.Solution.Status == catalog.SolutionPlanned {
		status = catalog.AdoptionInterested
	}
	seen := map[string]bool{}
	for i, u := range m.f.UsedBy {
		path := fmt.Sprintf("usedBy[%d]", i)
		if seen[Fold(u.Name)] {
			m.warn(path, u.Line, i18n.M("pcode.adopter_twice", "Name", u.Name))
			continue
		}
		seen[Fold(u.Name)] = true
		match, candidates := matcher.Match(u.Name)
		a := Adopter{Name: u.Name, Line: u.Line, Status: status, Match: match, Candidates: candidates}
		switch {
		case match == nil && len(candidates) == 0:
			m.warn(path, u.Line, i18n.M("pcode.adopter_unknown", "Name", u.Name))
		case match == nil:
			m.warn(path, u.Line, i18n.M("pcode.adopter_ambiguous", "Name", u.Name))
		}
		m.d.Adopters = append(m.d.Adopters, a)
	}
}

// designations are words in front of an administration's name that say its
// kind; they are not part of the official names in the register.
var designations = []struct {
	prefix string
	kind   catalog.OrgKind
}{
	{"freie und hansestadt ", catalog.KindLand}, {"freie hansestadt ", catalog.KindLand}, {"freistaat ", catalog.KindLand},
	{"bundesland ", catalog.KindLand}, {"land ", catalog.KindLand},
	{"landkreis ", catalog.KindKreis}, {"kreis ", catalog.KindKreis}, {"stadtkreis ", catalog.KindKreis},
	{"große kreisstadt ", catalog.KindGemeinde}, {"kreisstadt ", catalog.KindGemeinde}, {"landeshauptstadt ", catalog.KindGemeinde},
	{"hansestadt ", catalog.KindGemeinde}, {"universitätsstadt ", catalog.KindGemeinde}, {"bundesstadt ", catalog.KindGemeinde},
	{"stadt ", catalog.KindGemeinde}, {"gemeinde ", catalog.KindGemeinde}, {"markt ", catalog.KindGemeinde},
}

// Matcher finds the organisations administrations' names mean. It works
// on all organisations in memory (about 11,000): exact names of small
// Gemeinden are not lost behind a result limit, and umlauts at the start
// of a name ("Überlingen") compare like any other letter.
type Matcher struct {
	orgs        []catalog.Organisation
	full, heads []string
}

// NewMatcher prepares the matching over orgs; retired organisations are left out.
func NewMatcher(orgs []catalog.Organisation) *Matcher {
	m := &Matcher{}
	for _, o := range orgs {
		if o.RetiredAt != nil {
			continue
		}
		h, _, _ := strings.Cut(o.Name, ",")
		m.orgs = append(m.orgs, o)
		m.full = append(m.full, Fold(o.Name))
		m.heads = append(m.heads, Fold(h))
	}
	return m
}

// Match strips designations such as "Landkreis" or "Stadt" from name (and
// uses them as a hint of the kind), and returns the single organisation
// the name means, or nil and up to eight candidates (the same name in
// several places, or names that start with it) when it is not clear.
func (m *Matcher) Match(name string) (*catalog.Organisation, []catalog.Organisation) {
	name = strings.TrimSpace(name)
	core, hint := name, catalog.OrgKind("")
	lower := strings.ToLower(name)
	for _, d := range designations {
		if strings.HasPrefix(lower, d.prefix) && len(name) > len(d.prefix) {
			core, hint = strings.TrimSpace(name[len(d.prefix):]), d.kind
			break
		}
	}
	want := Fold(core)
	if want == "" {
		return nil, nil
	}
	if want == "bund" || want == "bundesrepublik deutschland" {
		hint, want = catalog.KindBund, "bund"
	}
	// A name equal to the whole official name ("Bremen, Stadt") beats one
	// equal to the part before the comma ("Bremen" is also the Land).
	var full, head, prefix []catalog.Organisation
	for i, o := range m.orgs {
		switch {
		case m.full[i] == want:
			full = append(full, o)
		case m.heads[i] == want:
			head = append(head, o)
		case strings.HasPrefix(m.full[i], want):
			prefix = append(prefix, o)
		}
	}
	// A designation picks the kind first ("Stadt Hamburg" is the Gemeinde
	// "Hamburg, Freie und Hansestadt", not the Land "Hamburg").
	if hint != "" {
		if k := ofKind(full, hint); len(k) > 0 {
			full = k
		} else if k := ofKind(head, hint); len(k) > 0 {
			full, head = nil, k
		}
	}
	exact, rest := full, append(head, prefix...)
	if len(exact) == 0 {
		exact, rest = head, prefix
	}
	if hint == "" {
		exact = preferLandAndGemeinde(exact)
	}
	if len(exact) == 1 {
		return &exact[0], nil
	}
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].Population > rest[j].Population })
	candidates := append(exact, rest...)
	if len(candidates) > 8 {
		candidates = candidates[:8]
	}
	return nil, candidates
}

// ofKind returns the organisations of kind k; for a Land it also accepts
// the Gemeinde of a city state, which acts as its Land.
func ofKind(list []catalog.Organisation, k catalog.OrgKind) []catalog.Organisation {
	var out []catalog.Organisation
	for _, o := range list {
		if o.Kind == k {
			out = append(out, o)
		}
	}
	if len(out) == 0 && k == catalog.KindLand {
		for _, o := range list {
			if o.Kind == catalog.KindGemeinde && (o.LandKey == "02" || o.LandKey == "11") {
				out = append(out, o)
			}
		}
	}
	return out
}

// preferLandAndGemeinde settles the usual double entries of one name without
// a designation: a kreisfreie Stadt is a Kreis and a Gemeinde of the same
// name (the Gemeinde is meant), and a city state is a Land and a Gemeinde
// (the Land is meant).
func preferLandAndGemeinde(exact []catalog.Organisation) []catalog.Organisation {
	if len(exact) < 2 {
		return exact
	}
	var lands []catalog.Organisation
	for _, o := range exact {
		if o.Kind == catalog.KindLand {
			lands = append(lands, o)
		}
	}
	if len(lands) == 1 {
		others := 0
		for _, o := range exact {
			if o.Kind != catalog.KindLand && o.LandKey != lands[0].Key {
				others++
			}
		}
		if others == 0 {
			return lands
		}
	}
	gemeindeKreise := map[string]bool{}
	for _, o := range exact {
		if o.Kind == catalog.KindGemeinde {
			gemeindeKreise[o.KreisKey] = true
		}
	}
	var out []catalog.Organisation
	for _, o := range exact {
		if o.Kind == catalog.KindKreis && gemeindeKreise[o.Key] {
			continue
		}
		out = append(out, o)
	}
	return out
}

var umlauts = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "Ä", "ae", "Ö", "oe", "Ü", "ue")

// Fold lower-cases s, spells out umlauts and ß, and reduces every run of
// other characters to one space, for comparing names.
func Fold(s string) string {
	s = strings.ToLower(umlauts.Replace(s))
	var b strings.Builder
	space := false
	for _, c := range s {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			b.WriteRune(c)
			space = false
		} else if !space && b.Len() > 0 {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

// functionWords mark the local part of a functional mailbox.
var functionWords = []string{"info", "kontakt", "contact", "support", "service", "ozg", "efa", "poststelle", "post", "team",
	"office", "hotline", "helpdesk", "servicedesk", "digital", "redaktion", "noreply", "no-reply", "verwaltung", "buerger",
	"projekt", "produkt", "anfrage", "fragen", "betrieb", "leitstelle", "zentrale", "mail", "onlinedienst", "fachverfahren", "abteilung", "referat", "amt",
	"postfach"}

// functionWord reports whether a word of an address or a contact name
// marks a function: equal to a function word, or containing a long one
// ("buergerservice"). Short words must match whole ("post" is not "postmann").
func functionWord(w string) bool {
	for _, f := range functionWords {
		if w == f || len(f) >= 6 && strings.Contains(w, f) {
			return true
		}
	}
	return false
}

// FunctionalName reports whether a contact's name names a function ("Team
// Abfall", "Hotline Wohngeld", "OZG-Servicedesk") rather than a person.
func FunctionalName(name string) bool {
	for _, part := range strings.Fields(Fold(name)) {
		if functionWord(part) {
			return true
		}
	}
	return false
}

// ContactName is the name a kept contact is stored under: its own when it
// names a function, else "Funktionspostfach" (the register stores no
// person's name; the standard requires a name).
const ContactName = "Funktionspostfach"

// rePersonal is the shape of most personal addresses: first.last, first_last, first-last.
var rePersonal = regexp.MustCompile(`^[a-z]+[._-][a-z]+$`)

// FunctionMailbox reports whether an e-mail address looks like a functional
// mailbox (ozg@…, wohngeld-support@…) rather than a person's address. The
// contact's name helps: an address that contains a part of it is personal.
// When in doubt it says no, because publishing a person's address is worse
// than leaving a contact empty.
func FunctionMailbox(email, personName string) bool {
	local, _, ok := strings.Cut(strings.ToLower(email), "@")
	if !ok || local == "" {
		return false
	}
	folded := strings.ReplaceAll(Fold(local), " ", "")
	name := Fold(personName)
	// A contact named "Team Abfall" or "Hotline" is no person: its words in
	// the address do not make the address personal.
	functional := FunctionalName(personName)
	for _, part := range strings.Fields(name) {
		if !functional && len(part) >= 3 && strings.Contains(folded, part) {
			return false
		}
	}
	for _, tok := range strings.FieldsFunc(local, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if functionWord(tok) {
			return true
		}
	}
	if rePersonal.MatchString(local) {
		return false
	}
	// One word without separators ("wohngeld@…") is a mailbox of a service.
	return strings.IndexAny(local, "._-") < 0
}

// SortAdopters orders adopters: matched first, then by name.
func SortAdopters(list []Adopter) {
	sort.SliceStable(list, func(i, j int) bool {
		if (list[i].Match != nil) != (list[j].Match != nil) {
			return list[i].Match != nil
		}
		return list[i].Name < list[j].Name
	})
}

package publiccode

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// ExportVersion is the version of the standard the export declares: "0"
// stands for the newest 0.x, as the standard's examples and its reference
// parser recommend; the keys written are those of 0.4 to 0.7.
const ExportVersion = "0"

// ExportInput is what the export of one solution needs.
type ExportInput struct {
	// Solution with Provider and Services loaded.
	Solution catalog.Solution
	// Release is the current release (softwareVersion, releaseDate); nil without one.
	Release *catalog.Release
	// UsedBy are the names of the organisations that run the solution live.
	UsedBy []string
	// PageURL is the solution's page in the register, written into the header comment.
	PageURL string
	// German adds the German country section (DE: OZG-IDs and LeiKa keys).
	// It is a variant: the standard's reference parser refuses country
	// sections other than the Italian one, so the default file leaves it out.
	German bool
	// Leika lists the LeiKa keys per OZG-ID of the solution's services (German variant).
	Leika map[string][]string
	// TopicFields names the Themenfelder by id, for the leika entries (German variant).
	TopicFields map[uint]string
}

type exportFile struct {
	Version           string                       `yaml:"publiccodeYmlVersion"`
	Name              string                       `yaml:"name"`
	ApplicationSuite  string                       `yaml:"applicationSuite,omitempty"`
	URL               string                       `yaml:"url,omitempty"`
	LandingURL        string                       `yaml:"landingURL,omitempty"`
	SoftwareVersion   string                       `yaml:"softwareVersion,omitempty"`
	ReleaseDate       string                       `yaml:"releaseDate,omitempty"`
	Logo              string                       `yaml:"logo,omitempty"`
	Platforms         []string                     `yaml:"platforms,omitempty"`
	Categories        []string                     `yaml:"categories,omitempty"`
	UsedBy            []string                     `yaml:"usedBy,omitempty"`
	DevelopmentStatus string                       `yaml:"developmentStatus,omitempty"`
	SoftwareType      string                       `yaml:"softwareType,omitempty"`
	Description       map[string]exportDescription `yaml:"description,omitempty"`
	Legal             *exportLegal                 `yaml:"legal,omitempty"`
	Maintenance       *exportMaintenance           `yaml:"maintenance,omitempty"`
	Localisation      *exportLocalisation          `yaml:"localisation,omitempty"`
	DependsOn         *yaml.Node                   `yaml:"dependsOn,omitempty"`
	IT                *yaml.Node                   `yaml:"IT,omitempty"`
	DE                *exportGerman                `yaml:"DE,omitempty"`
}

type exportDescription struct {
	LocalisedName    string   `yaml:"localisedName,omitempty"`
	GenericName      string   `yaml:"genericName,omitempty"`
	ShortDescription string   `yaml:"shortDescription,omitempty"`
	LongDescription  string   `yaml:"longDescription,omitempty"`
	Documentation    string   `yaml:"documentation,omitempty"`
	APIDocumentation string   `yaml:"apiDocumentation,omitempty"`
	Features         []string `yaml:"features,omitempty"`
	Screenshots      []string `yaml:"screenshots,omitempty"`
	Videos           []string `yaml:"videos,omitempty"`
	Awards           []string `yaml:"awards,omitempty"`
}

type exportLegal struct {
	License            string `yaml:"license,omitempty"`
	MainCopyrightOwner string `yaml:"mainCopyrightOwner,omitempty"`
	RepoOwner          string `yaml:"repoOwner,omitempty"`
}

type exportMaintenance struct {
	Type        string             `yaml:"type,omitempty"`
	Contractors []exportContractor `yaml:"contractors,omitempty"`
	Contacts    []exportContact    `yaml:"contacts,omitempty"`
}

type exportContractor struct {
	Name    string `yaml:"name"`
	Email   string `yaml:"email,omitempty"`
	Website string `yaml:"website,omitempty"`
	Until   string `yaml:"until"`
}

type exportContact struct {
	Name        string `yaml:"name"`
	Email       string `yaml:"email,omitempty"`
	Phone       string `yaml:"phone,omitempty"`
	Affiliation string `yaml:"affiliation,omitempty"`
}

type exportLocalisation struct {
	LocalisationReady  *bool    `yaml:"localisationReady,omitempty"`
	AvailableLanguages []string `yaml:"availableLanguages,omitempty"`
}

type exportGerman struct {
	CountryExtensionVersion string        `yaml:"countryExtensionVersion"`
	Leika                   []exportLeika `yaml:"leika"`
}

type exportLeika struct {
	TopicField string `yaml:"themenfeld,omitempty"`
	OZGID      string `yaml:"ozg-id"`
	LeikaID    string `yaml:"leika-id,omitempty"`
}

// DevelopmentStatusOf maps a solution status to developmentStatus; "" for
// a status the standard cannot say (unknown).
func DevelopmentStatusOf(s catalog.SolutionStatus) string {
	switch s {
	case catalog.SolutionPlanned:
		return "development"
	case catalog.SolutionPilot:
		return "beta"
	case catalog.SolutionLive:
		return "stable"
	case catalog.SolutionRetired:
		return "obsolete"
	}
	return ""
}

// yamlSection parses a section kept as YAML text; nil when there is none.
func yamlSection(text string) *yaml.Node {
	if text == "" {
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// build maps a solution to the file the export writes: only what the
// register knows, each text under the language it was written in.
func build(in ExportInput) exportFile {
	sol := in.Solution
	meta := sol.Publiccode
	if meta == nil {
		meta = &catalog.PubliccodeData{}
	}
	f := exportFile{Version: ExportVersion, Name: sol.Name, ApplicationSuite: meta.ApplicationSuite,
		URL: sol.RepositoryURL, LandingURL: sol.AccessURL, Logo: meta.Logo, Platforms: meta.Platforms,
		Categories: meta.Categories, UsedBy: in.UsedBy, DevelopmentStatus: DevelopmentStatusOf(sol.Status),
		SoftwareType: meta.SoftwareType, DependsOn: yamlSection(meta.DependsOn), IT: yamlSection(meta.IT)}
	if meta.Name != "" {
		f.Name = meta.Name
	}
	if f.URL == "" {
		f.URL = meta.URL
	}
	if in.Release != nil {
		f.SoftwareVersion, f.ReleaseDate = in.Release.Version, in.Release.Date
	}

	// The solution's summary and description are the texts of TextLang
	// (German for a solution entered in the register); the other languages
	// come as the file gave them.
	textLang := meta.TextLang
	if textLang == "" {
		textLang = "de"
	}
	descs := map[string]exportDescription{}
	for _, d := range meta.Descriptions {
		descs[d.Lang] = exportDescription{LocalisedName: d.LocalisedName, GenericName: d.GenericName,
			ShortDescription: d.ShortDescription, LongDescription: d.LongDescription, Documentation: d.Documentation,
			APIDocumentation: d.APIDocumentation, Features: d.Features, Screenshots: d.Screenshots, Videos: d.Videos, Awards: d.Awards}
	}
	main := descs[textLang]
	main.ShortDescription, main.LongDescription = sol.Summary, sol.Description
	if meta.Name != "" && main.LocalisedName != "" {
		main.LocalisedName = sol.Name
	}
	if len(main.Features) == 0 && langRank(textLang) == 0 {
		// What an EfA online service does is the OZG-Leistungen it implements.
		for _, sv := range sol.Services {
			main.Features = append(main.Features, fmt.Sprintf("OZG-Leistung %s: %s", sv.ID, sv.Name))
		}
	}
	if main.ShortDescription != "" || main.LongDescription != "" || len(main.Features) > 0 || main.LocalisedName != "" {
		descs[textLang] = main
	}
	if len(descs) > 0 {
		f.Description = descs
	}

	legal := exportLegal{MainCopyrightOwner: meta.MainCopyrightOwner, RepoOwner: meta.RepoOwner}
	if ValidSPDX(sol.Licence) {
		legal.License = sol.Licence
	}
	if legal != (exportLegal{}) {
		f.Legal = &legal
	}

	m := exportMaintenance{Type: meta.MaintenanceType}
	if m.Type == "contract" {
		for _, c := range meta.Contractors {
			m.Contractors = append(m.Contractors, exportContractor(c))
		}
	}
	known := false
	for _, c := range meta.Contacts {
		m.Contacts = append(m.Contacts, exportContact(c))
		known = known || c.Email == sol.ContactEmail
	}
	if sol.ContactEmail != "" && !known {
		c := exportContact{Name: ContactName, Email: sol.ContactEmail}
		if sol.Provider != nil {
			c.Affiliation = sol.Provider.Name
		}
		m.Contacts = append([]exportContact{c}, m.Contacts...)
	}
	if m.Type != "" || len(m.Contacts) > 0 || len(m.Contractors) > 0 {
		f.Maintenance = &m
	}
	if meta.LocalisationReady != nil || len(meta.AvailableLanguages) > 0 {
		f.Localisation = &exportLocalisation{LocalisationReady: meta.LocalisationReady, AvailableLanguages: meta.AvailableLanguages}
	}

	if in.German && len(sol.Services) > 0 {
		de := &exportGerman{CountryExtensionVersion: "1.0"}
		for _, sv := range sol.Services {
			tf := in.TopicFields[sv.TopicFieldID]
			keys := in.Leika[sv.ID]
			if len(keys) == 0 {
				de.Leika = append(de.Leika, exportLeika{TopicField: tf, OZGID: sv.ID})
			}
			for _, k := range keys {
				de.Leika = append(de.Leika, exportLeika{TopicField: tf, OZGID: sv.ID, LeikaID: k})
			}
		}
		f.DE = de
	}
	return f
}

// Gap is a key the standard requires that the register cannot fill from
// what it knows, or can fill only in a form the standard refuses.
type Gap struct {
	// Key is the key path in the file, for example "maintenance.type".
	Key string
	// Message says in German what is missing and what to do.
	Message string
	// Msg is Message as a catalogue message (Text).
	Msg i18n.Message
}

// Text says in the language of ctx what is missing and what to do.
func (g Gap) Text(ctx context.Context) string {
	if g.Msg.ID == "" {
		return g.Message
	}
	return i18n.Localize(ctx, g.Msg)
}

// String renders the gap as "key: message".
func (g Gap) String() string { return g.Key + ": " + g.Message }

// Gaps lists what the publiccode.yml export of a solution lacks to meet the
// standard: the solution page shows it to the provider, the export names
// it in a comment.
func Gaps(sol catalog.Solution) []Gap { return gaps(build(ExportInput{Solution: sol}), sol) }

func gaps(f exportFile, sol catalog.Solution) []Gap {
	var out []Gap
	add := func(key string, msg i18n.Message) { out = append(out, Gap{Key: key, Message: msg.String(), Msg: msg}) }
	if f.URL == "" {
		add("url", i18n.M("pcode.gap_url"))
	}
	if len(f.Platforms) == 0 {
		add("platforms", i18n.M("pcode.gap_platforms"))
	}
	if f.DevelopmentStatus == "" {
		add("developmentStatus", i18n.M("pcode.gap_dev_status"))
	}
	if f.SoftwareType == "" {
		add("softwareType", i18n.M("pcode.gap_software_type"))
	}
	if len(f.Description) == 0 {
		add("description", i18n.M("pcode.gap_description"))
	}
	langs := make([]string, 0, len(f.Description))
	for l := range f.Description {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		d, p := f.Description[l], "description."+l+"."
		switch n := len([]rune(d.ShortDescription)); {
		case n == 0:
			add(p+"shortDescription", i18n.M("pcode.gap_short_description"))
		case n > MaxShortDescription:
			add(p+"shortDescription", i18n.M("pcode.gap_short_too_long", "Len", n, "Max", MaxShortDescription))
		}
		switch n := len([]rune(d.LongDescription)); {
		case n == 0:
			add(p+"longDescription", i18n.M("pcode.gap_long_description"))
		case n < MinLongDescription:
			add(p+"longDescription", i18n.M("pcode.gap_long_too_short", "Len", n, "Min", MinLongDescription))
		}
		if len(d.Features) == 0 {
			add(p+"features", i18n.M("pcode.gap_features"))
		}
	}
	switch {
	case sol.Licence == "":
		add("legal.license", i18n.M("pcode.gap_licence"))
	case f.Legal == nil || f.Legal.License == "":
		add("legal.license", i18n.M("pcode.gap_licence_not_spdx", "Licence", sol.Licence))
	}
	var m exportMaintenance
	if f.Maintenance != nil {
		m = *f.Maintenance
	}
	switch m.Type {
	case "":
		add("maintenance.type", i18n.M("pcode.gap_maintenance_type"))
	case "contract":
		if len(m.Contractors) == 0 {
			add("maintenance.contractors", i18n.M("pcode.gap_contractors"))
		}
	case "internal", "community":
		if len(m.Contacts) == 0 {
			add("maintenance.contacts", i18n.M("pcode.gap_contacts"))
		}
	}
	var loc exportLocalisation
	if f.Localisation != nil {
		loc = *f.Localisation
	}
	if loc.LocalisationReady == nil {
		add("localisation.localisationReady", i18n.M("pcode.gap_localisation_ready"))
	}
	if len(loc.AvailableLanguages) == 0 {
		add("localisation.availableLanguages", i18n.M("pcode.gap_languages"))
	}
	return out
}

// Export writes a solution as publiccode.yml. It writes only what the
// register knows, never a made-up value: a key the standard requires that
// the register cannot fill is left out and named in the header comment
// (Gaps), so a maintainer completes the file instead of publishing a guess.
// Importing the result gives the same solution.
func Export(in ExportInput) ([]byte, error) {
	sol := in.Solution
	f := build(in)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# publiccode.yml aus dem EfA-Register\n")
	if in.PageURL != "" {
		fmt.Fprintf(&buf, "# Quelle: %s\n", in.PageURL)
	}
	fmt.Fprintf(&buf, "# Prüfstand der Angaben im Register: %s\n", sol.Verified.Label())
	if in.German {
		fmt.Fprintf(&buf, "# Variante mit deutschem Länderteil (DE: OZG-IDs und LeiKa-Schlüssel). Der Referenzparser\n")
		fmt.Fprintf(&buf, "# des Standards lehnt Länderteile außer IT ab; für Open CoDE die Standardfassung verwenden.\n")
	}
	if gs := gaps(f, sol); len(gs) > 0 {
		fmt.Fprintf(&buf, "# Pflichtangaben des Standards, die im Register fehlen (bitte ergänzen, die Datei ist sonst nicht gültig):\n")
		for _, g := range gs {
			fmt.Fprintf(&buf, "#   %s\n", g)
		}
	}
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("publiccode: encode %q: %w", sol.Slug, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("publiccode: encode %q: %w", sol.Slug, err)
	}
	return buf.Bytes(), nil
}

// Source is what ExportSolution reads from the register; *store.Store has it.
type Source interface {
	SolutionBySlug(ctx context.Context, slug string) (catalog.Solution, error)
	AdoptionsBySolution(ctx context.Context, slug string) ([]catalog.Adoption, error)
	ServiceByID(ctx context.Context, ozgID string) (catalog.Service, error)
	TopicFields(ctx context.Context) ([]catalog.TopicField, error)
	Releases(ctx context.Context, slug string) ([]catalog.Release, error)
}

// UsedByName is how an adopter is named in usedBy: its official name, with
// "Kreis" in front for a Kreis whose name does not say so, so that a
// kreisfreie Stadt as Kreis is told apart from the Gemeinde of the same name.
func UsedByName(o catalog.Organisation) string {
	if o.Kind == catalog.KindKreis && !strings.Contains(strings.ToLower(o.Name), "kreis") {
		return "Kreis " + o.Name
	}
	return o.Name
}

// ExportSolution reads a solution with its current release and live
// adopters (and, for the German variant, the LeiKa keys of its services)
// from src and writes it as publiccode.yml.
func ExportSolution(ctx context.Context, src Source, slug, pageURL string, german bool) ([]byte, error) {
	sol, err := src.SolutionBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	in := ExportInput{Solution: sol, Leika: map[string][]string{}, TopicFields: map[uint]string{}, PageURL: pageURL, German: german}
	rels, err := src.Releases(ctx, slug)
	if err != nil {
		return nil, err
	}
	if len(rels) > 0 {
		in.Release = &rels[0]
	}
	if german {
		for _, sv := range sol.Services {
			full, err := src.ServiceByID(ctx, sv.ID)
			if err != nil {
				return nil, err
			}
			seen := map[string]bool{}
			for _, l := range full.Leika {
				if l.Key != "" && !seen[l.Key] {
					seen[l.Key] = true
					in.Leika[sv.ID] = append(in.Leika[sv.ID], l.Key)
				}
			}
		}
		tfs, err := src.TopicFields(ctx)
		if err != nil {
			return nil, err
		}
		for _, tf := range tfs {
			in.TopicFields[tf.ID] = tf.Name
		}
	}
	adoptions, err := src.AdoptionsBySolution(ctx, slug)
	if err != nil {
		return nil, err
	}
	for _, a := range adoptions {
		// usedBy lists who uses the software now; disputed claims stay out.
		if a.Status == catalog.AdoptionLive && a.Organisation != nil && a.Confirmation != catalog.ConfirmationDisputed {
			in.UsedBy = append(in.UsedBy, UsedByName(*a.Organisation))
		}
	}
	return Export(in)
}

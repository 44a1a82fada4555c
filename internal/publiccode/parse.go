// Package publiccode reads and writes publiccode.yml files (the metadata
// standard of Developers Italia, also used by Open CoDE) and maps them to and
// from the register's solutions. Parsing is lenient where the standard allows
// variation (unknown keys, a single string where a list is expected) and
// strict where the register would otherwise store something wrong (a list
// where a name is expected): every problem names the key path and the line.
package publiccode

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// MaxFileBytes is the largest publiccode.yml the importer reads. Real files
// are a few kilobytes; the limit keeps uploads and fetched files bounded.
const MaxFileBytes = 512 << 10

// Issue is one problem or note about a key of the file.
type Issue struct {
	// Path is the key path, for example "description.de.shortDescription" or "usedBy[2]".
	Path string
	// Line is the 1-based line of the key in the file; 0 when the file as a whole is meant.
	Line int
	// Message is the German explanation.
	Message string
	// Msg is Message as a catalogue message, for other languages (Text).
	Msg i18n.Message
}

// newIssue returns the issue at path and line with the message msg.
func newIssue(path string, line int, msg i18n.Message) Issue {
	return Issue{Path: path, Line: line, Message: msg.String(), Msg: msg}
}

// Text is the explanation in the language of ctx.
func (i Issue) Text(ctx context.Context) string {
	if i.Msg.ID == "" {
		return i.Message
	}
	return i18n.Localize(ctx, i.Msg)
}

// StringIn renders the issue as String does, in the language of ctx.
func (i Issue) StringIn(ctx context.Context) string {
	switch {
	case i.Line > 0 && i.Path != "":
		return i18n.T(ctx, "pcode.issue_line_path", "Line", i.Line, "Path", i.Path, "Text", i.Text(ctx))
	case i.Line > 0:
		return i18n.T(ctx, "pcode.issue_line", "Line", i.Line, "Text", i.Text(ctx))
	case i.Path != "":
		return i.Path + ": " + i.Text(ctx)
	}
	return i.Text(ctx)
}

// String renders the issue as "Zeile 12, description.de.shortDescription: …".
func (i Issue) String() string {
	var b strings.Builder
	if i.Line > 0 {
		fmt.Fprintf(&b, "Zeile %d", i.Line)
	}
	if i.Path != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(i.Path)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(i.Message)
	return b.String()
}

// Error is returned when a file cannot be imported; it lists every problem found.
type Error struct {
	Issues []Issue
	// Warnings are the notes found besides the errors (an unknown key is often a misspelt one).
	Warnings []Issue
}

// Error joins the issues into one German message.
func (e *Error) Error() string {
	parts := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		parts[i] = is.String()
	}
	return "publiccode.yml ist fehlerhaft: " + strings.Join(parts, "; ")
}

// Description is the text of one language of the description section.
type Description struct {
	Lang             string
	Line             int
	LocalisedName    string
	GenericName      string
	Short            string
	ShortLine        int
	Long             string
	LongLine         int
	Features         []string
	Documentation    string
	APIDocumentation string
	Screenshots      []string
	Videos           []string
	Awards           []string
}

// Contact is one entry of maintenance.contacts.
type Contact struct {
	Name, Email, Phone, Affiliation string
	// Line is the line of the contact, EmailLine the line of its e-mail address.
	Line, EmailLine int
}

// UsedBy is one entry of the usedBy list: the name of an administration.
type UsedBy struct {
	Name string
	Line int
}

// Leika is one entry of the German extension's leika list.
type Leika struct {
	OZGID, LeikaID, TopicField, LifeSituation string
	Line                                      int
}

// Unknown is a key the importer does not know. It is kept with its YAML
// text so the report can show it, and otherwise ignored.
type Unknown struct {
	Path string
	Line int
	YAML string
}

// File is what the register reads from a publiccode.yml.
type File struct {
	Version             string
	Name                string
	NameLine            int
	ApplicationSuite    string
	URL                 string
	URLLine             int
	LandingURL          string
	LandingURLLine      int
	SoftwareVersion     string
	SoftwareVersionLine int
	ReleaseDate         string
	ReleaseDateLine     int
	Logo                string
	Platforms           []string
	Categories          []string
	DevelopmentStatus   string
	StatusLine          int
	SoftwareType        string
	// Descriptions are ordered German first, then English, then the others by language tag.
	Descriptions       []Description
	Licence            string
	LicenceLine        int
	MainCopyrightOwner string
	RepoOwner          string
	MaintenanceType    string
	Contractors        []catalog.PubliccodeContractor
	Contacts           []Contact
	LocalisationReady  *bool
	AvailableLanguages []string
	// DependsOn and IT are the dependsOn and it (or IT) sections as YAML text.
	DependsOn  string
	IT         string
	UsedBy     []UsedBy
	UsedByLine int
	// Leika are the entries of the German country section (de or DE).
	Leika   []Leika
	Unknown []Unknown
}

var (
	topKeys = keySet("publiccodeYmlVersion", "name", "applicationSuite", "url", "landingURL", "isBasedOn", "softwareVersion",
		"releaseDate", "logo", "monochromeLogo", "inputTypes", "outputTypes", "platforms", "categories", "usedBy", "roadmap",
		"developmentStatus", "softwareType", "intendedAudience", "description", "legal", "maintenance", "localisation",
		"dependsOn", "organisation", "fundedBy", "supports", "it", "IT", "de", "DE",
		// the register's extension for the standards profile, read by ReadProfile (standards.go)
		ProfileKey)
	descriptionKeys = keySet("localisedName", "genericName", "shortDescription", "longDescription", "documentation",
		"apiDocumentation", "features", "screenshots", "videos", "awards")
	legalKeys        = keySet("license", "mainCopyrightOwner", "repoOwner", "authorsFile")
	maintenanceKeys  = keySet("type", "contractors", "contacts")
	contactKeys      = keySet("name", "email", "phone", "affiliation")
	contractorKeys   = keySet("name", "email", "website", "until")
	localisationKeys = keySet("localisationReady", "availableLanguages")
	dependsOnKeys    = keySet("open", "proprietary", "hardware")
	dependencyKeys   = keySet("name", "versionMin", "versionMax", "optional", "version")
	germanKeys       = keySet("countryExtensionVersion", "leika")
	leikaKeys        = keySet("themenfeld", "lebenslage", "ozg-id", "leika-id")
	// reVersion accepts the 0.x versions of the standard ("0", "0.2", "0.3.1").
	reVersion = regexp.MustCompile(`^0(\.[0-9]+){0,2}$`)
	// reYAMLLine finds the line number in the YAML library's syntax errors.
	reYAMLLine = regexp.MustCompile(`line ([0-9]+)`)
)

// Lengths the standard sets for the description texts (in characters).
const (
	MaxShortDescription = 150
	MinLongDescription  = 150
	MaxLongDescription  = 10000
	MaxGenericName      = 35
)

func keySet(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// parser walks the YAML tree and collects errors and warnings.
type parser struct {
	f        *File
	errs     []Issue
	warnings []Issue
}

func (p *parser) fail(path string, n *yaml.Node, msg i18n.Message) {
	p.errs = append(p.errs, newIssue(path, line(n), msg))
}

func (p *parser) warn(path string, n *yaml.Node, msg i18n.Message) {
	p.warnings = append(p.warnings, newIssue(path, line(n), msg))
}

func line(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

// deref follows aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// kindName is the German name of what a node holds, for type errors.
func kindName(n *yaml.Node) i18n.Message {
	n = deref(n)
	switch {
	case n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return i18n.M("pcode.kind_null")
	case n.Kind == yaml.ScalarNode:
		return i18n.M("pcode.kind_scalar")
	case n.Kind == yaml.SequenceNode:
		return i18n.M("pcode.kind_list")
	case n.Kind == yaml.MappingNode:
		return i18n.M("pcode.kind_map")
	}
	return i18n.M("pcode.kind_unknown")
}

// Parse reads a publiccode.yml. It returns the file and the warnings (unknown
// keys, values the register cannot use); a file that cannot be imported
// returns an *Error listing every problem with key path and line.
func Parse(data []byte) (*File, []Issue, error) {
	if len(data) > MaxFileBytes {
		return nil, nil, &Error{Issues: []Issue{newIssue("", 0, i18n.M("pcode.file_too_large", "KiB", MaxFileBytes>>10))}}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		is := newIssue("", 0, i18n.M("pcode.yaml_invalid", "Reason", yamlReason(err)))
		if m := reYAMLLine.FindStringSubmatch(err.Error()); m != nil {
			is.Line, _ = strconv.Atoi(m[1])
		}
		return nil, nil, &Error{Issues: []Issue{is}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil, &Error{Issues: []Issue{newIssue("", 0, i18n.M("pcode.file_empty"))}}
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, nil, &Error{Issues: []Issue{newIssue("", root.Line,
			i18n.M("pcode.root_not_map", "Found", kindName(root)))}}
	}
	p := &parser{f: &File{}}
	p.top(root)
	if len(p.errs) > 0 {
		sortIssues(p.errs)
		return nil, p.warnings, &Error{Issues: p.errs}
	}
	sortIssues(p.warnings)
	return p.f, p.warnings, nil
}

// yamlReason strips the library's prefix and line from a syntax error.
func yamlReason(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = reYAMLLine.ReplaceAllString(msg, "")
	msg = strings.TrimLeft(msg, ": ")
	if msg == "" {
		return "Syntaxfehler"
	}
	return msg
}

func sortIssues(is []Issue) {
	sort.SliceStable(is, func(i, j int) bool { return is[i].Line < is[j].Line })
}

// each calls fn for every key of a mapping node, reporting duplicate keys as
// errors and keys outside known (when known is not nil) as warnings.
func (p *parser) each(path string, n *yaml.Node, known map[string]bool, fn func(key, kpath string, k, v *yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		key := k.Value
		kpath := join(path, key)
		if seen[key] {
			p.fail(kpath, k, i18n.M("pcode.key_twice"))
			continue
		}
		seen[key] = true
		if known != nil && !known[key] {
			p.unknown(kpath, k, v)
			continue
		}
		fn(key, kpath, k, v)
	}
}

// unknown keeps an unknown key and warns about it.
func (p *parser) unknown(path string, k, v *yaml.Node) {
	text := ""
	if out, err := yaml.Marshal(v); err == nil {
		text = strings.TrimSpace(string(out))
		if r := []rune(text); len(r) > 200 {
			text = string(r[:200]) + " …"
		}
	}
	p.f.Unknown = append(p.f.Unknown, Unknown{Path: path, Line: k.Line, YAML: text})
	p.warn(path, k, i18n.M("pcode.key_unknown"))
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// str reads a scalar as text. Lists and sections are errors; an empty value gives "".
func (p *parser) str(path string, n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		p.fail(path, n, i18n.M("pcode.want_text", "Found", kindName(n)))
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

// strList reads a list of scalars; a single scalar is accepted as a list of one.
func (p *parser) strList(path string, n *yaml.Node) ([]string, []int, bool) {
	n = deref(n)
	switch {
	case n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return nil, nil, true
	case n.Kind == yaml.ScalarNode:
		p.warn(path, n, i18n.M("pcode.want_list_single"))
		return []string{strings.TrimSpace(n.Value)}, []int{n.Line}, true
	case n.Kind != yaml.SequenceNode:
		p.fail(path, n, i18n.M("pcode.want_list", "Found", kindName(n)))
		return nil, nil, false
	}
	var out []string
	var lines []int
	ok := true
	for i, item := range n.Content {
		item = deref(item)
		s, good := p.str(fmt.Sprintf("%s[%d]", path, i), item)
		if !good {
			ok = false
			continue
		}
		if s != "" {
			out = append(out, s)
			lines = append(lines, item.Line)
		}
	}
	return out, lines, ok
}

// section checks that n is a mapping; an empty value is an empty section.
func (p *parser) section(path string, n *yaml.Node) bool {
	n = deref(n)
	if n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return false
	}
	if n.Kind != yaml.MappingNode {
		p.fail(path, n, i18n.M("pcode.want_section", "Found", kindName(n)))
		return false
	}
	return true
}

// text reads a scalar as text and remembers its line.
func (p *parser) text(path string, v *yaml.Node, dst *string, lineDst *int) {
	*dst, _ = p.str(path, v)
	if lineDst != nil {
		*lineDst = line(v)
	}
}

// yamlText is the YAML of a section, for keeping it verbatim.
func yamlText(n *yaml.Node) string {
	out, err := yaml.Marshal(n)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func (p *parser) top(root *yaml.Node) {
	f := p.f
	seen := map[string]bool{}
	// sections are the keys of the top-level sections: a missing required
	// key inside one is reported at the section's line.
	sections := map[string]*yaml.Node{}
	p.each("", root, topKeys, func(key, path string, k, v *yaml.Node) {
		seen[key] = true
		sections[key] = k
		switch key {
		case "publiccodeYmlVersion":
			if s, ok := p.str(path, v); ok {
				f.Version = s
				switch {
				case s == "":
					p.fail(path, v, i18n.M("pcode.version_missing"))
				case s == "1" || strings.HasPrefix(s, "1."):
					p.fail(path, v, i18n.M("pcode.version_future", "Version", s))
				case !reVersion.MatchString(s):
					p.fail(path, v, i18n.M("pcode.version_unsupported", "Version", s))
				case !oneOf(s, ReadVersions):
					p.warn(path, v, i18n.M("pcode.version_unpublished", "Version", s))
				}
			}
		case "name":
			if s, ok := p.str(path, v); ok {
				f.Name, f.NameLine = s, v.Line
				if s == "" {
					p.fail(path, v, i18n.M("pcode.name_missing"))
				}
			}
		case "applicationSuite":
			p.text(path, v, &f.ApplicationSuite, nil)
		case "url":
			p.text(path, v, &f.URL, &f.URLLine)
			if f.URL != "" && !ValidURL(f.URL) {
				p.fail(path, v, i18n.M("pcode.repo_url_invalid", "URL", f.URL))
			}
		case "landingURL":
			p.text(path, v, &f.LandingURL, &f.LandingURLLine)
			if f.LandingURL != "" && !ValidWebURL(f.LandingURL) {
				p.fail(path, v, i18n.M("pcode.web_url_invalid", "URL", f.LandingURL))
			}
		case "softwareVersion":
			p.text(path, v, &f.SoftwareVersion, &f.SoftwareVersionLine)
		case "releaseDate":
			p.text(path, v, &f.ReleaseDate, &f.ReleaseDateLine)
			if f.ReleaseDate != "" && !ValidDate(f.ReleaseDate) {
				p.fail(path, v, i18n.M("pcode.date_invalid", "Date", f.ReleaseDate))
			}
		case "logo":
			p.text(path, v, &f.Logo, nil)
		case "platforms":
			f.Platforms, _, _ = p.strList(path, v)
		case "categories":
			var lines []int
			f.Categories, lines, _ = p.strList(path, v)
			for i, c := range f.Categories {
				if !oneOf(c, Categories) {
					p.errs = append(p.errs, newIssue(fmt.Sprintf("%s[%d]", path, i), lines[i],
						i18n.M("pcode.category_unknown", "Category", c)))
				}
			}
		case "developmentStatus":
			p.text(path, v, &f.DevelopmentStatus, &f.StatusLine)
			if f.DevelopmentStatus != "" && !oneOf(f.DevelopmentStatus, DevelopmentStatuses) {
				p.fail(path, v, i18n.M("pcode.dev_status_unknown", "Value", f.DevelopmentStatus, "Allowed", strings.Join(DevelopmentStatuses, ", ")))
			}
		case "softwareType":
			p.text(path, v, &f.SoftwareType, nil)
			if f.SoftwareType != "" && !oneOf(f.SoftwareType, SoftwareTypes) {
				p.fail(path, v, i18n.M("pcode.software_type_unknown", "Value", f.SoftwareType, "Allowed", strings.Join(SoftwareTypes, ", ")))
			}
		case "usedBy":
			names, lines, _ := p.strList(path, v)
			f.UsedByLine = k.Line
			for i, n := range names {
				f.UsedBy = append(f.UsedBy, UsedBy{Name: n, Line: lines[i]})
			}
		case "description":
			p.descriptions(path, v)
		case "legal":
			if p.section(path, v) {
				p.each(path, v, legalKeys, func(key, path string, k, v *yaml.Node) {
					seen["legal."+key] = true
					switch key {
					case "license":
						p.text(path, v, &f.Licence, &f.LicenceLine)
						if f.Licence != "" && !ValidSPDX(f.Licence) {
							p.fail(path, v, i18n.M("pcode.spdx_invalid", "Licence", f.Licence))
						}
					case "mainCopyrightOwner":
						p.text(path, v, &f.MainCopyrightOwner, nil)
					case "repoOwner":
						p.text(path, v, &f.RepoOwner, nil)
					}
				})
			}
		case "maintenance":
			p.maintenance(path, v, seen)
		case "localisation":
			p.localisation(path, v, seen)
		case "dependsOn":
			p.dependsOn(path, v)
		case "it", "IT":
			if seen["it"] && seen["IT"] {
				p.fail(path, k, i18n.M("pcode.it_twice"))
				return
			}
			if p.section(path, v) {
				f.IT = yamlText(v)
			}
		case "de", "DE":
			p.german(path, v)
		}
	})
	if !seen["publiccodeYmlVersion"] {
		p.fail("publiccodeYmlVersion", nil, i18n.M("pcode.version_key_missing"))
	}
	if !seen["name"] {
		p.fail("name", nil, i18n.M("pcode.name_key_missing"))
	}
	// The other keys the standard requires: their absence is a warning,
	// the register keeps what is there and the export names the gap.
	for _, r := range []struct {
		key  string
		what i18n.Message
	}{
		{"url", i18n.M("pcode.what_url")}, {"platforms", i18n.M("pcode.what_platforms")},
		{"developmentStatus", i18n.M("pcode.what_dev_status")}, {"softwareType", i18n.M("pcode.what_software_type")},
		{"description", i18n.M("pcode.what_description")}, {"legal.license", i18n.M("pcode.what_licence")},
		{"maintenance.type", i18n.M("pcode.what_maintenance_type")},
		{"localisation.localisationReady", i18n.M("pcode.what_localisation_ready")},
		{"localisation.availableLanguages", i18n.M("pcode.what_languages")},
	} {
		if !seen[r.key] {
			section, _, _ := strings.Cut(r.key, ".")
			p.warn(r.key, sections[section], i18n.M("pcode.required_missing", "What", r.what))
		}
	}
	if len(f.Descriptions) > 0 {
		var short, long, features bool
		for _, d := range f.Descriptions {
			short, long, features = short || d.Short != "", long || d.Long != "", features || len(d.Features) > 0
		}
		for _, r := range []struct {
			ok   bool
			key  string
			what i18n.Message
		}{{short, "shortDescription", i18n.M("pcode.what_short_description")}, {long, "longDescription", i18n.M("pcode.what_long_description")},
			{features, "features", i18n.M("pcode.what_features")}} {
			if !r.ok {
				p.warn("description.*."+r.key, sections["description"], i18n.M("pcode.required_missing_any_lang", "What", r.what))
			}
		}
	}
	switch f.MaintenanceType {
	case "contract":
		if len(f.Contractors) == 0 {
			p.warn("maintenance.contractors", sections["maintenance"], i18n.M("pcode.contract_needs_contractors"))
		}
	case "internal", "community":
		if len(f.Contacts) == 0 {
			p.warn("maintenance.contacts", sections["maintenance"], i18n.M("pcode.maintenance_needs_contacts", "Type", f.MaintenanceType))
		}
	}
	if f.MaintenanceType != "contract" && len(f.Contractors) > 0 {
		p.warn("maintenance.contractors", sections["maintenance"], i18n.M("pcode.contractors_only_contract"))
	}
}

// langRank orders the description languages: German, English, then the rest.
func langRank(lang string) int {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	switch base {
	case "de":
		return 0
	case "en":
		return 1
	}
	return 2
}

func (p *parser) webURLs(path string, v *yaml.Node) []string {
	list, lines, _ := p.strList(path, v)
	for i, u := range list {
		if !ValidWebURL(u) {
			p.errs = append(p.errs, newIssue(fmt.Sprintf("%s[%d]", path, i), lines[i], i18n.M("pcode.web_url_invalid", "URL", u)))
		}
	}
	return list
}

func (p *parser) descriptions(path string, n *yaml.Node) {
	if !p.section(path, n) {
		return
	}
	p.each(path, n, nil, func(lang, lpath string, k, v *yaml.Node) {
		if msg, bad := LanguageProblemM(lang); bad {
			p.fail(lpath, k, msg)
			return
		}
		if !p.section(lpath, v) {
			return
		}
		d := Description{Lang: lang, Line: k.Line}
		p.each(lpath, v, descriptionKeys, func(key, path string, _, v *yaml.Node) {
			switch key {
			case "localisedName":
				p.text(path, v, &d.LocalisedName, nil)
			case "genericName":
				p.text(path, v, &d.GenericName, nil)
				if n := len([]rune(d.GenericName)); n > MaxGenericName {
					p.warn(path, v, i18n.M("pcode.generic_name_too_long", "Len", n, "Max", MaxGenericName))
				}
			case "shortDescription":
				p.text(path, v, &d.Short, &d.ShortLine)
				if n := len([]rune(d.Short)); n > MaxShortDescription {
					// The register keeps the text as written (up to 600
					// characters); the export names the gap.
					p.warn(path, v, i18n.M("pcode.short_description_too_long", "Len", n, "Max", MaxShortDescription))
				}
			case "longDescription":
				p.text(path, v, &d.Long, &d.LongLine)
				switch n := len([]rune(d.Long)); {
				case n > MaxLongDescription:
					p.fail(path, v, i18n.M("pcode.long_description_too_long", "Len", n, "Max", MaxLongDescription))
				case n > 0 && n < MinLongDescription:
					p.warn(path, v, i18n.M("pcode.long_description_too_short", "Len", n, "Min", MinLongDescription))
				}
			case "documentation", "apiDocumentation":
				dst := &d.Documentation
				if key == "apiDocumentation" {
					dst = &d.APIDocumentation
				}
				p.text(path, v, dst, nil)
				if *dst != "" && !ValidWebURL(*dst) {
					p.fail(path, v, i18n.M("pcode.web_url_invalid", "URL", *dst))
				}
			case "features":
				d.Features, _, _ = p.strList(path, v)
			case "screenshots":
				d.Screenshots, _, _ = p.strList(path, v)
			case "videos":
				d.Videos = p.webURLs(path, v)
			case "awards":
				d.Awards, _, _ = p.strList(path, v)
			}
		})
		if d.Short == "" {
			p.warn(lpath+".shortDescription", k, i18n.M("pcode.short_description_missing_lang"))
		}
		if d.Long == "" {
			p.warn(lpath+".longDescription", k, i18n.M("pcode.long_description_missing_lang"))
		}
		p.f.Descriptions = append(p.f.Descriptions, d)
	})
	sort.SliceStable(p.f.Descriptions, func(i, j int) bool {
		a, b := p.f.Descriptions[i], p.f.Descriptions[j]
		if ra, rb := langRank(a.Lang), langRank(b.Lang); ra != rb {
			return ra < rb
		}
		return a.Lang < b.Lang
	})
}

// items calls fn for every mapping in the list at n, with its path.
func (p *parser) items(path string, n *yaml.Node, what i18n.Message, fn func(ipath string, item *yaml.Node)) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!null" {
			p.fail(path, n, i18n.M("pcode.want_list_of", "What", what, "Found", kindName(n)))
		}
		return
	}
	for i, item := range n.Content {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		if p.section(ipath, item) {
			fn(ipath, deref(item))
		}
	}
}

func (p *parser) maintenance(path string, n *yaml.Node, seen map[string]bool) {
	if !p.section(path, n) {
		return
	}
	p.each(path, n, maintenanceKeys, func(key, path string, _, v *yaml.Node) {
		seen["maintenance."+key] = true
		switch key {
		case "type":
			p.text(path, v, &p.f.MaintenanceType, nil)
			if t := p.f.MaintenanceType; t != "" && !oneOf(t, MaintenanceTypes) {
				p.fail(path, v, i18n.M("pcode.maintenance_type_unknown", "Value", t, "Allowed", strings.Join(MaintenanceTypes, ", ")))
			}
		case "contractors":
			p.items(path, v, i18n.M("pcode.what_contractors"), func(ipath string, item *yaml.Node) {
				var c catalog.PubliccodeContractor
				p.each(ipath, item, contractorKeys, func(key, path string, _, v *yaml.Node) {
					switch key {
					case "name":
						p.text(path, v, &c.Name, nil)
					case "email":
						p.text(path, v, &c.Email, nil)
						if c.Email != "" && !ValidEmail(c.Email) {
							p.fail(path, v, i18n.M("pcode.email_invalid", "Email", c.Email))
						}
					case "website":
						p.text(path, v, &c.Website, nil)
						if c.Website != "" && !ValidWebURL(c.Website) {
							p.fail(path, v, i18n.M("pcode.web_url_invalid", "URL", c.Website))
						}
					case "until":
						p.text(path, v, &c.Until, nil)
						if c.Until != "" && !ValidDate(c.Until) {
							p.fail(path, v, i18n.M("pcode.date_invalid", "Date", c.Until))
						}
					}
				})
				if c.Name == "" {
					p.fail(ipath+".name", item, i18n.M("pcode.contractor_name_missing"))
				}
				if c.Until == "" {
					p.fail(ipath+".until", item, i18n.M("pcode.contract_end_missing"))
				}
				p.f.Contractors = append(p.f.Contractors, c)
			})
		case "contacts":
			p.items(path, v, i18n.M("pcode.what_contacts"), func(ipath string, item *yaml.Node) {
				c := Contact{Line: item.Line}
				p.each(ipath, item, contactKeys, func(key, path string, _, v *yaml.Node) {
					switch key {
					case "name":
						p.text(path, v, &c.Name, nil)
					case "email":
						p.text(path, v, &c.Email, &c.EmailLine)
						if c.Email != "" && !ValidEmail(c.Email) {
							p.fail(path, v, i18n.M("pcode.email_invalid", "Email", c.Email))
						}
					case "phone":
						p.text(path, v, &c.Phone, nil)
					case "affiliation":
						p.text(path, v, &c.Affiliation, nil)
					}
				})
				if c.Name == "" {
					p.fail(ipath+".name", item, i18n.M("pcode.contact_name_missing"))
				}
				p.f.Contacts = append(p.f.Contacts, c)
			})
		}
	})
}

func (p *parser) localisation(path string, n *yaml.Node, seen map[string]bool) {
	if !p.section(path, n) {
		return
	}
	p.each(path, n, localisationKeys, func(key, path string, _, v *yaml.Node) {
		seen["localisation."+key] = true
		switch key {
		case "localisationReady":
			b, err := strconv.ParseBool(v.Value)
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || err != nil {
				p.fail(path, v, i18n.M("pcode.want_bool"))
				return
			}
			p.f.LocalisationReady = &b
		case "availableLanguages":
			list, lines, _ := p.strList(path, v)
			for i, l := range list {
				if msg, bad := LanguageProblemM(l); bad {
					p.errs = append(p.errs, newIssue(fmt.Sprintf("%s[%d]", path, i), lines[i], msg))
				}
			}
			p.f.AvailableLanguages = list
		}
	})
}

// dependsOn checks the dependsOn section (every dependency has a name)
// and keeps it as YAML text.
func (p *parser) dependsOn(path string, n *yaml.Node) {
	if !p.section(path, n) {
		return
	}
	p.each(path, n, dependsOnKeys, func(key, path string, _, v *yaml.Node) {
		p.items(path, v, i18n.M("pcode.what_dependencies"), func(ipath string, item *yaml.Node) {
			name := ""
			p.each(ipath, item, dependencyKeys, func(key, path string, _, v *yaml.Node) {
				if key == "name" {
					name, _ = p.str(path, v)
				}
			})
			if name == "" {
				p.fail(ipath+".name", item, i18n.M("pcode.dependency_name_missing"))
			}
		})
	})
	p.f.DependsOn = yamlText(n)
}

// german reads the German country section: countryExtensionVersion and the
// leika list with OZG-IDs and LeiKa keys.
func (p *parser) german(path string, n *yaml.Node) {
	if !p.section(path, n) {
		return
	}
	p.each(path, n, germanKeys, func(key, path string, _, v *yaml.Node) {
		if key != "leika" {
			return
		}
		v = deref(v)
		if v.Kind != yaml.SequenceNode {
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!null" {
				p.fail(path, v, i18n.M("pcode.want_leika_list", "Found", kindName(v)))
			}
			return
		}
		for i, item := range v.Content {
			ipath := fmt.Sprintf("%s[%d]", path, i)
			if !p.section(ipath, item) {
				continue
			}
			e := Leika{Line: deref(item).Line}
			p.each(ipath, deref(item), leikaKeys, func(key, path string, _, v *yaml.Node) {
				switch key {
				case "ozg-id":
					e.OZGID, _ = p.str(path, v)
				case "leika-id":
					e.LeikaID, _ = p.str(path, v)
				case "themenfeld":
					e.TopicField, _ = p.str(path, v)
				case "lebenslage":
					e.LifeSituation, _ = p.str(path, v)
				}
			})
			if e.OZGID == "" && e.LeikaID == "" {
				p.warn(ipath, item, i18n.M("pcode.entry_no_ids"))
				continue
			}
			p.f.Leika = append(p.f.Leika, e)
		}
	})
}

// Package publiccode reads and writes publiccode.yml files (the metadata
// standard of Developers Italia, also used by Open CoDE) and maps them to and
// from the register's solutions. Parsing is lenient where the standard allows
// variation (unknown keys, a single string where a list is expected) and
// strict where the register would otherwise store something wrong (a list
// where a name is expected): every problem names the key path and the line.
package publiccode

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
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
	Lang          string
	LocalisedName string
	Short         string
	ShortLine     int
	Long          string
	LongLine      int
	Features      []string
	Documentation string
}

// Contact is one entry of maintenance.contacts. The name is read only to
// tell personal from functional e-mail addresses; it is never stored.
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
	Version           string
	Name              string
	NameLine          int
	URL               string
	URLLine           int
	LandingURL        string
	LandingURLLine    int
	DevelopmentStatus string
	StatusLine        int
	SoftwareType      string
	// Descriptions are ordered German first, then English, then the others by language tag.
	Descriptions       []Description
	Licence            string
	LicenceLine        int
	MainCopyrightOwner string
	RepoOwner          string
	MaintenanceType    string
	Contacts           []Contact
	UsedBy             []UsedBy
	UsedByLine         int
	// Leika are the entries of the German country section (de or DE).
	Leika   []Leika
	Unknown []Unknown
}

var (
	topKeys = keySet("publiccodeYmlVersion", "name", "applicationSuite", "url", "landingURL", "isBasedOn", "softwareVersion",
		"releaseDate", "logo", "monochromeLogo", "inputTypes", "outputTypes", "platforms", "categories", "usedBy", "roadmap",
		"developmentStatus", "softwareType", "intendedAudience", "description", "legal", "maintenance", "localisation",
		"dependsOn", "organisation", "organizationUri", "fundedBy", "it", "IT", "de", "DE")
	descriptionKeys = keySet("localisedName", "genericName", "shortDescription", "longDescription", "documentation",
		"apiDocumentation", "features", "screenshots", "videos", "awards")
	legalKeys       = keySet("license", "mainCopyrightOwner", "repoOwner", "authorsFile")
	maintenanceKeys = keySet("type", "contractors", "contacts")
	contactKeys     = keySet("name", "email", "phone", "affiliation")
	germanKeys      = keySet("countryExtensionVersion", "leika")
	leikaKeys       = keySet("themenfeld", "lebenslage", "ozg-id", "leika-id")
	// reLang is a BCP 47 tag as far as the description section needs it.
	reLang = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$`)
	// reVersion accepts the 0.x versions of the standard ("0", "0.2", "0.3.1").
	reVersion = regexp.MustCompile(`^0(\.[0-9]+){0,2}$`)
	// reYAMLLine finds the line number in the YAML library's syntax errors.
	reYAMLLine = regexp.MustCompile(`line ([0-9]+)`)
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

func (p *parser) fail(path string, n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, Issue{Path: path, Line: line(n), Message: fmt.Sprintf(format, args...)})
}

func (p *parser) warn(path string, n *yaml.Node, format string, args ...any) {
	p.warnings = append(p.warnings, Issue{Path: path, Line: line(n), Message: fmt.Sprintf(format, args...)})
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
func kindName(n *yaml.Node) string {
	n = deref(n)
	switch {
	case n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return "nichts (leer)"
	case n.Kind == yaml.ScalarNode:
		return "ein einzelner Wert"
	case n.Kind == yaml.SequenceNode:
		return "eine Liste"
	case n.Kind == yaml.MappingNode:
		return "ein Abschnitt mit Schlüsseln"
	}
	return "etwas Unbekanntes"
}

// Parse reads a publiccode.yml. It returns the file and the warnings (unknown
// keys, values the register cannot use); a file that cannot be imported
// returns an *Error listing every problem with key path and line.
func Parse(data []byte) (*File, []Issue, error) {
	if len(data) > MaxFileBytes {
		return nil, nil, &Error{Issues: []Issue{{Message: fmt.Sprintf("Die Datei ist größer als %d KiB.", MaxFileBytes>>10)}}}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		is := Issue{Message: "Die Datei ist kein gültiges YAML: " + yamlReason(err)}
		if m := reYAMLLine.FindStringSubmatch(err.Error()); m != nil {
			is.Line, _ = strconv.Atoi(m[1])
		}
		return nil, nil, &Error{Issues: []Issue{is}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil, &Error{Issues: []Issue{{Message: "Die Datei ist leer."}}}
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, nil, &Error{Issues: []Issue{{Line: root.Line,
			Message: fmt.Sprintf("Eine publiccode.yml beginnt mit Schlüsseln wie „publiccodeYmlVersion“ und „name“; gefunden wurde %s.", kindName(root))}}}
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
			p.fail(kpath, k, "Der Schlüssel kommt mehrfach vor.")
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
	p.warn(path, k, "Unbekannter Schlüssel; er wird ignoriert.")
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
		p.fail(path, n, "Erwartet wird ein Text, gefunden wurde %s.", kindName(n))
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
		p.warn(path, n, "Erwartet wird eine Liste; der einzelne Wert wird als Liste mit einem Eintrag gelesen.")
		return []string{strings.TrimSpace(n.Value)}, []int{n.Line}, true
	case n.Kind != yaml.SequenceNode:
		p.fail(path, n, "Erwartet wird eine Liste, gefunden wurde %s.", kindName(n))
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
		p.fail(path, n, "Erwartet wird ein Abschnitt mit Schlüsseln, gefunden wurde %s.", kindName(n))
		return false
	}
	return true
}

func (p *parser) top(root *yaml.Node) {
	f := p.f
	var versionSeen, nameSeen bool
	p.each("", root, topKeys, func(key, path string, k, v *yaml.Node) {
		switch key {
		case "publiccodeYmlVersion":
			versionSeen = true
			if s, ok := p.str(path, v); ok {
				f.Version = s
				switch {
				case s == "":
					p.fail(path, v, "Die Version des Standards fehlt.")
				case !reVersion.MatchString(s):
					p.fail(path, v, "Version „%s“ wird nicht unterstützt; gelesen werden die Versionen 0.2 bis 0.4.", s)
				case s == "0.1" || strings.HasPrefix(s, "0.1."):
					p.warn(path, v, "Version 0.1 ist veraltet; die Datei wird nach Version 0.2 gelesen.")
				}
			}
		case "name":
			nameSeen = true
			if s, ok := p.str(path, v); ok {
				f.Name, f.NameLine = s, v.Line
				if s == "" {
					p.fail(path, v, "Der Name fehlt.")
				}
			}
		case "url":
			f.URL, _ = p.str(path, v)
			f.URLLine = v.Line
		case "landingURL":
			f.LandingURL, _ = p.str(path, v)
			f.LandingURLLine = v.Line
		case "developmentStatus":
			f.DevelopmentStatus, _ = p.str(path, v)
			f.StatusLine = v.Line
		case "softwareType":
			f.SoftwareType, _ = p.str(path, v)
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
				p.each(path, v, legalKeys, func(key, path string, _, v *yaml.Node) {
					switch key {
					case "license":
						f.Licence, _ = p.str(path, v)
						f.LicenceLine = v.Line
					case "mainCopyrightOwner":
						f.MainCopyrightOwner, _ = p.str(path, v)
					case "repoOwner":
						f.RepoOwner, _ = p.str(path, v)
					}
				})
			}
		case "maintenance":
			p.maintenance(path, v)
		case "de", "DE":
			p.german(path, v)
		}
	})
	if !versionSeen {
		p.fail("publiccodeYmlVersion", nil, "Der Schlüssel fehlt; ohne ihn ist die Datei keine publiccode.yml.")
	}
	if !nameSeen {
		p.fail("name", nil, "Der Schlüssel fehlt; jede Lösung braucht einen Namen.")
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

func (p *parser) descriptions(path string, n *yaml.Node) {
	if !p.section(path, n) {
		return
	}
	p.each(path, n, nil, func(lang, lpath string, k, v *yaml.Node) {
		if !reLang.MatchString(lang) {
			p.unknown(lpath, k, v)
			return
		}
		if !p.section(lpath, v) {
			return
		}
		d := Description{Lang: lang}
		p.each(lpath, v, descriptionKeys, func(key, path string, _, v *yaml.Node) {
			switch key {
			case "localisedName":
				d.LocalisedName, _ = p.str(path, v)
			case "shortDescription":
				d.Short, _ = p.str(path, v)
				d.ShortLine = v.Line
			case "longDescription":
				d.Long, _ = p.str(path, v)
				d.LongLine = v.Line
			case "documentation":
				d.Documentation, _ = p.str(path, v)
			case "features":
				d.Features, _, _ = p.strList(path, v)
			}
		})
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

func (p *parser) maintenance(path string, n *yaml.Node) {
	if !p.section(path, n) {
		return
	}
	p.each(path, n, maintenanceKeys, func(key, path string, _, v *yaml.Node) {
		switch key {
		case "type":
			p.f.MaintenanceType, _ = p.str(path, v)
		case "contacts":
			v = deref(v)
			if v.Kind != yaml.SequenceNode {
				if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!null" {
					p.fail(path, v, "Erwartet wird eine Liste von Kontakten, gefunden wurde %s.", kindName(v))
				}
				return
			}
			for i, item := range v.Content {
				ipath := fmt.Sprintf("%s[%d]", path, i)
				if !p.section(ipath, item) {
					continue
				}
				c := Contact{Line: deref(item).Line}
				p.each(ipath, deref(item), contactKeys, func(key, path string, _, v *yaml.Node) {
					switch key {
					case "name":
						c.Name, _ = p.str(path, v)
					case "email":
						c.Email, _ = p.str(path, v)
						c.EmailLine = v.Line
					case "phone":
						c.Phone, _ = p.str(path, v)
					case "affiliation":
						c.Affiliation, _ = p.str(path, v)
					}
				})
				p.f.Contacts = append(p.f.Contacts, c)
			}
		}
	})
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
				p.fail(path, v, "Erwartet wird eine Liste von LeiKa-Einträgen, gefunden wurde %s.", kindName(v))
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
				p.warn(ipath, item, "Der Eintrag hat weder „ozg-id“ noch „leika-id“ und wird ignoriert.")
				continue
			}
			p.f.Leika = append(p.f.Leika, e)
		}
	})
}

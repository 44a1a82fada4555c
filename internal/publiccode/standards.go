package publiccode

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// ProfileKey is the top-level extension key that carries a solution's
// standards profile in publiccode.yml. The standard has no place for it
// (dependsOn names software a deployment needs, not interface standards,
// user accounts or payment services), so the register uses a German
// extension key, documented in docs/DESIGN.md ("publiccode.yml"):
//
//	x-efa-standardprofil:
//	  - eintrag: fit-connect   # key of the vocabulary, see /datenquellen
//	    nutzung: setzt-um      # setzt-um, verlangt or zur-wahl
//
// It stands apart from the mapping in export.go and parse.go on purpose:
// AppendProfile adds it to an exported file, ReadProfile reads it from an
// imported one.
const ProfileKey = "x-efa-standardprofil"

// profileUse maps the German values of "nutzung" to the profile modes.
var profileUse = map[string]catalog.ProfileMode{
	"setzt-um": catalog.ModeImplements,
	"verlangt": catalog.ModeRequires,
	"zur-wahl": catalog.ModeChoice,
}

func useOf(m catalog.ProfileMode) string {
	for k, v := range profileUse {
		if v == m {
			return k
		}
	}
	return string(m)
}

type profileLine struct {
	Entry string `yaml:"eintrag"`
	Use   string `yaml:"nutzung"`
}

// AppendProfile adds the profile under ProfileKey to an exported
// publiccode.yml (a YAML mapping at the top level); an empty profile adds nothing.
func AppendProfile(doc []byte, p catalog.Profile) ([]byte, error) {
	if len(p) == 0 {
		return doc, nil
	}
	lines := make([]profileLine, len(p))
	for i, e := range p {
		lines[i] = profileLine{Entry: e.Standard, Use: useOf(e.Mode)}
	}
	var buf bytes.Buffer
	buf.Write(doc)
	if len(doc) > 0 && doc[len(doc)-1] != '\n' {
		buf.WriteByte('\n')
	}
	fmt.Fprintf(&buf, "# Standardprofil des EfA-Registers (Erweiterung, Einträge siehe /datenquellen)\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(map[string][]profileLine{ProfileKey: lines}); err != nil {
		return nil, fmt.Errorf("publiccode: encode profile: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("publiccode: encode profile: %w", err)
	}
	return buf.Bytes(), nil
}

// ReadProfile reads the standards profile under ProfileKey from a
// publiccode.yml. Entries it cannot use (unknown keys, unknown uses, an
// entry twice) are left out and described in German warnings; a file
// without the key has no profile. A file that is no YAML mapping gives no
// profile and no warning: the importer reports that itself.
func ReadProfile(data []byte, v *catalog.Vocabulary) (catalog.Profile, []Issue) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, nil
	}
	top := root.Content[0]
	var list *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == ProfileKey {
			list = top.Content[i+1]
		}
	}
	if list == nil {
		return nil, nil
	}
	var warns []Issue
	if list.Kind != yaml.SequenceNode {
		return nil, []Issue{newIssue(ProfileKey, list.Line, i18n.M("pcode.profile_not_list"))}
	}
	var p catalog.Profile
	seen := map[string]bool{}
	for i, item := range list.Content {
		path := fmt.Sprintf("%s[%d]", ProfileKey, i)
		var l profileLine
		if err := item.Decode(&l); err != nil {
			warns = append(warns, newIssue(path, item.Line, i18n.M("pcode.profile_entry_not_map")))
			continue
		}
		mode, ok := profileUse[l.Use]
		switch {
		case !ok:
			warns = append(warns, newIssue(path+".nutzung", item.Line, i18n.M("pcode.profile_use_unknown", "Use", l.Use)))
			continue
		case func() bool { _, known := v.Get(l.Entry); return !known }():
			warns = append(warns, newIssue(path+".eintrag", item.Line, i18n.M("pcode.profile_entry_unknown", "Entry", l.Entry)))
			continue
		case seen[l.Entry]:
			warns = append(warns, newIssue(path+".eintrag", item.Line, i18n.M("pcode.profile_entry_twice", "Entry", l.Entry)))
			continue
		}
		seen[l.Entry] = true
		p = append(p, catalog.ProfileEntry{Standard: l.Entry, Mode: mode})
	}
	return p, warns
}

package catalog

import (
	"context"
	"database/sql/driver"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"efa-register/internal/i18n"
)

// Dimension is one group of the standards vocabulary: transport, XÖV,
// FIM, user account, payment, postbox, eID, operating model.
type Dimension struct {
	Key, Label string
	// Hard marks a dimension in which an unmet requirement means the
	// solution does not fit at all (it cannot be adapted): the operating model.
	Hard bool
}

// Dimensions lists the dimensions of the vocabulary in display order.
var Dimensions = []Dimension{
	{Key: "transport", Label: "Transport und Schnittstellen"},
	{Key: "xoev", Label: "XÖV-Standards"},
	{Key: "fim", Label: "FIM-Bausteine"},
	{Key: "account", Label: "Nutzerkonto"},
	{Key: "payment", Label: "Bezahldienst"},
	{Key: "postbox", Label: "Postfach"},
	{Key: "eid", Label: "eID"},
	{Key: "operation", Label: "Betriebsmodell", Hard: true},
}

// Msg is the dimension's name as a catalogue message (Label in German).
func (d Dimension) Msg() i18n.Message {
	switch d.Key {
	case "transport":
		return i18n.M("valid.dim_transport")
	case "xoev":
		return i18n.M("valid.dim_xoev")
	case "fim":
		return i18n.M("valid.dim_fim")
	case "account":
		return i18n.M("valid.dim_account")
	case "payment":
		return i18n.M("valid.dim_payment")
	case "postbox":
		return i18n.M("valid.dim_postbox")
	case "eid":
		return i18n.M("valid.dim_eid")
	case "operation":
		return i18n.M("valid.dim_operation")
	}
	return i18n.M("valid.dim_other", "Label", d.Label)
}

// L is the dimension's name in the language of ctx.
func (d Dimension) L(ctx context.Context) string { return i18n.Localize(ctx, d.Msg()) }

// DimensionByKey returns the dimension with the key.
func DimensionByKey(key string) (Dimension, bool) {
	for _, d := range Dimensions {
		if d.Key == key {
			return d, true
		}
	}
	return Dimension{}, false
}

// Standard is one entry of the controlled vocabulary (seed/standards.csv):
// a standard, interface, basic component or operating model, with the
// address of the official publication it is taken from.
type Standard struct {
	Key       string
	Dimension string
	Name      string
	// Version is the version the source names; "" where none was sourced.
	Version string
	// Note says what the source states about the version or the entry.
	Note   string
	Source string
}

// Label is the name with the version, when one is known.
func (s Standard) Label() string {
	if s.Version == "" {
		return s.Name
	}
	return s.Name + " " + s.Version
}

// Vocabulary is the controlled list of standards, in file order.
type Vocabulary struct {
	list  []Standard
	index map[string]int
}

var reStandardKey = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ParseVocabulary reads the vocabulary CSV (schluessel, dimension, name,
// version, hinweis, quelle). Every entry needs a known dimension, a unique
// key and an http(s) source address.
func ParseVocabulary(r io.Reader) (*Vocabulary, error) {
	cr := csv.NewReader(r)
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("catalog: vocabulary: %w", err)
	}
	if len(rows) < 2 {
		return nil, errors.New("catalog: vocabulary: no entries")
	}
	want := []string{"schluessel", "dimension", "name", "version", "hinweis", "quelle"}
	if !slices.Equal(rows[0], want) {
		return nil, fmt.Errorf("catalog: vocabulary: header %v, want %v", rows[0], want)
	}
	v := &Vocabulary{index: map[string]int{}}
	for i, row := range rows[1:] {
		s := Standard{Key: row[0], Dimension: row[1], Name: row[2], Version: row[3], Note: row[4], Source: row[5]}
		line := i + 2
		switch {
		case !reStandardKey.MatchString(s.Key) || len(s.Key) > 40:
			return nil, fmt.Errorf("catalog: vocabulary line %d: bad key %q", line, s.Key)
		case s.Name == "":
			return nil, fmt.Errorf("catalog: vocabulary line %d: no name", line)
		case !validHTTPURL(s.Source):
			return nil, fmt.Errorf("catalog: vocabulary line %d (%s): no source address", line, s.Key)
		}
		if _, ok := DimensionByKey(s.Dimension); !ok {
			return nil, fmt.Errorf("catalog: vocabulary line %d: unknown dimension %q", line, s.Dimension)
		}
		if _, dup := v.index[s.Key]; dup {
			return nil, fmt.Errorf("catalog: vocabulary line %d: key %q twice", line, s.Key)
		}
		v.index[s.Key] = len(v.list)
		v.list = append(v.list, s)
	}
	return v, nil
}

// All returns every entry in file order.
func (v *Vocabulary) All() []Standard { return slices.Clone(v.list) }

// Get returns the entry with the key.
func (v *Vocabulary) Get(key string) (Standard, bool) {
	if v == nil {
		return Standard{}, false
	}
	i, ok := v.index[key]
	if !ok {
		return Standard{}, false
	}
	return v.list[i], true
}

// Label is the label of the entry with the key (the key itself when unknown).
func (v *Vocabulary) Label(key string) string {
	if s, ok := v.Get(key); ok {
		return s.Label()
	}
	return key
}

// InDimension returns the entries of one dimension in file order.
func (v *Vocabulary) InDimension(dim string) []Standard {
	var out []Standard
	for _, s := range v.list {
		if s.Dimension == dim {
			out = append(out, s)
		}
	}
	return out
}

// ProfileMode is how a solution relates to a standard.
type ProfileMode string

// The profile modes.
const (
	// ModeImplements: the solution brings it itself; the adopter needs nothing.
	ModeImplements ProfileMode = "implements"
	// ModeRequires: the adopter must have it (its own connection, account or Fachverfahren).
	ModeRequires ProfileMode = "requires"
	// ModeChoice: the solution offers this among others of the same
	// dimension; the adopter needs one of them.
	ModeChoice ProfileMode = "choice"
)

// ProfileModes lists the modes in display order.
var ProfileModes = []ProfileMode{ModeImplements, ModeRequires, ModeChoice}

// Label is the German name of the mode.
func (m ProfileMode) Msg() i18n.Message {
	switch m {
	case ModeImplements:
		return i18n.M("label.mode_implements")
	case ModeRequires:
		return i18n.M("label.mode_requires")
	case ModeChoice:
		return i18n.M("label.mode_choice")
	}
	return i18n.M("label.raw", "Text", string(m))
}

// Label is the German name (Msg in German).
func (m ProfileMode) Label() string { return m.Msg().String() }

// L is the name in the language of ctx.
func (m ProfileMode) L(ctx context.Context) string { return i18n.Localize(ctx, m.Msg()) }

// Valid reports whether m is a known mode.
func (m ProfileMode) Valid() bool { return slices.Contains(ProfileModes, m) }

// ProfileEntry is one line of a solution's standards profile.
type ProfileEntry struct {
	Standard string      `json:"standard"`
	Mode     ProfileMode `json:"mode"`
}

// Profile is a solution's standards profile, ordered by standard key. It is
// stored as JSON text in one column of the solution.
type Profile []ProfileEntry

// Value stores the profile as JSON text (NULL when empty).
func (p Profile) Value() (driver.Value, error) {
	if len(p) == 0 {
		return nil, nil
	}
	b, err := json.Marshal([]ProfileEntry(p))
	return string(b), err
}

// Scan reads the profile from JSON text.
func (p *Profile) Scan(src any) error {
	*p = nil
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("catalog: profile from %T", src)
	}
	if len(b) == 0 {
		return nil
	}
	var list []ProfileEntry
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("catalog: profile: %w", err)
	}
	*p = list
	return nil
}

// Mode returns the mode of a standard in the profile ("" when absent).
func (p Profile) Mode(key string) ProfileMode {
	for _, e := range p {
		if e.Standard == key {
			return e.Mode
		}
	}
	return ""
}

// Check sorts the profile by standard key and checks every entry against
// the vocabulary; the error is a *ValidationError on field "standardsProfile".
func (p Profile) Check(v *Vocabulary) (Profile, error) {
	var ve ValidationError
	out := make(Profile, 0, len(p))
	seen := map[string]bool{}
	for _, e := range p {
		e.Standard = strings.TrimSpace(e.Standard)
		if _, ok := v.Get(e.Standard); !ok {
			ve.AddM("standardsProfile", i18n.M("valid.standard_unknown", "Standard", e.Standard))
			continue
		}
		if !e.Mode.Valid() {
			ve.AddM("standardsProfile", i18n.M("valid.standard_mode_unknown", "Standard", e.Standard, "Mode", string(e.Mode)))
			continue
		}
		if seen[e.Standard] {
			ve.AddM("standardsProfile", i18n.M("valid.standard_twice", "Standard", e.Standard))
			continue
		}
		seen[e.Standard] = true
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Standard < out[j].Standard })
	if len(out) == 0 {
		out = nil
	}
	return out, ve.Err()
}

// EnvironmentEntry is one standard an organisation runs (its environment).
type EnvironmentEntry struct {
	ID             uint   `gorm:"primaryKey"`
	OrganisationID uint   `gorm:"not null;uniqueIndex:idx_env_org_std,priority:1"`
	Standard       string `gorm:"size:40;not null;uniqueIndex:idx_env_org_std,priority:2"`
}

// OrgEnvironment is what one organisation recorded itself.
type OrgEnvironment struct {
	Org       Organisation
	Standards []string
}

// EnvDimension is the effective environment of one dimension: the
// organisation's own entries, or those inherited from its Kreis or Land.
type EnvDimension struct {
	Standards []string
	// From is the organisation the entries were inherited from; nil when they are the organisation's own.
	From *Organisation
}

// Environment is the effective environment of an organisation, by dimension key.
type Environment map[string]EnvDimension

// EffectiveEnvironment merges an organisation's own entries with the defaults
// of its Kreis and Land: per dimension the nearest level that recorded
// anything wins (own, then Kreis, then Land), so a Gemeinde overrides a
// dimension by recording its own entries in it. levels[0] is the organisation.
func EffectiveEnvironment(v *Vocabulary, levels ...OrgEnvironment) Environment {
	env := Environment{}
	for i, lvl := range levels {
		byDim := map[string][]string{}
		for _, key := range lvl.Standards {
			if s, ok := v.Get(key); ok {
				byDim[s.Dimension] = append(byDim[s.Dimension], key)
			}
		}
		for dim, keys := range byDim {
			if _, done := env[dim]; done {
				continue
			}
			d := EnvDimension{Standards: keys}
			if i > 0 {
				org := lvl.Org
				d.From = &org
			}
			env[dim] = d
		}
	}
	return env
}

// Has reports whether the environment includes the standard.
func (e Environment) Has(v *Vocabulary, key string) bool {
	s, ok := v.Get(key)
	return ok && slices.Contains(e[s.Dimension].Standards, key)
}

// FitResult is the answer of the fit check.
type FitResult string

// The fit results (the API's values).
const (
	FitYes         FitResult = "fits"
	FitWithChanges FitResult = "fits-with-changes"
	FitNo          FitResult = "does-not-fit"
	FitUnknown     FitResult = "unknown"
)

// FitResults lists the results, the best first.
var FitResults = []FitResult{FitYes, FitWithChanges, FitUnknown, FitNo}

// Label is the German name of the result.
func (r FitResult) Msg() i18n.Message {
	switch r {
	case FitYes:
		return i18n.M("label.fit_yes")
	case FitWithChanges:
		return i18n.M("label.fit_with_changes")
	case FitNo:
		return i18n.M("label.fit_no")
	}
	return i18n.M("label.unknown")
}

// Label is the German name (Msg in German).
func (r FitResult) Label() string { return r.Msg().String() }

// L is the name in the language of ctx.
func (r FitResult) L(ctx context.Context) string { return i18n.Localize(ctx, r.Msg()) }

// Rank orders results for sorting: fits first, does not fit last.
func (r FitResult) Rank() int {
	if i := slices.Index(FitResults, r); i >= 0 {
		return i
	}
	return len(FitResults)
}

// Fit is the fit check of one solution for one organisation.
type Fit struct {
	Result  FitResult `json:"result"`
	Reasons []string  `json:"reasons"`
	// Msgs are the Reasons as catalogue messages (Reasons is their German text).
	Msgs []i18n.Message `json:"-"`
}

// ReasonsIn returns the reasons in the language of ctx.
func (f Fit) ReasonsIn(ctx context.Context) []string {
	if len(f.Msgs) != len(f.Reasons) {
		return f.Reasons
	}
	out := make([]string, len(f.Msgs))
	for i, m := range f.Msgs {
		out[i] = i18n.Localize(ctx, m)
	}
	return out
}

// fit returns a Fit with the messages and their German text.
func fit(r FitResult, msgs ...i18n.Message) Fit {
	f := Fit{Result: r, Reasons: make([]string, len(msgs)), Msgs: msgs}
	for i, m := range msgs {
		f.Reasons[i] = m.String()
	}
	return f
}

// CheckFit answers whether a solution with the profile fits an organisation
// with the environment: unknown when either side has said nothing or the
// organisation has not described a dimension the solution needs; does not
// fit when a hard requirement (the operating model) is unmet; fits with
// changes when the organisation would have to add something; fits otherwise.
func CheckFit(v *Vocabulary, p Profile, env Environment) Fit {
	if len(p) == 0 {
		return fit(FitUnknown, i18n.M("valid.fit_no_profile"))
	}
	if len(env) == 0 {
		return fit(FitUnknown, i18n.M("valid.fit_no_environment"))
	}
	var no, unknown, changes bool
	reasons := []i18n.Message{}
	for _, dim := range Dimensions {
		var req, choice []string
		for _, e := range p {
			s, ok := v.Get(e.Standard)
			if !ok || s.Dimension != dim.Key {
				continue
			}
			switch e.Mode {
			case ModeRequires:
				req = append(req, e.Standard)
			case ModeChoice:
				choice = append(choice, e.Standard)
			}
		}
		if len(req) == 0 && len(choice) == 0 {
			continue
		}
		have := env[dim.Key].Standards
		if len(have) == 0 {
			unknown = true
			var needs any = listOf(v, req, "and")
			switch {
			case len(choice) > 0 && len(req) > 0:
				needs = i18n.M("valid.fit_list_as_well_as", "A", needs, "B", listOf(v, choice, "or"))
			case len(choice) > 0:
				needs = listOf(v, choice, "or")
			}
			reasons = append(reasons, i18n.M("valid.fit_needs_nothing_recorded", "Dimension", dim.Msg(), "Needs", needs))
			continue
		}
		uses := labels(v, have, ", ")
		for _, r := range req {
			if slices.Contains(have, r) {
				continue
			}
			if dim.Hard {
				no = true
			} else {
				changes = true
			}
			reasons = append(reasons, i18n.M("valid.fit_needs_uses", "Dimension", dim.Msg(), "Needs", v.Label(r), "Uses", uses))
		}
		if len(choice) > 0 && !slices.ContainsFunc(choice, func(c string) bool { return slices.Contains(have, c) }) {
			if dim.Hard {
				no = true
			} else {
				changes = true
			}
			reasons = append(reasons, i18n.M("valid.fit_choice_uses", "Dimension", dim.Msg(), "Choice", listOf(v, choice, "or"), "Uses", uses))
		}
	}
	switch {
	case no:
		return fit(FitNo, reasons...)
	case unknown:
		return fit(FitUnknown, reasons...)
	case changes:
		return fit(FitWithChanges, reasons...)
	}
	return fit(FitYes, i18n.M("valid.fit_all_recorded"))
}

// listOf names the standards joined with "und"/"oder" ("and"/"or") in the
// reader's language: a string for one, nested messages for more.
func listOf(v *Vocabulary, keys []string, conj string) any {
	if len(keys) == 0 {
		return ""
	}
	var acc any = v.Label(keys[0])
	for _, k := range keys[1:] {
		if conj == "or" {
			acc = i18n.M("valid.fit_list_or", "A", acc, "B", v.Label(k))
		} else {
			acc = i18n.M("valid.fit_list_and", "A", acc, "B", v.Label(k))
		}
	}
	return acc
}

func labels(v *Vocabulary, keys []string, sep string) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = v.Label(k)
	}
	return strings.Join(out, sep)
}

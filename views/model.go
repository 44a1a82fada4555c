package views

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Berlin must resolve on minimal images too

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// This file holds the view data the handlers fill and the small formatting
// helpers the templates share. Views never query anything themselves.

// Link is a labelled URL.
type Link struct {
	Label string
	URL   string
}

// Cell is one cell of a data table; URL makes it a link.
type Cell struct {
	Text string
	URL  string
	// Numeric right-aligns the cell.
	Numeric bool
	// Context is read to screen readers after the link text (a row of "Bearbeiten" links says which row).
	Context string
	// Data marks the text as register data written in German (lang="de" on English pages).
	Data bool
}

// Table is a data table: the first cell of each row is its row header.
type Table struct {
	Caption string
	Head    []string
	// NumericCols marks the columns (by index) that hold numbers.
	NumericCols map[int]bool
	Rows        [][]Cell
	TestID      string
}

// MapView is a server-rendered SVG map with its legend. The data table
// beside it is passed separately so each page can word it.
type MapView struct {
	// ID prefixes the ids of the SVG title and description.
	ID      string
	Title   string
	Desc    string
	ViewBox string
	Regions []MapRegion
	Points  []MapPoint
	Legend  []LegendEntry
	// PointLabel explains the point markers in the legend; "" when there are none.
	PointLabel string
	// PointR is the radius of the point markers in map units ("" for the
	// default); a zoomed map draws them smaller so they keep their size on screen.
	PointR string
	// Labels are the visible names beside the points (placed without
	// overlap), in a font of LabelSize map units; print and touch need them.
	Labels    []MapLabel
	LabelSize string
	// Locator is a small map of the whole Land showing where the zoomed map lies; nil for none.
	Locator *MapLocator
}

// MapLabel is a visible name on a map.
type MapLabel struct {
	X, Y, Text string
	// Anchor is the SVG text-anchor: start, middle or end.
	Anchor string
	// Strong marks the label of the page's own organisation.
	Strong bool
}

// MapLocator is the outline of a Land with the part a zoomed map shows.
type MapLocator struct {
	Title, ViewBox, Path string
	// WX, WY, WW, WH are the rectangle of the zoomed view.
	WX, WY, WW, WH string
	// PX, PY mark the page's own organisation ("" for none); PR is the marker's radius.
	PX, PY, PR string
}

// labelHalo is the width of the white outline that keeps a label legible on any fill.
func (m MapView) labelHalo() string {
	f, err := strconv.ParseFloat(m.LabelSize, 64)
	if err != nil {
		return "3"
	}
	return strconv.FormatFloat(f*0.28, 'f', 2, 64)
}

// pointR is the radius attribute of a map's points.
func (m MapView) pointR() string {
	if m.PointR == "" {
		return "4.5"
	}
	return m.PointR
}

// MapRegion is one Land on a map.
type MapRegion struct {
	Key, Name, Path string
	// Class selects the fill (see app.css: map-n0..map-n4 and the status classes).
	Class string
	Title string
}

// MapPoint is one marker (an adopting Gemeinde or Kreis).
type MapPoint struct {
	X, Y  string
	Class string
	Title string
	// R overrides the map's point radius (the page's own organisation is drawn larger).
	R string
}

func (m MapView) radiusOf(p MapPoint) string {
	if p.R != "" {
		return p.R
	}
	return m.pointR()
}

// LegendEntry is one colour of a map legend.
type LegendEntry struct {
	Class, Label string
}

// SolutionItem is a solution in a list: catalogue hits, a Land's provided
// solutions, the solutions of a Themenfeld or an OZG-Leistung.
type SolutionItem struct {
	Slug, Name string
	// Snippet is trusted HTML from the search index (escaped text with <mark>).
	Snippet   string
	Summary   string
	Provider  string
	Status    catalog.SolutionStatus
	Verified  catalog.Verification
	Maturity  *int
	Adoptions int64
	OZGIDs    []string
}

// Change is one changed field of an event, formatted for display.
type Change struct {
	Field, Old, New string
	// OldData and NewData mark a value as register data written in German.
	OldData, NewData bool
}

// HistoryEntry is one event of an entity's history.
type HistoryEntry struct {
	At      time.Time
	Actor   string
	Action  string
	Changes []Change
}

// ChangeItem is one line of the start page's latest changes.
type ChangeItem struct {
	At      time.Time
	What    string
	Subject Link
	Detail  string
}

// DateInput shows a stored date (YYYY, YYYY-MM or YYYY-MM-DD) in a form
// field the way people type it: TT.MM.JJJJ, MM.JJJJ or JJJJ.
func DateInput(s string) string {
	switch len(s) {
	case 7:
		return s[5:7] + "." + s[:4]
	case 10:
		return s[8:10] + "." + s[5:7] + "." + s[:4]
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

// MaturityLabel names an OZG Reifegrad.
func MaturityLabel(ctx context.Context, m *int) string {
	if m == nil {
		return i18n.T(ctx, "label.unknown")
	}
	return i18n.T(ctx, "label.maturity", "Level", *m)
}

// BoolLabel renders an optional yes/no fact.
func BoolLabel(ctx context.Context, b *bool) string {
	switch {
	case b == nil:
		return i18n.T(ctx, "label.unknown")
	case *b:
		return i18n.T(ctx, "label.yes")
	}
	return i18n.T(ctx, "label.no")
}

// AccessChannelLabel names the way to obtain a solution.
func AccessChannelLabel(ctx context.Context, key string) string {
	return i18n.Localize(ctx, catalog.AccessChannelMsg(key))
}

// CostSharingLabel names a cost-sharing key.
func CostSharingLabel(ctx context.Context, key string) string {
	return i18n.Localize(ctx, catalog.CostSharingMsg(key))
}

// ConfirmationLabel says how far an adoption is confirmed. Seeded adoptions
// come from public sources and stay unconfirmed until the provider answers.
func ConfirmationLabel(ctx context.Context, a catalog.Adoption) string {
	switch a.Confirmation {
	case catalog.ConfirmationConfirmed:
		return i18n.T(ctx, "label.confirmed_by_provider")
	case catalog.ConfirmationDisputed:
		return i18n.T(ctx, "label.disputed_by_provider")
	case catalog.ConfirmationClaimed:
		// The provider reported it; it counts nowhere until the adopter confirms.
		return i18n.T(ctx, "label.claimed_unconfirmed")
	}
	if a.RegisteredBy == catalog.ActorSeed {
		return i18n.T(ctx, "label.from_source_unconfirmed")
	}
	return i18n.T(ctx, "label.unconfirmed")
}

func confirmationClass(a catalog.Adoption) string {
	switch a.Confirmation {
	case catalog.ConfirmationConfirmed:
		return "kern-badge kern-badge--success"
	case catalog.ConfirmationDisputed:
		return "kern-badge kern-badge--danger"
	case catalog.ConfirmationClaimed:
		return "kern-badge kern-badge--info"
	}
	return "kern-badge kern-badge--warning"
}

func verifiedClass(v catalog.Verification) string {
	switch v {
	case catalog.VerifiedYes:
		return "kern-badge kern-badge--success"
	case catalog.VerifiedPartial:
		return "kern-badge kern-badge--warning"
	}
	return "kern-badge kern-badge--danger"
}

func statusClass(s catalog.SolutionStatus) string {
	switch s {
	case catalog.SolutionLive:
		return "kern-badge kern-badge--success"
	case catalog.SolutionPilot, catalog.SolutionPlanned:
		return "kern-badge kern-badge--info"
	case catalog.SolutionRetired:
		return "kern-badge kern-badge--danger"
	}
	return "kern-badge"
}

func adoptionStatusClass(s catalog.AdoptionStatus) string {
	switch s {
	case catalog.AdoptionLive:
		return "kern-badge kern-badge--success"
	case catalog.AdoptionEnded:
		return "kern-badge"
	}
	return "kern-badge kern-badge--info"
}

// SolutionURL is the path of a solution page.
func SolutionURL(slug string) string { return "/loesungen/" + slug }

// ServiceURL is the path of an OZG-Leistung page.
func ServiceURL(ozgID string) string { return "/leistungen/" + ozgID }

// LandURL is the path of a Land page.
func LandURL(key string) string { return "/laender/" + key }

// TopicURL is the path of a Themenfeld page.
func TopicURL(id uint) string { return "/themenfelder/" + strconv.FormatUint(uint64(id), 10) }

// OrgURL is the page of an organisation: Land, Kreis or Gemeinde; "" for others.
func OrgURL(o *catalog.Organisation) string {
	if o == nil {
		return ""
	}
	switch o.Kind {
	case catalog.KindLand:
		return LandURL(o.Key)
	case catalog.KindKreis:
		return "/kreise/" + o.Key
	case catalog.KindGemeinde:
		return "/gemeinden/" + o.Key
	}
	return ""
}

// OrgName is an organisation's name, "unbekannt" (unknown) without one.
func OrgName(ctx context.Context, o *catalog.Organisation) string {
	if o == nil {
		return i18n.T(ctx, "label.unknown")
	}
	return o.Name
}

// ProviderName is the provider shown for a solution: the organisation, or
// the source's wording when no organisation is recorded.
func ProviderName(ctx context.Context, s catalog.Solution) string {
	if s.Provider != nil {
		return s.Provider.Name
	}
	if s.ProviderNote != "" {
		return s.ProviderNote
	}
	return i18n.T(ctx, "label.unknown")
}

// ActorLabel describes who made a change without showing personal data.
func ActorLabel(ctx context.Context, actor string) string {
	switch {
	case actor == catalog.ActorSeed:
		return i18n.T(ctx, "history.actor_seed")
	case actor == catalog.ActorSystem+":import":
		return i18n.T(ctx, "history.actor_import")
	case actor == catalog.ActorSystem+":gen-synthetic":
		return i18n.T(ctx, "history.actor_synthetic")
	case actor == catalog.ActorSystem || strings.HasPrefix(actor, "system"):
		return i18n.T(ctx, "history.actor_system")
	case strings.HasPrefix(actor, "api"), strings.HasPrefix(actor, "token"):
		return i18n.T(ctx, "history.actor_api")
	}
	return i18n.T(ctx, "history.actor_person")
}

// ActionLabel is the past participle of an event action.
func ActionLabel(ctx context.Context, a catalog.Action) string {
	switch a {
	case catalog.ActionCreate:
		return i18n.T(ctx, "history.action_create")
	case catalog.ActionUpdate:
		return i18n.T(ctx, "history.action_update")
	case catalog.ActionDelete:
		return i18n.T(ctx, "history.action_delete")
	}
	return string(a)
}

// FieldLabel names a field of the event log (message history.field_<name>).
func FieldLabel(ctx context.Context, field string) string {
	if id, ok := fieldIDs[field]; ok {
		return i18n.T(ctx, id)
	}
	// A solution's release is stored under "release <version>".
	if v, ok := strings.CutPrefix(field, "release "); ok {
		return i18n.T(ctx, "history.field_release_version", "Version", v)
	}
	if field == "release" {
		return i18n.T(ctx, "history.field_release")
	}
	return field
}

// fieldIDs are the message ids of the fields of the event log, by JSON key.
var fieldIDs = map[string]string{
	"slug": "history.field_slug", "name": "history.field_name", "summary": "history.field_summary",
	"description": "history.field_description", "provider": "history.field_provider",
	"providerNote": "history.field_providernote", "partners": "history.field_partners",
	"operator": "history.field_operator", "topicFieldId": "history.field_topicfieldid",
	"ozgIds": "history.field_ozgids", "status": "history.field_status",
	"statusNote": "history.field_statusnote", "maturity": "history.field_maturity",
	"efaMinimumMet": "history.field_efaminimummet", "accessChannel": "history.field_accesschannel",
	"accessUrl": "history.field_accessurl", "licence": "history.field_licence",
	"repositoryUrl": "history.field_repositoryurl", "standards": "history.field_standards",
	"costs": "history.field_costs", "buildCostEur": "history.field_buildcosteur",
	"yearlyCostEur": "history.field_yearlycosteur", "costSharing": "history.field_costsharing",
	"contactEmail": "history.field_contactemail", "knownAdoptersText": "history.field_knownadopterstext",
	"verified": "history.field_verified", "verifiedNote": "history.field_verifiednote",
	"source": "history.field_source", "since": "history.field_since",
	"contractType": "history.field_contracttype", "note": "history.field_note",
	"confirmation": "history.field_confirmation", "registeredBy": "history.field_registeredby",
	"solution": "history.field_solution", "adopter": "history.field_adopter", "id": "history.field_id",
	"publiccode": "history.field_publiccode", "kind": "history.field_kind", "key": "history.field_key",
	"shortName": "history.field_shortname", "ars": "history.field_ars", "ags": "history.field_ags",
	"type": "history.field_type", "landKey": "history.field_landkey", "kreisKey": "history.field_kreiskey",
	"population": "history.field_population", "areaKm2": "history.field_areakm2",
	"postcode": "history.field_postcode", "lat": "history.field_lat", "lon": "history.field_lon",
	"koenigsteinPercent": "history.field_koenigsteinpercent", "retiredAt": "history.field_retiredat",
	"successor": "history.field_successor",
}

// FormatValue renders a JSON value of the event log for display.
func FormatValue(ctx context.Context, v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return "–"
	case string:
		s = x
	case bool:
		if x {
			return i18n.T(ctx, "label.yes")
		}
		return i18n.T(ctx, "label.no")
	case float64:
		if x == float64(int64(x)) {
			return i18n.Int(ctx, int64(x))
		}
		s = i18n.Decimal(ctx, x, -1)
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = FormatValue(ctx, p)
		}
		s = strings.Join(parts, ", ")
	default:
		s = fmt.Sprint(x)
	}
	if s == "" {
		return "–"
	}
	if r := []rune(s); len(r) > 200 {
		return string(r[:200]) + " …"
	}
	return s
}

func statusBadgeText(ctx context.Context, s catalog.SolutionStatus) string {
	if s == catalog.SolutionUnknown {
		return i18n.T(ctx, "label.status_unknown")
	}
	return s.L(ctx)
}

func maturityBadgeText(ctx context.Context, m *int) string {
	if m == nil {
		return i18n.T(ctx, "label.maturity_unknown")
	}
	return MaturityLabel(ctx, m)
}

// sourceText is a source reference worth showing ("—" in the seed means none).
func sourceText(s string) string {
	switch strings.TrimSpace(s) {
	case "", "-", "—", "–":
		return ""
	}
	return s
}

// StatusNote explains a solution status that seems to contradict the
// statuses of its adoptions: a solution reported as pilot, planned, unknown
// or retired while adopters run it. It returns "" when nothing needs
// explaining. live counts the adoptions "in Betrieb".
func StatusNote(ctx context.Context, status catalog.SolutionStatus, live int) string {
	if live == 0 {
		return ""
	}
	switch status {
	case catalog.SolutionPilot, catalog.SolutionPlanned:
		return i18n.T(ctx, "label.status_note_pilot", "Status", status.Msg(), "Count", live)
	case catalog.SolutionUnknown:
		return i18n.T(ctx, "label.status_note_unknown", "Count", live)
	case catalog.SolutionRetired:
		return i18n.T(ctx, "label.status_note_retired", "Count", live)
	}
	return ""
}

// StandardGroup is the part of the standards vocabulary in one dimension.
type StandardGroup struct {
	Dimension catalog.Dimension
	Standards []catalog.Standard
}

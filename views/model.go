package views

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Berlin must resolve on minimal images too

	"efa-register/internal/catalog"
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

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// FormatDate formats a time as a German date (26.11.2025) in Berlin time.
func FormatDate(t time.Time) string { return t.In(berlin).Format("02.01.2006") }

// FormatDateTime formats a time as German date and time in Berlin time.
func FormatDateTime(t time.Time) string { return t.In(berlin).Format("02.01.2006, 15:04") + " Uhr" }

// FormatPartialDate turns YYYY, YYYY-MM or YYYY-MM-DD into German notation.
func FormatPartialDate(s string) string {
	switch len(s) {
	case 7:
		return s[5:7] + "/" + s[:4]
	case 10:
		return s[8:10] + "." + s[5:7] + "." + s[:4]
	}
	return s
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

// FormatPercent formats a share with German decimal comma: 3,39 %.
func FormatPercent(v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', 2, 64), ".", ",", 1) + " %"
}

// FormatEuro formats an amount in euro: 1.250.000 €.
func FormatEuro(v int64) string { return FormatInt(v) + " €" }

func itoa(n int) string { return strconv.Itoa(n) }

func i64(n int64) string { return FormatInt(n) }

// MaturityLabel names an OZG Reifegrad.
func MaturityLabel(m *int) string {
	if m == nil {
		return "unbekannt"
	}
	return "Reifegrad " + strconv.Itoa(*m)
}

// BoolLabel renders an optional yes/no fact.
func BoolLabel(b *bool) string {
	switch {
	case b == nil:
		return "unbekannt"
	case *b:
		return "ja"
	}
	return "nein"
}

// AccessChannelLabel names the way to obtain a solution.
func AccessChannelLabel(key string) string {
	if l, ok := catalog.AccessChannels[key]; ok {
		return l
	}
	return key
}

// CostSharingLabel names a cost-sharing key.
func CostSharingLabel(key string) string {
	if l, ok := catalog.CostSharingKeys[key]; ok {
		return l
	}
	return key
}

// ConfirmationLabel says how far an adoption is confirmed. Seeded adoptions
// come from public sources and stay unconfirmed until the provider answers.
func ConfirmationLabel(a catalog.Adoption) string {
	switch a.Confirmation {
	case catalog.ConfirmationConfirmed:
		return "vom Anbieter bestätigt"
	case catalog.ConfirmationDisputed:
		return "vom Anbieter bestritten"
	case catalog.ConfirmationClaimed:
		// The provider reported it; it counts nowhere until the adopter confirms.
		return catalog.ConfirmationClaimed.Label() + ", von der Organisation noch nicht bestätigt"
	}
	if a.RegisteredBy == catalog.ActorSeed {
		return "aus Quelle übernommen, nicht vom Anbieter bestätigt"
	}
	return "nicht vom Anbieter bestätigt"
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

// OrgName is an organisation's name with its kind where the name alone is
// ambiguous ("Landkreis Anhalt-Bitterfeld" needs none, "Bremen" does).
func OrgName(o *catalog.Organisation) string {
	if o == nil {
		return "unbekannt"
	}
	return o.Name
}

// ProviderName is the provider shown for a solution: the organisation, or
// the source's wording when no organisation is recorded.
func ProviderName(s catalog.Solution) string {
	if s.Provider != nil {
		return s.Provider.Name
	}
	if s.ProviderNote != "" {
		return s.ProviderNote
	}
	return "unbekannt"
}

// ActorLabel describes who made a change without showing personal data.
func ActorLabel(actor string) string {
	switch {
	case actor == catalog.ActorSeed:
		return "Datenimport aus öffentlichen Quellen"
	case actor == catalog.ActorSystem+":import":
		return "Import durch den Betrieb des Registers"
	case actor == catalog.ActorSystem+":gen-synthetic":
		return "Erzeugung synthetischer Testdaten"
	case actor == catalog.ActorSystem || strings.HasPrefix(actor, "system"):
		return "Betrieb des Registers"
	case strings.HasPrefix(actor, "api"), strings.HasPrefix(actor, "token"):
		return "Schnittstelle (API)"
	}
	return "angemeldete Person"
}

// ActionLabel is the German verb of an event action.
func ActionLabel(a catalog.Action) string {
	switch a {
	case catalog.ActionCreate:
		return "angelegt"
	case catalog.ActionUpdate:
		return "geändert"
	case catalog.ActionDelete:
		return "gelöscht"
	}
	return string(a)
}

// fieldLabels are the German names of the fields in the event log.
var fieldLabels = map[string]string{
	"slug": "Kurzbezeichnung", "name": "Name", "summary": "Kurzbeschreibung", "description": "Beschreibung",
	"provider": "Anbieter", "providerNote": "Hinweis zum Anbieter", "partners": "Partner und Allianz",
	"operator": "Betreiber", "topicFieldId": "Themenfeld", "ozgIds": "OZG-Leistungen", "status": "Status",
	"statusNote": "Hinweis zum Status", "maturity": "Reifegrad", "efaMinimumMet": "EfA-Mindestanforderungen erfüllt",
	"accessChannel": "Bezugsweg", "accessUrl": "Zugang", "licence": "Lizenz", "repositoryUrl": "Quellcode",
	"standards": "Standards und Schnittstellen", "costs": "Kosten", "buildCostEur": "Entwicklungskosten",
	"yearlyCostEur": "Betriebskosten pro Jahr", "costSharing": "Kostenschlüssel", "contactEmail": "Kontakt",
	"knownAdoptersText": "Bekannte Nachnutzer laut Quelle", "verified": "Prüfstand der Daten",
	"verifiedNote": "Hinweis zur Prüfung", "source": "Quelle", "since": "seit", "contractType": "Vertragsart",
	"note": "Notiz", "confirmation": "Bestätigung des Anbieters", "registeredBy": "eingetragen von",
	"solution": "Lösung", "adopter": "Nachnutzer", "id": "Kennung", "publiccode": "Angaben aus publiccode.yml",
	// Organisations (reference data).
	"kind": "Art", "key": "Schlüssel", "shortName": "Kurzname", "ars": "Amtlicher Regionalschlüssel",
	"ags": "Amtlicher Gemeindeschlüssel", "type": "Typ", "landKey": "Land", "kreisKey": "Kreis", "population": "Einwohner",
	"areaKm2": "Fläche (km²)", "postcode": "Postleitzahl", "lat": "Breitengrad", "lon": "Längengrad",
	"koenigsteinPercent": "Königsteiner Schlüssel (%)", "retiredAt": "stillgelegt am", "successor": "Nachfolger",
}

// FieldLabel is the German name of a field of the event log.
func FieldLabel(field string) string {
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	// A solution's release is stored under "release <version>".
	if v, ok := strings.CutPrefix(field, "release "); ok {
		return "Version " + v
	}
	if field == "release" {
		return "betriebene Version"
	}
	return field
}

// FormatValue renders a JSON value of the event log for display.
func FormatValue(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return "–"
	case string:
		s = x
	case bool:
		if x {
			return "ja"
		}
		return "nein"
	case float64:
		if x == float64(int64(x)) {
			return FormatInt(int64(x))
		}
		s = strings.Replace(strconv.FormatFloat(x, 'f', -1, 64), ".", ",", 1)
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = FormatValue(p)
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

// plural picks the singular or plural form for n.
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return FormatInt(n) + " " + many
}

func statusBadgeText(s catalog.SolutionStatus) string {
	if s == catalog.SolutionUnknown {
		return "Status unbekannt"
	}
	return s.Label()
}

func maturityBadgeText(m *int) string {
	if m == nil {
		return "Reifegrad unbekannt"
	}
	return MaturityLabel(m)
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
func StatusNote(status catalog.SolutionStatus, live int) string {
	if live == 0 {
		return ""
	}
	n := plural(int64(live), "Nachnutzung ist", "Nachnutzungen sind")
	switch status {
	case catalog.SolutionPilot, catalog.SolutionPlanned:
		return "Die Lösung ist als „" + status.Label() + "“ gemeldet; " + n + " als „in Betrieb“ eingetragen. " +
			"Das ist kein Widerspruch: „in Betrieb“ heißt bei einer Nachnutzung, dass die Stelle den Dienst ihren Bürgerinnen, " +
			"Bürgern oder Unternehmen anbietet – auch als Teil eines Pilotbetriebs. Der Status der Lösung stammt aus der Quelle " +
			"zur Lösung und kann veraltet sein; der Anbieter kann ihn ändern."
	case catalog.SolutionUnknown:
		return "Der Status der Lösung ist nicht belegt; " + n + " als „in Betrieb“ eingetragen. Dort wird der Dienst also angeboten."
	case catalog.SolutionRetired:
		return "Die Lösung ist als eingestellt gemeldet, " + n + " aber noch als „in Betrieb“ eingetragen. " +
			"Diese Einträge sind vermutlich veraltet; die Nachnutzenden können sie ändern."
	}
	return ""
}

// StandardGroup is the part of the standards vocabulary in one dimension.
type StandardGroup struct {
	Dimension catalog.Dimension
	Standards []catalog.Standard
}

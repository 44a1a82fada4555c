package store

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"efa-register/internal/catalog"
	"efa-register/internal/export"
)

// Reference-data refresh: newer extracts of the Destatis Gemeindeverzeichnis
// and of the OZG catalogue are upserted by key with events. A Gemeinde that
// the extract no longer lists is retired, never deleted; its adoptions move
// to its successor when one is named, and otherwise stay on it and are
// reported, so nothing is dropped silently.

// MaxRetireShare is the share of a Land's Gemeinden a refresh may retire
// without Force: a real yearly extract retires well under one percent, so
// more means a partial or wrong file.
const MaxRetireShare = 0.05

// GemeindeRow is one Gemeinde of a Gemeindeverzeichnis extract (the shape of
// seed/gemeinden.csv).
type GemeindeRow struct {
	Line                                    int
	ARS, AGS, Name, Type                    string
	LandKey, KreisKey, KreisName, KreisType string
	Postcode                                string
	Population                              int64
	AreaKm2, Lat, Lon                       float64
	// SuccessorARS marks a row of a Gemeinde that no longer exists and names
	// the Gemeinde that took it over (column nachfolger_ars).
	SuccessorARS string
}

// ServiceRow is one OZG-Leistung of a catalogue extract (the shape of seed/ozg_leistungen.csv).
type ServiceRow struct {
	Line                                   int
	OZGID, Name, LifeSituation, TopicField string
}

// RefreshOptions control a refresh.
type RefreshOptions struct {
	// DryRun computes the report and writes nothing.
	DryRun bool
	// Force allows retiring more than MaxRetireShare of a Land's Gemeinden.
	Force bool
	// Progress, when set, is called now and then with the rows done and the total.
	Progress func(done, total int)
}

// RefreshEntry is one added, changed or retired record of a refresh report.
type RefreshEntry struct {
	Key, Name string
	// Detail says what changed, or why a record is listed.
	Detail string
}

// RefreshMove is a retired Gemeinde whose adoptions moved to its successor.
type RefreshMove struct {
	From, To RefreshEntry
	// Moved adoptions now belong to the successor; Merged ones joined an
	// adoption the successor already had for the same solution.
	Moved, Merged int
}

// RefreshUnmappable is a retired Gemeinde with adoptions and no named
// successor: the adoptions stay on it, and Candidates are Gemeinden of the
// same Kreis whose name suggests they absorbed it.
type RefreshUnmappable struct {
	Org        RefreshEntry
	Adoptions  int
	Candidates []RefreshEntry
}

// GemeindenReport is what a Gemeinden refresh did (or would do, in a dry run).
type GemeindenReport struct {
	DryRun bool
	// Laender are the Länder the file covers; only their Gemeinden can be retired.
	Laender                              []string
	Added, Changed, Reactivated, Retired []RefreshEntry
	Unchanged                            int
	Mapped                               []RefreshMove
	Unmappable                           []RefreshUnmappable
	KreiseAdded                          []RefreshEntry
}

// ServicesReport is what an OZG catalogue refresh did (or would do).
type ServicesReport struct {
	DryRun              bool
	Added, Changed      []RefreshEntry
	Unchanged           int
	LifeSituationsAdded []RefreshEntry
	// Missing are services the file no longer lists. They are kept (solutions
	// may cover them); Detail says how many solutions do.
	Missing []RefreshEntry
}

// RefreshError is a problem with the input file as a whole or one of its
// lines; nothing was written.
type RefreshError struct {
	Line    int
	Message string
}

func (e *RefreshError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("Zeile %d: %s", e.Line, e.Message)
	}
	return e.Message
}

// Is makes errors.Is(err, catalog.ErrInvalid) true.
func (e *RefreshError) Is(target error) bool { return target == catalog.ErrInvalid }

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run")

// csvTable is a CSV file read into rows by header name.
type csvTable struct {
	rows  []map[string]string
	lines []int
	cols  map[string]bool
}

// readTable reads a UTF-8 CSV (comma or semicolon separated, optional BOM)
// and checks that the required columns are there.
func readTable(r io.Reader, required ...string) (*csvTable, error) {
	cr, col, err := export.OpenCSV(r, required...)
	if err != nil {
		return nil, &RefreshError{Message: err.Error()}
	}
	t := &csvTable{cols: map[string]bool{}}
	header := make([]string, len(col))
	for name, i := range col {
		if i < len(header) {
			header[i] = name
		}
		t.cols[name] = true
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &RefreshError{Line: pe.Line, Message: "kein gültiges CSV (Anführungszeichen prüfen)."}
			}
			return nil, &RefreshError{Message: "Die Datei konnte nicht gelesen werden."}
		}
		line, _ := cr.FieldPos(0)
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(rec) {
				row[h] = strings.TrimSpace(rec[i])
			}
		}
		t.rows = append(t.rows, row)
		t.lines = append(t.lines, line)
	}
}

// number parses an integer or decimal written with a dot or a German comma; empty is 0.
func number(s string) (float64, bool) {
	if s == "" {
		return 0, true
	}
	if strings.Contains(s, ",") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", ".")
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// GemeindenColumns documents the columns ReadGemeindenCSV reads: the first
// four are required, the others optional (the names of seed/gemeinden.csv).
var GemeindenColumns = []string{"ars", "name", "land_schluessel", "kreis_schluessel", "ags", "gemeindetyp", "kreis", "kreis_typ",
	"einwohner", "flaeche_km2", "plz", "lat", "lon", "nachfolger_ars"}

// ReadGemeindenCSV reads a Gemeindeverzeichnis extract.
func ReadGemeindenCSV(r io.Reader) ([]GemeindeRow, error) {
	t, err := readTable(r, GemeindenColumns[:4]...)
	if err != nil {
		return nil, err
	}
	out := make([]GemeindeRow, 0, len(t.rows))
	for i, row := range t.rows {
		g := GemeindeRow{Line: t.lines[i], ARS: row["ars"], AGS: row["ags"], Name: row["name"], Type: row["gemeindetyp"],
			LandKey: row["land_schluessel"], KreisKey: row["kreis_schluessel"], KreisName: row["kreis"], KreisType: row["kreis_typ"],
			Postcode: row["plz"], SuccessorARS: row["nachfolger_ars"]}
		bad := func(col string) error {
			return &RefreshError{Line: g.Line, Message: fmt.Sprintf("Spalte %s: „%s“ ist keine Zahl.", col, row[col])}
		}
		pop, ok := number(row["einwohner"])
		if !ok {
			return nil, bad("einwohner")
		}
		g.Population = int64(pop)
		for col, dst := range map[string]*float64{"flaeche_km2": &g.AreaKm2, "lat": &g.Lat, "lon": &g.Lon} {
			if *dst, ok = number(row[col]); !ok {
				return nil, bad(col)
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// ReadSuccessorsCSV reads a mapping of retired Gemeinden to their
// successors: columns ars and nachfolger_ars.
func ReadSuccessorsCSV(r io.Reader) (map[string]string, error) {
	t, err := readTable(r, "ars", "nachfolger_ars")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, row := range t.rows {
		old, succ := row["ars"], row["nachfolger_ars"]
		if !catalog.ValidARS(old) || !catalog.ValidARS(succ) {
			return nil, &RefreshError{Line: t.lines[i], Message: "ars und nachfolger_ars müssen 12-stellige Regionalschlüssel sein."}
		}
		if prev, ok := out[old]; ok && prev != succ {
			return nil, &RefreshError{Line: t.lines[i], Message: fmt.Sprintf("Für %s sind zwei Nachfolger angegeben.", old)}
		}
		out[old] = succ
	}
	return out, nil
}

// ReadServicesCSV reads an OZG catalogue extract: columns ozg_id,
// bezeichnung, themenfeld and optional lebenslage.
func ReadServicesCSV(r io.Reader) ([]ServiceRow, error) {
	t, err := readTable(r, "ozg_id", "bezeichnung", "themenfeld")
	if err != nil {
		return nil, err
	}
	out := make([]ServiceRow, 0, len(t.rows))
	for i, row := range t.rows {
		out = append(out, ServiceRow{Line: t.lines[i], OZGID: row["ozg_id"], Name: row["bezeichnung"],
			LifeSituation: row["lebenslage"], TopicField: row["themenfeld"]})
	}
	return out, nil
}

// changedFields lists the field names an update event recorded.
func changedFields(before, after any) string {
	d := diff(fields(before), fields(after))
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

func entry(o *catalog.Organisation) RefreshEntry { return RefreshEntry{Key: o.Key, Name: o.Name} }

// orgRecord is an organisation in the event log, with its successor by key.
func orgRecord(o *catalog.Organisation, successor *catalog.Organisation) map[string]any {
	m := fields(o)
	if successor != nil {
		m["successor"] = orgEntityID(successor)
	}
	return m
}

// RefreshGemeinden upserts the Gemeinden of an extract by ARS, adds Kreise
// the extract names that the register lacks, and retires the Gemeinden of
// the extract's Länder that it no longer lists. successors (old ARS → new
// ARS, may be nil) and rows with nachfolger_ars name where a retired
// Gemeinde went: its adoptions move there. The whole refresh is one
// transaction; a file error writes nothing.
func (s *Store) RefreshGemeinden(ctx context.Context, actor string, rows []GemeindeRow, successors map[string]string, opt RefreshOptions) (GemeindenReport, error) {
	rep := GemeindenReport{DryRun: opt.DryRun}
	succ := map[string]string{}
	for k, v := range successors {
		succ[k] = v
	}
	var live []GemeindeRow
	seen := map[string]int{}
	scope := map[string]bool{}
	for _, r := range rows {
		switch {
		case !catalog.ValidARS(r.ARS):
			return rep, &RefreshError{Line: r.Line, Message: fmt.Sprintf("„%s“ ist kein 12-stelliger Regionalschlüssel (ARS).", r.ARS)}
		case seen[r.ARS] > 0:
			return rep, &RefreshError{Line: r.Line, Message: fmt.Sprintf("Der Regionalschlüssel %s steht schon in Zeile %d.", r.ARS, seen[r.ARS])}
		}
		seen[r.ARS] = r.Line
		if r.SuccessorARS != "" {
			if !catalog.ValidARS(r.SuccessorARS) {
				return rep, &RefreshError{Line: r.Line, Message: fmt.Sprintf("nachfolger_ars „%s“ ist kein 12-stelliger Regionalschlüssel.", r.SuccessorARS)}
			}
			succ[r.ARS] = r.SuccessorARS
			continue
		}
		if !catalog.ValidLandKey(r.LandKey) || r.ARS[:2] != r.LandKey {
			return rep, &RefreshError{Line: r.Line, Message: fmt.Sprintf("Der Länderschlüssel „%s“ passt nicht zum ARS %s.", r.LandKey, r.ARS)}
		}
		scope[r.LandKey] = true
		live = append(live, r)
	}
	if len(live) == 0 {
		return rep, &RefreshError{Message: "Die Datei enthält keine Gemeinden."}
	}
	liveByARS := map[string]bool{}
	for _, r := range live {
		liveByARS[r.ARS] = true
	}
	for old := range succ {
		if liveByARS[old] {
			return rep, &RefreshError{Line: seen[old], Message: fmt.Sprintf("%s steht als Gemeinde in der Datei und hat zugleich einen Nachfolger.", old)}
		}
	}
	for k := range scope {
		rep.Laender = append(rep.Laender, k)
	}
	sort.Strings(rep.Laender)

	err := s.write(ctx, actor, func(t *tx) error {
		var existing []catalog.Organisation
		if err := t.db.Where("kind IN ?", []catalog.OrgKind{catalog.KindGemeinde, catalog.KindKreis}).Find(&existing).Error; err != nil {
			return err
		}
		gemeinden, kreise := map[string]*catalog.Organisation{}, map[string]*catalog.Organisation{}
		for i := range existing {
			o := &existing[i]
			if o.Kind == catalog.KindGemeinde {
				gemeinden[o.Key] = o
			} else {
				kreise[o.Key] = o
			}
		}
		if err := t.addKreise(live, kreise, &rep); err != nil {
			return err
		}
		total := len(live)
		var inserts []*catalog.Organisation
		for i, r := range live {
			if opt.Progress != nil && i%1000 == 0 {
				opt.Progress(i, total)
			}
			o := &catalog.Organisation{Kind: catalog.KindGemeinde, Key: r.ARS, Name: r.Name, ARS: r.ARS, AGS: r.AGS, Type: r.Type,
				LandKey: r.LandKey, KreisKey: r.KreisKey, Population: r.Population, AreaKm2: r.AreaKm2, Postcode: r.Postcode, Lat: r.Lat, Lon: r.Lon}
			if err := o.Validate(); err != nil {
				return &RefreshError{Line: r.Line, Message: err.Error()}
			}
			before := gemeinden[r.ARS]
			if before == nil {
				inserts = append(inserts, o)
				rep.Added = append(rep.Added, entry(o))
				if _, err := t.event(catalog.EntityOrganisation, orgEntityID(o), catalog.ActionCreate, nil, o); err != nil {
					return err
				}
				continue
			}
			o.ID = before.ID
			what := changedFields(before, o)
			changed, err := t.event(catalog.EntityOrganisation, orgEntityID(o), catalog.ActionUpdate, orgRecord(before, nil), o)
			if err != nil {
				return err
			}
			if !changed {
				rep.Unchanged++
				continue
			}
			if before.RetiredAt != nil {
				rep.Reactivated = append(rep.Reactivated, RefreshEntry{Key: o.Key, Name: o.Name, Detail: "wieder im Verzeichnis"})
			} else {
				rep.Changed = append(rep.Changed, RefreshEntry{Key: o.Key, Name: o.Name, Detail: what})
			}
			// Select("*") writes the zero values too: a reactivated Gemeinde loses its retirement.
			if err := t.db.Select("*").Updates(o).Error; err != nil {
				return err
			}
		}
		if len(inserts) > 0 {
			if err := t.db.CreateInBatches(inserts, 500).Error; err != nil {
				return err
			}
		}
		if opt.Progress != nil {
			opt.Progress(total, total)
		}
		return t.retireGemeinden(gemeinden, liveByARS, scope, succ, opt, &rep)
	})
	return rep, refreshResult(err, opt, "refresh Gemeinden")
}

// addKreise creates the Kreise the extract names that the register lacks.
func (t *tx) addKreise(live []GemeindeRow, kreise map[string]*catalog.Organisation, rep *GemeindenReport) error {
	newKreise := map[string]*catalog.Organisation{}
	var order []string
	for _, r := range live {
		if r.KreisKey == "" || kreise[r.KreisKey] != nil {
			continue
		}
		k := newKreise[r.KreisKey]
		if k == nil {
			if r.KreisName == "" {
				return &RefreshError{Line: r.Line, Message: fmt.Sprintf("Den Kreis %s gibt es im Register noch nicht; dafür braucht die Datei die Spalte „kreis“ mit seinem Namen.", r.KreisKey)}
			}
			k = &catalog.Organisation{Kind: catalog.KindKreis, Key: r.KreisKey, Name: r.KreisName, ARS: r.KreisKey + "0000000",
				Type: r.KreisType, LandKey: r.LandKey, KreisKey: r.KreisKey}
			if err := k.Validate(); err != nil {
				return &RefreshError{Line: r.Line, Message: err.Error()}
			}
			newKreise[r.KreisKey] = k
			order = append(order, r.KreisKey)
		}
		k.Population += r.Population
	}
	for _, key := range order {
		k := newKreise[key]
		if err := t.db.Create(k).Error; err != nil {
			return err
		}
		if _, err := t.event(catalog.EntityOrganisation, orgEntityID(k), catalog.ActionCreate, nil, k); err != nil {
			return err
		}
		kreise[key] = k
		rep.KreiseAdded = append(rep.KreiseAdded, entry(k))
	}
	return nil
}

// retireGemeinden retires the Gemeinden of the covered Länder the extract no
// longer lists and moves their adoptions to named successors.
func (t *tx) retireGemeinden(gemeinden map[string]*catalog.Organisation, liveByARS, scope map[string]bool, succ map[string]string, opt RefreshOptions, rep *GemeindenReport) error {
	var gone []*catalog.Organisation
	inScope := map[string]int{}
	goneInLand := map[string]int{}
	for _, o := range gemeinden {
		if !scope[o.LandKey] || o.RetiredAt != nil {
			continue
		}
		inScope[o.LandKey]++
		if !liveByARS[o.Key] {
			gone = append(gone, o)
			goneInLand[o.LandKey]++
		}
	}
	if !opt.Force {
		for land, n := range goneInLand {
			if float64(n) > MaxRetireShare*float64(inScope[land]) {
				return &RefreshError{Message: fmt.Sprintf("Die Datei würde %d von %d Gemeinden des Landes %s stilllegen. Ist sie vollständig? "+
					"Wenn ja, wiederholen Sie den Import mit --force.", n, inScope[land], land)}
			}
		}
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i].Key < gone[j].Key })
	// The Gemeinden as the extract left them: successors, and for unmapped
	// Gemeinden the live ones of the same Kreis as candidates.
	var fresh []catalog.Organisation
	if err := t.db.Where("kind = ?", catalog.KindGemeinde).Find(&fresh).Error; err != nil {
		return err
	}
	freshByARS := map[string]*catalog.Organisation{}
	byKreis := map[string][]*catalog.Organisation{}
	for i := range fresh {
		o := &fresh[i]
		if liveByARS[o.Key] {
			freshByARS[o.Key] = o
			byKreis[o.KreisKey] = append(byKreis[o.KreisKey], o)
		}
	}
	for _, o := range gone {
		before := *o
		now := t.now
		o.RetiredAt = &now
		var successor *catalog.Organisation
		if next, ok := succ[o.Key]; ok {
			successor = freshByARS[next]
			if successor == nil {
				return &RefreshError{Message: fmt.Sprintf("Der Nachfolger %s von %s (%s) steht nicht als Gemeinde in der Datei.", next, o.Name, o.Key)}
			}
			o.SuccessorID = &successor.ID
		}
		rep.Retired = append(rep.Retired, entry(o))
		if _, err := t.event(catalog.EntityOrganisation, orgEntityID(o), catalog.ActionUpdate, orgRecord(&before, nil), orgRecord(o, successor)); err != nil {
			return err
		}
		if err := t.db.Model(&catalog.Organisation{}).Where("id = ?", o.ID).
			Updates(map[string]any{"retired_at": o.RetiredAt, "successor_id": o.SuccessorID}).Error; err != nil {
			return err
		}
		var adoptions []catalog.Adoption
		if err := t.db.Preload("Solution").Where("organisation_id = ?", o.ID).Order("id").Find(&adoptions).Error; err != nil {
			return err
		}
		if successor == nil {
			if len(adoptions) > 0 {
				rep.Unmappable = append(rep.Unmappable, RefreshUnmappable{Org: entry(o), Adoptions: len(adoptions),
					Candidates: absorbers(o, byKreis[o.KreisKey])})
			}
			continue
		}
		move := RefreshMove{From: entry(o), To: entry(successor)}
		for i := range adoptions {
			merged, err := t.moveAdoption(&adoptions[i], o, successor)
			if err != nil {
				return err
			}
			if merged {
				move.Merged++
			} else {
				move.Moved++
			}
		}
		rep.Mapped = append(rep.Mapped, move)
	}
	if opt.DryRun {
		return errDryRun
	}
	return nil
}

// absorbers are the live Gemeinden of the same Kreis whose name starts
// like the retired one's: the first word of one begins with the first word
// of the other ("Wesselburenerkoog" and "Wesselburen, Stadt").
func absorbers(o *catalog.Organisation, sameKreis []*catalog.Organisation) []RefreshEntry {
	first := func(name string) string {
		name = strings.ToLower(name)
		if i := strings.IndexAny(name, " ,-/("); i > 0 {
			name = name[:i]
		}
		return name
	}
	related := func(a, b string) bool {
		if len(a) > len(b) {
			a, b = b, a
		}
		return len(a) >= 4 && strings.HasPrefix(b, a)
	}
	want := first(o.Name)
	var out []RefreshEntry
	for _, c := range sameKreis {
		if c.ID != o.ID && related(first(c.Name), want) {
			out = append(out, entry(c))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// moveAdoption gives an adoption of a retired Gemeinde to its successor.
// When the successor already adopted the same solution, the two records
// become one: the successor's keeps the further status, and the retired
// one's is deleted with its event. It reports whether it merged.
func (t *tx) moveAdoption(a *catalog.Adoption, from, to *catalog.Organisation) (bool, error) {
	slug := a.Solution.Slug
	note := fmt.Sprintf("Übernommen von %s (%s) nach Gebietsänderung.", from.Name, from.Key)
	var existing catalog.Adoption
	err := t.db.Where("solution_id = ? AND organisation_id = ?", a.SolutionID, to.ID).Limit(1).Find(&existing).Error
	if err != nil {
		return false, err
	}
	if existing.ID == 0 {
		before := *a
		a.OrganisationID = to.ID
		a.Note = joinNote(a.Note, note)
		if _, err := t.event(catalog.EntityAdoption, strconv.FormatUint(uint64(a.ID), 10), catalog.ActionUpdate,
			adoptionRecord(&before, slug, orgEntityID(from)), adoptionRecord(a, slug, orgEntityID(to))); err != nil {
			return false, err
		}
		return false, t.db.Model(&catalog.Adoption{}).Where("id = ?", a.ID).
			Updates(map[string]any{"organisation_id": to.ID, "note": a.Note, "updated_at": t.now}).Error
	}
	before := existing
	switch {
	case existing.Claimed() && !a.Claimed():
		// The organisation's own adoption outranks a provider's claim.
		existing.Status, existing.Since, existing.Confirmation, existing.RegisteredBy = a.Status, a.Since, a.Confirmation, a.RegisteredBy
	case a.Claimed() && !existing.Claimed():
		// A claim never changes an adoption the organisation registered.
	case rank(a.Status) > rank(existing.Status) && catalog.CanTransition(existing.Status, a.Status):
		existing.Status, existing.Since = a.Status, a.Since
		if !existing.Claimed() {
			existing.Confirmation = catalog.ConfirmationNone
		}
	}
	existing.Note = joinNote(existing.Note, note)
	if _, err := t.event(catalog.EntityAdoption, strconv.FormatUint(uint64(existing.ID), 10), catalog.ActionUpdate,
		adoptionRecord(&before, slug, orgEntityID(to)), adoptionRecord(&existing, slug, orgEntityID(to))); err != nil {
		return false, err
	}
	if err := t.db.Select("*").Omit("Solution", "Organisation").Updates(&existing).Error; err != nil {
		return false, err
	}
	a.Solution = nil
	return true, t.deleteAdoption(a)
}

func rank(s catalog.AdoptionStatus) int {
	for i, x := range catalog.AdoptionStatuses {
		if x == s {
			return i
		}
	}
	return -1
}

func joinNote(note, add string) string {
	note = strings.TrimSpace(note)
	if note == "" {
		return add
	}
	if len([]rune(note))+1+len([]rune(add)) > 1000 {
		return note
	}
	return note + " " + add
}

// RefreshServices upserts the OZG-Leistungen of a catalogue extract by
// OZG-ID, adds Lebenslagen it names that the register lacks, and reports
// the services it no longer lists (they are kept: solutions may cover them).
func (s *Store) RefreshServices(ctx context.Context, actor string, rows []ServiceRow, opt RefreshOptions) (ServicesReport, error) {
	rep := ServicesReport{DryRun: opt.DryRun}
	seen := map[string]int{}
	for _, r := range rows {
		switch {
		case !catalog.ValidOZGID(r.OZGID):
			return rep, &RefreshError{Line: r.Line, Message: fmt.Sprintf("„%s“ ist keine OZG-ID (5 Ziffern).", r.OZGID)}
		case r.Name == "":
			return rep, &RefreshError{Line: r.Line, Message: "Die Bezeichnung fehlt."}
		case len([]rune(r.Name)) > 300:
			return rep, &RefreshError{Line: r.Line, Message: "Die Bezeichnung ist länger als 300 Zeichen."}
		case seen[r.OZGID] > 0:
			return rep, &RefreshError{Line: r.Line, Message: fmt.Sprintf("Die OZG-ID %s steht schon in Zeile %d.", r.OZGID, seen[r.OZGID])}
		}
		seen[r.OZGID] = r.Line
	}
	if len(rows) == 0 {
		return rep, &RefreshError{Message: "Die Datei enthält keine OZG-Leistungen."}
	}
	err := s.write(ctx, actor, func(t *tx) error {
		var topics []catalog.TopicField
		if err := t.db.Find(&topics).Error; err != nil {
			return err
		}
		tfByName := map[string]uint{}
		for _, tf := range topics {
			tfByName[tf.Name] = tf.ID
		}
		var situations []catalog.LifeSituation
		if err := t.db.Order("id").Find(&situations).Error; err != nil {
			return err
		}
		lsByName := map[string]uint{}
		var nextLS uint
		for _, ls := range situations {
			lsByName[ls.Name] = ls.ID
			nextLS = max(nextLS, ls.ID)
		}
		var existing []catalog.Service
		if err := t.db.Find(&existing).Error; err != nil {
			return err
		}
		byID := map[string]*catalog.Service{}
		for i := range existing {
			byID[existing[i].ID] = &existing[i]
		}
		var inserts []*catalog.Service
		for i, r := range rows {
			if opt.Progress != nil && i%200 == 0 {
				opt.Progress(i, len(rows))
			}
			tf, ok := tfByName[r.TopicField]
			if !ok {
				return &RefreshError{Line: r.Line, Message: fmt.Sprintf("Unbekanntes Themenfeld „%s“.", r.TopicField)}
			}
			sv := &catalog.Service{ID: r.OZGID, Name: r.Name, TopicFieldID: tf}
			if r.LifeSituation != "" {
				id, ok := lsByName[r.LifeSituation]
				if !ok {
					nextLS++
					ls := &catalog.LifeSituation{ID: nextLS, TopicFieldID: tf, Name: r.LifeSituation}
					if err := t.db.Create(ls).Error; err != nil {
						return err
					}
					if _, err := t.event(catalog.EntityLifeSituation, strconv.FormatUint(uint64(ls.ID), 10), catalog.ActionCreate, nil, ls); err != nil {
						return err
					}
					lsByName[ls.Name], id = ls.ID, ls.ID
					rep.LifeSituationsAdded = append(rep.LifeSituationsAdded, RefreshEntry{Key: strconv.FormatUint(uint64(ls.ID), 10), Name: ls.Name})
				}
				sv.LifeSituationID = &id
			}
			before := byID[sv.ID]
			if before == nil {
				inserts = append(inserts, sv)
				rep.Added = append(rep.Added, RefreshEntry{Key: sv.ID, Name: sv.Name})
				if _, err := t.event(catalog.EntityService, sv.ID, catalog.ActionCreate, nil, sv); err != nil {
					return err
				}
				continue
			}
			what := changedFields(before, sv)
			changed, err := t.event(catalog.EntityService, sv.ID, catalog.ActionUpdate, before, sv)
			if err != nil {
				return err
			}
			if !changed {
				rep.Unchanged++
				continue
			}
			rep.Changed = append(rep.Changed, RefreshEntry{Key: sv.ID, Name: sv.Name, Detail: what})
			if err := t.db.Select("*").Omit("Leika").Updates(sv).Error; err != nil {
				return err
			}
		}
		if len(inserts) > 0 {
			if err := t.db.Omit("Leika").CreateInBatches(inserts, 500).Error; err != nil {
				return err
			}
		}
		for _, sv := range existing {
			if seen[sv.ID] > 0 {
				continue
			}
			var n int64
			if err := t.db.Table("solution_services").Where("service_id = ?", sv.ID).Count(&n).Error; err != nil {
				return err
			}
			rep.Missing = append(rep.Missing, RefreshEntry{Key: sv.ID, Name: sv.Name, Detail: fmt.Sprintf("%d Lösungen", n)})
		}
		sort.Slice(rep.Missing, func(i, j int) bool { return rep.Missing[i].Key < rep.Missing[j].Key })
		if opt.Progress != nil {
			opt.Progress(len(rows), len(rows))
		}
		if opt.DryRun {
			return errDryRun
		}
		return nil
	})
	return rep, refreshResult(err, opt, "refresh services")
}

// RetiredOrganisations returns the retired organisations with their successors' keys.
func (s *Store) RetiredOrganisations(ctx context.Context) ([]catalog.Organisation, error) {
	var out []catalog.Organisation
	err := s.r.WithContext(ctx).Where("retired_at IS NOT NULL").Order("kind").Order("key").Find(&out).Error
	return out, translate(err, "retired organisations")
}

// refreshResult is the error a refresh returns: none for a finished dry run,
// a RefreshError as it is, anything else translated.
func refreshResult(err error, opt RefreshOptions, what string) error {
	var re *RefreshError
	switch {
	case err == nil, opt.DryRun && errors.Is(err, errDryRun):
		return nil
	case errors.As(err, &re):
		return re
	}
	return translate(err, what)
}

package store

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"efa-register/internal/catalog"
)

// SeedReport counts what a seed run created and updated.
type SeedReport struct {
	Created, Updated, Unchanged int
}

// Seed loads the reference data and the known solutions from fsys (the
// embedded seed folder) in one transaction. Reference data (organisations,
// the OZG catalogue, LeiKa) is upserted by natural key; solutions and
// adoptions are only created when missing, so edits made in the register are
// never overwritten. A second run changes nothing and appends no event.
func (s *Store) Seed(ctx context.Context, fsys fs.FS) (SeedReport, error) {
	var rep SeedReport
	err := s.write(ctx, catalog.ActorSeed, func(t *tx) error {
		l := &seedLoader{t: t, fsys: fsys, rep: &rep}
		for _, step := range []func() error{l.organisations, l.catalogue, l.leika, l.solutions, l.adoptions} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("store: seed: %w", err)
	}
	s.log.Info("seed done", "created", rep.Created, "updated", rep.Updated, "unchanged", rep.Unchanged)
	return rep, nil
}

type seedLoader struct {
	t    *tx
	fsys fs.FS
	rep  *SeedReport
	// touched holds, per entity type, the ids that a writer other than the
	// seed changed (a reference-data refresh, an edit): the seed never
	// overwrites those, so running it again cannot undo newer data.
	touched map[string]map[string]bool
}

// touchedBy returns the ids of an entity type that have events by other actors.
func (l *seedLoader) touchedBy(entity string) (map[string]bool, error) {
	if l.touched == nil {
		l.touched = map[string]map[string]bool{}
	}
	if m, ok := l.touched[entity]; ok {
		return m, nil
	}
	var ids []string
	if err := l.t.db.Model(&catalog.Event{}).Where("entity_type = ? AND actor <> ?", entity, catalog.ActorSeed).
		Distinct("entity_id").Pluck("entity_id", &ids).Error; err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	l.touched[entity] = m
	return m, nil
}

// readCSV returns the rows of a seed file as maps by header name.
func (l *seedLoader) readCSV(name string) ([]map[string]string, error) {
	f, err := l.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", name, err)
	}
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			row[h] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, row)
	}
}

// upsert creates or updates one record of a natural key, with its event.
// before is the existing record (nil when missing); after the seeded state
// with the same primary key as before.
func upsert[T any](l *seedLoader, entity, id string, before, after *T, inserts *[]*T) error {
	if before != nil {
		touched, err := l.touchedBy(entity)
		if err != nil {
			return err
		}
		if touched[id] {
			l.rep.Unchanged++
			return nil
		}
	}
	if before == nil {
		*inserts = append(*inserts, after)
		l.rep.Created++
		_, err := l.t.event(entity, id, catalog.ActionCreate, nil, after)
		return err
	}
	changed, err := l.t.event(entity, id, catalog.ActionUpdate, before, after)
	if err != nil || !changed {
		l.rep.Unchanged++
		return err
	}
	l.rep.Updated++
	return l.t.db.Select("*").Updates(after).Error
}

func insertAll[T any](l *seedLoader, rows []*T) error {
	if len(rows) == 0 {
		return nil
	}
	return l.t.db.CreateInBatches(rows, 500).Error
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func atoi(s string) int64   { n, _ := strconv.ParseInt(s, 10, 64); return n }
func atof(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }

func (l *seedLoader) organisations() error {
	var existing []catalog.Organisation
	if err := l.t.db.Find(&existing).Error; err != nil {
		return err
	}
	byKey := map[string]*catalog.Organisation{}
	for i := range existing {
		byKey[orgEntityID(&existing[i])] = &existing[i]
	}
	var seeded []catalog.Organisation
	seeded = append(seeded, catalog.Organisation{Kind: catalog.KindBund, Key: catalog.BundKey, Name: "Bund", ShortName: "Bund", Population: 0})
	laender, err := l.readCSV("laender.csv")
	if err != nil {
		return err
	}
	for _, r := range laender {
		seeded = append(seeded, catalog.Organisation{Kind: catalog.KindLand, Key: r["land_schluessel"], Name: r["name"],
			ShortName: r["kuerzel"], ARS: r["land_schluessel"] + "0000000000", Type: "Land", LandKey: r["land_schluessel"],
			Population: atoi(r["einwohner"]), AreaKm2: atof(r["flaeche_km2"]),
			KoenigsteinPercent: atof(r["koenigsteiner_schluessel_2016_prozent"])})
	}
	kreise, err := l.readCSV("kreise.csv")
	if err != nil {
		return err
	}
	for _, r := range kreise {
		seeded = append(seeded, catalog.Organisation{Kind: catalog.KindKreis, Key: r["kreis_schluessel"], Name: r["name"],
			ARS: r["kreis_schluessel"] + "0000000", Type: r["kreis_typ"], LandKey: r["land_schluessel"],
			KreisKey: r["kreis_schluessel"], Population: atoi(r["einwohner"])})
	}
	gemeinden, err := l.readCSV("gemeinden.csv")
	if err != nil {
		return err
	}
	for _, r := range gemeinden {
		seeded = append(seeded, catalog.Organisation{Kind: catalog.KindGemeinde, Key: r["ars"], Name: r["name"], ARS: r["ars"],
			AGS: r["ags"], Type: r["gemeindetyp"], LandKey: r["land_schluessel"], KreisKey: r["kreis_schluessel"],
			Population: atoi(r["einwohner"]), AreaKm2: atof(r["flaeche_km2"]), Postcode: r["plz"],
			Lat: atof(r["lat"]), Lon: atof(r["lon"])})
	}
	var inserts []*catalog.Organisation
	for i := range seeded {
		o := &seeded[i]
		if err := o.Validate(); err != nil {
			return fmt.Errorf("organisation %s: %w", orgEntityID(o), err)
		}
		before := byKey[orgEntityID(o)]
		if before != nil {
			o.ID = before.ID
		}
		if err := upsert(l, catalog.EntityOrganisation, orgEntityID(o), before, o, &inserts); err != nil {
			return err
		}
	}
	return insertAll(l, inserts)
}

func (l *seedLoader) catalogue() error {
	topics, err := l.readCSV("ozg_themenfelder.csv")
	if err != nil {
		return err
	}
	var existingTF []catalog.TopicField
	l.t.db.Find(&existingTF)
	tfByID := map[uint]*catalog.TopicField{}
	for i := range existingTF {
		tfByID[existingTF[i].ID] = &existingTF[i]
	}
	tfByName := map[string]uint{}
	var tfInserts []*catalog.TopicField
	for _, r := range topics {
		tf := &catalog.TopicField{ID: uint(atoi(r["themenfeld_id"])), Name: r["themenfeld"], LeadLand: r["federfuehrendes_land"],
			LeadMinistry: r["federfuehrendes_bundesressort"], LeadVerified: r["federfuehrung_verifiziert"], LeadSource: r["quelle_federfuehrung"]}
		tfByName[tf.Name] = tf.ID
		if err := upsert(l, catalog.EntityTopicField, strconv.Itoa(int(tf.ID)), tfByID[tf.ID], tf, &tfInserts); err != nil {
			return err
		}
	}
	if err := insertAll(l, tfInserts); err != nil {
		return err
	}

	situations, err := l.readCSV("ozg_lebenslagen.csv")
	if err != nil {
		return err
	}
	var existingLS []catalog.LifeSituation
	l.t.db.Find(&existingLS)
	lsByID := map[uint]*catalog.LifeSituation{}
	for i := range existingLS {
		lsByID[existingLS[i].ID] = &existingLS[i]
	}
	lsByName := map[string]uint{}
	var lsInserts []*catalog.LifeSituation
	for _, r := range situations {
		ls := &catalog.LifeSituation{ID: uint(atoi(r["lebenslage_id"])), TopicFieldID: uint(atoi(r["themenfeld_id"])), Name: r["lebenslage"]}
		lsByName[ls.Name] = ls.ID
		if err := upsert(l, catalog.EntityLifeSituation, strconv.Itoa(int(ls.ID)), lsByID[ls.ID], ls, &lsInserts); err != nil {
			return err
		}
	}
	if err := insertAll(l, lsInserts); err != nil {
		return err
	}

	services, err := l.readCSV("ozg_leistungen.csv")
	if err != nil {
		return err
	}
	var existingSv []catalog.Service
	l.t.db.Find(&existingSv)
	svByID := map[string]*catalog.Service{}
	for i := range existingSv {
		svByID[existingSv[i].ID] = &existingSv[i]
	}
	var svInserts []*catalog.Service
	for _, r := range services {
		tf, ok := tfByName[r["themenfeld"]]
		if !ok {
			return fmt.Errorf("ozg_leistungen.csv: OZG-ID %s: unknown Themenfeld %q", r["ozg_id"], r["themenfeld"])
		}
		sv := &catalog.Service{ID: r["ozg_id"], Name: r["bezeichnung"], TopicFieldID: tf}
		if id, ok := lsByName[r["lebenslage"]]; ok {
			sv.LifeSituationID = &id
		}
		if err := upsert(l, catalog.EntityService, sv.ID, svByID[sv.ID], sv, &svInserts); err != nil {
			return err
		}
	}
	return insertAll(l, svInserts)
}

func (l *seedLoader) leika() error {
	rows, err := l.readCSV("leika_leistungen_ozg.csv")
	if err != nil {
		return err
	}
	// LeiKa rows have no unique key of their own (some lack the key, one is
	// listed twice): the natural key is OZG-ID, key, name and occurrence.
	natural := func(ozg, key, name string, seen map[string]int) string {
		base := ozg + "|" + key + "|" + name
		seen[base]++
		return fmt.Sprintf("%s|%d", base, seen[base])
	}
	var existing []catalog.LeikaService
	if err := l.t.db.Order("id").Find(&existing).Error; err != nil {
		return err
	}
	byNat := map[string]*catalog.LeikaService{}
	seen := map[string]int{}
	for i := range existing {
		e := &existing[i]
		byNat[natural(deref(e.ServiceID), e.Key, e.Name, seen)] = e
	}
	seen = map[string]int{}
	var inserts []*catalog.LeikaService
	for _, r := range rows {
		ls := &catalog.LeikaService{Key: r["leika_schluessel"], Name: r["bezeichnung"],
			Type: r["leika_typ"], LawShort: r["gesetz_kurz"], LegalBasis: r["rechtsgrundlage"]}
		if id := r["ozg_id"]; id != "" {
			ls.ServiceID = &id
		}
		nat := natural(r["ozg_id"], ls.Key, ls.Name, seen)
		before := byNat[nat]
		if before != nil {
			ls.ID = before.ID
		}
		id := ls.Key
		if id == "" {
			id = "ohne-schluessel:" + r["ozg_id"]
		}
		if err := upsert(l, catalog.EntityLeika, id, before, ls, &inserts); err != nil {
			return err
		}
	}
	return insertAll(l, inserts)
}

func (l *seedLoader) solutions() error {
	rows, err := l.readCSV("loesungen.csv")
	if err != nil {
		return err
	}
	laender, err := l.readCSV("laender.csv")
	if err != nil {
		return err
	}
	landByAbbr := map[string]string{}
	for _, r := range laender {
		landByAbbr[r["kuerzel"]] = r["land_schluessel"]
	}
	var topics []catalog.TopicField
	l.t.db.Find(&topics)
	tfByName := map[string]uint{}
	for _, tf := range topics {
		tfByName[tf.Name] = tf.ID
	}
	touched, err := l.touchedBy(catalog.EntitySolution)
	if err != nil {
		return err
	}
	profiles, err := l.profiles()
	if err != nil {
		return err
	}
	for _, r := range rows {
		var existing []catalog.Solution
		if err := l.t.db.Preload("Provider").Preload("Services").Where("slug = ?", r["slug"]).Find(&existing).Error; err != nil {
			return err
		}
		if len(existing) == 0 && l.t.slugUsed(r["slug"]) || touched[r["slug"]] {
			// Deleted in the register (never recreate it), or edited there
			// (the register's facts win over the seed's).
			l.rep.Unchanged++
			continue
		}
		in := SolutionInput{Solution: catalog.Solution{
			Slug: r["slug"], Name: r["name"], ProviderNote: r["anbieter_hinweis"], Partners: r["partner"], Operator: r["betreiber"],
			Status: catalog.SolutionStatus(r["status"]), StatusNote: r["status_hinweis"], KnownAdopters: r["bekannte_nachnutzer"],
			Verified: catalog.Verification(r["verifiziert"]), VerifiedNote: r["verifiziert_hinweis"], Source: r["quelle"],
			StandardsProfile: profiles[r["slug"]],
		}}
		if tf, ok := tfByName[r["themenfeld"]]; ok {
			in.Solution.TopicFieldID = &tf
		}
		switch p := r["anbieter"]; {
		case p == catalog.BundKey:
			in.ProviderKind, in.ProviderKey = catalog.KindBund, catalog.BundKey
		case p != "":
			in.ProviderKind, in.ProviderKey = catalog.KindLand, landByAbbr[p]
		}
		if r["ozg_ids"] != "" {
			in.OZGIDs = strings.Split(r["ozg_ids"], ";")
		}
		if len(existing) > 0 {
			// Seeded and untouched since: a corrected seed (new sources,
			// lowered verification) must reach installed registers too.
			_, changed, err := l.t.replaceSolution(catalog.SystemPrincipal(catalog.ActorSeed), existing[0], in)
			if err != nil {
				return fmt.Errorf("loesungen.csv: %s: %w", r["slug"], err)
			}
			if changed {
				l.rep.Updated++
			} else {
				l.rep.Unchanged++
			}
			continue
		}
		sol, err := in.resolve(l.t)
		if err != nil {
			return fmt.Errorf("loesungen.csv: %s: %w", r["slug"], err)
		}
		services := sol.Services
		if err := l.t.db.Omit("Services.*", "Provider").Create(&sol).Error; err != nil {
			return err
		}
		sol.Services = services
		if _, err := l.t.event(catalog.EntitySolution, sol.Slug, catalog.ActionCreate, nil, solutionRecord(&sol)); err != nil {
			return err
		}
		l.rep.Created++
	}
	return nil
}

// profiles reads loesungen_standards.csv: the standards profile entries
// that the sources of a seeded solution state (column beleg quotes the
// wording of loesungen.csv they rest on). A seed folder without the file
// (an older one) seeds no profiles.
func (l *seedLoader) profiles() (map[string]catalog.Profile, error) {
	rows, err := l.readCSV("loesungen_standards.csv")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]catalog.Profile{}
	for _, r := range rows {
		out[r["slug"]] = append(out[r["slug"]], catalog.ProfileEntry{Standard: r["schluessel"], Mode: catalog.ProfileMode(r["art"])})
	}
	return out, nil
}

func (l *seedLoader) adoptions() error {
	rows, err := l.readCSV("nachnutzungen.csv")
	if err != nil {
		return err
	}
	touched, err := l.touchedBy(catalog.EntityAdoption)
	if err != nil {
		return err
	}
	for _, r := range rows {
		var sol catalog.Solution
		if err := l.t.db.Where("slug = ?", r["loesung"]).First(&sol).Error; err != nil {
			return fmt.Errorf("nachnutzungen.csv: unknown solution %q: %w", r["loesung"], err)
		}
		var org catalog.Organisation
		if err := l.t.db.Where("kind = ? AND key = ?", r["art"], r["schluessel"]).First(&org).Error; err != nil {
			return fmt.Errorf("nachnutzungen.csv: unknown organisation %s:%s: %w", r["art"], r["schluessel"], err)
		}
		var existing []catalog.Adoption
		if err := l.t.db.Where("solution_id = ? AND organisation_id = ?", sol.ID, org.ID).Find(&existing).Error; err != nil {
			return err
		}
		if len(existing) > 0 && (touched[strconv.FormatUint(uint64(existing[0].ID), 10)] || existing[0].RegisteredBy != catalog.ActorSeed) {
			// Registered or changed in the register: that record wins.
			l.rep.Unchanged++
			continue
		}
		// The seed writes through the one write path of adoptions, as the
		// system; a seeded record nobody touched takes the corrected sources.
		a, err := l.t.writeAdoption(catalog.SystemPrincipal(catalog.ActorSeed), AdoptionInput{SolutionSlug: sol.Slug,
			AdopterKind: org.Kind, AdopterKey: org.Key, Adoption: catalog.Adoption{Status: catalog.AdoptionStatus(r["status"]),
				Since: r["seit"], Note: r["hinweis"], Source: r["quelle"]}}, asAdopter)
		if err != nil {
			return fmt.Errorf("nachnutzungen.csv: %s by %s: %w", sol.Slug, orgEntityID(&org), err)
		}
		switch {
		case len(existing) == 0:
			l.rep.Created++
		case a.Source != existing[0].Source || a.Note != existing[0].Note || a.Since != existing[0].Since || a.Status != existing[0].Status:
			l.rep.Updated++
		default:
			l.rep.Unchanged++
		}
	}
	return nil
}

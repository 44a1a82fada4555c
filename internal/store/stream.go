package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"efa-register/internal/catalog"
)

// Streaming reads for the exports. A whole-register export at national scale
// (50,000 solutions, 1,000,000 adoptions) must not be held in memory: these
// functions read in batches (keyset pagination, or one database cursor) and
// hand each batch to a callback that writes it out before the next is read.

// exportBatch is how many rows one batch of a streamed export holds.
var exportBatch = 1000 // a variable for tests

// ExportSink receives a streamed export: Begin once with the cursor, the
// time of the newest change and (when it changed) the catalogue, then the
// solutions by slug and the adoptions by id, batch by batch. A batch's slice
// is reused after its callback returns.
type ExportSink struct {
	// Begin receives the export's head: every field of ExportData except
	// Solutions and Adoptions.
	Begin     func(ExportData) error
	Solutions func([]catalog.Solution) error
	Adoptions func([]catalog.Adoption) error
}

// StreamExport reads the export in one read transaction, as Export does,
// but hands it to sink batch by batch, so memory stays flat whatever the
// size of the register.
func (s *Store) StreamExport(ctx context.Context, now time.Time, knownCatalogueSeq uint64, sink ExportSink) error {
	return s.readTx(ctx, "export", func(db *gorm.DB) error {
		var x ExportData
		var err error
		if x.Cursor, x.LastChange, err = settledCursor(db, now); err != nil {
			return err
		}
		if err := db.Model(&catalog.Event{}).Where("entity_type IN ?", catalogueEntities).
			Select("coalesce(max(seq), 0)").Scan(&x.CatalogueSeq).Error; err != nil {
			return err
		}
		if x.CatalogueSeq == 0 || x.CatalogueSeq != knownCatalogueSeq {
			if err := db.Order("id").Find(&x.TopicFields).Error; err != nil {
				return err
			}
			if err := db.Order("id").Find(&x.LifeSituations).Error; err != nil {
				return err
			}
			if x.Services, err = loadServices(db, nil); err != nil {
				return err
			}
		}
		if err := sink.Begin(x); err != nil {
			return err
		}
		last := ""
		for {
			var batch []catalog.Solution
			err := db.Where("slug > ?", last).Order("slug").Limit(exportBatch).
				Preload("Provider").Preload("Services", orderServices).Find(&batch).Error
			if err != nil {
				return err
			}
			if len(batch) == 0 {
				break
			}
			if err := sink.Solutions(batch); err != nil {
				return err
			}
			last = batch[len(batch)-1].Slug
			if len(batch) < exportBatch {
				break
			}
		}
		var lastID uint
		for {
			batch, err := s.loadAdoptions(db.Where("adoptions.id > ?", lastID).Order("adoptions.id").Limit(exportBatch), exportBatch)
			if err != nil {
				return err
			}
			if len(batch) == 0 {
				return nil
			}
			if err := sink.Adoptions(batch); err != nil {
				return err
			}
			lastID = batch[len(batch)-1].ID
			if len(batch) < exportBatch {
				return nil
			}
		}
	})
}

// EachSolutionByName hands every solution (with provider and services) to
// fn in batches, ordered by name and slug, as AllSolutions returns them.
func (s *Store) EachSolutionByName(ctx context.Context, fn func([]catalog.Solution) error) error {
	db := s.r.WithContext(ctx)
	var lastName, lastSlug string
	first := true
	for {
		q := db.Order("name").Order("slug").Limit(exportBatch).Preload("Provider").Preload("Services", orderServices)
		if !first {
			q = q.Where("(name, slug) > (?, ?)", lastName, lastSlug)
		}
		var batch []catalog.Solution
		if err := q.Find(&batch).Error; err != nil {
			return translate(err, "each solution")
		}
		if len(batch) == 0 {
			return nil
		}
		if err := fn(batch); err != nil {
			return err
		}
		first, lastName, lastSlug = false, batch[len(batch)-1].Name, batch[len(batch)-1].Slug
		if len(batch) < exportBatch {
			return nil
		}
	}
}

// AdoptionSelection narrows the adoptions of EachAdoption; empty fields select all.
type AdoptionSelection struct {
	// SolutionSlug selects the adoptions of one solution.
	SolutionSlug string
	// LandKey selects the adoptions made in one Land (by the Land or its Kreise and Gemeinden).
	LandKey string
}

func (sel AdoptionSelection) query(db *gorm.DB) *gorm.DB {
	q := db.Model(&catalog.Adoption{}).
		Joins("JOIN organisations ON organisations.id = adoptions.organisation_id").
		Joins("JOIN solutions ON solutions.id = adoptions.solution_id")
	if sel.SolutionSlug != "" {
		q = q.Where("solutions.slug = ?", sel.SolutionSlug)
	}
	if sel.LandKey != "" {
		q = q.Where("organisations.land_key = ?", sel.LandKey)
	}
	return q
}

// CountAdoptions returns how many adoptions sel selects.
func (s *Store) CountAdoptions(ctx context.Context, sel AdoptionSelection) (int64, error) {
	var n int64
	err := sel.query(s.r.WithContext(ctx)).Count(&n).Error
	return n, translate(err, "count adoptions")
}

// EachAdoption hands the adoptions sel selects to fn in batches, each with
// its organisation and its solution (with provider), in the order of
// AllAdoptions: by Land, adopter name and solution name. The rows come from
// one database cursor (SQLite sorts on disk, not in our memory).
func (s *Store) EachAdoption(ctx context.Context, sel AdoptionSelection, fn func([]catalog.Adoption) error) error {
	db := s.r.WithContext(ctx)
	rows, err := sel.query(db).Select("adoptions.*").
		Order("organisations.land_key").Order("organisations.name").Order("solutions.name").Order("adoptions.id").Rows()
	if err != nil {
		return translate(err, "each adoption")
	}
	defer rows.Close()
	batch := make([]catalog.Adoption, 0, exportBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		// The references are read on another connection of the pool while
		// the cursor keeps its own.
		if err := attachAdoptionRefs(db, batch); err != nil {
			return translate(err, "each adoption")
		}
		err := fn(batch)
		batch = batch[:0]
		return err
	}
	for rows.Next() {
		var a catalog.Adoption
		if err := db.ScanRows(rows, &a); err != nil {
			return translate(err, "each adoption")
		}
		batch = append(batch, a)
		if len(batch) == exportBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return translate(err, "each adoption")
	}
	return flush()
}

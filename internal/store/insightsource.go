package store

import (
	"context"
	"database/sql"

	"efa-register/internal/catalog"
)

// InsightSolution is a solution as the insight figures need it.
type InsightSolution struct {
	ID                   uint
	Slug, Name, Provider string // provider as "kind:key"
	OZGIDs               []string
	BuildCostEUR         *int64
	YearlyCostEUR        *int64
	CostSharing          string
}

// InsightAdoption is an adoption as the insight figures need it: numbers
// instead of the solution's slug and the adopter's reference, so that a
// million of them cost no string each.
type InsightAdoption struct {
	ID                         uint
	SolutionID, OrganisationID uint
	// Status is one of a few shared strings, not a copy per row.
	Status string
	// Confirmation is catalog.ConfirmationClaimed for a provider's claim,
	// which the figures leave out until the adopter accepts it.
	Confirmation string
}

// InsightSource is the current register in the lean shape the insight
// figures are computed from, with the event sequence it reflects at least.
// The adoptions are not part of it: EachInsightAdoption streams them.
type InsightSource struct {
	Seq           uint64
	Organisations []catalog.Organisation
	Services      []catalog.Service
	Topics        []catalog.TopicField
	Solutions     []InsightSolution
}

// LoadInsightSource reads the register for the insight figures except the
// adoptions. Seq is read first: every event up to it is reflected, and later
// ones may be too, so a follower that applies events idempotently from Seq on
// ends consistent (read the adoptions after this, with EachInsightAdoption).
func (s *Store) LoadInsightSource(ctx context.Context) (InsightSource, error) {
	var src InsightSource
	var err error
	if src.Seq, err = s.LastEventSeq(ctx); err != nil {
		return src, err
	}
	db := s.r.WithContext(ctx)
	if err := db.Order("id").Find(&src.Organisations).Error; err != nil {
		return src, translate(err, "insight organisations")
	}
	if err := db.Order("id").Find(&src.Services).Error; err != nil {
		return src, translate(err, "insight services")
	}
	if err := db.Order("id").Find(&src.Topics).Error; err != nil {
		return src, translate(err, "insight topics")
	}
	var sols []struct {
		ID            uint
		Slug, Name    string
		Kind, Key     *string
		BuildCostEUR  *int64 `gorm:"column:build_cost_eur"`
		YearlyCostEUR *int64 `gorm:"column:yearly_cost_eur"`
		CostSharing   string
	}
	err = db.Raw(`SELECT s.id, s.slug, s.name, o.kind, o.key, s.build_cost_eur, s.yearly_cost_eur, s.cost_sharing
		FROM solutions s LEFT JOIN organisations o ON o.id = s.provider_id ORDER BY s.id`).Scan(&sols).Error
	if err != nil {
		return src, translate(err, "insight solutions")
	}
	var links []struct {
		SolutionID uint
		ServiceID  string
	}
	if err := db.Table("solution_services").Order("solution_id").Order("service_id").Scan(&links).Error; err != nil {
		return src, translate(err, "insight solution services")
	}
	ids := map[uint][]string{}
	for _, l := range links {
		ids[l.SolutionID] = append(ids[l.SolutionID], l.ServiceID)
	}
	for _, r := range sols {
		is := InsightSolution{ID: r.ID, Slug: r.Slug, Name: r.Name, BuildCostEUR: r.BuildCostEUR, YearlyCostEUR: r.YearlyCostEUR,
			CostSharing: r.CostSharing, OZGIDs: ids[r.ID]}
		if r.Kind != nil && r.Key != nil {
			is.Provider = *r.Kind + ":" + *r.Key
		}
		src.Solutions = append(src.Solutions, is)
	}
	return src, nil
}

// insightBatch is how many adoptions EachInsightAdoption reads per query
// (a variable for the tests).
var insightBatch = 20000

// EachInsightAdoption calls fn with every adoption, by id, reading them in
// batches of insightBatch rows (one short read transaction each, so a
// writer is never held up for the whole register). The batches are read on
// a goroutine of their own while fn takes the one before: reading a
// million rows costs about what the insights spend on them, so on two
// cores the first start takes half as long. At most three batches (about
// 1 MB each) are in memory at once.
func (s *Store) EachInsightAdoption(ctx context.Context, fn func(InsightAdoption)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []InsightAdoption, 1)
	done := make(chan error, 1)
	go func() {
		defer close(batches)
		done <- s.insightAdoptionBatches(ctx, func(b []InsightAdoption) bool {
			select {
			case batches <- b:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	for b := range batches {
		for _, a := range b {
			fn(a)
		}
	}
	return <-done
}

// insightAdoptionBatches reads the adoptions by id in batches of
// insightBatch and hands each to send, until send reports false.
func (s *Store) insightAdoptionBatches(ctx context.Context, send func([]InsightAdoption) bool) error {
	statuses := map[string]string{}
	var after uint64
	for {
		rows, err := s.r.WithContext(ctx).Raw(`SELECT id, solution_id, organisation_id, status, COALESCE(confirmation, '')
			FROM adoptions WHERE id > ? ORDER BY id LIMIT ?`, after, insightBatch).Rows()
		if err != nil {
			return translate(err, "insight adoptions")
		}
		batch := make([]InsightAdoption, 0, insightBatch)
		for rows.Next() {
			var a InsightAdoption
			var status, confirmation sql.RawBytes
			if err := rows.Scan(&a.ID, &a.SolutionID, &a.OrganisationID, &status, &confirmation); err != nil {
				rows.Close()
				return translate(err, "insight adoptions")
			}
			st, ok := statuses[string(status)]
			if !ok {
				st = string(status)
				statuses[st] = st
			}
			a.Status = st
			if string(confirmation) == string(catalog.ConfirmationClaimed) {
				a.Confirmation = string(catalog.ConfirmationClaimed)
			}
			batch = append(batch, a)
			after = uint64(a.ID)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return translate(err, "insight adoptions")
		}
		if len(batch) > 0 && !send(batch) {
			return ctx.Err()
		}
		if len(batch) < insightBatch {
			return nil
		}
	}
}

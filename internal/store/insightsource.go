package store

import (
	"context"

	"efa-register/internal/catalog"
)

// InsightSolution is a solution as the insight figures need it.
type InsightSolution struct {
	Slug, Name, Provider string // provider as "kind:key"
	OZGIDs               []string
	BuildCostEUR         *int64
	YearlyCostEUR        *int64
	CostSharing          string
}

// InsightAdoption is an adoption as the insight figures need it.
type InsightAdoption struct {
	ID                uint
	Solution, Adopter string // slug and "kind:key"
	Status            string
	// Confirmation is catalog.ConfirmationClaimed for a provider's claim,
	// which the figures leave out until the adopter accepts it.
	Confirmation string
}

// InsightSource is the current register in the lean shape the insight
// figures are computed from, with the event sequence it reflects at least.
type InsightSource struct {
	Seq           uint64
	Organisations []catalog.Organisation
	Services      []catalog.Service
	Topics        []catalog.TopicField
	Solutions     []InsightSolution
	Adoptions     []InsightAdoption
}

// LoadInsightSource reads the register for the insight figures. Seq is read
// first: every event up to it is reflected, and later ones may be too, so a
// follower that applies events idempotently from Seq on ends consistent.
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
		is := InsightSolution{Slug: r.Slug, Name: r.Name, BuildCostEUR: r.BuildCostEUR, YearlyCostEUR: r.YearlyCostEUR,
			CostSharing: r.CostSharing, OZGIDs: ids[r.ID]}
		if r.Kind != nil && r.Key != nil {
			is.Provider = *r.Kind + ":" + *r.Key
		}
		src.Solutions = append(src.Solutions, is)
	}
	err = db.Raw(`SELECT a.id, s.slug AS solution, o.kind || ':' || o.key AS adopter, a.status, COALESCE(a.confirmation, '') AS confirmation
		FROM adoptions a JOIN solutions s ON s.id = a.solution_id JOIN organisations o ON o.id = a.organisation_id ORDER BY a.id`).
		Scan(&src.Adoptions).Error
	return src, translate(err, "insight adoptions")
}

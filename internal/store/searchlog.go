package store

import (
	"context"
	"sort"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"efa-register/internal/catalog"
)

// SearchZeroResult counts how often a normalised search query found nothing
// on one day. It holds no personal data: no user, no address, no time of day.
// The demand radar reads it to show what people look for that nobody offers.
type SearchZeroResult struct {
	// Day is the UTC date, YYYY-MM-DD.
	Day string `gorm:"primaryKey;size:10" json:"day"`
	// Query is the normalised query text (lower case, single spaces, at most 100 characters).
	Query string `gorm:"primaryKey;size:100" json:"query"`
	Count int64  `gorm:"not null" json:"count"`
}

// ZeroResultKey names one counter: a day and a normalised query.
type ZeroResultKey struct {
	Day, Query string
}

// AddZeroResults adds the given counts to the per-day counters in one
// transaction. It appends no event: the counters are operational statistics,
// not register data, and the change feed must not carry them.
func (s *Store) AddZeroResults(ctx context.Context, counts map[ZeroResultKey]int64) error {
	if len(counts) == 0 {
		return nil
	}
	rows := make([]SearchZeroResult, 0, len(counts))
	for k, n := range counts {
		if k.Day == "" || k.Query == "" || n <= 0 || !catalog.ValidText(k.Query, catalog.MaxSearchQuery) {
			continue
		}
		rows = append(rows, SearchZeroResult{Day: k.Day, Query: k.Query, Count: n})
	}
	// A stable order keeps the statements deterministic (and easy to read in traces).
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Day != rows[j].Day {
			return rows[i].Day < rows[j].Day
		}
		return rows[i].Query < rows[j].Query
	})
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "day"}, {Name: "query"}},
			DoUpdates: clause.Assignments(map[string]any{"count": gorm.Expr("search_zero_results.count + excluded.count")}),
		}).CreateInBatches(rows, 200).Error
	})
	return translate(err, "add zero-result counts")
}

// ZeroResultCount is a query that found nothing and how often, summed over days.
type ZeroResultCount struct {
	Query string `json:"query"`
	Count int64  `json:"count"`
	// Days is the number of days on which the query found nothing.
	Days int64 `json:"days"`
}

// ZeroResultQueries returns the queries that found nothing from the day
// fromDay (YYYY-MM-DD, inclusive) on, most frequent first, at most limit.
func (s *Store) ZeroResultQueries(ctx context.Context, fromDay string, limit int) ([]ZeroResultCount, error) {
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	var out []ZeroResultCount
	err := s.r.WithContext(ctx).Model(&SearchZeroResult{}).
		Select("query, sum(count) AS count, count(*) AS days").
		Where("day >= ?", fromDay).Group("query").
		Order("count desc").Order("query").Limit(limit).Scan(&out).Error
	return out, translate(err, "zero-result queries")
}

package store

import (
	"context"

	"efa-register/internal/catalog"
)

// Stats are the register's headline counts; the JSON keys are a contract of /api/v1/stats.
type Stats struct {
	States         int64 `json:"states"`
	Districts      int64 `json:"districts"`
	Municipalities int64 `json:"municipalities"`
	TopicFields    int64 `json:"topicFields"`
	LifeSituations int64 `json:"lifeSituations"`
	Services       int64 `json:"services"`
	LeikaServices  int64 `json:"leikaServices"`
	Solutions      int64 `json:"solutions"`
	Adoptions      int64 `json:"adoptions"`
}

// Stats counts the records of each kind.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	db := s.r.WithContext(ctx)
	counts := []struct {
		dst   *int64
		model any
		where []any
	}{
		{&st.States, &catalog.Organisation{}, []any{"kind = ?", catalog.KindLand}},
		{&st.Districts, &catalog.Organisation{}, []any{"kind = ?", catalog.KindKreis}},
		{&st.Municipalities, &catalog.Organisation{}, []any{"kind = ?", catalog.KindGemeinde}},
		{&st.TopicFields, &catalog.TopicField{}, nil},
		{&st.LifeSituations, &catalog.LifeSituation{}, nil},
		{&st.Services, &catalog.Service{}, nil},
		{&st.LeikaServices, &catalog.LeikaService{}, nil},
		{&st.Solutions, &catalog.Solution{}, nil},
		{&st.Adoptions, &catalog.Adoption{}, []any{counted("adoptions"), catalog.ConfirmationClaimed}},
	}
	for _, c := range counts {
		q := db.Model(c.model)
		if c.where != nil {
			q = q.Where(c.where[0], c.where[1:]...)
		}
		if err := q.Count(c.dst).Error; err != nil {
			return st, translate(err, "stats")
		}
	}
	return st, nil
}

// LandCounts are the per-Land figures of the register.
type LandCounts struct {
	Land catalog.Organisation
	// Provided is the number of solutions the Land provides.
	Provided int64
	// AdoptionsMade counts adoptions by the Land and its Kreise and Gemeinden.
	AdoptionsMade int64
	// LiveAdoptionsMade counts those of AdoptionsMade that are live.
	LiveAdoptionsMade int64
	// AdoptionsReceived counts adoptions of the Land's solutions by anyone outside the Land.
	AdoptionsReceived int64
	// AdoptingMunicipalities counts distinct Gemeinden of the Land with at least one adoption.
	AdoptingMunicipalities int64
}

// CountsPerLand returns the figures of each of the 16 Länder, by key.
func (s *Store) CountsPerLand(ctx context.Context) ([]LandCounts, error) {
	laender, err := s.Laender(ctx)
	if err != nil {
		return nil, err
	}
	db := s.r.WithContext(ctx)
	type row struct {
		LandKey string
		N       int64
	}
	collect := func(what string, sql string, args ...any) (map[string]int64, error) {
		var rows []row
		if err := db.Raw(sql, args...).Scan(&rows).Error; err != nil {
			return nil, translate(err, what)
		}
		m := map[string]int64{}
		for _, r := range rows {
			m[r.LandKey] = r.N
		}
		return m, nil
	}
	provided, err := collect("provided per Land", `SELECT o.land_key, count(*) AS n FROM solutions s
		JOIN organisations o ON o.id = s.provider_id WHERE o.kind = ? GROUP BY o.land_key`, catalog.KindLand)
	if err != nil {
		return nil, err
	}
	claimed := catalog.ConfirmationClaimed
	made, err := collect("adoptions per Land", `SELECT o.land_key, count(*) AS n FROM adoptions a
		JOIN organisations o ON o.id = a.organisation_id WHERE `+counted("a")+` GROUP BY o.land_key`, claimed)
	if err != nil {
		return nil, err
	}
	live, err := collect("live adoptions per Land", `SELECT o.land_key, count(*) AS n FROM adoptions a
		JOIN organisations o ON o.id = a.organisation_id WHERE a.status = ? AND `+counted("a")+` GROUP BY o.land_key`, catalog.AdoptionLive, claimed)
	if err != nil {
		return nil, err
	}
	received, err := collect("received per Land", `SELECT p.land_key, count(*) AS n FROM adoptions a
		JOIN solutions s ON s.id = a.solution_id
		JOIN organisations p ON p.id = s.provider_id
		JOIN organisations o ON o.id = a.organisation_id
		WHERE p.kind = ? AND o.land_key <> p.land_key AND `+counted("a")+` GROUP BY p.land_key`, catalog.KindLand, claimed)
	if err != nil {
		return nil, err
	}
	munis, err := collect("adopting municipalities per Land", `SELECT o.land_key, count(DISTINCT o.id) AS n FROM adoptions a
		JOIN organisations o ON o.id = a.organisation_id WHERE o.kind = ? AND `+counted("a")+` GROUP BY o.land_key`, catalog.KindGemeinde, claimed)
	if err != nil {
		return nil, err
	}
	out := make([]LandCounts, len(laender))
	for i, l := range laender {
		out[i] = LandCounts{Land: l, Provided: provided[l.Key], AdoptionsMade: made[l.Key], LiveAdoptionsMade: live[l.Key],
			AdoptionsReceived: received[l.Key], AdoptingMunicipalities: munis[l.Key]}
	}
	return out, nil
}

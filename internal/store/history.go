package store

import (
	"context"
	"strconv"
	"time"

	"efa-register/internal/catalog"
)

// adoptionIDsMentioning returns the ids of adoptions whose create or delete
// event names the value in field (the solution slug or the adopter) — which
// finds deleted adoptions too — plus the ids of current ones.
func (s *Store) adoptionIDsMentioning(ctx context.Context, field, value string, current []uint) ([]string, error) {
	// Create and delete events carry the whole record, so field appears as ["…",null] or [null,"…"].
	var ids []string
	err := s.r.WithContext(ctx).Model(&catalog.Event{}).
		Where("entity_type = ? AND action IN ? AND (changes LIKE ? OR changes LIKE ?)", catalog.EntityAdoption,
			[]catalog.Action{catalog.ActionCreate, catalog.ActionDelete},
			"%\""+field+"\":[null,\""+value+"\"]%", "%\""+field+"\":[\""+value+"\",null]%").
		Distinct("entity_id").Pluck("entity_id", &ids).Error
	if err != nil {
		return nil, translate(err, "history ids")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	for _, id := range current {
		if s := strconv.FormatUint(uint64(id), 10); !seen[s] {
			ids = append(ids, s)
		}
	}
	return ids, nil
}

func (s *Store) history(ctx context.Context, entityType, entityID string, adoptionIDs []string, limit int) ([]catalog.Event, error) {
	var evs []catalog.Event
	q := s.r.WithContext(ctx).Where("entity_type = ? AND entity_id = ?", entityType, entityID)
	if len(adoptionIDs) > 0 {
		q = q.Or("entity_type = ? AND entity_id IN ?", catalog.EntityAdoption, adoptionIDs)
	}
	err := q.Order("seq desc").Limit(limit).Find(&evs).Error
	return evs, translate(err, "history of "+entityType+" "+entityID)
}

// SolutionHistory returns the events of a solution and of its adoptions
// (deleted ones included), newest first.
func (s *Store) SolutionHistory(ctx context.Context, slug string, limit int) ([]catalog.Event, error) {
	var current []uint
	s.r.WithContext(ctx).Model(&catalog.Adoption{}).Joins("JOIN solutions ON solutions.id = adoptions.solution_id").
		Where("solutions.slug = ?", slug).Pluck("adoptions.id", &current)
	ids, err := s.adoptionIDsMentioning(ctx, "solution", slug, current)
	if err != nil {
		return nil, err
	}
	return s.history(ctx, catalog.EntitySolution, slug, ids, limit)
}

// OrganisationHistory returns the events of an organisation and of the
// adoptions it made (deleted ones included), newest first.
func (s *Store) OrganisationHistory(ctx context.Context, kind catalog.OrgKind, key string, limit int) ([]catalog.Event, error) {
	ref := string(kind) + ":" + key
	var current []uint
	s.r.WithContext(ctx).Model(&catalog.Adoption{}).Joins("JOIN organisations ON organisations.id = adoptions.organisation_id").
		Where("organisations.kind = ? AND organisations.key = ?", kind, key).Pluck("adoptions.id", &current)
	ids, err := s.adoptionIDsMentioning(ctx, "adopter", ref, current)
	if err != nil {
		return nil, err
	}
	return s.history(ctx, catalog.EntityOrganisation, ref, ids, limit)
}

// ActorRoles describes, for the public history, in which roles the user
// behind an actor acts (organisation names and roles, never the person).
func (s *Store) ActorRoles(ctx context.Context, userID uint) ([]string, error) {
	var rows []struct {
		Name string
		Role catalog.Role
	}
	err := s.r.WithContext(ctx).Table("memberships").Select("organisations.name, memberships.role").
		Joins("JOIN organisations ON organisations.id = memberships.organisation_id").
		Where("memberships.user_id = ?", userID).Order("organisations.name").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "actor roles")
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Role.Label() + " " + r.Name
	}
	return out, nil
}

// AdoptionSubjects maps adoption ids to their solution slug and adopter
// ("kind:key"), read from their create events, so the history can name them.
func (s *Store) AdoptionSubjects(ctx context.Context, ids []string) (map[string][2]string, error) {
	out := map[string][2]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var evs []catalog.Event
	err := s.r.WithContext(ctx).Where("entity_type = ? AND action = ? AND entity_id IN ?", catalog.EntityAdoption, catalog.ActionCreate, ids).Find(&evs).Error
	if err != nil {
		return nil, translate(err, "adoption subjects")
	}
	for _, ev := range evs {
		var sol, adopter string
		for _, ch := range DecodeChanges(ev) {
			v, _ := ch.New.(string)
			switch ch.Field {
			case "solution":
				sol = v
			case "adopter":
				adopter = v
			}
		}
		out[ev.EntityID] = [2]string{sol, adopter}
	}
	return out, nil
}

// Provenance says where a record came from, for the page that shows it.
type Provenance struct {
	// Imported is true when the seed import created the record (its latest create event).
	Imported bool
	// Edited is when anyone but the seed import last changed it; zero when nobody did.
	Edited time.Time
}

// Provenance reads from the event log whether the seed import created an
// entity and when it was last changed by someone else. A seeded record
// carries no date of its own: the day of the import is not a fact about it.
func (s *Store) Provenance(ctx context.Context, entityType, entityID string) (Provenance, error) {
	var p Provenance
	db := s.r.WithContext(ctx)
	var created []catalog.Event
	if err := db.Where("entity_type = ? AND entity_id = ? AND action = ?", entityType, entityID, catalog.ActionCreate).
		Order("seq desc").Limit(1).Find(&created).Error; err != nil {
		return p, translate(err, "provenance")
	}
	p.Imported = len(created) == 1 && created[0].Actor == catalog.ActorSeed
	var edited []catalog.Event
	if err := db.Where("entity_type = ? AND entity_id = ? AND actor <> ?", entityType, entityID, catalog.ActorSeed).
		Order("seq desc").Limit(1).Find(&edited).Error; err != nil {
		return p, translate(err, "provenance")
	}
	if len(edited) == 1 {
		p.Edited = edited[0].At
	}
	return p, nil
}

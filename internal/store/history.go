package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"efa-register/internal/catalog"
)

// deletedAdoptionIDs returns the ids of deleted adoptions whose delete
// event names value in field (the solution slug or the adopter). The delete
// event carries the whole record, so the field appears as ["…",null]. Only
// the delete events are read (idx_events_type_action_seq), not every
// adoption event of the register.
func (s *Store) deletedAdoptionIDs(ctx context.Context, field, value string) ([]string, error) {
	// No DISTINCT in the query: it would lead the planner to read every
	// adoption event in entity_id order (idx_event_entity).
	var all []string
	err := s.r.WithContext(ctx).Model(&catalog.Event{}).
		Where("entity_type = ? AND action = ? AND changes LIKE ?", catalog.EntityAdoption, catalog.ActionDelete,
			"%\""+field+"\":[\""+value+"\",null]%").
		Pluck("entity_id", &all).Error
	seen := map[string]bool{}
	ids := all[:0]
	for _, id := range all {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, translate(err, "deleted adoptions of "+value)
}

// history returns one page (offset, limit) of the events of an entity and of
// the adoptions that belong to it, newest first, and how many there are:
// the current adoptions are those current selects (a subquery over the
// adoptions table, by id), the deleted ones are listed in deleted. Every
// part is an indexed lookup by entity (idx_event_entity), so the cost
// follows the entity's own events, not the size of the log.
func (s *Store) history(ctx context.Context, entityType, entityID string, current *gorm.DB, deleted []string, offset, limit int) ([]catalog.Event, int64, error) {
	where := func() *gorm.DB {
		q := s.r.WithContext(ctx).Model(&catalog.Event{}).Where("entity_type = ? AND entity_id = ?", entityType, entityID).
			Or("entity_type = ? AND entity_id IN (?)", catalog.EntityAdoption, current)
		if len(deleted) > 0 {
			q = q.Or("entity_type = ? AND entity_id IN ?", catalog.EntityAdoption, deleted)
		}
		return q
	}
	what := "history of " + entityType + " " + entityID
	var total int64
	if err := where().Count(&total).Error; err != nil {
		return nil, 0, translate(err, what)
	}
	var evs []catalog.Event
	err := where().Order("seq desc").Offset(offset).Limit(limit).Find(&evs).Error
	return evs, total, translate(err, what)
}

// adoptionIDsWhere selects the ids of current adoptions, as the text the
// event log keys them by.
func (s *Store) adoptionIDsWhere(query string, args ...any) *gorm.DB {
	return s.r.Model(&catalog.Adoption{}).Select("CAST(adoptions.id AS TEXT)").Where(query, args...)
}

// SolutionHistory returns one page (offset, limit) of the events of a
// solution and of its adoptions (deleted ones included), newest first, and
// how many there are in all.
func (s *Store) SolutionHistory(ctx context.Context, slug string, offset, limit int) ([]catalog.Event, int64, error) {
	deleted, err := s.deletedAdoptionIDs(ctx, "solution", slug)
	if err != nil {
		return nil, 0, err
	}
	current := s.adoptionIDsWhere("adoptions.solution_id IN (?)", s.r.Model(&catalog.Solution{}).Select("id").Where("slug = ?", slug))
	return s.history(ctx, catalog.EntitySolution, slug, current, deleted, offset, limit)
}

// OrganisationHistory returns one page (offset, limit) of the events of an
// organisation and of the adoptions it made (deleted ones included), newest
// first, and how many there are in all.
func (s *Store) OrganisationHistory(ctx context.Context, kind catalog.OrgKind, key string, offset, limit int) ([]catalog.Event, int64, error) {
	ref := string(kind) + ":" + key
	deleted, err := s.deletedAdoptionIDs(ctx, "adopter", ref)
	if err != nil {
		return nil, 0, err
	}
	current := s.adoptionIDsWhere("adoptions.organisation_id IN (?)",
		s.r.Model(&catalog.Organisation{}).Select("id").Where("kind = ? AND key = ?", kind, key))
	return s.history(ctx, catalog.EntityOrganisation, ref, current, deleted, offset, limit)
}

// ActorRoles describes, for the public history, in which roles the user
// behind an actor acts (organisation names and roles in the language of
// ctx, never the person).
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
		out[i] = r.Role.L(ctx) + " " + r.Name
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
	// The action is checked here, not in the query: with it the planner may
	// take idx_events_type_action_seq and read every adoption's create event
	// instead of the few events of these adoptions (idx_event_entity).
	err := s.r.WithContext(ctx).Where("entity_type = ? AND entity_id IN ?", catalog.EntityAdoption, ids).Find(&evs).Error
	if err != nil {
		return nil, translate(err, "adoption subjects")
	}
	for _, ev := range evs {
		if ev.Action != catalog.ActionCreate {
			continue
		}
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
	// The entity's events by idx_event_entity; the action is checked here
	// (in the query it could lead the planner to idx_events_type_action_seq,
	// which reads every create event of the entity type).
	var created []catalog.Event
	if err := db.Select("seq", "actor", "action").Where("entity_type = ? AND entity_id = ?", entityType, entityID).
		Order("seq desc").Find(&created).Error; err != nil {
		return p, translate(err, "provenance")
	}
	for _, ev := range created {
		if ev.Action == catalog.ActionCreate {
			p.Imported = ev.Actor == catalog.ActorSeed
			break
		}
	}
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

package catalog

import "time"

// Action is what an event did to an entity.
type Action string

// The event actions.
const (
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
)

// Entity type names used in events.
const (
	EntityOrganisation  = "organisation"
	EntityTopicField    = "topic_field"
	EntityLifeSituation = "life_situation"
	EntityService       = "service"
	EntityLeika         = "leika"
	EntitySolution      = "solution"
	EntityAdoption      = "adoption"
	EntityUser          = "user"
	EntityMembership    = "membership"
	EntityToken         = "api_token"
	// Security advisories and the affected organisations' responses: not
	// published in the public change feed (restricted ones must not leak).
	EntityAdvisory         = "advisory"
	EntityAdvisoryResponse = "advisory_response"
	// EntityEnvironment is what an organisation runs (entity id "kind:key"),
	// recorded by its members for the fit check.
	EntityEnvironment = "environment"
)

// Event is one entry of the append-only log: the audit trail, the source of
// the change feed and the outbox of the search index.
type Event struct {
	Seq        uint64    `gorm:"primaryKey;autoIncrement" json:"seq"`
	At         time.Time `gorm:"not null;index" json:"at"`
	Actor      string    `gorm:"size:200;not null" json:"actor"`
	EntityType string    `gorm:"size:40;not null;index:idx_event_entity,priority:1" json:"entityType"`
	EntityID   string    `gorm:"size:120;not null;index:idx_event_entity,priority:2" json:"entityId"`
	Action     Action    `gorm:"size:10;not null" json:"action"`
	// Changes is a JSON object of the changed fields: {"field": [old, new]}.
	Changes string `gorm:"type:text;not null" json:"changes"`
}

// Actor names for writes not made by a person.
const (
	ActorSeed   = "system:seed"
	ActorSystem = "system"
)

package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"efa-register/internal/catalog"
)

// schemaMigration records a numbered migration step that has run.
type schemaMigration struct {
	Version   int `gorm:"primaryKey;autoIncrement:false"`
	Name      string
	AppliedAt time.Time
}

// migrationStep is one numbered, append-only schema change that AutoMigrate
// cannot express. Never edit or reorder a step once released; append new ones.
type migrationStep struct {
	version int
	name    string
	apply   func(tx *gorm.DB) error
}

var migrationSteps = []migrationStep{
	{1, "index events by time for the history and feed pages", func(tx *gorm.DB) error {
		return tx.Exec("CREATE INDEX IF NOT EXISTS idx_events_at_seq ON events (at, seq)").Error
	}},
	{2, "index adoptions by organisation and status for the Land statistics", func(tx *gorm.DB) error {
		return tx.Exec("CREATE INDEX IF NOT EXISTS idx_adoptions_org_status ON adoptions (organisation_id, status)").Error
	}},
	{3, "index events by entity type and sequence for the newest change of a kind", func(tx *gorm.DB) error {
		return tx.Exec("CREATE INDEX IF NOT EXISTS idx_events_type_seq ON events (entity_type, seq)").Error
	}},
	{4, "index events by entity type, action and sequence for the news feeds and the deleted adoptions of a history", func(tx *gorm.DB) error {
		return tx.Exec("CREATE INDEX IF NOT EXISTS idx_events_type_action_seq ON events (entity_type, action, seq)").Error
	}},
	{5, "index adoptions by organisation and confirmation for the counts that leave out providers' claims", func(tx *gorm.DB) error {
		return tx.Exec("CREATE INDEX IF NOT EXISTS idx_adoptions_org_confirmation ON adoptions (organisation_id, confirmation)").Error
	}},
	{6, "index the solutions of an OZG-Leistung (each query of its page read the whole link table: 100,000 rows at national scale)", func(tx *gorm.DB) error {
		return tx.Exec("CREATE INDEX IF NOT EXISTS idx_solution_services_service ON solution_services (service_id, solution_id)").Error
	}},
}

// models lists every table GORM manages.
func models() []any {
	return []any{
		&catalog.Organisation{}, &catalog.TopicField{}, &catalog.LifeSituation{}, &catalog.Service{},
		&catalog.LeikaService{}, &catalog.Solution{}, &catalog.Adoption{}, &catalog.Event{}, &schemaMigration{},
		// search: zero-result counters for the demand radar
		&SearchZeroResult{},
		// accounts
		&catalog.User{}, &catalog.Membership{}, &catalog.APIToken{}, &catalog.AccountRequest{}, &session{},
		// webhooks: registered receivers and the delivery log (webhooks.go)
		&Webhook{}, &WebhookDelivery{},
		// login and account request throttle (throttle.go)
		&throttleHit{},
		// password reset links (passwords.go)
		&passwordReset{},
		// answers to API creates with an Idempotency-Key (idempotency.go)
		&idempotencyKey{},
		// releases of solutions (releases.go)
		&catalog.Release{},
		// security advisories and the affected organisations' responses (advisories.go)
		&catalog.Advisory{}, &catalog.AdvisoryResponse{},
		// what organisations run, for the fit check (standards.go)
		&catalog.EnvironmentEntry{},
	}
}

// migrate brings the schema up to date. On PostgreSQL it runs under an
// advisory lock, so of several instances starting together one migrates and
// the others then find nothing left to do.
func (s *Store) migrate(ctx context.Context) error {
	return s.withSessionLock(ctx, lockMigrate, s.migrateLocked)
}

func (s *Store) migrateLocked(db *gorm.DB) error {
	if err := db.AutoMigrate(models()...); err != nil {
		return fmt.Errorf("store: automigrate: %w", err)
	}
	var done []int
	if err := db.Model(&schemaMigration{}).Pluck("version", &done).Error; err != nil {
		return fmt.Errorf("store: read migrations: %w", err)
	}
	applied := map[int]bool{}
	for _, v := range done {
		applied[v] = true
	}
	for _, step := range migrationSteps {
		if applied[step.version] {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := step.apply(tx); err != nil {
				return err
			}
			return tx.Create(&schemaMigration{Version: step.version, Name: step.name, AppliedAt: time.Now().UTC()}).Error
		})
		if err != nil {
			return fmt.Errorf("store: migration %d (%s): %w", step.version, step.name, err)
		}
		s.log.Info("migration applied", "version", step.version, "name", step.name)
	}
	return nil
}

// SchemaVersion is the highest applied migration step.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.WithContext(ctx).Model(&schemaMigration{}).Select("coalesce(max(version), 0)").Scan(&v).Error
	return v, translate(err, "schema version")
}

package store

import (
	"context"

	"gorm.io/gorm"

	"efa-register/internal/catalog"
)

// ServiceByID returns an OZG-Leistung with its LeiKa services.
func (s *Store) ServiceByID(ctx context.Context, ozgID string) (catalog.Service, error) {
	var svc catalog.Service
	err := s.r.WithContext(ctx).Preload("Leika", func(db *gorm.DB) *gorm.DB { return db.Order("key").Order("name") }).
		Where("id = ?", ozgID).First(&svc).Error
	return svc, translate(err, "service "+ozgID)
}

// Services returns every OZG-Leistung, optionally with LeiKa services, by OZG-ID.
func (s *Store) Services(ctx context.Context, withLeika bool) ([]catalog.Service, error) {
	q := s.r.WithContext(ctx).Order("id")
	if withLeika {
		q = q.Preload("Leika", func(db *gorm.DB) *gorm.DB { return db.Order("key").Order("name") })
	}
	var out []catalog.Service
	err := q.Find(&out).Error
	return out, translate(err, "services")
}

// ServicesByTopicField returns the OZG-Leistungen of one Themenfeld, by name.
func (s *Store) ServicesByTopicField(ctx context.Context, topicFieldID uint) ([]catalog.Service, error) {
	var out []catalog.Service
	err := s.r.WithContext(ctx).Where("topic_field_id = ?", topicFieldID).Order("name").Find(&out).Error
	return out, translate(err, "services by topic field")
}

// TopicFields returns the 14 Themenfelder by name.
func (s *Store) TopicFields(ctx context.Context) ([]catalog.TopicField, error) {
	var out []catalog.TopicField
	err := s.r.WithContext(ctx).Order("name").Find(&out).Error
	return out, translate(err, "topic fields")
}

// TopicFieldByID returns one Themenfeld.
func (s *Store) TopicFieldByID(ctx context.Context, id uint) (catalog.TopicField, error) {
	var tf catalog.TopicField
	err := s.r.WithContext(ctx).First(&tf, id).Error
	return tf, translate(err, "topic field")
}

// LifeSituations returns every Lebens- and Unternehmenslage by name.
func (s *Store) LifeSituations(ctx context.Context) ([]catalog.LifeSituation, error) {
	var out []catalog.LifeSituation
	err := s.r.WithContext(ctx).Order("name").Find(&out).Error
	return out, translate(err, "life situations")
}

// TopicFieldSummary is a Themenfeld with its number of OZG-Leistungen and solutions.
type TopicFieldSummary struct {
	catalog.TopicField
	Services  int64
	Solutions int64
}

// TopicFieldSummaries returns every Themenfeld with its counts, by name.
func (s *Store) TopicFieldSummaries(ctx context.Context) ([]TopicFieldSummary, error) {
	var out []TopicFieldSummary
	err := s.r.WithContext(ctx).Model(&catalog.TopicField{}).
		Select(`topic_fields.*,
			(SELECT count(*) FROM services sv WHERE sv.topic_field_id = topic_fields.id) AS services,
			(SELECT count(*) FROM solutions so WHERE so.topic_field_id = topic_fields.id) AS solutions`).
		Order("name").Scan(&out).Error
	return out, translate(err, "topic field summaries")
}

package store

import (
	"context"
	"errors"
	"time"

	"efa-register/internal/catalog"
)

// IdempotencyWindow is how long a stored answer to a create with an
// Idempotency-Key is replayed; after that the key may be used again.
const IdempotencyWindow = 24 * time.Hour

// MaxIdempotencyKey is the longest Idempotency-Key the API accepts.
const MaxIdempotencyKey = 200

// StoredResponse is the answer a create gave, kept to be replayed to a
// retry of the same request.
type StoredResponse struct {
	Status   int
	Location string
	Body     []byte
}

// Idempotency asks a create to record its answer under a key of the
// principal, in the same transaction as the create: a retry of the request
// then finds the answer (IdempotentResponse) instead of creating again.
type Idempotency struct {
	Key string
	// RequestHash identifies the request (method, path, body): the same key
	// with another request is refused by the caller.
	RequestHash string
	// Render makes the answer to keep from the stored solution.
	Render func(sol catalog.Solution) (StoredResponse, error)
}

// idempotencyKey is one stored answer. Principal is the actor name of the
// principal (an API token names itself), so keys of different clients never meet.
type idempotencyKey struct {
	ID          uint      `gorm:"primaryKey"`
	Principal   string    `gorm:"size:200;not null;uniqueIndex:idx_idempotency_principal_key,priority:1"`
	Key         string    `gorm:"size:200;not null;uniqueIndex:idx_idempotency_principal_key,priority:2"`
	RequestHash string    `gorm:"size:64;not null"`
	Status      int       `gorm:"not null"`
	Location    string    `gorm:"size:500"`
	Body        []byte    `gorm:"not null"`
	CreatedAt   time.Time `gorm:"not null;index"`
}

// TableName is the table of the stored answers.
func (idempotencyKey) TableName() string { return "idempotency_keys" }

// IdempotentResponse returns the answer stored for the principal's key
// within IdempotencyWindow, with the hash of the request that made it;
// found is false when there is none.
func (s *Store) IdempotentResponse(ctx context.Context, p catalog.Principal, key string) (resp StoredResponse, requestHash string, found bool, err error) {
	var rec idempotencyKey
	err = s.r.WithContext(ctx).Where("principal = ? AND key = ? AND created_at > ?", p.Actor(), key, time.Now().UTC().Add(-IdempotencyWindow)).
		Limit(1).Find(&rec).Error
	if err != nil || rec.ID == 0 {
		return resp, "", false, translate(err, "idempotency key")
	}
	return StoredResponse{Status: rec.Status, Location: rec.Location, Body: rec.Body}, rec.RequestHash, true, nil
}

// recordIdempotency stores the answer for sol under the key; expired
// answers of the principal are removed on the way.
func (t *tx) recordIdempotency(p catalog.Principal, in *Idempotency, sol catalog.Solution) error {
	if in.Render == nil {
		return errors.New("store: idempotency without Render")
	}
	resp, err := in.Render(sol)
	if err != nil {
		return err
	}
	actor := p.Actor()
	if err := t.db.Where("principal = ? AND created_at <= ?", actor, t.now.Add(-IdempotencyWindow)).
		Delete(&idempotencyKey{}).Error; err != nil {
		return err
	}
	// A live answer under the key (a concurrent first try) makes this
	// insert fail as a conflict, and the whole create with it.
	return t.db.Create(&idempotencyKey{Principal: actor, Key: in.Key, RequestHash: in.RequestHash,
		Status: resp.Status, Location: resp.Location, Body: resp.Body, CreatedAt: t.now}).Error
}

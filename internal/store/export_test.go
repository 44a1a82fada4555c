package store

import (
	"context"

	"efa-register/internal/catalog"
)

// RenameOrganisationForTest renames an organisation as another writer (for
// example a reference-data refresh) would, with its event. Tests only.
func (s *Store) RenameOrganisationForTest(ctx context.Context, actor string, kind catalog.OrgKind, key, name string) error {
	return s.write(ctx, actor, func(t *tx) error {
		var o catalog.Organisation
		if err := t.db.Where("kind = ? AND key = ?", kind, key).First(&o).Error; err != nil {
			return err
		}
		before := o
		o.Name = name
		if _, err := t.event(catalog.EntityOrganisation, orgEntityID(&o), catalog.ActionUpdate, &before, &o); err != nil {
			return err
		}
		return t.db.Model(&o).Update("name", name).Error
	})
}

// SetBatchRowsForTest sets how many rows one batched statement reads; it
// returns a function that restores it. Tests only.
func SetBatchRowsForTest(n int) (restore func()) {
	old := batchRows
	batchRows = n
	return func() { batchRows = old }
}

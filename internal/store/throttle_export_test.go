package store

import "context"

// ThrottleRowsForTest counts the rows of the throttle table. Tests only.
func (s *Store) ThrottleRowsForTest(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.WithContext(ctx).Model(&throttleHit{}).Count(&n).Error
	return n, err
}

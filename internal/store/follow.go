package store

import (
	"context"
	"time"
)

// FollowInterval is how often FollowDatabase looks for events written by
// another instance (or another process, such as efa import) on the same
// database. Looking costs one index lookup (max(seq)); 200 ms keeps a write
// on one instance visible on the others well within 2 s.
var FollowInterval = 200 * time.Millisecond

// FollowDatabase signals the followers of the event log (Changed and every
// Subscribe channel) when the log grew by events this Store did not write:
// writes of other instances on one PostgreSQL database, or of another
// process on the same SQLite file. It polls the newest sequence number every
// FollowInterval until ctx ends; run it in a goroutine. The store's own
// writes signal at commit as before, so for them nothing waits for a poll.
func (s *Store) FollowDatabase(ctx context.Context) {
	last, err := s.LastEventSeq(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("follow the event log: read the newest event", "err", err)
	}
	t := time.NewTicker(FollowInterval)
	defer t.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		seq, err := s.LastEventSeq(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			// Log the first failure and then about every minute, not five times a second.
			if failures == 1 || failures%300 == 0 {
				s.log.Warn("follow the event log: read the newest event", "err", err, "failures", failures)
			}
			continue
		}
		failures = 0
		if seq != last {
			last = seq
			s.notify()
		}
	}
}

package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// MaxRecentTriages is how many triage threads the store remembers for the
// App Home; older ones fall off.
const MaxRecentTriages = 200

func (s *Store) recentKey() string { return s.key("recent-triages") }

// RecordTriage remembers that thread holds a triage finished at at.
func (s *Store) RecordTriage(ctx context.Context, thread ThreadRef, at time.Time) error {
	if err := thread.validate(); err != nil {
		return fmt.Errorf("record triage: %w", err)
	}
	return s.do(ctx, "record triage "+thread.String(), func(ctx context.Context) error {
		_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.ZAdd(ctx, s.recentKey(), redis.Z{Score: float64(at.UnixMilli()), Member: thread.Channel + "/" + thread.TS})
			p.ZRemRangeByRank(ctx, s.recentKey(), 0, -MaxRecentTriages-1)
			p.PExpire(ctx, s.recentKey(), s.opts.ThreadTTL)
			return nil
		})
		return err
	})
}

// RecentTriages returns the threads of the last n triages, newest first.
func (s *Store) RecentTriages(ctx context.Context, n int) ([]ThreadRef, error) {
	if n <= 0 {
		return nil, nil
	}
	var members []string
	err := s.do(ctx, "recent triages", func(ctx context.Context) error {
		var err error
		members, err = s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.recentKey(), Start: 0, Stop: int64(min(n, MaxRecentTriages)) - 1, Rev: true}).Result()
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]ThreadRef, 0, len(members))
	for _, m := range members {
		ch, ts, ok := strings.Cut(m, "/")
		if t := (ThreadRef{Channel: ch, TS: ts}); ok && t.validate() == nil {
			out = append(out, t)
		}
	}
	return out, nil
}

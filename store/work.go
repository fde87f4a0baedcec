package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Work is what Trailhound has acknowledged and still has to do (a Slack
// message that may carry an alarm, a queue message), kept in a Redis stream
// read by a consumer group of the replicas. An item read by a replica stays
// in the group's pending list, under that replica's name, until it is done;
// the replica refreshes its items while it works on them, so an item whose
// owner died goes idle and another replica claims it (XAUTOCLAIM). Handing
// an item back records it anew, for any replica to read at once.

// Work timings for callers that pass zero.
const (
	// DefaultWorkIdle is how long an item may go without its owner's
	// refresh before another replica takes it over.
	DefaultWorkIdle = 20 * time.Second
	// workMaxLen bounds the stream (approximately): done items are deleted,
	// so only a backlog far beyond any storm reaches it.
	workMaxLen = 100000
	// workGroup is the consumer group every replica reads in.
	workGroup = "replicas"
	// maxClaimPages bounds the XAUTOCLAIM pages of one takeover scan.
	maxClaimPages = 10
)

// WorkItem is one recorded piece of work.
type WorkItem struct {
	// ID is the stream entry's id; a handed-back item gets a new one.
	ID   string
	Kind string
	Body []byte
	// Deliveries is how many times the item was handed to a replica, this
	// time included; set by ClaimIdleWork (a new item's is 1).
	Deliveries int
}

func (s *Store) workKey() string { return s.key("work") }

// RecordWork adds an item to the work stream, once per dedupID within ttl
// (<= 0: DefaultEnvelopeTTL): the claim and the record are one step, so a
// delivery is either recorded by exactly one replica or by none, and then
// not acknowledged and delivered again. It reports whether this call
// recorded it. An empty dedupID records without deduplication.
func (s *Store) RecordWork(ctx context.Context, dedupID string, ttl time.Duration, kind string, body []byte) (bool, error) {
	dedupKey := ""
	if dedupID != "" {
		if err := validateName("work id", dedupID); err != nil {
			return false, err
		}
		dedupKey = s.key("envelope", dedupID)
	}
	if ttl <= 0 {
		ttl = DefaultEnvelopeTTL
	}
	var id string
	err := s.do(ctx, "record work "+dedupID, func(ctx context.Context) error {
		var err error
		id, err = s.scripts.record.Run(ctx, s.rdb, []string{s.workKey(), dedupKey},
			rand.Text(), ms(ttl), kind, body, workMaxLen).Text()
		return err
	})
	return id != "", err
}

// ReadWork hands consumer up to count new items, waiting up to block for
// some. The group is created when missing: a Redis that restarted empty
// has none, and the items recorded since must still be read.
func (s *Store) ReadWork(ctx context.Context, consumer string, count int, block time.Duration) ([]WorkItem, error) {
	if err := validateOwner(consumer); err != nil {
		return nil, fmt.Errorf("read work: %w", err)
	}
	var items []WorkItem
	read := func(ctx context.Context) error {
		streams, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: workGroup, Consumer: consumer, Streams: []string{s.workKey(), ">"},
			Count: int64(count), Block: block,
		}).Result()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, st := range streams {
			items = append(items, workItems(st.Messages)...)
		}
		return nil
	}
	err := s.do(ctx, "read work", func(ctx context.Context) error {
		err := read(ctx)
		if err == nil || !strings.HasPrefix(err.Error(), "NOGROUP") {
			return err
		}
		if err := s.ensureGroup(ctx); err != nil {
			return err
		}
		return read(ctx)
	})
	return items, err
}

// ensureGroup creates the consumer group, reading the stream from its
// start, unless it exists.
func (s *Store) ensureGroup(ctx context.Context) error {
	err := s.rdb.XGroupCreateMkStream(ctx, s.workKey(), workGroup, "0").Err()
	if err != nil && strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return nil
	}
	return err
}

// ClaimIdleWork takes over, for consumer, up to count items that their
// owners have not refreshed for idle (<= 0: DefaultWorkIdle).
func (s *Store) ClaimIdleWork(ctx context.Context, consumer string, idle time.Duration, count int) ([]WorkItem, error) {
	if err := validateOwner(consumer); err != nil {
		return nil, fmt.Errorf("claim idle work: %w", err)
	}
	if idle <= 0 {
		idle = DefaultWorkIdle
	}
	var items []WorkItem
	err := s.do(ctx, "claim idle work", func(ctx context.Context) error {
		start := "0-0"
		for range maxClaimPages {
			msgs, next, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
				Stream: s.workKey(), Group: workGroup, Consumer: consumer,
				MinIdle: idle, Start: start, Count: int64(count - len(items)),
			}).Result()
			if err != nil {
				if strings.HasPrefix(err.Error(), "NOGROUP") {
					return s.ensureGroup(ctx)
				}
				return err
			}
			items = append(items, workItems(msgs)...)
			if next == "0-0" || len(items) >= count {
				break
			}
			start = next
		}
		return s.deliveries(ctx, consumer, items)
	})
	return items, err
}

// deliveries fills in how often each of consumer's items was delivered.
func (s *Store) deliveries(ctx context.Context, consumer string, items []WorkItem) error {
	if len(items) == 0 {
		return nil
	}
	lo, hi := items[0].ID, items[0].ID
	for _, it := range items {
		lo, hi = minID(lo, it.ID), maxID(hi, it.ID)
	}
	pending, err := s.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: s.workKey(), Group: workGroup, Start: lo, End: hi, Count: int64(len(items)) * 4, Consumer: consumer,
	}).Result()
	if err != nil {
		return err
	}
	counts := make(map[string]int, len(pending))
	for _, p := range pending {
		counts[p.ID] = int(p.RetryCount)
	}
	for i := range items {
		items[i].Deliveries = counts[items[i].ID]
	}
	return nil
}

// minID and maxID order stream ids ("ms-seq") numerically.
func minID(a, b string) string {
	if lessID(b, a) {
		return b
	}
	return a
}

func maxID(a, b string) string {
	if lessID(a, b) {
		return b
	}
	return a
}

func lessID(a, b string) bool {
	var am, as, bm, bs uint64
	fmt.Sscanf(a, "%d-%d", &am, &as)
	fmt.Sscanf(b, "%d-%d", &bm, &bs)
	return am < bm || am == bm && as < bs
}

// TouchWork refreshes consumer's items among ids, so that no other replica
// takes them over; an item another replica has taken meanwhile is left to
// it. It returns how many were still consumer's.
func (s *Store) TouchWork(ctx context.Context, consumer string, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	args := make([]any, 0, len(ids)+2)
	args = append(args, workGroup, consumer)
	for _, id := range ids {
		args = append(args, id)
	}
	var n int64
	err := s.do(ctx, "touch work", func(ctx context.Context) error {
		var err error
		n, err = s.scripts.touch.Run(ctx, s.rdb, []string{s.workKey()}, args...).Int64()
		return err
	})
	return int(n), err
}

// DoneWork removes finished items. Items Redis no longer knows (it
// restarted empty) are no error.
func (s *Store) DoneWork(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.do(ctx, "finish work", func(ctx context.Context) error {
		pipe := s.rdb.TxPipeline()
		pipe.XAck(ctx, s.workKey(), workGroup, ids...)
		pipe.XDel(ctx, s.workKey(), ids...)
		_, err := pipe.Exec(ctx)
		if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
			return nil
		}
		return err
	})
}

// HandBackWork gives an unfinished item up: it is recorded anew, for the
// next reader of any replica, and the old entry removed, in one step. It
// returns the new item.
func (s *Store) HandBackWork(ctx context.Context, item WorkItem) (WorkItem, error) {
	var id string
	err := s.do(ctx, "hand back work "+item.ID, func(ctx context.Context) error {
		var err error
		id, err = s.scripts.handBack.Run(ctx, s.rdb, []string{s.workKey()},
			workGroup, item.ID, item.Kind, item.Body, workMaxLen).Text()
		return err
	})
	if err != nil {
		return WorkItem{}, err
	}
	item.ID = id
	return item, nil
}

func workItems(msgs []redis.XMessage) []WorkItem {
	out := make([]WorkItem, 0, len(msgs))
	for _, m := range msgs {
		kind, _ := m.Values["kind"].(string)
		body, _ := m.Values["body"].(string)
		out = append(out, WorkItem{ID: m.ID, Kind: kind, Body: []byte(body), Deliveries: 1})
	}
	return out
}

// Epoch names one life of the Redis data: a value written once and kept
// without expiry, so that its disappearance says Redis lost its data (a
// restart without persistence, a flush, a failover to an empty replica).
type Epoch struct {
	ID    string
	Since time.Time
}

// Epoch returns the current epoch, starting one at now when there is none.
func (s *Store) Epoch(ctx context.Context, now time.Time) (Epoch, error) {
	var res []any
	err := s.do(ctx, "epoch", func(ctx context.Context) error {
		var err error
		res, err = s.scripts.epoch.Run(ctx, s.rdb, []string{s.key("epoch")},
			rand.Text(), now.UnixMilli()).Slice()
		return err
	})
	if err != nil {
		return Epoch{}, err
	}
	if len(res) != 2 {
		return Epoch{}, fmt.Errorf("epoch: unexpected reply of %d values", len(res))
	}
	id, _ := res[0].(string)
	since, _ := res[1].(string)
	var msec int64
	if _, err := fmt.Sscan(since, &msec); err != nil {
		return Epoch{}, fmt.Errorf("epoch: bad start %q: %w", since, err)
	}
	return Epoch{ID: id, Since: time.UnixMilli(msec).UTC()}, nil
}

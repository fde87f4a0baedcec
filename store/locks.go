package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"
)

// ClaimEnvelope claims a Socket Mode envelope (or any event id) for ttl
// (<= 0: DefaultEnvelopeTTL). Several replicas of one Slack app all receive
// each envelope; only the one that gets true handles it.
func (s *Store) ClaimEnvelope(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	if err := validateName("envelope id", id); err != nil {
		return false, err
	}
	if ttl <= 0 {
		ttl = DefaultEnvelopeTTL
	}
	var won bool
	err := s.do(ctx, "claim envelope "+id, func(ctx context.Context) error {
		var err error
		won, err = s.acquire(ctx, s.key("envelope", id), rand.Text(), ttl)
		return err
	})
	return won, err
}

// acquire is SET NX PX that also counts as won when the key already holds
// our own value: go-redis retries a command whose reply was lost, and the
// retry must not mistake our first attempt for someone else's.
func (s *Store) acquire(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	n, err := s.scripts.acquire.Run(ctx, s.rdb, []string{key}, value, ms(ttl)).Int64()
	return n == 1, err
}

func validateName(what, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%s is empty", what)
	case len(v) > 512:
		return fmt.Errorf("%s is %d bytes, longer than 512", what, len(v))
	case hasSpaceOrControl(v):
		return fmt.Errorf("%s %q contains spaces or control characters", what, v)
	}
	return nil
}

// Lock is a held named lock.
type Lock struct {
	s     *Store
	name  string
	key   string
	token string
}

// Lock takes the named lock for ttl, or returns ErrLockHeld. The lock
// expires by itself after ttl, so a holder that dies cannot block others.
func (s *Store) Lock(ctx context.Context, name string, ttl time.Duration) (*Lock, error) {
	if err := validateName("lock name", name); err != nil {
		return nil, err
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("lock %s: ttl must be positive, got %s", name, ttl)
	}
	l := &Lock{s: s, name: name, key: s.key("lock", name), token: rand.Text()}
	err := s.do(ctx, "lock "+name, func(ctx context.Context) error {
		won, err := s.acquire(ctx, l.key, l.token, ttl)
		if err == nil && !won {
			return ErrLockHeld
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Unlock releases the lock if the caller still holds it. A lock that
// expired and was taken by someone else is left alone and ErrNotOwner
// returned; one that expired and is free is not an error.
func (l *Lock) Unlock(ctx context.Context) error {
	return l.s.compareAndDelete(ctx, "unlock "+l.name, l.key, l.token)
}

func (s *Store) compareAndDelete(ctx context.Context, op, key, value string) error {
	return s.do(ctx, op, func(ctx context.Context) error {
		n, err := s.scripts.release.Run(ctx, s.rdb, []string{key}, value).Int64()
		if err != nil {
			return err
		}
		if n != 1 {
			return ErrNotOwner
		}
		return nil
	})
}

package store

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"
)

// envTestRedisURL points the shared suite at a real Redis, e.g.
// redis://127.0.0.1:6399/0. Each test uses its own key prefix and deletes
// its keys afterwards, so a shared server is safe to use.
const envTestRedisURL = "TRAILHOUND_TEST_REDIS_URL"

func TestStoreMiniredis(t *testing.T) {
	testStore(t, openMiniredis)
}

func TestStoreRealRedis(t *testing.T) {
	if os.Getenv(envTestRedisURL) == "" {
		t.Skip("set " + envTestRedisURL + "=redis://127.0.0.1:6379/0 to run the store suite against a real Redis")
	}
	testStore(t, openRealRedis)
}

// testOptions allows a generous command timeout: the suite runs with the
// race detector on shared, busy machines, and a timeout there is noise.
func testOptions(prefix string) Options {
	return Options{KeyPrefix: prefix, CommandTimeout: 15 * time.Second}
}

func openMiniredis(t *testing.T) *Store {
	t.Helper()
	// Time on the embedded server stands still until the test calls advance.
	s, err := openEmbedded(t.Context(), testOptions("").withDefaults(), 0)
	if err != nil {
		t.Fatalf("open embedded store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func openRealRedis(t *testing.T) *Store {
	t.Helper()
	prefix := "trailhound-test:" + strings.ToLower(rand.Text()[:10]) + ":"
	s, err := Open(t.Context(), os.Getenv(envTestRedisURL), testOptions(prefix))
	if err != nil {
		t.Fatalf("open %s: %v", envTestRedisURL, err)
	}
	t.Cleanup(func() {
		deleteKeys(t, s)
		_ = s.Close()
	})
	return s
}

// deleteKeys removes the test's keys, in a bounded number of SCAN pages.
func deleteKeys(t *testing.T, s *Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var cursor uint64
	for range 1000 {
		keys, next, err := s.rdb.Scan(ctx, cursor, s.opts.KeyPrefix+"*", 500).Result()
		if err != nil {
			t.Errorf("clean up test keys: %v", err)
			return
		}
		if len(keys) > 0 {
			if err := s.rdb.Del(ctx, keys...).Err(); err != nil {
				t.Errorf("clean up test keys: %v", err)
				return
			}
		}
		if cursor = next; cursor == 0 {
			return
		}
	}
}

// peer opens a second client on the same server and key prefix: another
// replica of the bot.
func peer(t *testing.T, s *Store) *Store {
	t.Helper()
	url := os.Getenv(envTestRedisURL)
	if s.mini != nil {
		url = "redis://" + s.mini.Addr()
	}
	p, err := Open(t.Context(), url, testOptions(s.opts.KeyPrefix))
	if err != nil {
		t.Fatalf("open peer: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// advance moves the store's time forward by d: the embedded server's TTLs
// are fast-forwarded; on a real Redis every
// TTL of the test's keys is shortened by d (and keys whose TTL runs out are
// deleted), so expiry is deterministic however loaded the machine is.
// testRealExpiry checks that Redis itself expires leases.
func advance(t *testing.T, s *Store, d time.Duration) {
	t.Helper()
	ctx := t.Context()
	if s.mini != nil {
		s.mini.FastForward(d)
		return
	}
	var cursor uint64
	for range 1000 {
		keys, next, err := s.rdb.Scan(ctx, cursor, s.opts.KeyPrefix+"*", 500).Result()
		if err != nil {
			t.Fatalf("advance: %v", err)
		}
		for _, k := range keys {
			ttl, err := s.rdb.PTTL(ctx, k).Result()
			switch {
			case err != nil:
				t.Fatalf("advance: %v", err)
			case ttl < 0: // no TTL, or already gone
			case ttl <= d:
				err = s.rdb.Del(ctx, k).Err()
			default:
				err = s.rdb.PExpire(ctx, k, ttl-d).Err()
			}
			if err != nil {
				t.Fatalf("advance: %v", err)
			}
		}
		if cursor = next; cursor == 0 {
			return
		}
	}
}

// sleep lets real time pass; the test's embedded server, whose clock stands
// still, is moved forward as much.
func sleep(t *testing.T, s *Store, d time.Duration) {
	t.Helper()
	time.Sleep(d)
	if s.mini != nil {
		advance(t, s, d)
	}
}

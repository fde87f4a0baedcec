package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Alarm storms: a channel whose new alarm episodes come faster than a named
// rate is in a storm until it has been quiet for a while. The replicas count
// the episodes of each channel here, so that they agree on when a storm
// starts, and keep the storm's alarms (opaque entries the caller encodes,
// with a re-fire count each) for the one digest message that shows them.

// StormRate is when a channel is in a storm: more than Alarms new episodes
// within Window starts one; it lasts until no new episode came for Quiet.
// Keep is how long a storm's alarms are kept after its last change.
type StormRate struct {
	Alarms int
	Window time.Duration
	Quiet  time.Duration
	Keep   time.Duration
}

// StormAlarm is one alarm of a storm as the caller stored it.
type StormAlarm struct {
	ID      string
	Entry   []byte
	Refires int
	First   time.Time // when it joined the channel's recent alarms
}

// Storm is a channel's current (or last) storm.
type Storm struct {
	ID       string // when it started, in Unix milliseconds; "" for none
	Active   bool   // still in storm mode (not quiet yet)
	Version  int64  // raised on every change of its alarms
	DigestTS string // the digest message, once posted
	Alarms   []StormAlarm
}

func (s *Store) stormKeys(channel string) (recent, pending, mode, storm string) {
	tag := "{" + channel + "}"
	return s.key("storm-recent", tag), s.key("storm-pending", tag), s.key("storm-mode", tag), s.key("storm", tag)
}

func (s *Store) activeStormsKey() string { return s.key("storms") }

// noteStormLua counts one new episode of a channel and starts a storm past
// the rate. KEYS: recent (zset id → first seen ms), pending (hash id →
// entry, the alarms of the window before a storm), mode (the storm id while
// active), storm (hash: sid, ver, digest, e:<id> entry, r:<id> re-fires,
// o:<id> first seen). ARGV: id, entry, now ms, window ms, alarms, quiet ms,
// keep ms. Returns {storm id or "", started 0/1}.
const noteStormLua = `
local now = tonumber(ARGV[3])
local cutoff = '(' .. (now - tonumber(ARGV[4]))
for _, old in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)) do
  redis.call('HDEL', KEYS[2], old)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
if redis.call('ZADD', KEYS[1], 'NX', now, ARGV[1]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
local sid = redis.call('GET', KEYS[3])
local started = 0
if (not sid) and redis.call('ZCARD', KEYS[1]) > tonumber(ARGV[5]) then
  sid = ARGV[3]
  started = 1
  redis.call('DEL', KEYS[4])
  redis.call('HSET', KEYS[4], 'sid', sid, 'ver', 1)
  local ids = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  for i = 1, #ids, 2 do
    local e = redis.call('HGET', KEYS[2], ids[i])
    if e then redis.call('HSET', KEYS[4], 'e:' .. ids[i], e, 'o:' .. ids[i], ids[i + 1]) end
  end
end
if sid then
  redis.call('SET', KEYS[3], sid, 'PX', ARGV[6])
  if redis.call('HSETNX', KEYS[4], 'e:' .. ARGV[1], ARGV[2]) == 1 then
    redis.call('HSET', KEYS[4], 'o:' .. ARGV[1], now)
    redis.call('HINCRBY', KEYS[4], 'ver', 1)
  end
  redis.call('PEXPIRE', KEYS[4], ARGV[7])
end
return {sid or '', started}`

// patchStormLua replaces an alarm's entry where it is kept: in the storm
// (raising its version) or among the window's pending alarms. KEYS: storm,
// pending. ARGV: id, entry. Returns 1, 2 or 0 (not kept).
const patchStormLua = `
if redis.call('HEXISTS', KEYS[1], 'e:' .. ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'e:' .. ARGV[1], ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'ver', 1)
  return 1
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  return 2
end
return 0`

// refireStormLua counts a re-fire of an alarm of the active storm. KEYS:
// storm, mode. ARGV: id. Returns 1 when counted.
const refireStormLua = `
if redis.call('EXISTS', KEYS[2]) == 1 and redis.call('HEXISTS', KEYS[1], 'e:' .. ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'r:' .. ARGV[1], 1)
  redis.call('HINCRBY', KEYS[1], 'ver', 1)
  return 1
end
return 0`

// setDigestLua records the digest message of storm ARGV[1]. KEYS: storm.
const setDigestLua = `
if redis.call('HGET', KEYS[1], 'sid') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'digest', ARGV[2])
return 1`

var (
	noteStormScript  = redis.NewScript(noteStormLua)
	patchStormScript = redis.NewScript(patchStormLua)
	refireScript     = redis.NewScript(refireStormLua)
	setDigestScript  = redis.NewScript(setDigestLua)
)

func (r StormRate) validate() error {
	if r.Alarms < 1 || r.Window <= 0 || r.Quiet <= 0 || r.Keep < r.Quiet {
		return fmt.Errorf("storm rate %+v: alarms, window and quiet must be positive and keep at least quiet", r)
	}
	return nil
}

// NoteStormAlarm counts a new episode id of channel, with the entry the
// digest would show, at at. It returns the channel's storm id when the
// channel is in a storm (the episode then belongs to it), and whether this
// episode started it.
func (s *Store) NoteStormAlarm(ctx context.Context, channel, id string, entry []byte, at time.Time, rate StormRate) (string, bool, error) {
	if err := errors.Join(validateName("channel", channel), validateName("storm alarm id", id), rate.validate()); err != nil {
		return "", false, err
	}
	recent, pending, mode, storm := s.stormKeys(channel)
	var sid string
	var started bool
	err := s.do(ctx, "note storm alarm "+channel, func(ctx context.Context) error {
		res, err := noteStormScript.Run(ctx, s.rdb, []string{recent, pending, mode, storm},
			id, entry, at.UnixMilli(), ms(rate.Window), rate.Alarms, ms(rate.Quiet), ms(rate.Keep)).Slice()
		if err != nil {
			return err
		}
		if len(res) != 2 {
			return fmt.Errorf("unexpected reply %v", res)
		}
		sid, _ = res[0].(string)
		n, _ := res[1].(int64)
		started = n == 1
		if started {
			return s.rdb.SAdd(ctx, s.activeStormsKey(), channel).Err()
		}
		return nil
	})
	return sid, started, err
}

// PatchStormAlarm replaces the entry of alarm id of channel, in its storm
// or among the recent alarms a storm would take in; an alarm no longer
// kept is left alone.
func (s *Store) PatchStormAlarm(ctx context.Context, channel, id string, entry []byte) error {
	if err := errors.Join(validateName("channel", channel), validateName("storm alarm id", id)); err != nil {
		return err
	}
	_, pending, _, storm := s.stormKeys(channel)
	return s.do(ctx, "patch storm alarm "+channel, func(ctx context.Context) error {
		return patchStormScript.Run(ctx, s.rdb, []string{storm, pending}, id, entry).Err()
	})
}

// StormRefire counts a re-fire of alarm id when it belongs to channel's
// active storm, and reports whether it did.
func (s *Store) StormRefire(ctx context.Context, channel, id string) (bool, error) {
	if err := errors.Join(validateName("channel", channel), validateName("storm alarm id", id)); err != nil {
		return false, err
	}
	_, _, mode, storm := s.stormKeys(channel)
	var counted bool
	err := s.do(ctx, "count storm re-fire "+channel, func(ctx context.Context) error {
		n, err := refireScript.Run(ctx, s.rdb, []string{storm, mode}, id).Int64()
		counted = n == 1
		return err
	})
	return counted, err
}

// ActiveStorms lists the channels whose storm is not ended (EndStorm).
func (s *Store) ActiveStorms(ctx context.Context) ([]string, error) {
	var out []string
	err := s.do(ctx, "list storms", func(ctx context.Context) error {
		var err error
		out, err = s.rdb.SMembers(ctx, s.activeStormsKey()).Result()
		return err
	})
	sort.Strings(out)
	return out, err
}

// EndStorm drops channel from the active storms once its storm is over.
func (s *Store) EndStorm(ctx context.Context, channel string) error {
	return s.do(ctx, "end storm "+channel, func(ctx context.Context) error {
		return s.rdb.SRem(ctx, s.activeStormsKey(), channel).Err()
	})
}

// SetStormDigest records the digest message of channel's storm sid.
func (s *Store) SetStormDigest(ctx context.Context, channel, sid, ts string) error {
	_, _, _, storm := s.stormKeys(channel)
	return s.do(ctx, "record storm digest "+channel, func(ctx context.Context) error {
		return setDigestScript.Run(ctx, s.rdb, []string{storm}, sid, ts).Err()
	})
}

// ReadStorm returns channel's current or last storm, its alarms in the
// order they came.
func (s *Store) ReadStorm(ctx context.Context, channel string) (Storm, error) {
	_, _, mode, storm := s.stormKeys(channel)
	var fields map[string]string
	var active int64
	err := s.do(ctx, "read storm "+channel, func(ctx context.Context) error {
		pipe := s.rdb.Pipeline()
		all := pipe.HGetAll(ctx, storm)
		ex := pipe.Exists(ctx, mode)
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		fields, active = all.Val(), ex.Val()
		return nil
	})
	if err != nil {
		return Storm{}, err
	}
	st := Storm{ID: fields["sid"], Active: active == 1 && fields["sid"] != "", DigestTS: fields["digest"]}
	st.Version, _ = strconv.ParseInt(fields["ver"], 10, 64)
	for k, v := range fields {
		id, ok := strings.CutPrefix(k, "e:")
		if !ok {
			continue
		}
		a := StormAlarm{ID: id, Entry: []byte(v)}
		a.Refires, _ = strconv.Atoi(fields["r:"+id])
		if first, err := strconv.ParseInt(fields["o:"+id], 10, 64); err == nil {
			a.First = time.UnixMilli(first)
		}
		st.Alarms = append(st.Alarms, a)
	}
	sort.Slice(st.Alarms, func(i, j int) bool {
		if !st.Alarms[i].First.Equal(st.Alarms[j].First) {
			return st.Alarms[i].First.Before(st.Alarms[j].First)
		}
		return st.Alarms[i].ID < st.Alarms[j].ID
	})
	return st, nil
}

// Extend renews the lock for ttl if the caller still holds it, else
// returns ErrNotOwner.
func (l *Lock) Extend(ctx context.Context, ttl time.Duration) error {
	return l.s.do(ctx, "extend lock "+l.name, func(ctx context.Context) error {
		n, err := l.s.scripts.renew.Run(ctx, l.s.rdb, []string{l.key}, l.token, ms(ttl)).Int64()
		if err != nil {
			return err
		}
		if n != 1 {
			return ErrNotOwner
		}
		return nil
	})
}

// pointersKey lists placeholders ("channel ts") waiting to point at the
// report posted below them, for whichever replica has edits to spare.
func (s *Store) pointersKey() string { return s.key("pointers") }

// QueuePointer adds a placeholder to the shared list of those waiting to
// point at their report, so that a replica that stops leaves them to the
// others.
func (s *Store) QueuePointer(ctx context.Context, channel, ts string) error {
	return s.do(ctx, "queue placeholder "+channel+" "+ts, func(ctx context.Context) error {
		return s.rdb.RPush(ctx, s.pointersKey(), channel+" "+ts).Err()
	})
}

// NextPointer takes the oldest waiting placeholder; ok is false when none
// waits.
func (s *Store) NextPointer(ctx context.Context) (channel, ts string, ok bool, err error) {
	var v string
	err = s.do(ctx, "take a waiting placeholder", func(ctx context.Context) error {
		var err error
		v, err = s.rdb.LPop(ctx, s.pointersKey()).Result()
		if errors.Is(err, redis.Nil) {
			v, err = "", nil
		}
		return err
	})
	channel, ts, ok = strings.Cut(v, " ")
	return channel, ts, ok && err == nil, err
}

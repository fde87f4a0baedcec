package slackchat

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

var askNow = time.Date(2026, 3, 19, 14, 30, 0, 0, time.UTC)

type clock struct{ unix atomic.Int64 }

func newClock(t time.Time) *clock { c := &clock{}; c.set(t); return c }
func (c *clock) set(t time.Time)  { c.unix.Store(t.UnixNano()) }
func (c *clock) now() time.Time   { return time.Unix(0, c.unix.Load()).UTC() }

func TestZonesCacheAndFallBack(t *testing.T) {
	dir := &countingDirectory{users: map[string]*slack.User{
		"U1": {ID: "U1", TZ: "Europe/Berlin"},
		"U2": {ID: "U2"},
		"U3": {ID: "U3", TZ: "Mars/Olympus_Mons"},
	}}
	clk := newClock(askNow)
	z := newZones(dir, clk.now, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	if got := z.of(ctx, "U1"); got.Loc.String() != "Europe/Berlin" || got.Note != "" {
		t.Errorf("U1 = %v %q", got.Loc, got.Note)
	}
	z.of(ctx, "U1")
	if dir.calls != 1 {
		t.Errorf("users.info calls = %d, want 1 (cached)", dir.calls)
	}
	clk.set(askNow.Add(zoneTTL + time.Second))
	z.of(ctx, "U1")
	if dir.calls != 2 {
		t.Errorf("users.info calls = %d, want 2 (expired)", dir.calls)
	}
	if got := z.of(ctx, "U2"); got.Loc != time.UTC || !strings.Contains(got.Note, "no time zone") {
		t.Errorf("U2 = %v %q", got.Loc, got.Note)
	}
	if got := z.of(ctx, "U3"); got.Loc != time.UTC || !strings.Contains(got.Note, "not one I know") {
		t.Errorf("U3 = %v %q", got.Loc, got.Note)
	}
	if got := z.of(ctx, "U404"); got.Loc != time.UTC || !strings.Contains(got.Note, "could not look up") {
		t.Errorf("unknown user = %v %q", got.Loc, got.Note)
	}
}

type countingDirectory struct {
	users map[string]*slack.User
	calls int
}

func (d *countingDirectory) GetUserInfoContext(_ context.Context, user string, _ ...slack.GetUserInfoOption) (*slack.User, error) {
	d.calls++
	if u, ok := d.users[user]; ok {
		return u, nil
	}
	return nil, slack.SlackErrorResponse{Err: "user_not_found"}
}

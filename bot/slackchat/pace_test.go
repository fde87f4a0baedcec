package slackchat

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
)

// orderAPI records the posts and edits it receives, in order.
type orderAPI struct {
	API
	mu    sync.Mutex
	calls []string
}

func (a *orderAPI) PostMessageContext(_ context.Context, channel string, _ ...slack.MsgOption) (string, string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "post")
	return channel, "1.000001", nil
}

func (a *orderAPI) UpdateMessageContext(_ context.Context, channel, ts string, _ ...slack.MsgOption) (string, string, string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "update")
	return channel, ts, "", nil
}

func (a *orderAPI) count(call string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, c := range a.calls {
		if c == call {
			n++
		}
	}
	return n
}

func TestUpdateOnceSpendsOnlyFreeEdits(t *testing.T) {
	api := &orderAPI{}
	c, err := New(api, noSocket{}, Options{EditsPerMinute: 6, EditBurst: 2})
	if err != nil {
		t.Fatal(err)
	}
	msg := chat.Ref{Channel: "C0ALERTS", TS: "1.000001"}
	for i := range 2 {
		if err := c.UpdateOnce(t.Context(), msg, blocks.Message{Text: "progress"}); err != nil {
			t.Fatalf("edit %d within the burst: %v", i, err)
		}
	}
	if c.EditRoom() {
		t.Error("EditRoom with the burst spent")
	}
	if err := c.UpdateOnce(t.Context(), msg, blocks.Message{Text: "progress"}); !errors.Is(err, ErrEditBudget) {
		t.Errorf("edit beyond the burst: %v, want ErrEditBudget", err)
	}
	if n := api.count("update"); n != 2 {
		t.Errorf("%d chat.update calls, want 2 (the third not tried)", n)
	}
}

func TestPostGoesAheadOfPostLater(t *testing.T) {
	api := &orderAPI{}
	c, err := New(api, noSocket{}, Options{PostInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ch := chat.Ref{Channel: "C0ALERTS"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var order []string
	done := func(what string) {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, what)
	}
	for range 4 {
		wg.Go(func() {
			if _, err := c.PostLater(t.Context(), ch, blocks.Message{Text: "report"}); err != nil {
				t.Error(err)
			}
			done("later")
		})
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := c.Post(t.Context(), ch, blocks.Message{Text: "digest"}); err != nil {
		t.Fatal(err)
	}
	done("now")
	wg.Wait()
	// The backlog holds one place in the pace at a time: the post that
	// cannot wait goes out second or third, not fifth.
	for i, what := range order {
		if what == "now" && i > 2 {
			t.Errorf("the post waited behind the backlog: %v", order)
		}
	}
}

// noSocket is a socket that is never run.
type noSocket struct{ Socket }

// sharedEnvelopes is one claim table for several clients, as the replicas'
// Redis is.
type sharedEnvelopes struct {
	mu      sync.Mutex
	claimed map[string]bool
}

func (s *sharedEnvelopes) ClaimEnvelope(_ context.Context, id string, _ time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claimed[id] {
		return false, nil
	}
	s.claimed[id] = true
	return true, nil
}

// timedAPI records when each post reached it.
type timedAPI struct {
	API
	mu    sync.Mutex
	posts []time.Time
}

func (a *timedAPI) PostMessageContext(_ context.Context, channel string, _ ...slack.MsgOption) (string, string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.posts = append(a.posts, time.Now())
	return channel, "1.000001", nil
}

// TestBacklogsOfTwoReplicasKeepTheChannelsPace: two replicas posting their
// backlogs into one channel through shared slots never post within one
// interval of each other, however their slots interleave.
func TestBacklogsOfTwoReplicasKeepTheChannelsPace(t *testing.T) {
	const interval = 100 * time.Millisecond
	env := &sharedEnvelopes{claimed: map[string]bool{}}
	api := &timedAPI{}
	ch := chat.Ref{Channel: "C0ALERTS"}
	var wg sync.WaitGroup
	// The first replica starts late in a slot, the second early in the
	// next: posting in the slot of now, they would post 60 ms apart.
	grid := time.Now().Truncate(interval).Add(interval)
	for r := range 2 {
		c, err := New(api, noSocket{}, Options{PostInterval: interval, Envelopes: env})
		if err != nil {
			t.Fatal(err)
		}
		start := grid.Add(interval*6/10 + time.Duration(r)*interval*6/10)
		wg.Go(func() {
			time.Sleep(time.Until(start))
			for range 6 {
				if _, err := c.PostLater(t.Context(), ch, blocks.Message{Text: "report"}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	slices.SortFunc(api.posts, time.Time.Compare)
	for i := 1; i < len(api.posts); i++ {
		// A little under the interval: the posts go at slot starts, and a
		// timer may wake a millisecond or two early or late.
		if gap := api.posts[i].Sub(api.posts[i-1]); gap < interval*8/10 {
			t.Errorf("posts %d and %d %v apart, under the channel's interval %v", i-1, i, gap, interval)
		}
	}
	if len(api.posts) != 12 {
		t.Errorf("%d posts, want 12", len(api.posts))
	}
}

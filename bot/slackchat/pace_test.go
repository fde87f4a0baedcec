package slackchat

import (
	"context"
	"errors"
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

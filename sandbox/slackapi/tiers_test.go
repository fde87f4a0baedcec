package slackapi

import (
	"errors"
	"testing"

	"github.com/slack-go/slack"
)

func TestSlackTier3LimitsEditsWorkspaceWide(t *testing.T) {
	s, api, _ := newSlackTest(t, Options{
		Channels: []Channel{{ID: "C0ALERTS", Name: "alerts"}, {ID: "C0OPS", Name: "ops"}},
		Pace:     Pace{Disabled: true},
		Tier3:    Tier3{Enabled: true, PerMinute: 60, Burst: 2},
	})
	var msgs [][2]string
	for _, ch := range []string{"C0ALERTS", "C0OPS", "C0ALERTS"} {
		_, ts, err := api.PostMessage(ch, slack.MsgOptionText("x", false))
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, [2]string{ch, ts})
	}
	edit := func(m [2]string) error {
		_, _, _, err := api.UpdateMessage(m[0], m[1], slack.MsgOptionText("y", false))
		return err
	}
	// The burst is shared by every channel: the third edit, in another
	// channel than the second, is refused.
	for i, m := range msgs {
		err := edit(m)
		var limited *slack.RateLimitedError
		switch {
		case i < 2 && err != nil:
			t.Fatalf("edit %d within the burst: %v", i, err)
		case i == 2 && !errors.As(err, &limited):
			t.Fatalf("edit beyond the burst: %v, want 429", err)
		}
	}
	// Another Tier 3 method has its own bucket; posting is not Tier 3.
	if err := api.AddReaction("eyes", slack.NewRefToMessage(msgs[0][0], msgs[0][1])); err != nil {
		t.Errorf("reactions.add has its own bucket: %v", err)
	}
	if _, _, err := api.PostMessage("C0OPS", slack.MsgOptionText("z", false)); err != nil {
		t.Errorf("chat.postMessage is not Tier 3: %v", err)
	}
	if n := len(s.Calls("chat.update")); n != 3 {
		t.Errorf("%d chat.update calls recorded, want 3", n)
	}
}

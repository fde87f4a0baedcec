package ask

import (
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

func TestParseChanges(t *testing.T) {
	cases := []struct {
		in   string
		want Changes
		err  string
	}{
		{"checkout-role", Changes{Subject: "checkout-role"}, ""},
		{"checkout-role before 14:00 window 2h", Changes{Subject: "checkout-role", Before: "14:00", Window: 2 * time.Hour}, ""},
		{"checkout window 90m before yesterday 23:30 --private", Changes{Subject: "checkout", Before: "yesterday 23:30", Window: 90 * time.Minute, Private: true}, ""},
		{"on arn:aws:iam::123456789012:role/checkout-role before 10 minutes ago", Changes{Subject: "arn:aws:iam::123456789012:role/checkout-role", Before: "10 minutes ago"}, ""},
		{"before the alarm", Changes{Before: "the alarm"}, ""},
		{"checkout window forever", Changes{}, "window"},
		{"--verbose checkout", Changes{}, "not an option"},
	}
	for _, c := range cases {
		got, err := ParseChanges(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseChanges(%q) = %+v, %v; want error %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseChanges(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestParseQuestion(t *testing.T) {
	cases := []struct {
		in   string
		want Intent
	}{
		{"<@U0BOT> what changed on the role before 14:00?", Intent{Kind: KindChanges, Changes: Changes{Subject: "the role", Before: "14:00"}}},
		{"<@U0BOT> what changed before 14:00 on checkout?", Intent{Kind: KindChanges, Changes: Changes{Subject: "checkout", Before: "14:00"}}},
		{"<@U0BOT> what changed in the last 2 hours", Intent{Kind: KindChanges, Changes: Changes{Window: 2 * time.Hour}}},
		{"<@U0BOT> show changes on checkout-role window 30m", Intent{Kind: KindChanges, Changes: Changes{Subject: "checkout-role", Window: 30 * time.Minute}}},
		{"<@U0BOT> widen the window", Intent{Kind: KindWiden}},
		{"<@U0BOT> widen to 3h", Intent{Kind: KindWiden, Window: 3 * time.Hour}},
		{"<@U0BOT> narrow the window to 15m please", Intent{Kind: KindNarrow, Window: 15 * time.Minute}},
		{"<@U0BOT> show event 7f3c2a9e-1b4d-4c8e-9a51-3e2f6d0b8c14", Intent{Kind: KindEvent, EventID: "7f3c2a9e-1b4d-4c8e-9a51-3e2f6d0b8c14"}},
		{"<@U0BOT> show event #2", Intent{Kind: KindEvent, Rank: 2}},
		{"<@U0BOT> why is #2 below #1?", Intent{Kind: KindWhyRank, Rank: 2, Other: 1}},
		{"why is 3 ranked lower than 1", Intent{Kind: KindWhyRank, Rank: 3, Other: 1}},
		{"<@U0BOT> what was the previous version?", Intent{Kind: KindPrevious, Rank: 1}},
		{"what was the previous policy of #2", Intent{Kind: KindPrevious, Rank: 2}},
		{"<@U0BOT> who made change 1 and what else did they do?", Intent{Kind: KindWho, Rank: 1}},
		{"<@U0BOT> help", Intent{Kind: KindHelp}},
		{"<@U0BOT>", Intent{Kind: KindHelp}},
		{"<@U0BOT> is the database on fire?", Intent{}},
		{"<@U0BOT> why is #1 below #1", Intent{}},
	}
	for _, c := range cases {
		if got := ParseQuestion(c.in); got != c.want {
			t.Errorf("ParseQuestion(%q) = %+v; want %+v", c.in, got, c.want)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"checkout before 14:00 window 1h", "--private", "on the role before the alarm", "x window 90m --private before yesterday 23:30", "what changed on the role before 14:00?", "why is #2 below #1", "show event #3", "widen to 2h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseChanges(in)
		if err == nil && (c.Window < 0 || c.Window > investigation.MaxWindow) {
			t.Fatalf("ParseChanges(%q) window %v out of bounds", in, c.Window)
		}
		q := ParseQuestion(in)
		if q.Kind == KindWhyRank && (q.Rank == q.Other || q.Rank <= 0 || q.Other <= 0) {
			t.Fatalf("ParseQuestion(%q) = %+v", in, q)
		}
		if q.Window < 0 || q.Window > investigation.MaxWindow || q.Changes.Window > investigation.MaxWindow {
			t.Fatalf("ParseQuestion(%q) window out of bounds: %+v", in, q)
		}
	})
}

package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/slackchat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/store"
)

func TestAlarmKeyOfNamesStoreKeysRefuse(t *testing.T) {
	at := time.Date(2026, 3, 19, 14, 0, 12, 0, time.UTC)
	cases := []struct {
		name    string
		alarm   investigation.Alarm
		wantARN string
		wantErr bool
	}{
		{"plain", investigation.Alarm{Name: "checkout", ARN: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout", StateChangeTime: at},
			"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout", false},
		{"spaces and braces", investigation.Alarm{Name: "checkout errors / {live}", ARN: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout errors / {live} 100%", StateChangeTime: at},
			"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout%20errors%20/%20%7Blive%7D%20100%25", false},
		{"built from account and region", investigation.Alarm{Name: "legacy", Account: "123456789012", Region: "cn-north-1", StateChangeTime: at},
			"arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:legacy", false},
		{"no ARN, no account", investigation.Alarm{Name: "legacy", Region: "us-east-1", StateChangeTime: at}, "", true},
		{"no time", investigation.Alarm{Name: "x", ARN: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:x"}, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := alarmKey(c.alarm)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if err != nil {
				return
			}
			if k.AlarmARN != c.wantARN || k.Episode != string(store.EpisodeOf(at)) {
				t.Errorf("key %+v, want ARN %s episode %s", k, c.wantARN, store.EpisodeOf(at))
			}
		})
	}
	// Two names that differ only where encoding happens stay apart.
	if storeARN("a b") == storeARN("a%20b") {
		t.Error("storeARN is not injective")
	}
}

func TestAlarmTarget(t *testing.T) {
	cases := []struct {
		args, def, name, region string
		wantErr                 bool
	}{
		{"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout errors / live", "", "checkout errors / live", "eu-west-1", false},
		{"checkout errors / live eu-west-1", "", "checkout errors / live", "eu-west-1", false},
		{"checkout-errors", "us-east-1", "checkout-errors", "us-east-1", false},
		{"checkout-errors", "", "", "", true},
		{"", "us-east-1", "", "", true},
		{"arn:aws:sns:us-east-1:123456789012:topic", "", "", "", true},
	}
	for _, c := range cases {
		name, region, err := alarmTarget(c.args, c.def)
		if (err != nil) != c.wantErr || name != c.name || region != c.region {
			t.Errorf("alarmTarget(%q, %q) = %q, %q, %v", c.args, c.def, name, region, err)
		}
	}
}

func TestNewRejectsIncompleteSetup(t *testing.T) {
	sc, err := slackchat.New(newFakeSlack(t, &recorder{}).api, newFakeSocket(&recorder{}), slackchat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	full := Deps{Chat: sc, Triager: newFakeTriager(), Store: downStore{}}
	cases := []struct {
		name string
		deps Deps
		opts Options
		want string
	}{
		{"no chat", Deps{Triager: full.Triager, Store: full.Store}, Options{Channels: []string{"C1"}}, "Chat is required"},
		{"no channels", full, Options{}, "no channels"},
		{"queue without alert channel", Deps{Chat: full.Chat, Triager: full.Triager, Store: full.Store, Queue: &fakeQueue{}}, Options{Channels: []string{"C1"}}, "AlertChannel is required"},
		{"shutdown too long", full, Options{Channels: []string{"C1"}, ShutdownTimeout: 30 * time.Second}, "ShutdownTimeout"},
	}
	for _, c := range cases {
		if _, err := New(c.deps, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func TestReportCarriesTheBlockItIsFoundBy(t *testing.T) {
	rep := cannedReport(investigation.Alarm{Name: "x", State: investigation.StateAlarm, StateChangeTime: episodeStart})
	for _, opts := range []blocks.ReportOptions{{}, {ResolvedAt: episodeStart.Add(time.Hour)}} {
		found := false
		for _, b := range blocks.Report(rep, opts).Blocks {
			found = found || b.ID() == reportBlockID
		}
		if !found {
			t.Errorf("report (%+v) has no block %q: OK notifications could not find it", opts, reportBlockID)
		}
	}
	for _, m := range []blocks.Message{
		blocks.Placeholder(investigation.Alarm{Name: "x"}, engine.Progress{}, episodeStart),
		blocks.Refire(investigation.Alarm{Name: "x"}, 2, episodeStart),
		blocks.Error("t", "d"),
		blocks.Resolved(investigation.Alarm{Name: "x"}, episodeStart),
	} {
		for _, b := range m.Blocks {
			if b.ID() == reportBlockID {
				t.Errorf("%q carries the report's block id %q", m.Text, reportBlockID)
			}
		}
	}
}

func TestChatOKNeedsNoDescribe(t *testing.T) {
	h := newHarness(t)
	root := h.postMail("checkout-errors", "ALARM", episodeStart)
	h.waitReport(testChannel, root)
	h.post(map[string]any{"subtype": "bot_message", "bot_id": "B0CHATBOT", "text": "*<https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/checkout-errors|checkout-errors>*\nThe alarm checkout-errors changed state to OK\nAccount: " + testAccount + "  |  2026-03-19T14:30:00.000Z"})
	eventually(t, 5*time.Second, "resolved", func() bool {
		r := h.slack.thread(testChannel, root)
		return len(r) == 1 && strings.Contains(r[0].Text, "resolved")
	})
	if h.alarms.calls != 0 {
		t.Errorf("DescribeAlarms called %d times for an OK", h.alarms.calls)
	}
}

func TestFullPoolStillRecognisesDuplicates(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) {
		c.opts.Workers = 1
		c.opts.QueueSize = -1
	})
	h.triager.release = make(chan struct{})
	first := h.postMail("first", "ALARM", episodeStart)
	eventually(t, 5*time.Second, "first running", func() bool { return h.triager.count("first") == 1 })
	again := h.postMail("first", "ALARM", episodeStart.Add(5*time.Second))
	eventually(t, 5*time.Second, "duplicate counted", func() bool {
		return counter(t, h.reg, "trailhound_dedup_hits_total", map[string]string{"state": "running"}) == 1
	})
	close(h.triager.release)
	h.waitReport(testChannel, first)
	if r := h.slack.thread(testChannel, again); len(r) != 0 {
		t.Errorf("the duplicate got a reply (%q): it is no capacity problem", r[0].Text)
	}
	if got := counter(t, h.reg, "trailhound_triages_total", map[string]string{"outcome": outcomeRefused}); got != 0 {
		t.Errorf("refused triages = %v, want 0", got)
	}
}

// emptyTrail is a CloudTrail with nothing in it.
type emptyTrail struct{}

func (emptyTrail) Lookup(context.Context, investigation.Lookup) (investigation.LookupResult, error) {
	return investigation.LookupResult{Calls: 1}, nil
}

func TestEngineTriagerReportsProgressPerTriage(t *testing.T) {
	eng := &engine.Engine{Trail: emptyTrail{}, Now: func() time.Time { return episodeStart.Add(10 * time.Minute) }}
	triager := EngineTriager(eng)
	alarm := investigation.Alarm{Name: "checkout-errors", Region: "us-east-1", Account: testAccount, State: investigation.StateAlarm,
		StateChangeTime: episodeStart, Metrics: []investigation.Metric{{Namespace: "AWS/Lambda", Name: "Errors",
			Dimensions: []investigation.Dimension{{Name: "FunctionName", Value: "checkout"}}}}}
	var stages [2][]engine.Stage
	var wg sync.WaitGroup
	for i := range stages {
		wg.Go(func() {
			rep, err := triager.Triage(context.Background(), alarm, func(p engine.Progress) { stages[i] = append(stages[i], p.Stage) })
			if err != nil || rep == nil {
				t.Errorf("triage %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for i, s := range stages {
		if len(s) < 3 || s[0] != engine.StageScoped {
			t.Errorf("triage %d reported stages %v, want its own scoped, layer1, layer2…", i, s)
		}
	}
	if eng.OnProgress != nil {
		t.Error("the shared engine was modified")
	}
}

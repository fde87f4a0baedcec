package bot

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/bot/slackchat"
	"github.com/trailhound/trailhound/sandbox/slackapi"
)

// TestStormDigestTakenOver stops the replica that holds a storm's digest
// mid-storm: the surviving replica takes the digest over and edits the
// same message until every alarm's report is in its thread, each thread
// holding one report.
func TestStormDigestTakenOver(t *testing.T) {
	if testing.Short() {
		t.Skip("storm: reports at Slack's pace")
	}
	const alarms = 2 * (StormAlarms + 1)
	sb := startSandbox(t, slackapi.Options{Channels: []slackapi.Channel{{ID: sandboxChannel, Name: "alerts"}}, Tier3: slackapi.Tier3{Enabled: true}})
	redis := sharedRedis(t)
	triager := newFakeTriager()
	triager.delay = stormTriage
	start := func(owner string) *replica {
		opts := sandboxOptions(sandboxChannel)
		opts.Owner = owner
		return startReplica(t, sb, openStoreAt(t, redis), triager, opts, slackchat.Options{PostInterval: slackchat.DefaultPostInterval})
	}
	first := start("replica-a")
	notify := func(from, to int) {
		for a := from; a < to; a++ {
			if _, err := sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", alarmEmail(fmt.Sprintf("burst-%02d", a), "ALARM", episodeStart)); err != nil {
				t.Fatal(err)
			}
		}
	}
	notify(0, alarms/2)
	var digest slackapi.Message
	waitSandbox(t, sb, 20*time.Second, "the storm digest", func() bool {
		_, ds := observeStorm(sb, []string{sandboxChannel})
		if len(ds) == 1 {
			digest = ds[0]
		}
		return len(ds) == 1
	})

	start("replica-b")
	if _, err := first.stop(t); err != nil {
		t.Fatal(err)
	}
	// The alarms come again: the second half new, the first half
	// re-fires, which also bring back any triage the stop interrupted.
	notify(0, alarms)

	// Every alarm reported in its thread, and the digest, edited by the
	// survivor, says so on every line.
	finished := func() (int, []string, bool) {
		reports := countReports(sb, []string{sandboxChannel})
		_, ds := observeStorm(sb, []string{sandboxChannel})
		if len(ds) != 1 || ds[0].TS != digest.TS {
			return reports, nil, false
		}
		lines := blockLines(ds[0].Blocks)
		return reports, lines, reports == alarms && strings.Count(strings.Join(lines, "\n"), "reported in its thread") == alarms
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if err := sb.WaitFor(ctx, func() bool { _, _, ok := finished(); return ok }); err != nil {
		reports, lines, _ := finished()
		t.Fatalf("%d of %d alarms reported; the digest reads:\n%s", reports, alarms, strings.Join(lines, "\n"))
	}
	_, ds := observeStorm(sb, []string{sandboxChannel})
	if !bytes.Contains(ds[0].Blocks, []byte(fmt.Sprintf("Alarm storm: %d alarms", alarms))) {
		t.Errorf("the digest does not count %d alarms", alarms)
	}
	// A triage the stop interrupted runs again on the survivor; each thread
	// still gets one report.
	for _, m := range sb.Messages(sandboxChannel) {
		n := 0
		for _, r := range sb.Thread(sandboxChannel, m.TS) {
			if r.IsReply() && bytes.Contains(r.Blocks, []byte(`"block_id":"`+reportBlockID+`"`)) {
				n++
			}
		}
		if n > 1 {
			t.Errorf("thread %s holds %d reports", m.TS, n)
		}
	}
}

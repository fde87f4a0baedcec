package bot

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/trailhound/trailhound/bot/slackchat"
	"github.com/trailhound/trailhound/sandbox/slackapi"
)

const (
	stormAlarms   = 100
	stormCopies   = 10
	stormChannels = 20
	stormWindow   = 10 * time.Second
)

// stormNote is one notification of the storm: when it is sent and which
// copy of which alarm it is.
type stormNote struct {
	at    time.Duration
	alarm int
	copy  int
}

// TestStorm plays 1,000 notifications of 100 alarms within 10 s into 20
// channels of a workspace paced like Slack (one post per second per
// channel, 429 beyond) and checks that every alarm is triaged exactly once,
// that nothing is lost and that every 429 is retried. It reports the
// placeholder latency and the process's peak memory.
//
// Slack's pace bounds the latency: n alarms starting together in one
// channel get their placeholders one pace interval apart. "spread" starts
// the alarms evenly over the window (each then re-notified at random
// moments), and must meet the 2 s p95 target; "front-loaded" sends every
// copy at a random moment, so most alarms start in the first two seconds,
// and must stay within the pace bound (no placeholder waits behind a
// re-fire note or a retry).
func TestStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("storm: 2 × 1,000 notifications over 10 s")
	}
	rng := rand.New(rand.NewPCG(4, 2)) // the same schedules on every run
	schedules := []struct {
		name    string
		plan    []stormNote
		maxP95  time.Duration
		explain string
	}{
		{name: "spread", plan: spreadPlan(rng), maxP95: 2 * time.Second, explain: "target"},
		{name: "front-loaded", plan: randomPlan(rng),
			maxP95: time.Duration(stormAlarms/stormChannels)*slackchat.DefaultPostInterval + time.Second, explain: "pace bound"},
	}
	for _, s := range schedules {
		t.Run(s.name, func(t *testing.T) {
			p95 := runStorm(t, s.plan)
			if p95 > s.maxP95 {
				t.Errorf("p95 placeholder latency %s, %s %s", p95, s.explain, s.maxP95)
			}
		})
	}
}

// spreadPlan starts alarm a at a·window/alarms; its other copies come at
// random moments between then and the end of the window.
func spreadPlan(rng *rand.Rand) []stormNote {
	var plan []stormNote
	step := stormWindow / stormAlarms
	for a := range stormAlarms {
		start := time.Duration(a) * step
		plan = append(plan, stormNote{at: start, alarm: a})
		for c := 1; c < stormCopies; c++ {
			plan = append(plan, stormNote{at: start + time.Duration(rng.Int64N(int64(stormWindow-start))), alarm: a, copy: c})
		}
	}
	slices.SortFunc(plan, func(x, y stormNote) int { return int(x.at - y.at) })
	return plan
}

// randomPlan sends every copy at a random moment of the window.
func randomPlan(rng *rand.Rand) []stormNote {
	var plan []stormNote
	for a := range stormAlarms {
		for c := range stormCopies {
			plan = append(plan, stormNote{at: time.Duration(rng.Int64N(int64(stormWindow))), alarm: a, copy: c})
		}
	}
	slices.SortFunc(plan, func(x, y stormNote) int { return int(x.at - y.at) })
	return plan
}

var mailAlarmName = regexp.MustCompile(`Amazon CloudWatch Alarm "([^"]+)"`)

// runStorm plays plan against one replica and returns the p95 latency.
func runStorm(t *testing.T, plan []stormNote) time.Duration {
	var channels []string
	var sc []slackapi.Channel
	for i := range stormChannels {
		id := fmt.Sprintf("C0STORM%02d", i)
		channels = append(channels, id)
		sc = append(sc, slackapi.Channel{ID: id, Name: fmt.Sprintf("team-%02d", i)})
	}
	sb := startSandbox(t, slackapi.Options{Channels: sc})
	triager := newFakeTriager()
	triager.delay = 200 * time.Millisecond
	opts := sandboxOptions(channels...)
	opts.Workers = 8
	opts.ProgressEvery = time.Second
	r := startReplica(t, sb, openStoreAt(t, sharedRedis(t)), triager, opts, slackchat.Options{PostInterval: slackchat.DefaultPostInterval})

	var peak runtime.MemStats
	stopSampling := sampleMemory(&peak)
	first := map[string]time.Time{} // alarm → its first notification
	start := time.Now()
	for _, n := range plan {
		time.Sleep(time.Until(start.Add(n.at)))
		name := fmt.Sprintf("storm-%03d", n.alarm)
		if _, err := sb.PostAsBot(channels[n.alarm%stormChannels], mailBotID, "AWS Notifications",
			alarmEmail(name, "ALARM", episodeStart.Add(time.Duration(n.copy)*time.Second))); err != nil {
			t.Fatal(err)
		}
		if _, ok := first[name]; !ok {
			first[name] = time.Now()
		}
	}
	sent := time.Since(start)

	waitSandbox(t, sb, 120*time.Second, "every alarm reported", func() bool {
		return countReports(sb, channels) == stormAlarms && sb.Pending() == 0
	})
	eventually(t, 10*time.Second, "triages counted", func() bool {
		return counter(t, r.reg, "trailhound_triages_total", map[string]string{"outcome": outcomeReported}) == stormAlarms
	})
	settled := time.Since(start)
	stopSampling()

	// Exactly once, nothing lost, every 429 retried.
	for a := range stormAlarms {
		if c := triager.count(fmt.Sprintf("storm-%03d", a)); c != 1 {
			t.Errorf("storm-%03d triaged %d times, want 1", a, c)
		}
	}
	if ab := sb.Abandoned(); len(ab) > 0 {
		t.Errorf("%d envelopes abandoned unacknowledged", len(ab))
	}
	var slowestAck time.Duration
	for _, a := range sb.Acks() {
		slowestAck = max(slowestAck, a.Latency)
	}
	if slowestAck > 3*time.Second {
		t.Errorf("slowest ack took %s, over Slack's 3s", slowestAck)
	}
	if f := counter(t, r.reg, "trailhound_triages_total", map[string]string{"outcome": outcomeFailed}); f != 0 {
		t.Errorf("%v triages failed", f)
	}
	limited := 0
	for _, c := range sb.Calls("chat.postMessage") {
		if c.Status == 429 {
			limited++
		}
	}
	if seen := counter(t, r.reg, "trailhound_slack_rate_limited_total", nil); float64(limited) != seen {
		t.Errorf("the sandbox answered %d 429s but the bot saw %v", limited, seen)
	}

	// Placeholder latency: from an alarm's first notification to the
	// placeholder in its thread.
	var lat []time.Duration
	for _, ch := range channels {
		for _, m := range sb.Messages(ch) {
			th := sb.Thread(ch, m.TS)
			name := mailAlarmName.FindStringSubmatch(m.Text)
			if len(th) < 2 || th[1].BotID != sb.Options().BotID || name == nil {
				continue
			}
			lat = append(lat, th[1].Posted.Sub(first[name[1]]))
		}
	}
	if len(lat) != stormAlarms {
		t.Fatalf("found %d placeholders, want %d", len(lat), stormAlarms)
	}
	slices.Sort(lat)
	p50, p95, worst := lat[len(lat)/2], lat[len(lat)*95/100], lat[len(lat)-1]
	t.Logf("%d notifications of %d alarms sent in %s over %d channels; all reported after %s",
		len(plan), stormAlarms, sent.Round(time.Millisecond), stormChannels, settled.Round(time.Millisecond))
	t.Logf("triages %d (each alarm once), 429s %d (all retried), dedup hits %v, envelopes delivered %d, slowest ack %s",
		triager.total(), limited, counter(t, r.reg, "trailhound_dedup_hits_total", nil), len(sb.Deliveries()), slowestAck.Round(time.Millisecond))
	t.Logf("placeholder latency p50 %s p95 %s max %s; peak heap %d MiB, peak sys %d MiB (bot, sandbox and test in one process)",
		p50.Round(time.Millisecond), p95.Round(time.Millisecond), worst.Round(time.Millisecond), peak.HeapAlloc>>20, peak.Sys>>20)
	if peak.Sys > 200<<20 {
		t.Errorf("peak memory %d MiB, target ≤ 200 MiB", peak.Sys>>20)
	}
	return p95
}

func countReports(sb *slackapi.Server, channels []string) int {
	n := 0
	for _, ch := range channels {
		for _, m := range sb.Messages(ch) {
			if _, ok := botReport(sb, ch, m.TS); ok {
				n++
			}
		}
	}
	return n
}

// sampleMemory records the highest heap and system memory seen until the
// returned function is called.
func sampleMemory(peak *runtime.MemStats) func() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak.HeapAlloc = max(peak.HeapAlloc, ms.HeapAlloc)
			peak.Sys = max(peak.Sys, ms.Sys)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}

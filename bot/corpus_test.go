package bot

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/changes"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/investigation/intake"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/offline"
	"github.com/trailhound/trailhound/sandbox/slackapi"
	"github.com/trailhound/trailhound/store"
	"github.com/trailhound/trailhound/tools"
)

// scenarioEngine runs the engine in process on a scenario's own data, as
// `trailhound eval --offline` does.
func scenarioEngine(t *testing.T, sc *scenario.Scenario) (*engine.Engine, *tools.FileTrail) {
	t.Helper()
	trail, err := tools.OpenFileTrail(sc.TrailIn)
	if err != nil {
		t.Fatal(err)
	}
	alarms, err := offline.NewAlarms(sc)
	if err != nil {
		t.Fatal(err)
	}
	now := sc.Meta.Now
	return &engine.Engine{
		Trail: trail, Topology: offline.NewTopology(sc), Logs: offline.NewLogs(sc), IAM: offline.NewIAM(sc), Alarms: alarms,
		Now: func() time.Time { return now },
	}, trail
}

func rankedEvents(rep *investigation.Report) [][]string {
	var out [][]string
	for _, c := range rep.Candidates {
		var ids []string
		for _, e := range c.Events {
			ids = append(ids, e.EventID)
		}
		out = append(out, ids)
	}
	return out
}

// TestSandboxThumbsDownWritesAReplayableScenario: a triage of a corpus
// scenario in Slack, a 👎 on cause #1 and #2 chosen instead; the folder it
// writes loads as a scenario, replays to the same ranking, and its
// expect.json names #2, so eval scores the ranking against the correction.
func TestSandboxThumbsDownWritesAReplayableScenario(t *testing.T) {
	dir := t.TempDir()
	a, root, st, alarm := triageCorpusScenario(t, "001-lambda-role-policy-detached", dir)
	original := rankedEvents(&st.Report)

	report, _ := botReport(a.sb, sandboxChannel, root.TS)
	id, val := findAction(t, report.Blocks, blocks.ActionFeedbackDown+":")
	if _, err := a.sb.ClickButton(sandboxChannel, newYork, report.TS, id, val); err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, a.sb, 10*time.Second, "the correction menu", func() bool { return len(a.ephemerals(newYork)) > 0 })
	menu := a.ephemerals(newYork)[0]
	if menu.ThreadTS != root.TS {
		t.Errorf("menu posted in thread %q, want %q", menu.ThreadTS, root.TS)
	}
	// The menu's shape is the blocks package's golden correction-menu.
	assertContains(t, "menu", content(menu), "cause #1 was not it", blocks.ActionCorrectCause+":2")
	id, val = findAction(t, menu.Blocks, blocks.ActionCorrectCause+":2")
	if _, err := a.sb.ClickButton(sandboxChannel, newYork, menu.TS, id, val); err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, a.sb, 20*time.Second, "the confirmation", func() bool { return len(a.ephemerals(newYork)) > 1 })
	assertContains(t, "confirmation", a.ephemerals(newYork)[1].Text, "cause #2 is saved as the right answer")

	written, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(written) != 1 {
		t.Fatalf("scenario folders = %v, want one", written)
	}
	sc, err := scenario.Load(written[0])
	if err != nil {
		t.Fatalf("the written scenario does not load: %v", err)
	}
	if sc.Expect == nil || !slices.Equal(sc.Expect.Cause, original[1]) {
		t.Fatalf("expect.json cause = %+v, want #2's events %v", sc.Expect, original[1])
	}
	if _, err := os.Stat(filepath.Join(written[0], "topology.json")); err != nil {
		t.Errorf("no topology captured: %v", err)
	}
	replayAlarm, err := intake.Parse(sc.Alarm)
	if err != nil {
		t.Fatalf("alarm.json does not parse: %v", err)
	}
	if replayAlarm.Name != alarm.Name || replayAlarm.ARN != alarm.ARN || !replayAlarm.StateChangeTime.Equal(alarm.StateChangeTime) || !slices.EqualFunc(replayAlarm.Metrics, alarm.Metrics, func(x, y investigation.Metric) bool {
		return x.Name == y.Name && x.Namespace == y.Namespace && slices.Equal(x.Dimensions, y.Dimensions)
	}) {
		t.Errorf("replayed alarm = %+v\nwant %+v", replayAlarm, alarm)
	}
	replayEngine, _ := scenarioEngine(t, sc)
	rep, err := replayEngine.Triage(context.Background(), replayAlarm)
	if err != nil {
		t.Fatal(err)
	}
	if got := rankedEvents(rep); !slices.EqualFunc(got, original, slices.Equal[[]string]) {
		t.Errorf("replay ranks %v, production ranked %v", got, original)
	}
	// Scored as eval scores it, the replay is now a top-1 miss: the
	// correction says #2, the ranking still says #1.
	if slices.ContainsFunc(rep.Candidates[0].Events, func(e investigation.EventRef) bool { return slices.Contains(sc.Expect.Cause, e.EventID) }) {
		t.Error("the replay's rank 1 holds the corrected cause")
	}
	fb, err := a.st.ListFeedback(context.Background(), store.FeedbackSubject{Thread: store.ThreadRef{Channel: sandboxChannel, TS: root.TS}})
	if err != nil || len(fb) != 2 || fb[0].Vote != store.VoteDown || !slices.Equal(fb[1].CorrectCause, original[1]) {
		t.Errorf("feedback = %+v, %v", fb, err)
	}
}

// triageCorpusScenario triages a corpus scenario's alarm for real through
// the Slack sandbox (with scenarioDir where 👎 corrections are written, if
// set) and returns the asker, the thread's root, the state it saved (which
// ranks at least two causes) and the alarm.
func triageCorpusScenario(t *testing.T, name, scenarioDir string) (*asker, slackapi.Message, store.ThreadState, investigation.Alarm) {
	t.Helper()
	src, err := scenario.Load("../testdata/scenarios/" + name)
	if err != nil {
		t.Fatal(err)
	}
	alarm, err := intake.Parse(src.Alarm)
	if err != nil {
		t.Fatal(err)
	}
	eng, trail := scenarioEngine(t, src)
	opts := sandboxOptions(sandboxChannel)
	opts.ScenarioDir = scenarioDir
	opts.DefaultRegion = alarm.Region
	a := startAsker(t, EngineTriager(eng), opts, func(d *Deps) {
		d.Changes = changes.New(trail, eng.Topology, alarm.Region)
		d.Topology, d.Logs, d.IAM = eng.Topology, eng.Logs, eng.IAM
		d.Alarms = &fakeAlarms{alarms: map[string]investigation.Alarm{alarm.Region + "/" + alarm.Name: alarm}}
	})
	a.clock.set(src.Meta.Now)

	root, _ := a.command(t, berliner, "triage "+alarm.Name)
	waitSandbox(t, a.sb, 20*time.Second, "the report", func() bool { _, ok := botReport(a.sb, sandboxChannel, root.TS); return ok })
	var st store.ThreadState
	eventually(t, 5*time.Second, "the thread's state", func() bool {
		st, err = a.st.LoadThread(context.Background(), store.ThreadRef{Channel: sandboxChannel, TS: root.TS})
		return err == nil
	})
	if len(st.Report.Candidates) < 2 {
		t.Fatalf("the triage ranked %d causes; the test needs two", len(st.Report.Candidates))
	}
	return a, root, st, alarm
}

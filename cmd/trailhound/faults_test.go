package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/sandbox/slackapi"
)

// The fault suite: two replicas of the real binary (`trailhound run`)
// against the Slack and AWS sandboxes and a real redis-server the test
// owns, 100 alarms each notified once, and one fault per run while they
// are triaged. Each run must end with every alarm reported exactly once,
// in the notification's thread, and no placeholder left without a report.

const (
	faultAlarms   = 100
	faultChannels = 10
	// faultSpread is how long the 100 notifications take to arrive.
	faultSpread = 5 * time.Second
	// faultDeadline bounds one run: the takeover bound and the triages.
	faultDeadline = 150 * time.Second
	// faultSettle is how long the counts must stay put once every alarm is
	// reported, for a late duplicate to show.
	faultSettle = 3 * time.Second
	// faultPointWait bounds the wait for placeholders to point at the
	// reports posted below them: about 100 edits at Slack's Tier 3 pace.
	faultPointWait = 90 * time.Second
	// faultScenario's triage makes no LookupEvents call: the suite
	// measures intake and takeover, not CloudTrail's pace of 2 requests a
	// second, which would make 100 triages take minutes per replica.
	faultScenario  = "073-blind-unscoped-custom-recon-metric"
	takeoverLogMsg = "took over work of a replica that stopped refreshing it"
	handBackLogMsg = "handed work back"
	// changeTimeLayout is the notification's StateChangeTime.
	changeTimeLayout = "2006-01-02T15:04:05.000-0700"
)

// changeTime finds the state change time in an SNS notification, whose
// message is JSON in a JSON string.
var changeTime = regexp.MustCompile(`StateChangeTime\\?":\\?"([0-9T:.+-]+)`)

// faultRig is one run's world.
type faultRig struct {
	t         *testing.T
	bin       string
	redisBin  string
	redisPort int
	redis     *exec.Cmd
	slack     *slackapi.Server
	slackURL  string
	awsURL    string
	region    string
	channels  []string
	replicas  []*exec.Cmd
	exited    []chan struct{} // closed once each replica is reaped
	logs      []string
	faultAt   time.Time
}

type faultResult struct {
	name                   string
	once, lost, duplicated int
	orphans                int
	took, pointed          time.Duration
	takeovers, handBacks   []time.Duration
	peakRSSMB              int
}

// spread formats the p50 and max of ds, or "-".
func spread(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	slices.Sort(ds)
	return fmt.Sprintf("%s / %s", ds[len(ds)/2].Round(100*time.Millisecond), ds[len(ds)-1].Round(100*time.Millisecond))
}

func TestFaultSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two replicas of the binary through four faults")
	}
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not on PATH: the fault suite kills, restarts and pauses a real Redis (CI installs one)")
	}
	bin := filepath.Join(t.TempDir(), "trailhound")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build the binary: %v\n%s", err, out)
	}
	sc, err := scenario.Load(filepath.Join(corpus, faultScenario))
	if err != nil {
		t.Fatal(err)
	}
	if m := changeTime.FindSubmatch(sc.Alarm); m == nil {
		t.Fatalf("no StateChangeTime in the notification of %s", faultScenario)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	awsSrv, err := awsapi.Start(ctx, sc, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer awsSrv.Close()

	faults := []struct {
		name  string
		at    time.Duration
		apply func(r *faultRig)
	}{
		{"replica killed (SIGKILL)", 3 * time.Second, func(r *faultRig) { r.signalReplica(0, syscall.SIGKILL) }},
		{"replica stopped (SIGTERM)", 3 * time.Second, func(r *faultRig) { r.signalReplica(0, syscall.SIGTERM) }},
		{"Redis restarted empty", 2 * time.Second, func(r *faultRig) {
			r.stopRedis()
			time.Sleep(3 * time.Second)
			r.startRedis()
		}},
		{"Redis paused 5 s", 2 * time.Second, func(r *faultRig) {
			_ = r.redis.Process.Signal(syscall.SIGSTOP)
			time.Sleep(5 * time.Second)
			_ = r.redis.Process.Signal(syscall.SIGCONT)
		}},
	}
	var results []faultResult
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			r := newFaultRig(t, bin, redisBin, awsSrv.URL(), sc.Meta.Region)
			res := r.run(sc.Alarm, f.at, func() { f.apply(r) })
			res.name = f.name
			results = append(results, res)
			if res.once != faultAlarms || res.lost != 0 || res.duplicated != 0 || res.orphans != 0 {
				t.Errorf("%s: %d reported once, %d lost, %d duplicated, %d placeholders without a report; want %d, 0, 0, 0",
					f.name, res.once, res.lost, res.duplicated, res.orphans, faultAlarms)
				r.dumpLogs()
				r.dumpLost()
			}
		})
	}
	var sb strings.Builder
	sb.WriteString("\n| fault | reported once | lost | duplicated | placeholders left | all reported after | placeholders pointed after | takeover p50 / max | hand-back p50 / max | peak RSS |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		fmt.Fprintf(&sb, "| %s | %d | %d | %d | %d | %s | %s | %s | %s | %d MB |\n", r.name, r.once, r.lost, r.duplicated, r.orphans,
			r.took.Round(100*time.Millisecond), r.pointed.Round(100*time.Millisecond), spread(r.takeovers), spread(r.handBacks), r.peakRSSMB)
	}
	t.Log(sb.String())
}

func newFaultRig(t *testing.T, bin, redisBin, awsURL, region string) *faultRig {
	r := &faultRig{t: t, bin: bin, redisBin: redisBin, awsURL: awsURL, region: region}
	for i := range faultChannels {
		r.channels = append(r.channels, fmt.Sprintf("C0FAULT%02d", i))
	}
	var chans []slackapi.Channel
	for _, c := range r.channels {
		chans = append(chans, slackapi.Channel{ID: c, Name: strings.ToLower(c)})
	}
	r.slack = slackapi.New(slackapi.Options{BotToken: "xoxb-test", AppToken: "xapp-test", Channels: chans})
	url, err := r.slack.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.slackURL = url
	t.Cleanup(r.slack.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.redisPort = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r.startRedis()
	t.Cleanup(func() {
		for i, p := range r.replicas {
			_ = p.Process.Kill()
			<-r.exited[i]
		}
		r.stopRedis()
	})
	for i := range 2 {
		r.startReplica(i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.slack.WaitFor(ctx, func() bool { return r.slack.Connections() == 2 }); err != nil {
		r.dumpLogs()
		t.Fatalf("two replicas did not connect: %v", err)
	}
	return r
}

// startRedis starts an empty redis-server on the rig's port, without
// persistence: a restart loses everything, as the fault wants.
func (r *faultRig) startRedis() {
	r.redis = exec.Command(r.redisBin, "--port", fmt.Sprint(r.redisPort), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no")
	if err := r.redis.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	for range 100 {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.redisPort)); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatal("redis-server did not listen")
}

func (r *faultRig) stopRedis() {
	if r.redis == nil || r.redis.Process == nil {
		return
	}
	_ = r.redis.Process.Signal(syscall.SIGCONT)
	_ = r.redis.Process.Kill()
	_ = r.redis.Wait()
	r.redis = nil
}

func (r *faultRig) startReplica(i int) {
	logPath := filepath.Join(r.t.TempDir(), fmt.Sprintf("replica-%d.log", i))
	logFile, err := os.Create(logPath)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { logFile.Close() })
	cmd := exec.Command(r.bin, "run")
	cmd.Env = append(os.Environ(),
		"SLACK_APP_TOKEN=xapp-test", "SLACK_BOT_TOKEN=xoxb-test",
		"TRAILHOUND_SLACK_API_URL="+r.slackURL+"/api/", "TRAILHOUND_CHANNELS="+strings.Join(r.channels, ","),
		"TRAILHOUND_HTTP_ADDR="+freeAddr(r.t), "TRAILHOUND_CONFIG=", "TRAILHOUND_LOG_LEVEL=info",
		fmt.Sprintf("REDIS_URL=redis://127.0.0.1:%d/0", r.redisPort),
		"AWS_ENDPOINT_URL="+r.awsURL, "AWS_REGION="+r.region,
		"AWS_ACCESS_KEY_ID=SANDBOXKEY", "AWS_SECRET_ACCESS_KEY=sandbox-secret",
		"AWS_PROFILE=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start replica %d: %v", i, err)
	}
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		_ = cmd.Wait()
	}()
	r.replicas = append(r.replicas, cmd)
	r.exited = append(r.exited, exited)
	r.logs = append(r.logs, logPath)
}

func (r *faultRig) signalReplica(i int, sig syscall.Signal) {
	if err := r.replicas[i].Process.Signal(sig); err != nil {
		r.t.Errorf("signal replica %d: %v", i, err)
	}

}

// run notifies the storm, applies the fault at `at`, waits for the
// reports, and counts them.
func (r *faultRig) run(alarm []byte, at time.Duration, fault func()) faultResult {
	start := time.Now()
	faultDone := make(chan struct{})
	go func() {
		defer close(faultDone)
		time.Sleep(at)
		r.faultAt = time.Now()
		fault()
	}()
	// Each alarm moves the state change by whole minutes: an episode of
	// its own.
	was := string(changeTime.FindSubmatch(alarm)[1])
	base, err := time.Parse(changeTimeLayout, was)
	if err != nil {
		r.t.Fatalf("state change time %q: %v", was, err)
	}
	step := faultSpread / faultAlarms
	for i := range faultAlarms {
		at := base.Add(-time.Duration(i) * time.Minute).Format(changeTimeLayout)
		text := strings.Replace(string(alarm), was, at, 1)
		if _, err := r.slack.PostAsBot(r.channels[i%faultChannels], "B0WEBHOOK", "alarm-webhook", text); err != nil {
			r.t.Fatal(err)
		}
		time.Sleep(step)
	}
	<-faultDone
	ctx, cancel := context.WithTimeout(context.Background(), faultDeadline)
	defer cancel()
	_ = r.slack.WaitFor(ctx, func() bool { return r.count().once == faultAlarms })
	took := time.Since(start)
	// A report that found the workspace's edits spent (Slack's Tier 3) was
	// posted below its placeholder; the placeholder is pointed at it as the
	// edit pace allows, which for a burst of 100 alarms takes longer than
	// the reports themselves.
	pctx, pcancel := context.WithTimeout(ctx, faultPointWait)
	defer pcancel()
	_ = r.slack.WaitFor(pctx, func() bool { return r.count().orphans == 0 })
	pointed := time.Since(start)
	time.Sleep(faultSettle)
	res := r.count()
	res.took, res.pointed = took, pointed
	res.takeovers = r.sinceFault(takeoverLogMsg)
	res.handBacks = r.sinceFault(handBackLogMsg)
	res.peakRSSMB = r.peakRSS()
	return res
}

// count reads every notification's thread: a thread with one report is
// reported once; a bot message of the thread that is not a report is a
// placeholder left behind; a root the bot posted, other than a storm's
// digest, is a second thread.
func (r *faultRig) count() faultResult {
	var res faultResult
	botID := r.slack.Options().BotID
	for _, ch := range r.channels {
		for _, root := range r.slack.Messages(ch) {
			if root.BotID == botID {
				// A storm's digest is the bot's one root message in a
				// channel that storms; any other root is a second thread.
				if !bytes.Contains(root.Blocks, []byte(`"block_id":"storm-header"`)) {
					res.duplicated++
				}
				continue
			}
			reports := 0
			for _, m := range r.slack.Thread(ch, root.TS) {
				if m.BotID != botID || !m.IsReply() {
					continue
				}
				switch {
				case bytes.Contains(m.Blocks, []byte(`"block_id":"footer"`)):
					reports++
				case bytes.Contains(m.Blocks, []byte(`"block_id":"progress`)) || strings.Contains(m.Text, "interrupted"):
					res.orphans++
				}
			}
			switch {
			case reports == 0:
				res.lost++
			case reports == 1:
				res.once++
			default:
				res.duplicated += reports - 1
			}
		}
	}
	return res
}

// peakRSS is the largest peak resident set of the replicas still running,
// in MB.
func (r *faultRig) peakRSS() int {
	peak := 0
	for i, p := range r.replicas {
		select {
		case <-r.exited[i]:
			continue
		default:
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Process.Pid))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			var kb int
			if _, err := fmt.Sscanf(l, "VmHWM: %d kB", &kb); err == nil {
				peak = max(peak, kb/1024)
			}
		}
	}
	return peak
}

// sinceFault are the times from the fault to each log line of msg.
func (r *faultRig) sinceFault(msg string) []time.Duration {
	var out []time.Duration
	for _, path := range r.logs {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line struct {
				Time time.Time `json:"time"`
				Msg  string    `json:"msg"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == msg && line.Time.After(r.faultAt) {
				out = append(out, line.Time.Sub(r.faultAt))
			}
		}
		f.Close()
	}
	return out
}

// dumpLost logs the bot's messages in the threads without a report.
func (r *faultRig) dumpLost() {
	botID := r.slack.Options().BotID
	shown := 0
	for _, ch := range r.channels {
		for _, root := range r.slack.Messages(ch) {
			var lines []string
			reported := false
			for _, m := range r.slack.Thread(ch, root.TS) {
				if m.BotID == botID && m.IsReply() {
					reported = reported || bytes.Contains(m.Blocks, []byte(`"block_id":"footer"`))
					lines = append(lines, fmt.Sprintf("  %s edits=%d %.80q", m.TS, len(m.Edits), m.Text))
				}
			}
			if !reported && shown < 5 {
				shown++
				r.t.Logf("thread %s/%s without a report:\n%s", ch, root.TS, strings.Join(lines, "\n"))
			}
		}
	}
}

func (r *faultRig) dumpLogs() {
	for _, path := range r.logs {
		b, _ := os.ReadFile(path)
		var keep []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, `"level":"WARN"`) || strings.Contains(l, `"level":"ERROR"`) {
				keep = append(keep, l)
			}
		}
		if len(keep) > 60 {
			keep = keep[len(keep)-60:]
		}
		r.t.Logf("%s (warnings and errors, last 60):\n%s", filepath.Base(path), strings.Join(keep, "\n"))
	}
}

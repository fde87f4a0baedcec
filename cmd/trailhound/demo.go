package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // the sandbox workspace's users live in named time zones

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot"
	"github.com/trailhound/trailhound/bot/slackchat"
	"github.com/trailhound/trailhound/config"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/bedrock"
	"github.com/trailhound/trailhound/investigation/changes"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/investigation/intake"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/sandbox/slackapi"
	"github.com/trailhound/trailhound/store"
	"github.com/trailhound/trailhound/tools"
)

// demoScenarios are played by default: several delivery shapes, layer 1 and
// layer 2 causes, a blind spot.
var demoScenarios = []string{
	"001-lambda-role-policy-detached",
	"004-lambda-code-deploy-regression",
	"008-targetgroup-unhealthy-sg-ingress-revoked",
	"021-composite-ingest-kms-key-pending-deletion",
	"030-blind-runtime-carrier-timeouts",
}

// demoUsers names the workspace's people in the transcript.
var demoUsers = map[string]string{"U0ALICE": "alice (Europe/Berlin)", "U0BOB": "bob (America/New_York)"}

const (
	demoChannel   = "C0ALERTS"
	demoEmailBot  = "B0AWSMAIL"
	demoHookBot   = "B0WEBHOOK"
	demoBotUserID = "U0TRAILHOUND"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", `trailhound demo [--scenarios DIR] [--only 001,004,…] [--blocks DIR]

Runs the real bot against a sandbox Slack workspace, sandbox AWS and an embedded Redis, all in
this process and without credentials: it posts the scenarios' alarms into #alerts (one of them
twice, one followed by OK, one through SNS and SQS), lets the bot triage them in threads, and
prints the conversation.`, stderr)
	root := fs.String("scenarios", "testdata/scenarios", "folder of scenarios")
	only := fs.String("only", "", "comma-separated scenario folder names or number prefixes (default: a representative set)")
	blocksDir := fs.String("blocks", "", "write each message's Block Kit JSON into this folder")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up waiting for the reports after this long")
	verbose := fs.Bool("verbose", false, "print the bot's logs")
	ai := fs.String("ai", "off", "off, or bedrock: the sandbox Bedrock answers from each scenario's model.json (scenarios without one show why AI was skipped)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *ai != "off" && *ai != "bedrock" {
		return usageError("demo: --ai must be off or bedrock, not %q", *ai)
	}
	dirs, err := pickDemoScenarios(*root, *only)
	if err != nil {
		return err
	}
	logOut := io.Discard
	if *verbose {
		logOut = stderr
	}
	log := slog.New(slog.NewJSONHandler(logOut, nil))
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	d, err := newDemo(ctx, dirs, log, *ai == "bedrock")
	if err != nil {
		return err
	}
	defer d.close()
	fmt.Fprintf(stdout, "Sandbox Slack at %s, %d scenario(s), embedded Redis. Posting alarms into #alerts…\n\n", d.slack.URL(), len(d.runs))

	botCtx, stopBot := context.WithCancel(ctx)
	botDone := make(chan error, 1)
	go func() { botDone <- d.bot.Run(botCtx) }()
	if err := poll(ctx, d.bot.Ready); err != nil {
		stopBot()
		return fmt.Errorf("demo: the bot did not connect: %w", err)
	}
	playErr := d.play(ctx)
	stopBot()
	if err := <-botDone; err != nil && !errors.Is(err, context.Canceled) {
		log.Warn("bot stopped", "err", err)
	}
	d.transcript(stdout)
	if *blocksDir != "" {
		if err := d.writeBlocks(*blocksDir); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nBlock Kit JSON of every message written to %s\n", *blocksDir)
	}
	return playErr
}

func pickDemoScenarios(root, only string) ([]string, error) {
	all, err := scenario.List(root)
	if err != nil {
		return nil, err
	}
	wanted := demoScenarios
	if only != "" {
		wanted = strings.Split(only, ",")
	}
	var out []string
	for _, w := range wanted {
		w = strings.TrimSpace(w)
		for _, d := range all {
			if base := filepath.Base(d); base == w || strings.HasPrefix(base, w+"-") {
				out = append(out, d)
				break
			}
		}
	}
	if len(out) == 0 {
		if only != "" {
			return nil, usageError("demo: no scenario under %s matches %q", root, only)
		}
		if len(all) == 0 {
			return nil, fmt.Errorf("demo: no scenario under %s", root)
		}
		out = all[:min(len(all), len(demoScenarios))]
	}
	return out, nil
}

// demo is one workspace, one bot and a sandbox AWS per scenario.
type demo struct {
	slack *slackapi.Server
	store *store.Store
	bot   *bot.Bot
	runs  []*demoRun
	// byARN routes a triage to the sandbox holding its scenario.
	byARN map[string]*demoRun
	sqs   *demoRun // the scenario whose alarm goes through SNS and SQS
}

type demoRun struct {
	sc    *scenario.Scenario
	alarm investigation.Alarm
	run   *sandboxRun
}

func newDemo(ctx context.Context, dirs []string, log *slog.Logger, withAI bool) (*demo, error) {
	d := &demo{byARN: map[string]*demoRun{}}
	ok := false
	defer func() {
		if !ok {
			d.close()
		}
	}()
	for _, dir := range dirs {
		sc, err := scenario.Load(dir)
		if err != nil {
			return nil, err
		}
		alarm, err := intake.Parse(sc.Alarm)
		if err != nil {
			return nil, fmt.Errorf("demo: scenario %s: %w", dir, err)
		}
		run, err := startSandboxRun(ctx, sc, sandboxOptions{})
		if err != nil {
			return nil, err
		}
		r := &demoRun{sc: sc, alarm: alarm, run: run}
		d.runs = append(d.runs, r)
		d.byARN[alarm.ARN] = r
		// One alarm other than the first (which is re-fired and recovers
		// in the channel) takes the SNS → SQS path.
		if len(d.runs) > 1 && isSNSDelivery(alarm.Delivery) {
			d.sqs = r
		}
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	newYork, _ := time.LoadLocation("America/New_York")
	d.slack = slackapi.New(slackapi.Options{
		BotUserID: demoBotUserID, BotName: "trailhound", BotID: "B0TRAILHOUND",
		BotToken: "xoxb-sandbox", AppToken: "xapp-sandbox",
		Users: []slackapi.User{
			{ID: "U0ALICE", Name: "alice", RealName: "Alice (on call)", Location: berlin},
			{ID: "U0BOB", Name: "bob", RealName: "Bob", Location: newYork},
		},
		Channels: []slackapi.Channel{{ID: demoChannel, Name: "alerts"}},
	})
	url, err := d.slack.Start("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d.store, err = store.Open(ctx, "", store.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	chat, err := slackchat.Open("xoxb-sandbox", "xapp-sandbox", url+"/api/", slackchat.Options{Envelopes: d.store, Logger: log})
	if err != nil {
		return nil, err
	}
	deps := bot.Deps{
		Chat:    chat,
		Triager: d,
		Store:   bot.RedisStore(d.store),
		Alarms:  d,
		Logger:  log,
	}
	// Questions in the demo workspace read the first scenario's trail.
	first := d.runs[0]
	eng := first.run.sources.engine(func() time.Time { return first.sc.Meta.Now })
	deps.Changes = changes.New(eng.Trail, eng.Topology, first.sc.Meta.Region)
	deps.IAM, deps.Topology, deps.Logs = eng.IAM, eng.Topology, eng.Logs
	if withAI {
		deps.Advisor, deps.Answerer = d, d
	}
	if d.sqs != nil {
		q, err := tools.OpenSQS(ctx, d.sqs.run.cfg, d.sqs.run.server.URL()+"/"+d.sqs.sc.Meta.Account+"/"+awsapi.AlarmQueue, tools.SQSOptions{Visibility: bot.DefaultSQSVisibility})
		if err != nil {
			return nil, err
		}
		deps.Queue = bot.SQSQueue(q)
	}
	d.bot, err = bot.New(deps, bot.Options{Channels: []string{demoChannel}, AlertChannel: demoChannel, Workers: 4, DefaultRegion: first.sc.Meta.Region})
	if err != nil {
		return nil, err
	}
	ok = true
	return d, nil
}

func isSNSDelivery(d investigation.Delivery) bool {
	return d == investigation.DeliverySNSLambda || d == investigation.DeliverySNSEnvelope || d == investigation.DeliveryRaw
}

func (d *demo) close() {
	if d.slack != nil {
		d.slack.Close()
	}
	if d.store != nil {
		d.store.Close()
	}
	for _, r := range d.runs {
		r.run.Close()
	}
}

// Triage routes the bot's triage to the sandbox of the alarm's scenario,
// with that scenario's clock.
func (d *demo) Triage(ctx context.Context, a investigation.Alarm, progress func(engine.Progress)) (*investigation.Report, error) {
	r, ok := d.byARN[a.ARN]
	if !ok {
		return nil, fmt.Errorf("demo: no scenario for alarm %s", a.ARN)
	}
	return r.run.triage(ctx, r.sc, a, progress)
}

// Advise runs the agent against the sandbox Bedrock of the alarm's scenario.
func (d *demo) Advise(ctx context.Context, a investigation.Alarm, rep *investigation.Report) *blocks.AIAssessment {
	r, ok := d.byARN[a.ARN]
	if !ok {
		return nil
	}
	prices := config.Default()
	return bedrockAdvisor{sources: r.run.sources, model: bedrock.New(r.run.cfg, bedrock.Options{ModelID: prices.BedrockModel}),
		priceIn: prices.AIPriceInput, priceOut: prices.AIPriceOutput}.Advise(ctx, a, rep)
}

// Answer puts a thread question to the agent of the thread's scenario.
func (d *demo) Answer(ctx context.Context, question string, st bot.ThreadState) (string, []investigation.EventRef, error) {
	r, ok := d.byARN[st.Alarm.ARN]
	if !ok {
		return "", nil, fmt.Errorf("demo: no scenario for alarm %s", st.Alarm.ARN)
	}
	return bedrockAdvisor{sources: r.run.sources, model: bedrock.New(r.run.cfg, bedrock.Options{ModelID: config.DefaultBedrockModel})}.Answer(ctx, question, st)
}

// DescribeAlarms answers from the scenarios' sandboxes.
func (d *demo) DescribeAlarms(ctx context.Context, region string, names []string) ([]investigation.Alarm, error) {
	for _, r := range d.runs {
		if r.sc.Meta.Region == region {
			return r.run.sources.alarms.DescribeAlarms(ctx, region, names)
		}
	}
	return nil, nil
}

// play posts every alarm, one twice and one followed by OK, and waits until
// every thread holds its report.
func (d *demo) play(ctx context.Context) error {
	for i, r := range d.runs {
		if r == d.sqs {
			if err := d.publish(ctx, r); err != nil {
				return err
			}
			continue
		}
		if _, err := d.postAlarm(r.sc.Alarm); err != nil {
			return err
		}
		if i == 0 {
			// The same notification again, as SNS retries or a second
			// subscription deliver it: no second triage.
			time.Sleep(300 * time.Millisecond)
			if _, err := d.postAlarm(r.sc.Alarm); err != nil {
				return err
			}
		}
	}
	if err := d.slack.WaitFor(ctx, func() bool { return d.reports() >= len(d.runs) }); err != nil {
		return fmt.Errorf("demo: %d of %d reports posted before giving up: %w", d.reports(), len(d.runs), err)
	}
	d.converse(ctx)
	// The first alarm recovers: its OK notification marks the thread resolved.
	if ok, err := okNotification(d.runs[0].sc.Alarm, d.runs[0].alarm.StateChangeTime.Add(12*time.Minute)); err == nil {
		if _, err := d.postAlarm(ok); err != nil {
			return err
		}
		_ = d.slack.WaitFor(ctx, func() bool { return d.resolved() })
	}
	return nil
}

// converse asks what an on-call engineer asks: a follow-up under the first
// report and a slash command, each answered in the channel. A missing answer
// is reported in the transcript rather than failing the demo.
func (d *demo) converse(ctx context.Context) {
	first := d.firstReportThread()
	if first == "" {
		return
	}
	before := len(d.slack.Thread(demoChannel, first))
	if _, err := d.slack.Post(slackapi.Post{Channel: demoChannel, ThreadTS: first, User: "U0BOB", Text: "<@" + demoBotUserID + "> why is #2 below #1?"}); err == nil {
		wait, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = d.slack.WaitFor(wait, func() bool { return len(d.slack.Thread(demoChannel, first)) > before+1 })
		cancel()
	}
	roots := len(d.slack.Messages(demoChannel))
	sc := d.runs[0]
	cmd := fmt.Sprintf("changes %s before %s window 1h", sc.alarm.Name, sc.alarm.StateChangeTime.UTC().Format(time.RFC3339))
	if _, err := d.slack.SlashCommand(demoChannel, "U0ALICE", cmd); err == nil {
		wait, cancel := context.WithTimeout(ctx, 15*time.Second)
		_ = d.slack.WaitFor(wait, func() bool { return len(d.slack.Messages(demoChannel)) > roots })
		cancel()
	}
}

// firstReportThread is the thread of the first alarm posted in the channel.
func (d *demo) firstReportThread() string {
	for _, m := range d.slack.Messages(demoChannel) {
		if m.ThreadTS == m.TS {
			return m.TS
		}
	}
	return ""
}

// postAlarm posts a notification as the integration that delivers it: the
// e-mail integration for e-mail text, a webhook for JSON. Slack escapes
// &, < and > in message text, and so does this.
func (d *demo) postAlarm(payload []byte) (string, error) {
	text := string(payload)
	bot, name := demoHookBot, "alarm-webhook"
	if !json.Valid(payload) {
		bot, name = demoEmailBot, "AWS Notifications"
	}
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return d.slack.PostAsBot(demoChannel, bot, name, esc.Replace(text))
}

// publish sends the scenario's alarm message to its SNS topic; SNS delivers
// it to the queue the bot polls.
func (d *demo) publish(ctx context.Context, r *demoRun) error {
	msg, err := snsMessage(r.sc.Alarm)
	if err != nil {
		return err
	}
	client := sns.NewFromConfig(r.run.cfg)
	_, err = client.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(r.run.server.Emulator().AlarmTopicARN()),
		Subject:  aws.String(fmt.Sprintf("ALARM: %q", r.alarm.Name)),
		Message:  aws.String(msg),
	})
	if err != nil {
		return fmt.Errorf("demo: publish %s to SNS: %w", r.alarm.Name, err)
	}
	return nil
}

// snsMessage returns the alarm message an SNS notification carries.
func snsMessage(payload []byte) (string, error) {
	var lambda struct {
		Records []struct {
			Sns struct{ Message string }
		}
	}
	var envelope struct{ Message string }
	switch {
	case json.Unmarshal(payload, &lambda) == nil && len(lambda.Records) > 0:
		return lambda.Records[0].Sns.Message, nil
	case json.Unmarshal(payload, &envelope) == nil && envelope.Message != "":
		return envelope.Message, nil
	case json.Valid(payload):
		return string(payload), nil
	}
	return "", errors.New("demo: the alarm is not an SNS message")
}

// okNotification turns an SNS alarm message into the OK message that ends its
// episode, as CloudWatch sends it when the metric recovers.
func okNotification(payload []byte, at time.Time) ([]byte, error) {
	msg, err := snsMessage(payload)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(msg), &m); err != nil || m["AlarmName"] == nil {
		return nil, errors.New("demo: not an SNS alarm message")
	}
	m["OldStateValue"], m["NewStateValue"] = "ALARM", "OK"
	m["NewStateReason"] = "Threshold Crossed: 1 datapoint was not greater than or equal to the threshold."
	m["StateChangeTime"] = at.UTC().Format("2006-01-02T15:04:05.000-0700")
	return json.Marshal(m)
}

// reports counts the bot's messages that hold a final report.
func (d *demo) reports() int {
	n := 0
	for _, m := range d.allMessages() {
		if m.User == demoBotUserID && bytes.Contains(m.Blocks, []byte(`"footer`)) {
			n++
		}
	}
	return n
}

func (d *demo) resolved() bool {
	for _, m := range d.allMessages() {
		if m.User == demoBotUserID && (strings.Contains(strings.ToLower(m.Text), "resolved") || bytes.Contains(bytes.ToLower(m.Blocks), []byte("resolved"))) {
			return true
		}
	}
	return false
}

func (d *demo) allMessages() []slackapi.Message {
	var out []slackapi.Message
	for _, root := range d.slack.Messages(demoChannel) {
		out = append(out, root)
		if root.ThreadTS == root.TS {
			thread := d.slack.Thread(demoChannel, root.TS)
			if len(thread) > 1 {
				out = append(out, thread[1:]...)
			}
		}
	}
	return out
}

// transcript prints the channel as a reader sees it: roots, then their threads.
func (d *demo) transcript(w io.Writer) {
	fmt.Fprintln(w, "#alerts")
	for _, root := range d.slack.Messages(demoChannel) {
		writeMessage(w, root, "")
		if root.ThreadTS != root.TS {
			continue
		}
		for _, reply := range d.slack.Thread(demoChannel, root.TS)[1:] {
			writeMessage(w, reply, "    │ ")
		}
	}
}

// transcriptNotificationLines is how much of an alarm notification the
// transcript shows.
const transcriptNotificationLines = 6

func writeMessage(w io.Writer, m slackapi.Message, indent string) {
	who := m.Username
	switch {
	case m.User == demoBotUserID:
		who = "trailhound"
	case demoUsers[m.User] != "":
		who = demoUsers[m.User]
	case who == "":
		who = m.User
	}
	fmt.Fprintf(w, "%s── %s", indent, who)
	if len(m.Edits) > 0 {
		fmt.Fprintf(w, " (edited %d×)", len(m.Edits))
	}
	fmt.Fprintln(w)
	body := blocksText(m.Blocks)
	if body == "" {
		body = slackToPlain(m.Text)
	}
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	if m.User != demoBotUserID && len(lines) > transcriptNotificationLines {
		// An integration's notification: its head says what it is.
		more := len(lines) - transcriptNotificationLines
		lines = append(lines[:transcriptNotificationLines], fmt.Sprintf("… (%d more lines)", more))
	}
	for _, line := range lines {
		fmt.Fprintf(w, "%s   %s\n", indent, oneLine(line, 160))
	}
}

// blocksText flattens Block Kit JSON into the text a reader sees.
func blocksText(raw json.RawMessage) string {
	var blocks []map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &blocks) != nil {
		return ""
	}
	var b strings.Builder
	text := func(v any) string {
		if m, ok := v.(map[string]any); ok {
			s, _ := m["text"].(string)
			return s
		}
		return ""
	}
	for _, bl := range blocks {
		switch bl["type"] {
		case "header", "section":
			if t := text(bl["text"]); t != "" {
				b.WriteString(slackToPlain(t) + "\n")
			}
			if fields, ok := bl["fields"].([]any); ok {
				for _, f := range fields {
					b.WriteString(slackToPlain(text(f)) + "\n")
				}
			}
		case "context":
			var parts []string
			for _, e := range anySlice(bl["elements"]) {
				parts = append(parts, slackToPlain(text(e)))
			}
			b.WriteString(strings.Join(parts, " · ") + "\n")
		case "actions":
			var parts []string
			for _, e := range anySlice(bl["elements"]) {
				m, _ := e.(map[string]any)
				label := slackToPlain(text(m["text"]))
				if _, ok := m["url"].(string); ok {
					label += " ↗"
				}
				parts = append(parts, "["+label+"]")
			}
			b.WriteString(strings.Join(parts, " ") + "\n")
		case "divider":
			b.WriteString("\n")
		}
	}
	return b.String()
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// slackToPlain renders Slack's date tokens and links as plain text and undoes
// mrkdwn escaping.
func slackToPlain(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "<")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], ">")
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		token := s[i+1 : i+j]
		if k := strings.LastIndex(token, "|"); k >= 0 {
			b.WriteString(token[k+1:])
		} else {
			b.WriteString(token)
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(b.String())
}

// writeBlocks saves every message's Block Kit JSON, named by thread and ts.
func (d *demo) writeBlocks(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	msgs := d.allMessages()
	sort.SliceStable(msgs, func(i, j int) bool { return msgs[i].TS < msgs[j].TS })
	for _, m := range msgs {
		if len(m.Blocks) == 0 {
			continue
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, m.Blocks, "", "  "); err != nil {
			return fmt.Errorf("demo: blocks of %s: %w", m.TS, err)
		}
		name := filepath.Join(dir, strings.ReplaceAll(m.TS, ".", "_")+".json")
		if err := os.WriteFile(name, pretty.Bytes(), 0o644); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// poll waits until cond holds, checking every 50 ms.
func poll(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // the sandbox workspace's users live in named time zones

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot"
	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/config"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/bedrock"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/investigation/intake"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/sandbox/slackapi"
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
prints the conversation.`, stdout, stderr)
	root := fs.String("scenarios", "", "folder of scenarios (default: the demo's own, built into the binary)")
	only := fs.String("only", "", "comma-separated scenario folder names or number prefixes (default: a representative set)")
	blocksDir := fs.String("blocks", "", "write each message's Block Kit JSON and each picture into this folder (pictures default to a temporary folder)")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up waiting for the reports after this long")
	verbose := fs.Bool("verbose", false, "print the bot's logs")
	ai := fs.String("ai", "off", "off, or bedrock: the sandbox Bedrock answers from each scenario's model.json (scenarios without one show why AI was skipped)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *ai != "off" && *ai != "bedrock" {
		return usageError("demo: --ai must be off or bedrock, not %q", *ai)
	}
	if *root == "" {
		dir, cleanup, err := builtInScenarios()
		if err != nil {
			return err
		}
		defer cleanup()
		*root = dir
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
	fmt.Fprintf(stdout, "Sandbox Slack at %s, %s, embedded Redis. Posting alarms into #alerts…\n\n", d.slack.URL(), plural(len(d.runs), "scenario", "scenarios"))

	botCtx, stopBot := context.WithCancel(ctx)
	botDone := make(chan error, 1)
	go func() { botDone <- d.main.Run(botCtx) }()
	if err := poll(ctx, d.main.Ready); err != nil {
		stopBot()
		return fmt.Errorf("demo: the bot did not connect: %w", err)
	}
	playErr := d.play(ctx)
	stopBot()
	if err := <-botDone; err != nil && !errors.Is(err, context.Canceled) {
		log.Warn("bot stopped", "err", err)
	}
	pictures := *blocksDir
	if pictures == "" {
		if pictures, err = os.MkdirTemp("", "trailhound-demo-"); err != nil {
			return fmt.Errorf("demo: a folder for the pictures: %w", err)
		}
	} else if err := os.MkdirAll(pictures, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	d.transcript(stdout, pictures)
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
	main  *Main
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
	if err := d.startSandboxes(ctx, dirs); err != nil {
		return nil, err
	}
	d.slack = newDemoWorkspace()
	url, err := d.slack.Start("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	be, err := d.backends(ctx, withAI)
	if err != nil {
		return nil, err
	}
	cfg := config.Config{
		SlackBotToken: "xoxb-sandbox", SlackAppToken: "xapp-sandbox", SlackAPIURL: url + "/api/",
		Channels: []string{demoChannel}, AlertChannel: demoChannel, Workers: 4,
	}
	if d.main, err = NewMain(ctx, cfg, MainOptions{Logger: log, Backends: be}); err != nil {
		return nil, err
	}
	ok = true
	return d, nil
}

// startSandboxes serves each scenario as AWS and picks the alarm that takes
// the SNS → SQS path.
func (d *demo) startSandboxes(ctx context.Context, dirs []string) error {
	for _, dir := range dirs {
		sc, err := scenario.Load(dir)
		if err != nil {
			return err
		}
		alarm, err := intake.Parse(sc.Alarm)
		if err != nil {
			return fmt.Errorf("demo: scenario %s: %w", dir, err)
		}
		run, err := startSandboxRun(ctx, sc, sandboxOptions{})
		if err != nil {
			return err
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
	return nil
}

// newDemoWorkspace is the sandbox Slack workspace: #alerts, the bot, and two
// people in different zones.
func newDemoWorkspace() *slackapi.Server {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	newYork, _ := time.LoadLocation("America/New_York")
	return slackapi.New(slackapi.Options{
		BotUserID: demoBotUserID, BotName: "trailhound", BotID: "B0TRAILHOUND",
		BotToken: "xoxb-sandbox", AppToken: "xapp-sandbox",
		Users: []slackapi.User{
			{ID: "U0ALICE", Name: "alice", RealName: "Alice (on call)", Location: berlin},
			{ID: "U0BOB", Name: "bob", RealName: "Bob", Location: newYork},
		},
		Channels: []slackapi.Channel{{ID: demoChannel, Name: "alerts"}},
	})
}

// backends route triages, alarm descriptions and the AI to each alarm's
// scenario; questions in the workspace read the first scenario's sandbox.
func (d *demo) backends(ctx context.Context, withAI bool) (*Backends, error) {
	first := d.runs[0]
	be := engineBackends(first.run.aws, func() time.Time { return first.sc.Meta.Now }, first.sc.Meta.Region)
	be.Triager, be.Alarms, be.Pictures = d, d, d
	if withAI {
		be.Advisor, be.Answerer = d, d
	}
	if d.sqs != nil {
		var err error
		url := d.sqs.run.server.URL() + "/" + d.sqs.sc.Meta.Account + "/" + awsapi.AlarmQueue
		if be.Queue, err = openQueue(ctx, d.sqs.run.aws, url); err != nil {
			return nil, err
		}
	}
	return be, nil
}

func isSNSDelivery(d investigation.Delivery) bool {
	return d == investigation.DeliverySNSLambda || d == investigation.DeliverySNSEnvelope || d == investigation.DeliveryRaw
}

func (d *demo) close() {
	if d.main != nil {
		d.main.Close()
	}
	if d.slack != nil {
		d.slack.Close()
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
	return bedrockAdvisor{aws: r.run.aws, model: bedrock.New(r.run.aws.SDKConfig(), bedrock.Options{ModelID: prices.BedrockModel}),
		priceIn: prices.AIPriceInput, priceOut: prices.AIPriceOutput}.Advise(ctx, a, rep)
}

// Answer puts a thread question to the agent of the thread's scenario.
func (d *demo) Answer(ctx context.Context, question string, st bot.ThreadState) (string, []investigation.EventRef, error) {
	r, ok := d.byARN[st.Alarm.ARN]
	if !ok {
		return "", nil, fmt.Errorf("demo: no scenario for alarm %s", st.Alarm.ARN)
	}
	return bedrockAdvisor{aws: r.run.aws, model: bedrock.New(r.run.aws.SDKConfig(), bedrock.Options{ModelID: config.DefaultBedrockModel})}.Answer(ctx, question, st)
}

// Picture draws a triage's timeline from the sandbox of its scenario.
func (d *demo) Picture(ctx context.Context, a investigation.Alarm, rep *investigation.Report) (chat.File, error) {
	r, ok := d.byARN[a.ARN]
	if !ok {
		return chat.File{}, fmt.Errorf("demo: no scenario for alarm %s", a.ARN)
	}
	return timelinePictures{metrics: r.run.aws.Metrics, now: func() time.Time { return r.sc.Meta.Now }}.Picture(ctx, a, rep)
}

// DescribeAlarms answers from the scenarios' sandboxes.
func (d *demo) DescribeAlarms(ctx context.Context, region string, names []string) ([]investigation.Alarm, error) {
	for _, r := range d.runs {
		if r.sc.Meta.Region == region {
			return r.run.aws.Alarms.DescribeAlarms(ctx, region, names)
		}
	}
	return nil, nil
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/trailhound/trailhound/config"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
	"github.com/trailhound/trailhound/investigation/bedrock"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/investigation/intake"
	"github.com/trailhound/trailhound/investigation/record"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/sandbox/offline"
	"github.com/trailhound/trailhound/tools"
)

func runTriage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("triage", "trailhound triage --scenario DIR [--format text|json] [--png FILE]\n\nRanks the CloudTrail changes most likely to have caused the scenario's alarm.", stdout, stderr)
	dir := fs.String("scenario", "", "scenario folder (scenario.json, alarm.json, trail/, …)")
	format := fs.String("format", "text", "output format: text or json")
	png := fs.String("png", "", "also write the timeline picture (the alarm's metric, threshold, ALARM period and the causes) to this PNG file")
	mode := addModeFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := mode.validate("triage"); err != nil {
		return err
	}
	if *dir == "" {
		return usageError("triage: --scenario is required")
	}
	if *format != "text" && *format != "json" {
		return usageError("triage: --format must be text or json, not %q", *format)
	}
	if *png != "" && *mode.offline {
		return usageError("triage: --png reads the alarm's metric through the sandbox CloudWatch, not --offline")
	}
	mode.png = *png
	sc, err := scenario.Load(*dir)
	if err != nil {
		return err
	}
	rep, err := mode.triage(ctx, sc)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	writeReportText(stdout, rep)
	if mode.assessment != nil {
		writeAssessmentText(stdout, mode.assessment, rep)
	}
	if mode.pngNote != "" {
		fmt.Fprintln(stdout, mode.pngNote)
	}
	return nil
}

// modeFlags choose how a scenario is triaged: through the AWS sandbox and the
// SDK adapters (the default, as in production), or in process.
type modeFlags struct {
	offline  *bool
	latency  *time.Duration
	throttle *bool
	ai       *string
	// assessment is the AI's, when --ai bedrock ran.
	assessment *agent.Assessment
	// png is where triage writes the timeline picture; pngNote says where it
	// went, or why there is none.
	png, pngNote string
	// lookupCalls are the LookupEvents requests the sandbox served in the
	// last triage, per account and region: what its floor is made of.
	lookupCalls map[string]int
}

func addModeFlags(fs *flag.FlagSet) *modeFlags {
	return &modeFlags{
		offline:  fs.Bool("offline", false, "read the scenario in process instead of through the AWS sandbox and SDK clients"),
		latency:  fs.Duration("latency", 0, "sandbox latency per request, e.g. 50ms"),
		throttle: fs.Bool("throttle", false, "sandbox enforces LookupEvents' 2 requests/s"),
		ai:       fs.String("ai", "off", "off, or bedrock: the scenario's scripted model (model.json) refines the report through the sandbox Bedrock"),
	}
}

func (m *modeFlags) validate(cmd string) error {
	if *m.latency < 0 {
		return usageError("%s: --latency cannot be negative", cmd)
	}
	if *m.offline && (*m.latency > 0 || *m.throttle || *m.ai != "off") {
		return usageError("%s: --latency, --throttle and --ai apply to the sandbox, not --offline", cmd)
	}
	if *m.ai != "off" && *m.ai != "bedrock" {
		return usageError("%s: --ai must be off or bedrock, not %q", cmd, *m.ai)
	}
	return nil
}

// triage runs one scenario in the chosen mode.
func (m *modeFlags) triage(ctx context.Context, sc *scenario.Scenario) (*investigation.Report, error) {
	if *m.offline {
		return triageOffline(ctx, sc)
	}
	alarm, err := intake.Parse(sc.Alarm)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: alarm: %w", sc.Dir, err)
	}
	run, err := startSandboxRun(ctx, sc, sandboxOptions{latency: *m.latency, throttle: *m.throttle})
	if err != nil {
		return nil, err
	}
	defer run.Close()
	run.server.Emulator().RecordRequests(true)
	rep, err := run.triage(ctx, sc, alarm, nil)
	m.lookupCalls = servedLookups(run.server.Emulator().Requests())
	if err == nil && m.png != "" {
		m.pngNote = writePicture(ctx, run.aws.Metrics, alarm, rep, sc.Meta.Now, m.png)
	}
	if err != nil || *m.ai != "bedrock" {
		return rep, err
	}
	a, err := advise(ctx, run.aws, bedrock.New(run.aws.SDKConfig(), bedrock.Options{ModelID: config.DefaultBedrockModel}), rep, alarm, agent.Budgets{})
	if err != nil {
		return nil, err
	}
	if rep.AI.Used {
		m.assessment = &a
	}
	return rep, nil
}

// triageOffline runs the engine on a scenario's own data, in process. The
// trail is read only within the widest window the triage can ask about.
func triageOffline(ctx context.Context, sc *scenario.Scenario) (*investigation.Report, error) {
	alarm, err := intake.Parse(sc.Alarm)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: alarm: %w", sc.Dir, err)
	}
	var filter record.Filter
	if !alarm.StateChangeTime.IsZero() {
		w := engine.TrailWindow(alarm.StateChangeTime)
		filter.Start, filter.End = w.Start, w.End
	}
	trail, err := tools.OpenFileTrailFilter(sc.TrailIn, filter)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Dir, err)
	}
	rep, err := triageOver(ctx, sc, alarm, trail)
	if err != nil {
		return nil, err
	}
	for _, r := range trail.Rejected() {
		rep.Notes = append(rep.Notes, fmt.Sprintf("trail file %s rejected: %s", r.File, r.Reason))
	}
	return rep, nil
}

// triageOver runs the engine on a scenario's data over trail, in process.
func triageOver(ctx context.Context, sc *scenario.Scenario, alarm investigation.Alarm, trail investigation.Trail) (*investigation.Report, error) {
	alarms, err := offline.NewAlarms(sc)
	if err != nil {
		return nil, err
	}
	gate := offline.NewGate(sc)
	eng := &engine.Engine{
		Trail:    gate.Trail(trail),
		Topology: gate.Topology(offline.NewTopology(sc)),
		Logs:     gate.Logs(offline.NewLogs(sc)),
		IAM:      offline.NewIAM(sc),
		Feeds:    offline.NewFeeds(sc),
		Coverage: offline.NewTrailSetups(sc),
		Alarms:   alarms,
		Now:      func() time.Time { return sc.Meta.Now },
	}
	return eng.Triage(ctx, alarm)
}

// servedLookups counts the LookupEvents requests served (not refused) per
// account and region, the pair CloudTrail's rate limit holds for.
func servedLookups(reqs []awsapi.Request) map[string]int {
	out := map[string]int{}
	for _, r := range reqs {
		if r.Operation == tools.OpLookupEvents && r.Refused == "" {
			out[r.Account+"/"+r.Region]++
		}
	}
	return out
}

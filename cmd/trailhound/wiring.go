package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
	"github.com/trailhound/trailhound/investigation/bedrock"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/tools"
)

// newEngine is an engine on the AWS adapters with the given clock.
func newEngine(a *tools.AWS, now func() time.Time) *engine.Engine {
	s := a.Sources()
	return &engine.Engine{
		Trail: s.Trail, Topology: s.Topology, Logs: s.Logs, IAM: s.IAM, Alarms: s.Alarms, Feeds: s.Feeds, Coverage: a.TrailSetups, Now: now,
	}
}

// newRegistry is the closed set of read-only tools the AI may call, on the
// same routed sources as the engine: every tool reads the account of the
// call's context (the workload's, see workloadContext) or the one an ARN in
// its input names, with that account's own credentials. In an organization
// a tool input may also name an account, which the allowlist and the
// organization's membership must admit before any call.
func newRegistry(a *tools.AWS, region string) (*agent.Registry, error) {
	s := a.Sources()
	opts := agent.RegistryOptions{DefaultRegion: region}
	if m := a.Accounts(); m != nil {
		opts.Accounts = m
	}
	return agent.NewRegistry(agent.Backends{
		Trail: s.Trail, Logs: s.Logs, LogInsights: s.Insights, IAM: s.Roles, Alarms: s.AlarmHistory,
		Config: s.Config, Inventory: s.Inventory,
	}, opts)
}

// workloadContext reads, for the agent, in the account of the alarm's
// first resource, as the engine did: a cross-account alarm's workload is
// in its metric's account.
func workloadContext(ctx context.Context, alarm investigation.Alarm, rep *investigation.Report) context.Context {
	account := alarm.Account
	if rep != nil {
		for _, r := range rep.Alarm.Resources {
			if r.Account != "" {
				account = r.Account
				break
			}
		}
	}
	return investigation.WithAlarmName(investigation.WithAccount(ctx, account), alarm.Name)
}

// advise runs the agent on top of a deterministic report; the report keeps
// its candidates and gains only its ai section.
func advise(ctx context.Context, a *tools.AWS, model *bedrock.Model, rep *investigation.Report, alarm investigation.Alarm, b agent.Budgets) (agent.Assessment, error) {
	reg, err := newRegistry(a, alarm.Region)
	if err != nil {
		return agent.Assessment{}, err
	}
	assessment, status, _ := agent.Advise(workloadContext(ctx, alarm, rep), agent.AdviseInput{
		Report: rep, Alarm: alarm, Model: model, ModelName: model.ID(), Tools: reg, Budgets: b,
	})
	rep.AI = status
	return assessment, nil
}

// bedrockAdvisor is the bot's Advisor: the Bedrock agent on the engine's adapters.
type bedrockAdvisor struct {
	aws     *tools.AWS
	model   *bedrock.Model
	budgets agent.Budgets
	// prices are USD per million input and output tokens; zero shows no cost.
	priceIn, priceOut float64
}

func (a bedrockAdvisor) Advise(ctx context.Context, alarm investigation.Alarm, rep *investigation.Report) *blocks.AIAssessment {
	assessment, err := advise(ctx, a.aws, a.model, rep, alarm, a.budgets)
	if err != nil {
		rep.AI = investigation.AIStatus{Model: a.model.ID(), ReasonUnused: err.Error()}
	}
	out := aiSection(assessment, rep.AI)
	out.CostUSD = (float64(rep.AI.InputTokens)*a.priceIn + float64(rep.AI.OutputTokens)*a.priceOut) / 1e6
	return out
}

// Answer puts a free-form thread question to the agent, with the thread's
// report as its context; it is the bot's Answerer.
func (a bedrockAdvisor) Answer(ctx context.Context, question string, st bot.ThreadState) (string, []investigation.EventRef, error) {
	reg, err := newRegistry(a.aws, st.Alarm.Region)
	if err != nil {
		return "", nil, err
	}
	rep := st.Report
	res, status, _ := agent.Answer(workloadContext(ctx, st.Alarm, &rep), agent.AnswerInput{
		Question: question, Report: &rep, Alarm: st.Alarm,
		Model: a.model, ModelName: a.model.ID(), Tools: reg, Budgets: a.budgets,
	})
	if !status.Used {
		return "", nil, errors.New(status.ReasonUnused)
	}
	return res.Text(), res.Events, nil
}

// aiSection is what Slack shows of an assessment.
func aiSection(a agent.Assessment, st investigation.AIStatus) *blocks.AIAssessment {
	out := &blocks.AIAssessment{
		Model: st.Model, InputTokens: st.InputTokens, OutputTokens: st.OutputTokens,
		ToolCalls: st.ToolCalls, DroppedClaims: st.DroppedClaims,
	}
	if !st.Used {
		out.Skipped = st.ReasonUnused
		return out
	}
	out.Explanation = a.Explanation
	out.MissingEvidence = a.MissingEvidence
	if a.Partial != "" {
		out.MissingEvidence = append(out.MissingEvidence, "the "+a.Partial+" budget ran out: this rests on what was read by then")
	}
	for _, r := range a.Ranking {
		out.Ranking = append(out.Ranking, blocks.AIRank{EventIDs: r.EventIDs, Plausibility: r.Plausibility, Reason: r.Reason})
	}
	for _, n := range a.NextActions {
		out.NextActions = append(out.NextActions, blocks.AIAction{Action: n.Action, Why: n.Why, EventIDs: n.EventIDs})
	}
	return out
}

// sandboxRun is a scenario served by the AWS sandbox with SDK clients pointed at it.
type sandboxRun struct {
	server *awsapi.Server
	aws    *tools.AWS
}

// sandboxExternalID is the external ID sandbox runs assume member roles with.
const sandboxExternalID = "trailhound-sandbox"

// sandboxOptions reproduce realistic AWS on the sandbox.
type sandboxOptions struct {
	latency  time.Duration
	throttle bool
}

func startSandboxRun(ctx context.Context, sc *scenario.Scenario, o sandboxOptions) (*sandboxRun, error) {
	srv, err := awsapi.Start(ctx, sc, awsapi.Options{Latency: o.latency, Throttle: o.throttle})
	if err != nil {
		return nil, err
	}
	a, err := tools.OpenAWS(ctx, tools.AWSOptions{
		Region:      sc.Meta.Region,
		Endpoint:    srv.URL(),
		Credentials: tools.StaticCredentials("SANDBOXKEY", "sandbox-secret"),
	}, sc.Meta.Account)
	if err != nil {
		srv.Close()
		return nil, err
	}
	if len(sc.Meta.Accounts) > 0 {
		// An organization: every other account through its read-only role,
		// as a deployment with member roles reads them.
		a.EnableAccounts(tools.AccountsOptions{Home: sc.Meta.Account, RoleName: awsapi.MemberRoleName,
			ExternalID: sandboxExternalID, Allowed: sc.Meta.AllowedAccounts, Organization: tools.NewOrganization(a.SDKConfig())})
	}
	return &sandboxRun{server: srv, aws: a}, nil
}

func (r *sandboxRun) Close() { r.server.Close() }

// triage runs one triage through the SDK adapters and the sandbox, counting
// every request the SDK sent.
func (r *sandboxRun) triage(ctx context.Context, sc *scenario.Scenario, alarm investigation.Alarm, progress func(engine.Progress)) (*investigation.Report, error) {
	counter := tools.NewCallCounter(nil)
	ctx = tools.WithCallCounter(ctx, counter)
	eng := newEngine(r.aws, func() time.Time { return sc.Meta.Now })
	eng.OnProgress = progress
	rep, err := eng.Triage(ctx, alarm)
	if err != nil {
		return nil, err
	}
	accountLabels{accounts: r.aws.Accounts()}.apply(ctx, rep)
	rep.Stats.APICalls = counter.Counts()
	for _, n := range r.server.Emulator().Throttled() {
		rep.Stats.Throttled += n
	}
	for _, rj := range r.server.Emulator().TrailRejected() {
		rep.Notes = append(rep.Notes, fmt.Sprintf("trail file %s rejected: %s", rj.File, rj.Reason))
	}
	return rep, nil
}

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/sandbox"
	"github.com/trailhound/trailhound/tools"
)

// awsSources are the engine's sources on the AWS SDK, built once per process
// and shared by every triage (the CloudTrail pacer must be shared to hold
// 2 requests per second per account and region).
type awsSources struct {
	trail    *tools.CloudTrail
	topology *tools.Topology
	logs     *tools.Logs
	iam      *tools.IAM
	alarms   *tools.Alarms
}

func newAWSSources(cfg aws.Config, account string) *awsSources {
	inv := tools.NewInventory(cfg, tools.InventoryOptions{})
	iam := tools.NewIAM(cfg, tools.IAMOptions{})
	return &awsSources{
		trail: tools.NewCloudTrail(cfg, tools.CloudTrailOptions{Account: account, Pacer: tools.NewLookupEventsPacer()}),
		topology: &tools.Topology{
			Config:    tools.NewConfigService(cfg, tools.ConfigServiceOptions{}),
			Inventory: inv,
			Roles:     iam,
			Profiles:  inv,
		},
		logs:   tools.NewLogs(cfg, tools.LogsOptions{}),
		iam:    iam,
		alarms: tools.NewAlarms(cfg, tools.AlarmsOptions{}),
	}
}

// engine returns an engine on these sources with the given clock.
func (s *awsSources) engine(now func() time.Time) *investigation.Engine {
	return &investigation.Engine{
		Trail: s.trail, Topology: s.topology, Logs: s.logs, IAM: s.iam, Alarms: s.alarms, Now: now,
	}
}

// sandboxRun is a scenario served by the AWS sandbox with SDK clients pointed at it.
type sandboxRun struct {
	server  *sandbox.Server
	cfg     aws.Config
	sources *awsSources
}

// sandboxOptions reproduce realistic AWS on the sandbox.
type sandboxOptions struct {
	latency  time.Duration
	throttle bool
}

func startSandboxRun(ctx context.Context, sc *sandbox.Scenario, o sandboxOptions) (*sandboxRun, error) {
	srv, err := sandbox.StartAWS(ctx, sc, sandbox.AWSOptions{Latency: o.latency, Throttle: o.throttle})
	if err != nil {
		return nil, err
	}
	cfg, err := tools.LoadAWSConfig(ctx, tools.AWSOptions{
		Region:      sc.Meta.Region,
		Endpoint:    srv.URL(),
		Credentials: credentials.NewStaticCredentialsProvider("SANDBOXKEY", "sandbox-secret", ""),
	})
	if err != nil {
		srv.Close()
		return nil, err
	}
	return &sandboxRun{server: srv, cfg: cfg, sources: newAWSSources(cfg, sc.Meta.Account)}, nil
}

func (r *sandboxRun) Close() { r.server.Close() }

// triage runs one triage through the SDK adapters and the sandbox, counting
// every request the SDK sent.
func (r *sandboxRun) triage(ctx context.Context, sc *sandbox.Scenario, alarm investigation.Alarm, progress func(investigation.Progress)) (*investigation.Report, error) {
	counter := tools.NewCallCounter(nil)
	ctx = tools.WithCallCounter(ctx, counter)
	eng := r.sources.engine(func() time.Time { return sc.Meta.Now })
	eng.OnProgress = progress
	rep, err := eng.Triage(ctx, alarm)
	if err != nil {
		return nil, err
	}
	rep.Stats.APICalls = counter.Counts()
	for _, rj := range r.server.AWS().TrailRejected() {
		rep.Notes = append(rep.Notes, fmt.Sprintf("trail file %s rejected: %s", rj.File, rj.Reason))
	}
	return rep, nil
}

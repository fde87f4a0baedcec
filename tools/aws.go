package tools

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/trailhound/trailhound/investigation"
)

// AWS is one SDK configuration and the engine's adapters on it, built once
// per process (or per sandbox) and shared by every triage: the CloudTrail
// pacer must be shared to hold 2 requests per second per account and region.
type AWS struct {
	Trail     *CloudTrail
	Topology  *Topology
	Config    *ConfigService
	Inventory *Inventory
	Logs      *Logs
	IAM       *IAM
	Alarms    *Alarms
	Feeds     *StatusFeeds
	// TrailSetups reads the trail setup, for the coverage the report states.
	TrailSetups *TrailSetups
	Metrics     *MetricData

	cfg      aws.Config
	accounts *Accounts
}

// OpenAWS loads the configuration (see LoadAWSConfig) and builds the
// adapters on it. account keys the CloudTrail pacer; empty is fine when the
// credentials read one account.
func OpenAWS(ctx context.Context, o AWSOptions, account string) (*AWS, error) {
	cfg, err := LoadAWSConfig(ctx, o)
	if err != nil {
		return nil, err
	}
	return NewAWS(cfg, account), nil
}

// NewAWS builds the adapters on a configuration loaded by LoadAWSConfig.
func NewAWS(cfg aws.Config, account string) *AWS {
	return newAWS(cfg, account, NewLookupEventsPacer())
}

// newAWS builds the adapters of one account on a CloudTrail pacer shared
// with the other accounts' (its keys hold the account).
func newAWS(cfg aws.Config, account string, pacer *Pacer) *AWS {
	inv := NewInventory(cfg, InventoryOptions{})
	iam := NewIAM(cfg, IAMOptions{})
	cs := NewConfigService(cfg, ConfigServiceOptions{})
	return &AWS{
		Trail:       NewCloudTrail(cfg, CloudTrailOptions{Account: account, Pacer: pacer}),
		Topology:    &Topology{Config: cs, Inventory: inv, Roles: iam, Profiles: inv},
		Config:      cs,
		Inventory:   inv,
		Logs:        NewLogs(cfg, LogsOptions{}),
		IAM:         iam,
		Alarms:      NewAlarms(cfg, AlarmsOptions{}),
		Feeds:       NewStatusFeeds(cfg, StatusFeedsOptions{}),
		TrailSetups: NewTrailSetups(cfg),
		Metrics:     NewMetricData(cfg, MetricDataOptions{}),
		cfg:         cfg,
	}
}

// Region is the configuration's region.
func (a *AWS) Region() string { return a.cfg.Region }

// SDKConfig is the configuration, for adapters outside this package that
// call AWS themselves (the Bedrock model).
func (a *AWS) SDKConfig() aws.Config { return a.cfg }

// OpenSQS opens a queue on this configuration (see OpenSQS).
func (a *AWS) OpenSQS(ctx context.Context, queue string, opts SQSOptions) (*SQS, error) {
	return OpenSQS(ctx, a.cfg, queue, opts)
}

// SNS is an SNS client on this configuration.
func (a *AWS) SNS() *SNS { return NewSNS(a.cfg) }

// Sources are the engine's sources.
type Sources struct {
	Trail    investigation.Trail
	Topology investigation.Topology
	Logs     investigation.Logs
	IAM      investigation.IAM
	Alarms   investigation.Alarms
	Feeds    investigation.StatusFeeds
}

// EnableAccounts makes Sources read every account through its own
// credentials (see Accounts); opts.Home is this configuration's account.
func (a *AWS) EnableAccounts(opts AccountsOptions) *Accounts {
	a.accounts = NewAccounts(a.cfg, a, opts)
	return a.accounts
}

// Accounts is what EnableAccounts set up; nil when every read uses this
// configuration's credentials.
func (a *AWS) Accounts() *Accounts { return a.accounts }

// Sources are the engine's sources: routed to each account's credentials
// once EnableAccounts was called, else this configuration's adapters.
func (a *AWS) Sources() Sources {
	if m := a.accounts; m != nil {
		return Sources{Trail: m.Trail(), Topology: m.Topology(), Logs: m.Logs(), IAM: m.IAM(), Alarms: m.Alarms(), Feeds: m.Feeds()}
	}
	return Sources{Trail: a.Trail, Topology: a.Topology, Logs: a.Logs, IAM: a.IAM, Alarms: a.Alarms, Feeds: a.Feeds}
}

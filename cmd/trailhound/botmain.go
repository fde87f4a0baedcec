package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/trailhound/trailhound/bot"
	"github.com/trailhound/trailhound/bot/slackchat"
	"github.com/trailhound/trailhound/config"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
	"github.com/trailhound/trailhound/investigation/bedrock"
	"github.com/trailhound/trailhound/investigation/changes"
	"github.com/trailhound/trailhound/store"
	"github.com/trailhound/trailhound/tools"
)

// Main is the bot process built from its settings: the store, the Slack
// connection, what the bot reads AWS through, the bot itself and its ops
// endpoint. `run` and `demo` (and so the end-to-end tests) start the bot
// through it, so the bot's wiring exists once.
type Main struct {
	bot   *bot.Bot
	store *store.Store
	ops   *http.Server // nil without an ops address
	log   *slog.Logger
}

// Backends are what the bot reads AWS through.
type Backends struct {
	Triager  bot.Triager
	Alarms   bot.AlarmDescriber
	Changes  bot.ChangeFinder
	IAM      investigation.IAM
	Topology investigation.Topology
	Logs     investigation.Logs
	// Advisor and Answerer are the AI's, nil when it is off.
	Advisor  bot.Advisor
	Answerer bot.Answerer
	// Pictures draws each report's timeline for the thread.
	Pictures bot.Picturer
	// Queue, when set, is polled for alarm notifications.
	Queue bot.Queue
	// Region is where names given without a region are looked up.
	Region string
}

// MainOptions complete the settings with what a deployment does not set.
type MainOptions struct {
	// Logger receives the bot's logs; nil uses slog's default.
	Logger *slog.Logger
	// Backends replace those read from the AWS environment: the demo routes
	// each alarm to the sandbox of its scenario.
	Backends *Backends
}

// NewMain builds the bot from cfg, which the caller has validated. Close
// releases what it opened, whether Run ran or not.
func NewMain(ctx context.Context, cfg config.Config, o MainOptions) (*Main, error) {
	m := &Main{log: o.Logger}
	if m.log == nil {
		m.log = slog.Default()
	}
	built := false
	defer func() {
		if !built {
			m.Close()
		}
	}()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var err error
	if m.store, err = store.Open(ctx, cfg.RedisURL, store.Options{Logger: m.log}); err != nil {
		return nil, err
	}
	be := o.Backends
	if be == nil {
		if be, err = awsBackends(ctx, cfg, reg); err != nil {
			return nil, err
		}
	}
	chat, err := slackchat.Open(cfg.SlackBotToken, cfg.SlackAppToken, cfg.SlackAPIURL, slackchat.Options{Envelopes: m.store, Record: m.store, Logger: m.log, Metrics: reg})
	if err != nil {
		return nil, err
	}
	shared := bot.RedisStore(m.store)
	m.bot, err = bot.New(bot.Deps{
		Chat: chat, Triager: be.Triager, Store: shared, Work: shared,
		Advisor: be.Advisor, Answerer: be.Answerer, Alarms: be.Alarms, Changes: be.Changes,
		IAM: be.IAM, Topology: be.Topology, Logs: be.Logs, Queue: be.Queue,
		Pictures: be.Pictures, Logger: m.log, Metrics: reg,
	}, bot.Options{
		Channels: cfg.Channels, AlertChannel: cfg.AlertChannel,
		Regions: cfg.Regions, Accounts: cfg.Accounts, DefaultRegion: be.Region,
		Workers: cfg.Workers, DedupWindow: cfg.DedupWindow,
		CommandUsers: cfg.CommandUsers, AlarmBots: cfg.AlarmBots, ScenarioDir: cfg.ScenarioOutDir,
	})
	if err != nil {
		return nil, err
	}
	if cfg.HTTPAddr != "" {
		m.ops = &http.Server{Addr: cfg.HTTPAddr, Handler: opsHandler(reg, m.bot.Ready), ReadHeaderTimeout: 5 * time.Second}
	}
	built = true
	return m, nil
}

// Run serves the ops endpoint and runs the bot until ctx ends.
func (m *Main) Run(ctx context.Context) error {
	if m.ops != nil {
		go func() {
			if err := m.ops.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				m.log.Error("ops endpoint stopped", "addr", m.ops.Addr, "err", err)
			}
		}()
		defer func() {
			shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = m.ops.Shutdown(shut)
		}()
	}
	return m.bot.Run(ctx)
}

// Ready reports whether the bot is connected to Slack and the store.
func (m *Main) Ready() bool { return m.bot.Ready() }

// Close releases the store.
func (m *Main) Close() {
	if m.store != nil {
		m.store.Close()
	}
}

// awsBackends read AWS as the environment configures it, every request
// counted on reg.
func awsBackends(ctx context.Context, cfg config.Config, reg prometheus.Registerer) (*Backends, error) {
	a, err := tools.OpenAWS(ctx, tools.AWSOptions{Metrics: reg}, "")
	if err != nil {
		return nil, err
	}
	if err := enableAccounts(ctx, a, cfg); err != nil {
		return nil, err
	}
	be := engineBackends(a, time.Now, a.Region())
	be.Triager = labelledTriager{next: be.Triager,
		labels: accountLabels{accounts: a.Accounts(), portalURL: cfg.PortalURL, portalRole: cfg.PortalRole}}
	if cfg.AI == config.AIBedrock {
		advisor := bedrockAdvisor{
			aws:     a,
			model:   bedrock.New(a.SDKConfig(), bedrock.Options{ModelID: cfg.BedrockModel, Region: cfg.BedrockRegion}),
			budgets: agent.Budgets{ToolCalls: cfg.AIToolCalls, InputTokens: cfg.AIInputTokens, WallTime: cfg.AIWallTime},
			priceIn: cfg.AIPriceInput, priceOut: cfg.AIPriceOutput,
		}
		be.Advisor, be.Answerer = advisor, advisor
	}
	if cfg.SQSQueueURL != "" {
		if be.Queue, err = openQueue(ctx, a, cfg.SQSQueueURL); err != nil {
			return nil, err
		}
	}
	return be, nil
}

// enableAccounts reads every account other than the credentials' own
// through its member role, when one is configured. Bedrock keeps the base
// credentials and its own region.
func enableAccounts(ctx context.Context, a *tools.AWS, cfg config.Config) error {
	if cfg.MemberRole == "" {
		return nil
	}
	home, err := tools.CallerAccount(ctx, a.SDKConfig())
	if err != nil {
		return fmt.Errorf("member roles: %w", err)
	}
	a.EnableAccounts(tools.AccountsOptions{Home: home, RoleName: cfg.MemberRole, Roles: cfg.MemberRoles,
		ExternalID: cfg.ExternalID, Allowed: cfg.Accounts, Organization: tools.NewOrganization(a.SDKConfig()),
		RequireMember: cfg.OrganizationCheck})
	return nil
}

// engineBackends are the engine and the bot's readers on one AWS
// configuration, with the clock now; change questions name region when
// they name none.
func engineBackends(a *tools.AWS, now func() time.Time, region string) *Backends {
	eng := newEngine(a, now)
	return &Backends{
		Triager: bot.EngineTriager(eng), Alarms: a.Alarms,
		Changes: changes.New(eng.Trail, eng.Topology, region),
		IAM:     eng.IAM, Topology: eng.Topology, Logs: eng.Logs,
		Pictures: timelinePictures{metrics: a.Metrics, now: now},
		Region:   region,
	}
}

// openQueue opens the alarm queue with the bot's visibility.
func openQueue(ctx context.Context, a *tools.AWS, url string) (bot.Queue, error) {
	q, err := a.OpenSQS(ctx, url, tools.SQSOptions{Visibility: bot.DefaultSQSVisibility})
	if err != nil {
		return nil, err
	}
	return bot.SQSQueue(q), nil
}

// opsHandler serves /healthz (the process is up), /readyz (connected to Slack
// and the store) and /metrics.
func opsHandler(reg *prometheus.Registry, ready func() bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}

// newLogger logs JSON lines at the given level, the Redis client's own
// messages included; secrets never reach it (config.String redacts them).
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	log := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
	store.SetClientLogger(log)
	return log
}

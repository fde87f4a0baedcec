package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/trailhound/trailhound/bot"
	"github.com/trailhound/trailhound/bot/slackchat"
	"github.com/trailhound/trailhound/config"
	"github.com/trailhound/trailhound/investigation/agent"
	"github.com/trailhound/trailhound/investigation/bedrock"
	"github.com/trailhound/trailhound/investigation/changes"
	"github.com/trailhound/trailhound/store"
	"github.com/trailhound/trailhound/tools"
)

func runBot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fmt.Fprint(stdout, "trailhound run [flags]\n\nRuns the Slack bot (Socket Mode). Every setting is a flag, an environment variable\nor a key of the YAML file named by --config.\n\n"+config.Usage())
			return nil
		}
	}
	cfg, err := config.Load(args, os.Getenv)
	if err != nil {
		return fmt.Errorf("%w: run: %v", errUsage, err)
	}
	if err := cfg.ValidateBot(); err != nil {
		return fmt.Errorf("%w: run: %v", errUsage, err)
	}
	log := newLogger(stderr, cfg.LogLevel)
	log.Info("starting", "version", version, "config", cfg.String())

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	awsCalls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trailhound_aws_requests_total",
		Help: "AWS API requests sent, retries included, by operation and outcome.",
	}, []string{"operation", "outcome"})
	reg.MustRegister(awsCalls)

	st, err := store.Open(ctx, cfg.RedisURL, store.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	defer st.Close()
	awsCfg, err := tools.LoadAWSConfig(ctx, tools.AWSOptions{})
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	awsCfg.APIOptions = append(awsCfg.APIOptions, observeAWSCalls(awsCalls))
	sources := newAWSSources(awsCfg, "")

	chat, err := slackchat.Open(cfg.SlackBotToken, cfg.SlackAppToken, cfg.SlackAPIURL, slackchat.Options{Envelopes: st, Logger: log, Metrics: reg})
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	eng := sources.engine(time.Now)
	deps := bot.Deps{
		Chat:     chat,
		Triager:  bot.EngineTriager(eng),
		Store:    bot.RedisStore(st),
		Alarms:   sources.alarms,
		Changes:  changes.New(eng.Trail, eng.Topology, awsCfg.Region),
		IAM:      eng.IAM,
		Topology: eng.Topology,
		Logs:     eng.Logs,
		Logger:   log,
		Metrics:  reg,
	}
	if cfg.AI == config.AIBedrock {
		advisor := bedrockAdvisor{
			sources: sources,
			model:   bedrock.New(awsCfg, bedrock.Options{ModelID: cfg.BedrockModel, Region: cfg.BedrockRegion}),
			budgets: agent.Budgets{ToolCalls: cfg.AIToolCalls, InputTokens: cfg.AIInputTokens, WallTime: cfg.AIWallTime},
			priceIn: cfg.AIPriceInput, priceOut: cfg.AIPriceOutput,
		}
		deps.Advisor, deps.Answerer = advisor, advisor
	}
	if cfg.SQSQueueURL != "" {
		q, err := tools.OpenSQS(ctx, awsCfg, cfg.SQSQueueURL, tools.SQSOptions{Visibility: bot.DefaultSQSVisibility})
		if err != nil {
			return fmt.Errorf("run: %w", err)
		}
		deps.Queue = bot.SQSQueue(q)
	}
	b, err := bot.New(deps, bot.Options{
		Channels: cfg.Channels, AlertChannel: cfg.AlertChannel,
		Regions: cfg.Regions, Accounts: cfg.Accounts, DefaultRegion: awsCfg.Region,
		Workers: cfg.Workers, DedupWindow: cfg.DedupWindow,
		CommandUsers: cfg.CommandUsers, ScenarioDir: cfg.ScenarioOutDir,
	})
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	srv := &http.Server{Addr: cfg.HTTPAddr, Handler: opsHandler(reg, b.Ready), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("ops endpoint stopped", "addr", cfg.HTTPAddr, "err", err)
		}
	}()
	defer func() {
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	err = b.Run(ctx)
	log.Info("stopped", "err", err)
	return err
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

// observeAWSCalls counts every AWS request by operation and outcome (ok or
// the error code), after the retry step so each attempt counts.
func observeAWSCalls(c *prometheus.CounterVec) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("TrailhoundObserveCalls",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleFinalize(ctx, in)
				outcome := "ok"
				var apiErr smithy.APIError
				switch {
				case errors.As(err, &apiErr):
					outcome = apiErr.ErrorCode()
				case err != nil:
					outcome = "transport_error"
				}
				op := awsmiddleware.GetServiceID(ctx) + ":" + awsmiddleware.GetOperationName(ctx)
				c.WithLabelValues(op, outcome).Inc()
				return out, md, err
			}), middleware.After)
	}
}

// newLogger logs JSON lines at the given level; secrets never reach it
// (config.String redacts them).
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	log := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
	redis.SetLogger(redisLogger{log})
	return log
}

// redisLogger sends go-redis's own messages (dial failures) to slog instead of stderr.
type redisLogger struct{ log *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// Package config builds Trailhound's one Config from defaults, an optional
// YAML file, the environment and flags, in that order of precedence, and
// validates it with errors that name the setting at fault.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultSlackAPIURL is Slack's Web API.
const DefaultSlackAPIURL = "https://slack.com/api/"

// DefaultBedrockModel is a cross-region inference profile of a current Claude Sonnet.
const DefaultBedrockModel = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

// AI modes.
const (
	AIOff     = "off"
	AIBedrock = "bedrock"
)

// Config is every setting of the bot. Field tags name the YAML key; env names
// are in the table of settings below.
type Config struct {
	SlackAppToken string   `yaml:"slack_app_token"`
	SlackBotToken string   `yaml:"slack_bot_token"`
	SlackAPIURL   string   `yaml:"slack_api_url"`
	Channels      []string `yaml:"channels"`
	AlertChannel  string   `yaml:"alert_channel"`
	// CommandUsers, when set, limits commands that read AWS to these Slack user ids.
	CommandUsers []string `yaml:"command_users"`
	// AlarmBots, when set, are the only Slack integrations (bot ids) whose
	// alarms are triaged; empty trusts every integration in the channels.
	AlarmBots []string `yaml:"alarm_bots"`

	SQSQueueURL string        `yaml:"sqs_queue_url"`
	RedisURL    string        `yaml:"redis_url"`
	DedupWindow time.Duration `yaml:"dedup_window"`
	Workers     int           `yaml:"workers"`
	HTTPAddr    string        `yaml:"http_addr"`
	LogLevel    string        `yaml:"log_level"`

	// Regions and Accounts, when set, are the only ones Trailhound triages.
	Regions  []string `yaml:"regions"`
	Accounts []string `yaml:"accounts"`

	// MemberRole, when set, is the read-only role Trailhound assumes in
	// every account other than its credentials' own ("{account}" in it is
	// replaced by the account id); empty reads that one account only.
	MemberRole string `yaml:"member_role"`
	// MemberRoles overrides the role per account: a name or a full ARN.
	MemberRoles map[string]string `yaml:"member_roles"`
	// ExternalID is passed to every AssumeRole; the member roles' trust
	// policy requires it.
	ExternalID string `yaml:"external_id"`
	// OrganizationCheck reads only accounts AWS Organizations lists as
	// members (organizations:ListAccounts).
	OrganizationCheck bool `yaml:"organization_check"`
	// PortalURL is the IAM Identity Center access portal's start URL;
	// with PortalRole (a permission set), event links sign the reader in
	// to the event's account.
	PortalURL  string `yaml:"portal_url"`
	PortalRole string `yaml:"portal_role"`

	AI            string        `yaml:"ai"`
	BedrockModel  string        `yaml:"bedrock_model"`
	BedrockRegion string        `yaml:"bedrock_region"`
	AIToolCalls   int           `yaml:"ai_tool_calls"`
	AIInputTokens int           `yaml:"ai_input_tokens"`
	AIWallTime    time.Duration `yaml:"ai_wall_time"`
	// AIPriceInput and AIPriceOutput are USD per million tokens, for the
	// cost shown under an AI assessment; 0 shows no cost.
	AIPriceInput   float64 `yaml:"ai_price_input_per_mtok"`
	AIPriceOutput  float64 `yaml:"ai_price_output_per_mtok"`
	ScenarioOutDir string  `yaml:"scenario_out_dir"`
}

// Default returns the settings used when nothing else is given.
func Default() Config {
	return Config{
		SlackAPIURL:   DefaultSlackAPIURL,
		DedupWindow:   time.Hour,
		Workers:       4,
		HTTPAddr:      ":8080",
		LogLevel:      "info",
		AI:            AIOff,
		BedrockModel:  DefaultBedrockModel,
		AIToolCalls:   8,
		AIInputTokens: 30000,
		AIWallTime:    60 * time.Second,
		// On-demand prices of the default model's family at the time of writing.
		AIPriceInput:  3,
		AIPriceOutput: 15,
	}
}

// setting binds one Config field to its environment variable and flag.
type setting struct {
	env   string
	flag  string
	usage string
	field
}

// field reads and writes one Config field as text: set parses what a flag,
// the environment or the file gives, show prints the value (for the
// defaults in Usage).
type field struct {
	set  func(c *Config, v string) error
	show func(c Config) string
}

func str(p func(*Config) *string) field {
	return field{
		set:  func(c *Config, v string) error { *p(c) = strings.TrimSpace(v); return nil },
		show: func(c Config) string { return *p(&c) },
	}
}

func list(p func(*Config) *[]string) field {
	return field{
		set: func(c *Config, v string) error {
			var out []string
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
			*p(c) = out
			return nil
		},
		show: func(c Config) string { return strings.Join(*p(&c), ",") },
	}
}

func dur(p func(*Config) *time.Duration) field {
	return field{
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("not a duration (e.g. 1h, 90s): %q", v)
			}
			*p(c) = d
			return nil
		},
		show: func(c Config) string { return p(&c).String() },
	}
}

func number(p func(*Config) *float64) field {
	return field{
		set: func(c *Config, v string) error {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 {
				return fmt.Errorf("not a non-negative number: %q", v)
			}
			*p(c) = f
			return nil
		},
		show: func(c Config) string { return strconv.FormatFloat(*p(&c), 'f', -1, 64) },
	}
}

func boolean(p func(*Config) *bool) field {
	return field{
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("not true or false: %q", v)
			}
			*p(c) = b
			return nil
		},
		show: func(c Config) string { return strconv.FormatBool(*p(&c)) },
	}
}

// pairs reads "key=value,key=value".
func pairs(p func(*Config) *map[string]string) field {
	return field{
		set: func(c *Config, v string) error {
			out := map[string]string{}
			for _, kv := range strings.Split(v, ",") {
				if kv = strings.TrimSpace(kv); kv == "" {
					continue
				}
				k, val, ok := strings.Cut(kv, "=")
				if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(val) == "" {
					return fmt.Errorf("want account=role pairs separated by commas, got %q", kv)
				}
				out[strings.TrimSpace(k)] = strings.TrimSpace(val)
			}
			*p(c) = out
			return nil
		},
		show: func(c Config) string {
			m := *p(&c)
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for i, k := range keys {
				keys[i] = k + "=" + m[k]
			}
			return strings.Join(keys, ",")
		},
	}
}

func integer(p func(*Config) *int) field {
	return field{
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("not a whole number: %q", v)
			}
			*p(c) = n
			return nil
		},
		show: func(c Config) string { return strconv.Itoa(*p(&c)) },
	}
}

var settings = []setting{
	{"SLACK_APP_TOKEN", "slack-app-token", "Slack app-level token (xapp-…) for Socket Mode", str(func(c *Config) *string { return &c.SlackAppToken })},
	{"SLACK_BOT_TOKEN", "slack-bot-token", "Slack bot token (xoxb-…)", str(func(c *Config) *string { return &c.SlackBotToken })},
	{"TRAILHOUND_SLACK_API_URL", "slack-api-url", "Slack Web API base URL", str(func(c *Config) *string { return &c.SlackAPIURL })},
	{"TRAILHOUND_CHANNELS", "channels", "comma-separated channel ids the bot works in", list(func(c *Config) *[]string { return &c.Channels })},
	{"TRAILHOUND_ALERT_CHANNEL", "alert-channel", "channel id where alarms from SQS open threads", str(func(c *Config) *string { return &c.AlertChannel })},
	{"TRAILHOUND_COMMAND_USERS", "command-users", "comma-separated Slack user ids allowed to run commands and have pasted alarms triaged", list(func(c *Config) *[]string { return &c.CommandUsers })},
	{"TRAILHOUND_ALARM_BOTS", "alarm-bots", "comma-separated Slack bot ids of the integrations whose alarms are triaged, e.g. the SNS e-mail app and AWS Chatbot", list(func(c *Config) *[]string { return &c.AlarmBots })},
	{"TRAILHOUND_SQS_QUEUE_URL", "sqs-queue-url", "SQS queue subscribed to the alarms' SNS topic", str(func(c *Config) *string { return &c.SQSQueueURL })},
	{"REDIS_URL", "redis-url", "redis:// or rediss:// URL", str(func(c *Config) *string { return &c.RedisURL })},
	{"TRAILHOUND_DEDUP_WINDOW", "dedup-window", "how long a re-fired alarm is a duplicate", dur(func(c *Config) *time.Duration { return &c.DedupWindow })},
	{"TRAILHOUND_WORKERS", "workers", "triages run at once", integer(func(c *Config) *int { return &c.Workers })},
	{"TRAILHOUND_HTTP_ADDR", "http-addr", "address of /healthz, /readyz and /metrics", str(func(c *Config) *string { return &c.HTTPAddr })},
	{"TRAILHOUND_LOG_LEVEL", "log-level", "debug, info, warn or error", str(func(c *Config) *string { return &c.LogLevel })},
	{"TRAILHOUND_REGIONS", "regions", "comma-separated regions to triage", list(func(c *Config) *[]string { return &c.Regions })},
	{"TRAILHOUND_ACCOUNTS", "accounts", "comma-separated account ids to triage", list(func(c *Config) *[]string { return &c.Accounts })},
	{"TRAILHOUND_MEMBER_ROLE", "member-role", "role assumed in the other accounts, e.g. TrailhoundReadOnly ({account} is replaced)", str(func(c *Config) *string { return &c.MemberRole })},
	{"TRAILHOUND_MEMBER_ROLES", "member-roles", "per-account role overrides: account=name-or-ARN,…", pairs(func(c *Config) *map[string]string { return &c.MemberRoles })},
	{"TRAILHOUND_EXTERNAL_ID", "external-id", "external ID passed to AssumeRole (the member roles' trust condition)", str(func(c *Config) *string { return &c.ExternalID })},
	{"TRAILHOUND_ORGANIZATION_CHECK", "organization-check", "read only accounts AWS Organizations lists as members (true/false)", boolean(func(c *Config) *bool { return &c.OrganizationCheck })},
	{"TRAILHOUND_PORTAL_URL", "portal-url", "IAM Identity Center start URL: event links open through the access portal in the event's account", str(func(c *Config) *string { return &c.PortalURL })},
	{"TRAILHOUND_PORTAL_ROLE", "portal-role", "permission set the portal links sign in with", str(func(c *Config) *string { return &c.PortalRole })},
	{"TRAILHOUND_AI", "ai", "off or bedrock", str(func(c *Config) *string { return &c.AI })},
	{"TRAILHOUND_BEDROCK_MODEL", "bedrock-model", "Bedrock model or inference profile id", str(func(c *Config) *string { return &c.BedrockModel })},
	{"TRAILHOUND_BEDROCK_REGION", "bedrock-region", "region of the Bedrock endpoint", str(func(c *Config) *string { return &c.BedrockRegion })},
	{"TRAILHOUND_AI_TOOL_CALLS", "ai-tool-calls", "tool calls the model may make per triage", integer(func(c *Config) *int { return &c.AIToolCalls })},
	{"TRAILHOUND_AI_INPUT_TOKENS", "ai-input-tokens", "input tokens the model may use per triage", integer(func(c *Config) *int { return &c.AIInputTokens })},
	{"TRAILHOUND_AI_WALL_TIME", "ai-wall-time", "wall time the model may use per triage", dur(func(c *Config) *time.Duration { return &c.AIWallTime })},
	{"TRAILHOUND_AI_PRICE_INPUT", "ai-price-input", "USD per million input tokens, for the cost shown with AI answers", number(func(c *Config) *float64 { return &c.AIPriceInput })},
	{"TRAILHOUND_AI_PRICE_OUTPUT", "ai-price-output", "USD per million output tokens", number(func(c *Config) *float64 { return &c.AIPriceOutput })},
	{"TRAILHOUND_SCENARIO_OUT_DIR", "scenario-out-dir", "where corrected answers are written as replayable scenarios", str(func(c *Config) *string { return &c.ScenarioOutDir })},
}

// Load reads the configuration: defaults, then the YAML file named by
// --config or TRAILHOUND_CONFIG, then the environment, then flags.
// getenv is os.Getenv in production and a map in tests.
func Load(args []string, getenv func(string) string) (Config, error) {
	c := Default()
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	file := fs.String("config", getenv("TRAILHOUND_CONFIG"), "YAML configuration file (env TRAILHOUND_CONFIG)")
	flagValues := map[string]*string{}
	for _, s := range settings {
		flagValues[s.flag] = fs.String(s.flag, "", s.usage+" (env "+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("flags: %w", err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("flags: unexpected argument %q", fs.Arg(0))
	}
	if *file != "" {
		if err := c.loadFile(*file); err != nil {
			return c, err
		}
	}
	var errs []error
	for _, s := range settings {
		if v, ok := lookup(getenv, s.env); ok {
			if err := s.set(&c, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", s.env, err))
			}
		}
	}
	fs.Visit(func(f *flag.Flag) {
		for _, s := range settings {
			if s.flag == f.Name {
				if err := s.set(&c, *flagValues[s.flag]); err != nil {
					errs = append(errs, fmt.Errorf("--%s: %w", s.flag, err))
				}
			}
		}
	})
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	return c, nil
}

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

func (c *Config) loadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

// unsetMeans says what an empty setting does, where that is more than nothing.
var unsetMeans = map[string]string{
	"TRAILHOUND_CHANNELS":         "only the alert channel",
	"TRAILHOUND_ALERT_CHANNEL":    "none; required with an SQS queue",
	"TRAILHOUND_COMMAND_USERS":    "everyone in the allowed channels",
	"TRAILHOUND_ALARM_BOTS":       "every integration in the allowed channels",
	"TRAILHOUND_SQS_QUEUE_URL":    "none: alarms come from channel messages only",
	"REDIS_URL":                   "embedded in-memory Redis, one replica only",
	"TRAILHOUND_REGIONS":          "all",
	"TRAILHOUND_ACCOUNTS":         "all",
	"TRAILHOUND_BEDROCK_REGION":   "AWS_REGION",
	"SLACK_APP_TOKEN":             "none; required",
	"SLACK_BOT_TOKEN":             "none; required",
	"TRAILHOUND_SCENARIO_OUT_DIR": "none: corrections are not written",
	"TRAILHOUND_MEMBER_ROLE":      "none: only the credentials' own account is read",
	"TRAILHOUND_MEMBER_ROLES":     "none: every account uses the member role",
	"TRAILHOUND_EXTERNAL_ID":      "none: AssumeRole sends no external ID",
	"TRAILHOUND_PORTAL_URL":       "none: links open in the account the reader is signed in to",
	"TRAILHOUND_PORTAL_ROLE":      "none; required with a portal URL",
}

// Usage lists every setting with its flag, environment variable and default.
func Usage() string {
	var b strings.Builder
	def := Default()
	b.WriteString("Settings (flag, environment variable, default):\n")
	b.WriteString("  --config                 TRAILHOUND_CONFIG           YAML file with the settings below (snake_case keys)\n")
	for _, s := range settings {
		d := s.show(def)
		if d == "" {
			d = unsetMeans[s.env]
		}
		fmt.Fprintf(&b, "  --%-22s %-27s %s (default: %s)\n", s.flag, s.env, s.usage, d)
	}
	return b.String()
}

// ValidateBot checks what `trailhound run` needs, naming each setting at fault.
func (c Config) ValidateBot() error {
	var errs []error
	bad := func(env, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", env, fmt.Sprintf(format, args...)))
	}
	switch {
	case c.SlackAppToken == "":
		bad("SLACK_APP_TOKEN", "required (an app-level token with connections:write, xapp-…)")
	case !strings.HasPrefix(c.SlackAppToken, "xapp-"):
		bad("SLACK_APP_TOKEN", "must be an app-level token starting with xapp-")
	}
	switch {
	case c.SlackBotToken == "":
		bad("SLACK_BOT_TOKEN", "required (the bot token, xoxb-…)")
	case !strings.HasPrefix(c.SlackBotToken, "xoxb-"):
		bad("SLACK_BOT_TOKEN", "must be a bot token starting with xoxb-")
	}
	if u, err := url.Parse(c.SlackAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("TRAILHOUND_SLACK_API_URL", "must be an http(s) URL, got %q", c.SlackAPIURL)
	}
	// The alert channel is one of the bot's channels: a queue-only setup
	// needs no list.
	if len(c.Channels) == 0 && c.AlertChannel == "" {
		bad("TRAILHOUND_CHANNELS", "required (or TRAILHOUND_ALERT_CHANNEL): the channel ids the bot may work in")
	}
	for _, ch := range c.Channels {
		if !validChannelID(ch) {
			bad("TRAILHOUND_CHANNELS", "%q is not a channel id (C…, G…)", ch)
		}
	}
	if c.AlertChannel != "" && !validChannelID(c.AlertChannel) {
		bad("TRAILHOUND_ALERT_CHANNEL", "%q is not a channel id (C…, G…)", c.AlertChannel)
	}
	if c.SQSQueueURL != "" {
		if c.AlertChannel == "" {
			bad("TRAILHOUND_ALERT_CHANNEL", "required with TRAILHOUND_SQS_QUEUE_URL: alarms from SQS need a channel to open threads in")
		}
		if u, err := url.Parse(c.SQSQueueURL); err != nil || u.Scheme == "" || u.Host == "" {
			bad("TRAILHOUND_SQS_QUEUE_URL", "must be a queue URL, got %q", c.SQSQueueURL)
		}
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			bad("REDIS_URL", "must be a redis:// or rediss:// URL")
		}
	}
	if c.DedupWindow < time.Minute {
		bad("TRAILHOUND_DEDUP_WINDOW", "must be at least 1m, got %s", c.DedupWindow)
	}
	if c.Workers < 1 || c.Workers > 64 {
		bad("TRAILHOUND_WORKERS", "must be between 1 and 64, got %d", c.Workers)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("TRAILHOUND_LOG_LEVEL", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	switch c.AI {
	case AIOff:
	case AIBedrock:
		if c.BedrockModel == "" {
			bad("TRAILHOUND_BEDROCK_MODEL", "required with TRAILHOUND_AI=bedrock")
		}
	default:
		bad("TRAILHOUND_AI", "must be off or bedrock, got %q", c.AI)
	}
	if c.AIToolCalls < 0 {
		bad("TRAILHOUND_AI_TOOL_CALLS", "cannot be negative, got %d", c.AIToolCalls)
	}
	if c.AIInputTokens < 0 {
		bad("TRAILHOUND_AI_INPUT_TOKENS", "cannot be negative, got %d", c.AIInputTokens)
	}
	if c.AIWallTime < 0 {
		bad("TRAILHOUND_AI_WALL_TIME", "cannot be negative, got %s", c.AIWallTime)
	}
	errs = append(errs, c.validateAccounts()...)
	return errors.Join(errs...)
}

func validChannelID(s string) bool {
	if len(s) < 9 || (s[0] != 'C' && s[0] != 'G' && s[0] != 'D') {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// String prints the configuration with secrets redacted, for logs.
func (c Config) String() string {
	redis := c.RedisURL
	if u, err := url.Parse(redis); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		redis = u.String()
	}
	return fmt.Sprintf("slack_app_token=%s slack_bot_token=%s slack_api_url=%s channels=%v alert_channel=%s command_users=%d alarm_bots=%v sqs_queue_url=%s redis_url=%s dedup_window=%s workers=%d http_addr=%s ai=%s bedrock_model=%s regions=%v accounts=%v",
		Redact(c.SlackAppToken), Redact(c.SlackBotToken), c.SlackAPIURL, c.Channels, c.AlertChannel, len(c.CommandUsers), c.AlarmBots,
		c.SQSQueueURL, redis, c.DedupWindow, c.Workers, c.HTTPAddr, c.AI, c.BedrockModel, c.Regions, c.Accounts)
}

// Redact keeps a token's kind (its prefix) and hides the rest.
func Redact(token string) string {
	if token == "" {
		return ""
	}
	if i := strings.IndexByte(token, '-'); i > 0 && i < 6 {
		return token[:i+1] + "[redacted]"
	}
	return "[redacted]"
}

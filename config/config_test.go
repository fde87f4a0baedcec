package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var validEnv = map[string]string{
	"SLACK_APP_TOKEN":     "xapp-1-A0-secretapp",
	"SLACK_BOT_TOKEN":     "xoxb-123-secretbot",
	"TRAILHOUND_CHANNELS": "C0123456789, C0987654321",
}

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "trailhound.yaml")
	if err := os.WriteFile(file, []byte("dedup_window: 2h\nworkers: 3\nalert_channel: C0000000001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := map[string]string{"TRAILHOUND_CONFIG": file, "TRAILHOUND_WORKERS": "5"}
	for k, v := range validEnv {
		e[k] = v
	}
	c, err := Load([]string{"--workers", "7"}, env(e))
	if err != nil {
		t.Fatal(err)
	}
	if c.DedupWindow != 2*time.Hour || c.AlertChannel != "C0000000001" {
		t.Errorf("file settings not applied: %+v", c)
	}
	if c.Workers != 7 {
		t.Errorf("workers = %d, want the flag's 7 over env 5 and file 3", c.Workers)
	}
	if len(c.Channels) != 2 || c.Channels[1] != "C0987654321" {
		t.Errorf("channels = %v", c.Channels)
	}
	if err := c.ValidateBot(); err != nil {
		t.Errorf("valid config rejected: %v", err)
	}
}

func TestValidationNamesTheSetting(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"nothing set", map[string]string{}, []string{"SLACK_APP_TOKEN: required", "SLACK_BOT_TOKEN: required", "TRAILHOUND_CHANNELS: required"}},
		{"tokens swapped", map[string]string{"SLACK_APP_TOKEN": "xoxb-1", "SLACK_BOT_TOKEN": "xapp-1", "TRAILHOUND_CHANNELS": "C0123456789"},
			[]string{"SLACK_APP_TOKEN: must be an app-level token", "SLACK_BOT_TOKEN: must be a bot token"}},
		{"sqs without alert channel", merge(validEnv, map[string]string{"TRAILHOUND_SQS_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/alarms"}),
			[]string{"TRAILHOUND_ALERT_CHANNEL: required with TRAILHOUND_SQS_QUEUE_URL"}},
		{"bad redis url", merge(validEnv, map[string]string{"REDIS_URL": "http://localhost:6379"}), []string{"REDIS_URL: must be a redis://"}},
		{"bad channel id", merge(validEnv, map[string]string{"TRAILHOUND_CHANNELS": "#alerts"}), []string{`TRAILHOUND_CHANNELS: "#alerts" is not a channel id`}},
		{"bad ai mode", merge(validEnv, map[string]string{"TRAILHOUND_AI": "gpt"}), []string{"TRAILHOUND_AI: must be off or bedrock"}},
		{"negative budget", merge(validEnv, map[string]string{"TRAILHOUND_AI_INPUT_TOKENS": "-1"}), []string{"TRAILHOUND_AI_INPUT_TOKENS: cannot be negative"}},
		{"bad alert channel", merge(validEnv, map[string]string{"TRAILHOUND_ALERT_CHANNEL": "alerts"}), []string{`TRAILHOUND_ALERT_CHANNEL: "alerts" is not a channel id`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(nil, env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			err = c.ValidateBot()
			if err == nil {
				t.Fatal("want a validation error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			// Each error names its own setting and no other.
			if n := strings.Count(err.Error(), "\n") + 1; n != len(tc.want) {
				t.Errorf("%d errors, want %d: %q", n, len(tc.want), err)
			}
		})
	}
}

func TestQueueOnlyNeedsNoChannelList(t *testing.T) {
	c, err := Load(nil, env(map[string]string{
		"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1",
		"TRAILHOUND_SQS_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/trailhound-alarms",
		"TRAILHOUND_ALERT_CHANNEL": "C0123456789",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ValidateBot(); err != nil {
		t.Errorf("queue-only setup rejected: %v", err)
	}
}

func TestUsageListsEverySettingWithItsDefault(t *testing.T) {
	u := Usage()
	for _, s := range settings {
		line := ""
		for _, l := range strings.Split(u, "\n") {
			if strings.Contains(l, "--"+s.flag+" ") {
				line = l
			}
		}
		if !strings.Contains(line, s.env) || !strings.Contains(line, "(default: ") || strings.HasSuffix(line, "(default: )") {
			t.Errorf("usage line of %s = %q, want its variable and a default", s.flag, line)
		}
	}
	for _, want := range []string{"(default: 1h0m0s)", "(default: 4)", "(default: :8080)", "(default: off)"} {
		if !strings.Contains(u, want) {
			t.Errorf("usage lacks %s", want)
		}
	}
}

func TestMalformedValuesFailAtLoad(t *testing.T) {
	_, err := Load(nil, env(merge(validEnv, map[string]string{"TRAILHOUND_DEDUP_WINDOW": "an hour"})))
	if err == nil || !strings.Contains(err.Error(), "TRAILHOUND_DEDUP_WINDOW: not a duration") {
		t.Fatalf("err = %v", err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(file, []byte("dedup_windw: 1h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load([]string{"--config", file}, env(nil)); err == nil || !strings.Contains(err.Error(), "dedup_windw") {
		t.Fatalf("unknown YAML key not reported: %v", err)
	}
}

func TestStringRedactsSecrets(t *testing.T) {
	c, err := Load(nil, env(merge(validEnv, map[string]string{"REDIS_URL": "redis://user:hunter2@redis:6379/0"})))
	if err != nil {
		t.Fatal(err)
	}
	s := c.String()
	for _, secret := range []string{"secretapp", "secretbot", "hunter2"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() leaks %q: %s", secret, s)
		}
	}
	if !strings.Contains(s, "xoxb-[redacted]") || !strings.Contains(s, "redis://user@redis:6379/0") {
		t.Errorf("String() should keep what is not secret: %s", s)
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

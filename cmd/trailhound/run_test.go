package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/sandbox/slackapi"
)

// TestRunServesSlackAndStopsCleanly runs `trailhound run` as deployed, with
// its settings from the environment, against sandbox Slack and sandbox AWS:
// an alarm posted by an integration gets its report in a thread, the ops
// endpoint answers, and cancelling (SIGTERM) ends it within 10 s.
func TestRunServesSlackAndStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole bot")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sc, err := scenario.Load(filepath.Join(corpus, "001-lambda-role-policy-detached"))
	if err != nil {
		t.Fatal(err)
	}
	awsSrv, err := awsapi.Start(ctx, sc, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer awsSrv.Close()
	const channel = "C0ALERTS01"
	slack := slackapi.New(slackapi.Options{BotToken: "xoxb-test", AppToken: "xapp-test",
		Channels: []slackapi.Channel{{ID: channel, Name: "alerts"}}})
	slackURL, err := slack.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer slack.Close()
	opsAddr := freeAddr(t)
	for k, v := range map[string]string{
		"SLACK_APP_TOKEN": "xapp-test", "SLACK_BOT_TOKEN": "xoxb-test",
		"TRAILHOUND_SLACK_API_URL": slackURL + "/api/", "TRAILHOUND_CHANNELS": channel,
		"TRAILHOUND_HTTP_ADDR": opsAddr, "REDIS_URL": "", "TRAILHOUND_CONFIG": "",
		"AWS_ENDPOINT_URL": awsSrv.URL(), "AWS_REGION": sc.Meta.Region,
		"AWS_ACCESS_KEY_ID": "SANDBOXKEY", "AWS_SECRET_ACCESS_KEY": "sandbox-secret",
		"AWS_PROFILE": "", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
	} {
		t.Setenv(k, v)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() { done <- run(runCtx, []string{"run"}, io.Discard, &logs) }()

	if _, err := slack.PostAsBot(channel, "B0WEBHOOK", "alarm-webhook", string(sc.Alarm)); err != nil {
		t.Fatal(err)
	}
	err = slack.WaitFor(ctx, func() bool {
		for _, m := range slack.Messages(channel) {
			for _, r := range slack.Thread(channel, m.TS) {
				if bytes.Contains(r.Blocks, []byte(sc.Expect.Cause[0])) {
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no report citing %s in a thread: %v\nlogs:\n%s", sc.Expect.Cause[0], err, logs.String())
	}
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "trailhound_aws_requests_total"} {
		body := get(t, "http://"+opsAddr+path)
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks %q", path, want)
		}
	}
	stopped := time.Now()
	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("run exited %d after a clean stop:\n%s", code, logs.String())
		}
		if d := time.Since(stopped); d > 10*time.Second {
			t.Errorf("stop took %s, want ≤ 10 s", d)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop within 15 s of cancellation")
	}
	if strings.Contains(logs.String(), "xoxb-test") || strings.Contains(logs.String(), "xapp-test") {
		t.Error("a token reached the logs")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func get(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/sandbox/slackapi"
)

// Credentials planted in the trail and the logs, and the pieces of each
// that must reach neither a person nor the model.
var planted = map[string]string{
	"access key id":    "AKIAIOSFODNN7EXAMPLE",
	"secret key":       "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"session token":    "FwoGZXIvYXdzEBYaDLtcNupZxgkt6ivKyCLAAbUV9pxZ",
	"bearer token":     "2YotnFZFEjr1zCsicMWpAA.tGzv3JOkF0XG5Qx2TlKWIA",
	"URL password":     "Tr0ub4dor3-url",
	"environment":      "Tr0ub4dor3-env",
	"Slack bot token":  "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
	"private key body": "MIIEpAIBAAKCAQEA7bq3planted",
}

// secretFragments are what must not appear: each secret, and the part of a
// key id or token past the prefix a redaction keeps.
var secretFragments = []string{
	"IOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "FwoGZXIvYXdzEBYaDLtc", "2YotnFZFEjr1zCsicMWpAA",
	"Tr0ub4dor3", "AbCdEfGhIjKlMnOpQrStUvWx", "MIIEpAIBAAKCAQEA7bq3",
}

// plantSecrets adds credentials to the cause event of the scenario, as
// request parameters, user agents and extra data carry them, and to a log
// line of the function.
func plantSecrets(t *testing.T, sc *scenario.Scenario, causeID string) {
	t.Helper()
	found := false
	for i, f := range sc.Trail {
		if strings.HasSuffix(f.Name, ".gz") || !bytes.Contains(f.Data, []byte(causeID)) {
			continue
		}
		var file struct {
			Records []map[string]any `json:"Records"`
		}
		if err := json.Unmarshal(f.Data, &file); err != nil {
			t.Fatal(err)
		}
		for _, r := range file.Records {
			if r["eventID"] != causeID {
				continue
			}
			found = true
			r["userIdentity"].(map[string]any)["accessKeyId"] = planted["access key id"]
			r["userAgent"] = "deploy-bot/1.0 (Authorization: Bearer " + planted["bearer token"] + ")"
			params := r["requestParameters"].(map[string]any)
			params["description"] = "old key " + planted["access key id"] + " " + planted["secret key"]
			params["callback"] = "https://deploy:" + planted["URL password"] + "@hooks.example.com/done?X-Amz-Security-Token=" + planted["session token"]
			r["additionalEventData"] = map[string]any{
				"environment": []map[string]string{{"name": "DB_PASSWORD", "value": planted["environment"]}},
				"notify":      `{"slack":{"token":"` + planted["Slack bot token"] + `"}}`,
				"key":         "-----BEGIN RSA PRIVATE KEY-----\n" + planted["private key body"] + "\n-----END RSA PRIVATE KEY-----",
			}
		}
		b, err := json.Marshal(file)
		if err != nil {
			t.Fatal(err)
		}
		sc.Trail[i].Data = b
	}
	if !found {
		t.Fatalf("no event %s in the scenario's trail", causeID)
	}
	for gi := range sc.Logs.Groups {
		evs := sc.Logs.Groups[gi].Events
		for ei := range evs {
			if strings.Contains(evs[ei].Message, "AccessDenied") {
				evs[ei].Message += " retrying with aws_secret_access_key=" + planted["secret key"] + " token=" + planted["Slack bot token"]
			}
		}
	}
}

// converseRecorder passes requests to the AWS sandbox and keeps what was
// sent to the model.
type converseRecorder struct {
	next   http.Handler
	mu     sync.Mutex
	bodies []string
}

func (c *converseRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/converse") {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.bodies = append(c.bodies, string(b))
		c.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	c.next.ServeHTTP(w, r)
}

func (c *converseRecorder) sent() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.bodies...)
}

// TestNoSecretReachesSlackOrTheModel runs `trailhound run` with the AI on,
// over a trail and logs laden with credentials: every message the bot
// posts or edits (placeholder, report, AI assessment, thread answers) and every request to the model holds none of them, while the
// cause's event id, name and time stay for a person to verify.
func TestNoSecretReachesSlackOrTheModel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole bot")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sc, err := scenario.Load(filepath.Join(corpus, "001-lambda-role-policy-detached"))
	if err != nil {
		t.Fatal(err)
	}
	cause := sc.Expect.Cause[0]
	plantSecrets(t, sc, cause)
	dir := filepath.Join(t.TempDir(), "planted")
	if err := scenario.Write(dir, sc); err != nil {
		t.Fatal(err)
	}
	if sc, err = scenario.Load(dir); err != nil {
		t.Fatal(err)
	}
	emu, err := awsapi.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	model := &converseRecorder{next: emu}
	awsSrv := httptest.NewServer(model)
	defer awsSrv.Close()

	const channel, oncall = "C0ALERTS01", "U0ONCALL1"
	slack := slackapi.New(slackapi.Options{BotToken: "xoxb-test", AppToken: "xapp-test",
		Channels: []slackapi.Channel{{ID: channel, Name: "alerts"}},
		Users:    []slackapi.User{{ID: oncall, Name: "oncall"}}})
	slackURL, err := slack.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer slack.Close()
	for k, v := range map[string]string{
		"SLACK_APP_TOKEN": "xapp-test", "SLACK_BOT_TOKEN": "xoxb-test",
		"TRAILHOUND_SLACK_API_URL": slackURL + "/api/", "TRAILHOUND_CHANNELS": channel,
		"TRAILHOUND_HTTP_ADDR": "", "REDIS_URL": "", "TRAILHOUND_CONFIG": "", "TRAILHOUND_AI": "bedrock",
		"AWS_ENDPOINT_URL": awsSrv.URL, "AWS_REGION": sc.Meta.Region,
		"AWS_ACCESS_KEY_ID": "SANDBOXKEY", "AWS_SECRET_ACCESS_KEY": "sandbox-secret",
		"AWS_PROFILE": "", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
	} {
		t.Setenv(k, v)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() { done <- run(runCtx, []string{"run"}, io.Discard, &logs) }()
	defer func() {
		stop()
		<-done
	}()

	root, err := slack.PostAsBot(channel, "B0WEBHOOK", "alarm-webhook", string(sc.Alarm))
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, ctx, slack, channel, root, func(m slackapi.Message) bool {
		return bytes.Contains(m.Blocks, []byte(cause)) && len(model.sent()) >= len(sc.Model.Turns)
	}, &logs)

	// Answers typed in the thread. (The event JSON button and "show event"
	// look the event up by id within CloudTrail's 90 days of the wall clock,
	// which the scenario's date is outside of; bot and blocks test that path.)
	for _, q := range []string{"who made change 1?", "why is #2 below #1?"} {
		before := len(slack.Thread(channel, root))
		if _, err := slack.Post(slackapi.Post{Channel: channel, ThreadTS: root, User: oncall, Text: q}); err != nil {
			t.Fatal(err)
		}
		if err := slack.WaitFor(ctx, func() bool { return len(slack.Thread(channel, root)) >= before+2 }); err != nil {
			t.Fatalf("no answer to %q: %v", q, err)
		}
	}

	// Everything the bot sent Slack, edits and ephemerals included.
	var shown strings.Builder
	for _, method := range []string{"chat.postMessage", "chat.update", "chat.postEphemeral", "files.upload", "files.uploadV2"} {
		for _, c := range slack.Calls(method) {
			for k, vs := range c.Args {
				if k != "channel" && k != "ts" && k != "thread_ts" {
					shown.WriteString(strings.Join(vs, "\n") + "\n")
				}
			}
		}
	}
	if shown.Len() == 0 {
		t.Fatal("the bot sent Slack nothing")
	}
	requests := model.sent()
	if len(requests) < 2 {
		t.Fatalf("the model was called %d times, want the whole scripted conversation", len(requests))
	}
	for _, frag := range secretFragments {
		if strings.Contains(shown.String(), frag) {
			t.Errorf("Slack shows %q:\n%s", frag, context40(shown.String(), frag))
		}
		for i, body := range requests {
			if strings.Contains(body, frag) || strings.Contains(body, jsonEscaped(frag)) {
				t.Errorf("model request %d holds %q: %s", i+1, frag, context40(body, frag))
			}
		}
	}
	// What a person needs to check the claim is still there.
	for _, keep := range []string{cause, "DetachRolePolicy", "13:56"} {
		if !strings.Contains(shown.String(), keep) {
			t.Errorf("Slack lost %q", keep)
		}
	}
	if !strings.Contains(strings.Join(requests, "\n"), cause) {
		t.Error("the model never saw the cause's event id")
	}
	if !strings.Contains(shown.String(), "[redacted]") {
		t.Error("nothing was redacted: were the secrets shown at all?")
	}
}

// waitMessage waits for a message of the thread root that ok accepts.
func waitMessage(t *testing.T, ctx context.Context, slack *slackapi.Server, channel, root string, ok func(slackapi.Message) bool, logs *bytes.Buffer) slackapi.Message {
	t.Helper()
	var found slackapi.Message
	err := slack.WaitFor(ctx, func() bool {
		for _, m := range slack.Thread(channel, root) {
			if ok(m) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("waiting in thread %s: %v\nlogs:\n%s", root, err, logs.String())
	}
	return found
}

func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// context40 shows where frag occurs in s.
func context40(s, frag string) string {
	i := strings.Index(s, frag)
	if i < 0 {
		i = strings.Index(s, jsonEscaped(frag))
	}
	if i < 0 {
		return ""
	}
	return s[max(0, i-40):min(len(s), i+len(frag)+40)]
}

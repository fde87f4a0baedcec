package blocks_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
	"github.com/trailhound/trailhound/investigation/redact"
)

// Credentials as a change's request parameters carry them, and the pieces
// of each that must not be shown anywhere.
const (
	leakedKeyID    = "AKIAIOSFODNN7EXAMPLE"
	leakedSession  = "FwoGZXIvYXdzEBYaDLtcNupZxgkt6ivKyCLAAbUV9pxZ"
	leakedPassword = "Tr0ub4dor3"
	leakedBearer   = "2YotnFZFEjr1zCsicMWpAA.tGzv3JOkF0XG5Qx2TlKWIA"

	leakEventID   = "ee73c230-44bc-4492-8542-cfb189eae287"
	leakEventName = "RegisterTaskDefinition"
)

var leakEventTime = time.Date(2026, 3, 19, 13, 52, 10, 0, time.UTC)

// leakyRequest is the change's request parameters: an access key id, a
// session token in a URL, a password in an ECS environment value and a
// bearer token.
var leakyRequest = `{"family":"api","taskRoleArn":"arn:aws:iam::123456789012:role/api",` +
	`"containerDefinitions":[{"name":"api","environment":[{"name":"DB_PASSWORD","value":"` + leakedPassword + `"},{"name":"STAGE","value":"prod"}]}],` +
	`"tags":[{"key":"deployedWith","value":"` + leakedKeyID + `"}],` +
	`"deployHook":"https://hooks.example.com/deploy?X-Amz-Security-Token=` + leakedSession + `&stage=prod",` +
	`"headers":"Authorization: Bearer ` + leakedBearer + `"}`

// leakyReport is a report whose cause quotes those request parameters in
// its summary, its claims and its next step, as the engine and the AI do
// when they describe a change.
func leakyReport() *investigation.Report {
	ref := investigation.EventRef{EventID: leakEventID, EventName: leakEventName, EventSource: "ecs.amazonaws.com", EventTime: leakEventTime,
		Actor: "alice", Region: "eu-west-1", Link: investigation.EventLink("eu-west-1", leakEventID)}
	return &investigation.Report{
		Alarm: investigation.AlarmSummary{Name: "checkout-errors", Region: "eu-west-1", Account: "123456789012",
			State: investigation.StateAlarm, StateChangeTime: leakEventTime.Add(6 * time.Minute)},
		Window: investigation.Window{Start: leakEventTime.Add(-time.Hour), End: leakEventTime.Add(10 * time.Minute)},
		Candidates: []investigation.Candidate{{
			Rank: 1, Category: investigation.CategoryConfig, Confidence: investigation.ConfidenceHigh, Score: 0.9, Layer: 1,
			Summary: leakEventName + " on ECS task definition api by alice (deployedWith=" + leakedKeyID +
				", deployHook=https://hooks.example.com/deploy?X-Amz-Security-Token=" + leakedSession + "&stage=prod)",
			Resource: investigation.ResourceRef{Type: "AWS::ECS::TaskDefinition", ID: "api"},
			Events:   []investigation.EventRef{ref},
			Claims: []investigation.Claim{
				{Text: `The new revision sets environment=[{"name":"DB_PASSWORD","value":"` + leakedPassword + `"}]`, Confidence: investigation.ConfidenceHigh, EventIDs: []string{leakEventID}},
				{Text: "The deploy hook was called with Authorization: Bearer " + leakedBearer, Confidence: investigation.ConfidenceMedium, EventIDs: []string{leakEventID}},
				{Text: "Request parameters: " + leakyRequest, Confidence: investigation.ConfidenceLow, EventIDs: []string{leakEventID}},
			},
			NextStep: "Register the previous revision again; the request used key " + leakedKeyID + ".",
		}},
		Explanation: investigation.Explanation{WhatChanged: "A task definition revision with DB_PASSWORD=" + leakedPassword, Why: "The service restarted on it."},
		ArtifactID:  "a-1",
	}
}

func assertNoCredential(t *testing.T, where, got string) {
	t.Helper()
	for _, secret := range []string{leakedKeyID, "IOSFODNN7EXAMPLE", leakedSession, leakedPassword, leakedBearer} {
		if strings.Contains(got, secret) {
			t.Errorf("%s shows %q:\n%s", where, secret, got)
		}
	}
}

func assertVerifiable(t *testing.T, where, got string, times ...string) {
	t.Helper()
	for _, want := range append([]string{leakEventID, leakEventName}, times...) {
		if !strings.Contains(got, want) {
			t.Errorf("%s lost %q, which a person needs to verify the claim:\n%s", where, want, got)
		}
	}
}

// TestNoCredentialReachesAPersonOrTheModel renders a report whose cause
// carries credentials, the event JSON its button shows and the AI's first
// turn about it: none may show a credential, and each must still show the
// event's id, name and time.
func TestNoCredentialReachesAPersonOrTheModel(t *testing.T) {
	rep := leakyReport()
	slackTime := strconv.FormatInt(leakEventTime.Unix(), 10)

	m := blocks.Report(rep, blocks.ReportOptions{})
	payload, err := blocks.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	assertNoCredential(t, "the report's blocks", string(payload))
	assertVerifiable(t, "the report's blocks", string(payload), slackTime)
	assertNoCredential(t, "the report's fallback text", m.Text)
	if !strings.Contains(m.Text, "checkout-errors") {
		t.Errorf("fallback text %q lost the alarm", m.Text)
	}

	// The overflow form, when a report is too large, shows the summary too.
	for i := range 40 {
		rep.Candidates[0].Claims = append(rep.Candidates[0].Claims, investigation.Claim{Text: strings.Repeat("x", 3000) + strconv.Itoa(i)})
	}
	big, _ := blocks.Encode(blocks.Report(rep, blocks.ReportOptions{}))
	assertNoCredential(t, "the large report", string(big))
	rep = leakyReport()

	raw := `{"eventVersion":"1.09","eventID":"` + leakEventID + `","eventName":"` + leakEventName + `","eventTime":"` + leakEventTime.Format(time.RFC3339) +
		`","userIdentity":{"type":"IAMUser","userName":"alice","accessKeyId":"` + leakedKeyID + `"},"requestParameters":` + leakyRequest + `}`
	ev, err := blocks.Encode(blocks.EventJSON(leakEventID, redact.JSON([]byte(raw))))
	if err != nil {
		t.Fatal(err)
	}
	assertNoCredential(t, "the event JSON", string(ev))
	assertVerifiable(t, "the event JSON", string(ev), leakEventTime.Format(time.RFC3339))

	table, _ := blocks.Encode(blocks.ChangeTable([]investigation.Event{{ID: leakEventID, Name: leakEventName, Time: leakEventTime, Region: "eu-west-1",
		Source: "ecs.amazonaws.com", Actor: investigation.Actor{Name: "alice " + leakedKeyID},
		Resources: []investigation.EventResource{{Name: "api?X-Amz-Security-Token=" + leakedSession}}}},
		rep.Window, "UTC", blocks.ChangeOptions{Subject: "api", Query: "changes api password=" + leakedPassword}))
	assertNoCredential(t, "the change table", string(table))
	assertVerifiable(t, "the change table", string(table), slackTime)

	answer, _ := blocks.Encode(blocks.Answer("It was "+leakEventName+" with Authorization: Bearer "+leakedBearer, rep.Candidates[0].Events))
	assertNoCredential(t, "a thread answer", string(answer))
	assertVerifiable(t, "a thread answer", string(answer))

	first := firstTurn(t, rep, investigation.Alarm{Name: "checkout-errors", Region: "eu-west-1",
		Description: "pages on-call; escalation token=" + leakedSession})
	assertNoCredential(t, "the AI's first turn", first)
	assertVerifiable(t, "the AI's first turn", first, leakEventTime.Format(time.RFC3339))
}

// firstTurn runs the advisor far enough to see what it sends first.
func firstTurn(t *testing.T, rep *investigation.Report, alarm investigation.Alarm) string {
	t.Helper()
	model := &firstTurnModel{}
	agent.Advise(context.Background(), agent.AdviseInput{Report: rep, Alarm: alarm, Model: model, ModelName: "capture"})
	model.mu.Lock()
	defer model.mu.Unlock()
	if model.req == nil {
		t.Fatal("the advisor never called the model")
	}
	b, err := json.Marshal(model.req.Messages)
	if err != nil {
		t.Fatal(err)
	}
	// The JSON of the messages escapes the document's quotes once more;
	// read it back so that ids and times compare as written.
	var texts []string
	for _, msg := range model.req.Messages {
		for _, c := range msg.Content {
			texts = append(texts, c.Text)
		}
	}
	return string(b) + "\n" + strings.Join(texts, "\n")
}

// firstTurnModel records the first request and ends the run.
type firstTurnModel struct {
	mu  sync.Mutex
	req *agent.ModelRequest
}

func (m *firstTurnModel) Converse(_ context.Context, req agent.ModelRequest) (agent.ModelResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.req == nil {
		m.req = &req
	}
	return agent.ModelResponse{}, errors.New("captured")
}

package agent

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestToolOutputsReachTheModelRedacted: a tool result quoting credentials
// (a user agent, request parameters) reaches the model and the transcript
// without them, and with the event id the model must cite.
func TestToolOutputsReachTheModelRedacted(t *testing.T) {
	secrets := []string{"AKIAIOSFODNN7EXAMPLE", "FwoGZXIvYXdzEBYaDLtcNupZxgkt6ivKyCLAAbUV9pxZ", "2YotnFZFEjr1zCsicMWpAA"}
	tools := &fakeTools{userAgent: "deploy-bot key " + secrets[0] + " via https://h.example.com/?X-Amz-Security-Token=" + secrets[1] +
		" Authorization: Bearer " + secrets[2]}
	_, st, tr, model := runAdvise(t, adviseCase{tools: tools, turns: []scriptedTurn{
		toolTurn("t1", "checkout-role", 3000),
		submitTurn("t2", validSubmit, 3400),
	}})
	if !st.Used || len(model.reqs) < 2 {
		t.Fatalf("status %+v after %d requests", st, len(model.reqs))
	}
	sent, err := json.Marshal(model.reqs[1].Messages)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := json.Marshal(tr.Steps)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []string{string(sent), string(steps)} {
		for _, secret := range secrets {
			if strings.Contains(got, secret) {
				t.Errorf("the model or the transcript saw %q", secret)
			}
		}
		if !strings.Contains(got, "ev-tool-checkout-role") || !strings.Contains(got, "deploy-bot key AKIA[redacted]") {
			t.Errorf("the tool result lost what the model needs: %s", got)
		}
	}
}

package bot

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

// fakeAnswerer answers from the thread's state: it cites the first event of
// cause #1, or fails when the question asks it to.
type fakeAnswerer struct {
	mu        sync.Mutex
	questions []string
	alarms    []string
}

func (f *fakeAnswerer) Answer(_ context.Context, question string, st ThreadState) (string, []investigation.EventRef, error) {
	f.mu.Lock()
	f.questions = append(f.questions, question)
	f.alarms = append(f.alarms, st.Report.Alarm.Name)
	f.mu.Unlock()
	if strings.Contains(question, "fail") {
		return "", nil, errors.New("throttled: bedrock converse: <!channel> ThrottlingException")
	}
	if len(st.Report.Candidates) == 0 || len(st.Report.Candidates[0].Events) == 0 {
		return "not in the evidence", nil, nil
	}
	e := st.Report.Candidates[0].Events[0]
	return "Yes: " + e.Actor + " detached the read policy from checkout-role ten minutes before the alarm.", []investigation.EventRef{e}, nil
}

func (f *fakeAnswerer) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.questions...)
}

func TestSandboxAIAnswersFreeFormFollowUps(t *testing.T) {
	ai := &fakeAnswerer{}
	a := startAsker(t, &twoCauses{}, Options{}, func(d *Deps) { d.Answerer = ai })
	root := a.triaged(t)

	r := a.ask(t, berliner, root, "did the role lose its S3 access before the alarm?")
	got := content(r)
	assertContains(t, "AI answer", got, "alice detached the read policy", investigation.EventLink("us-east-1", detachID), "DetachRolePolicy")
	assertLacks(t, "AI answer", got, "I can answer these")
	if calls := ai.calls(); len(calls) != 1 || calls[0] != "did the role lose its S3 access before the alarm?" || ai.alarms[0] != "checkout-errors" {
		t.Fatalf("answerer calls %q for alarms %q", calls, ai.alarms)
	}

	// The bot's own intents come first and never reach the AI.
	r = a.ask(t, berliner, root, "why is #2 below #1?")
	assertContains(t, "why rank", content(r), "mostly on kind")
	r = a.ask(t, berliner, root, "show event #1")
	assertContains(t, "event json", content(r), detachID)
	if n := len(ai.calls()); n != 1 {
		t.Fatalf("the answerer was called %d times, want 1", n)
	}

	// When the AI cannot answer, the reply says what the bot can, and why.
	r = a.ask(t, berliner, root, "please fail")
	assertContains(t, "AI failure", r.Text, "I can answer these", "AI could not answer: throttled: bedrock converse: &lt;!channel&gt; ThrottlingException")
	assertLacks(t, "AI failure", r.Text, "<!channel>")

	// Outside a triage thread there is no context to answer from.
	r = a.ask(t, berliner, "", "is the database on fire?")
	assertContains(t, "outside a thread", r.Text, "I can answer these")
	assertLacks(t, "outside a thread", r.Text, "AI could not answer")
	if n := len(ai.calls()); n != 2 {
		t.Fatalf("the answerer was called %d times, want 2", n)
	}
}

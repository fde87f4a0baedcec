package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/sandbox/slackapi"
)

// TestSandboxWhyThisRank presses "Why this rank" on cause #2 of a real
// triage in the Slack sandbox (a block_actions interaction over Socket
// Mode): the clicker alone gets the score breakdown of that cause, its
// components as the stored report has them, and the thread stays as it was.
func TestSandboxWhyThisRank(t *testing.T) {
	a, root, st, _ := triageCorpusScenario(t, "001-lambda-role-policy-detached", "")
	second := st.Report.Candidates[1]
	threadBefore := len(a.sb.Thread(sandboxChannel, root.TS))

	report, _ := botReport(a.sb, sandboxChannel, root.TS)
	id, val := findAction(t, report.Blocks, blocks.ActionWhyRank+":2")
	if _, err := a.sb.ClickButton(sandboxChannel, newYork, report.TS, id, val); err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, a.sb, 10*time.Second, "the breakdown", func() bool { return len(a.ephemerals(newYork)) > 0 })
	answer := a.ephemerals(newYork)[0]
	if answer.ThreadTS != root.TS {
		t.Errorf("breakdown posted in thread %q, want %q", answer.ThreadTS, root.TS)
	}
	want := []string{
		fmt.Sprintf("Why #2 ranks here: score %.2f", second.Score),
		fmt.Sprintf("*#2 %s* scores %.2f (%s confidence)", blocks.Headline(second), second.Score, second.Confidence),
	}
	for _, p := range blocks.ScoreParts(second.Breakdown) {
		v := p.Value
		if v > -0.005 && v < 0.005 {
			v = 0
		}
		want = append(want, fmt.Sprintf("• %s %+.2f", p.Name, v))
	}
	got := answer.Text + "\n" + blocksText(t, answer)
	assertContains(t, "breakdown", got, want...)
	if first := st.Report.Candidates[0]; strings.Contains(got, fmt.Sprintf("scores %.2f", first.Score)) && first.Score != second.Score {
		t.Errorf("the breakdown of #2 shows #1's score %.2f:\n%s", first.Score, got)
	}
	// Private: no one else got it, and the thread has no new message.
	if others := a.ephemerals(berliner); len(others) > 0 {
		t.Errorf("the person who did not click got %d private answers", len(others))
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(a.sb.Thread(sandboxChannel, root.TS)); n != threadBefore {
		t.Errorf("the thread went from %d to %d messages: the breakdown must be private", threadBefore, n)
	}
}

// blocksText is every text of a message's blocks, one a line.
func blocksText(t *testing.T, m slackapi.Message) string {
	t.Helper()
	var list []struct {
		Text struct {
			Text string `json:"text"`
		} `json:"text"`
	}
	if err := json.Unmarshal(m.Blocks, &list); err != nil {
		t.Fatalf("blocks of %s: %v", m.TS, err)
	}
	var out []string
	for _, b := range list {
		out = append(out, b.Text.Text)
	}
	return strings.Join(out, "\n")
}

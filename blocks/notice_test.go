package blocks

import (
	"testing"

	"github.com/slack-go/slack"
)

func TestWithNoticeKeepsMessagesValid(t *testing.T) {
	const notice = "⚠️ dedup unavailable: this alarm may be triaged twice."
	m, ok := WithNotice(Report(highIAMReport(), ReportOptions{}), "dedup-note", notice)
	if !ok || Validate(m) != nil {
		t.Fatalf("notice on a report: ok=%v err=%v", ok, Validate(m))
	}
	// A message already at the block limit keeps its blocks and says no.
	full := Message{Text: "x"}
	for range MaxBlocks {
		full.Blocks = append(full.Blocks, slack.NewDividerBlock())
	}
	if got, ok := WithNotice(full, "dedup-note", notice); ok || len(got.Blocks) != MaxBlocks {
		t.Errorf("notice on a full message: ok=%v blocks=%d", ok, len(got.Blocks))
	}
}

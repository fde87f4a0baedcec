package slackapi

// What the emulated workspace keeps of a message: its blocks, reactions,
// ephemerals, permalinks, views and metadata.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the time zone tests must not depend on the machine's zoneinfo

	"github.com/slack-go/slack"
)

func TestSlackRejectsInvalidBlocks(t *testing.T) {
	_, api, _ := newSlackTest(t, Options{Pace: Pace{Disabled: true}})
	section := func(n int) slack.Block {
		return slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", strings.Repeat("a", n), false, false), nil, nil)
	}
	many := make([]slack.Block, 51)
	for i := range many {
		many[i] = slack.NewDividerBlock()
	}
	cases := []struct {
		name    string
		blocks  []slack.Block
		pointer string // empty: accepted
	}{
		{"section at the limit", []slack.Block{section(3000)}, ""},
		{"section over the limit", []slack.Block{section(3001)}, "/blocks/0/text/text"},
		{"51 blocks", many, "/blocks"},
		{"long header", []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject("plain_text", strings.Repeat("h", 151), false, false))}, "/blocks/0/text/text"},
		{"button text over 75", []slack.Block{slack.NewActionBlock("", slack.NewButtonBlockElement("a", "v", slack.NewTextBlockObject("plain_text", strings.Repeat("b", 76), false, false)))}, "/blocks/0/elements/0/text/text"},
		{"duplicate block_id", []slack.Block{&slack.DividerBlock{Type: slack.MBTDivider, BlockID: "x"}, slack.NewContextBlock("x", slack.NewTextBlockObject("mrkdwn", "c", false, false))}, "/blocks/1/block_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := api.PostMessage("alerts", slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(tc.blocks...))
			if tc.pointer == "" {
				if err != nil {
					t.Fatalf("valid blocks refused: %v", err)
				}
				return
			}
			var resp slack.SlackErrorResponse
			if !errors.As(err, &resp) || resp.Err != "invalid_blocks" {
				t.Fatalf("error %v, want invalid_blocks", err)
			}
			var pointers []string
			for _, m := range resp.ResponseMetadata.Messages {
				pointers = append(pointers, m)
				if strings.HasSuffix(m, "[json-pointer:"+tc.pointer+"]") && strings.HasPrefix(m, "[ERROR] ") {
					return
				}
			}
			t.Errorf("messages %q do not name %s", pointers, tc.pointer)
		})
	}
	_, ts, err := api.PostMessage("alerts", slack.MsgOptionBlocks(slack.NewDividerBlock()))
	if err != nil {
		t.Fatalf("blocks without text: %v", err)
	}
	if _, _, _, err := api.UpdateMessage("alerts", ts, slack.MsgOptionBlocks(section(3001))); slackErrCode(err) != "invalid_blocks" {
		t.Errorf("chat.update with invalid blocks: %v", err)
	}
	if _, err := api.PostEphemeral("alerts", "U0ONCALL", slack.MsgOptionBlocks(section(3001))); slackErrCode(err) != "invalid_blocks" {
		t.Errorf("chat.postEphemeral with invalid blocks: %v", err)
	}
}

func TestSlackBlocksGetBlockIDs(t *testing.T) {
	s, api, _ := newSlackTest(t, Options{})
	_, ts, err := api.PostMessage("alerts", slack.MsgOptionText("t", false), slack.MsgOptionBlocks(
		slack.NewDividerBlock(), &slack.DividerBlock{Type: slack.MBTDivider, BlockID: "mine"}))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := s.Message("alerts", ts)
	var blocks []map[string]any
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	if blocks[0]["block_id"] == nil || blocks[0]["block_id"] == "" || blocks[1]["block_id"] != "mine" {
		t.Errorf("stored blocks %s: want an assigned block_id and the sender's kept", m.Blocks)
	}
}

func TestSlackReactionsEphemeralsPermalinksViews(t *testing.T) {
	s, api, _ := newSlackTest(t, Options{})
	_, ts, err := api.PostMessage("alerts", slack.MsgOptionText("report", false))
	if err != nil {
		t.Fatal(err)
	}
	ref := slack.NewRefToMessage("C0ALERTS", ts)
	if err := api.AddReaction("white_check_mark", ref); err != nil {
		t.Fatal(err)
	}
	if err := api.AddReaction("white_check_mark", ref); slackErrCode(err) != "already_reacted" {
		t.Errorf("second reaction: %v, want already_reacted", err)
	}
	if m, _ := s.Message("alerts", ts); len(m.Reactions) != 1 || m.Reactions[0].Users[0] != "U0BOT" {
		t.Errorf("reactions = %+v", m.Reactions)
	}

	ets, err := api.PostEphemeral("alerts", "U0ONCALL", slack.MsgOptionText("only you", false))
	if err != nil || ets == "" {
		t.Fatalf("ephemeral: %q, %v", ets, err)
	}
	if e := s.Ephemerals("alerts"); len(e) != 1 || e[0].Recipient != "U0ONCALL" || e[0].Text != "only you" {
		t.Errorf("ephemerals = %+v", e)
	}
	if len(s.Messages("alerts")) != 1 {
		t.Error("an ephemeral message shows in the channel")
	}

	link, err := api.GetPermalink(&slack.PermalinkParameters{Channel: "C0ALERTS", Ts: ts})
	if want := "https://sandbox.slack.com/archives/C0ALERTS/p" + strings.ReplaceAll(ts, ".", ""); err != nil || link != want {
		t.Errorf("permalink %q, %v; want %q", link, err, want)
	}

	trigger, err := s.SlashCommand("alerts", "U0ONCALL", "help")
	if err != nil {
		t.Fatal(err)
	}
	modal := slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  slack.NewTextBlockObject("plain_text", "Event JSON", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}},
	}
	view, err := api.OpenView(trigger, modal)
	if err != nil || view.ID == "" {
		t.Fatalf("views.open: %+v, %v", view, err)
	}
	if _, err := api.OpenView(trigger, modal); slackErrCode(err) != "invalid_trigger_id" {
		t.Errorf("reused trigger: %v, want invalid_trigger_id", err)
	}
}

func TestSlackJSONBodies(t *testing.T) {
	s, _, base := newSlackTest(t, Options{})
	body := `{"channel":"alerts","text":"from json","blocks":[{"type":"divider"}],"unfurl_links":false}`
	req, _ := http.NewRequest(http.MethodPost, base+"/api/chat.postMessage", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+s.Options().BotToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		OK bool   `json:"ok"`
		TS string `json:"ts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || !out.OK {
		t.Fatalf("JSON post: %+v, %v", out, err)
	}
	resp.Body.Close()
	m, ok := s.Message("alerts", out.TS)
	if !ok || m.Text != "from json" || !strings.Contains(string(m.Blocks), "divider") {
		t.Errorf("stored %+v", m)
	}
	if got := s.Calls("chat.postMessage")[0].Args.Get("unfurl_links"); got != "false" {
		t.Errorf("recorded unfurl_links %q, want false", got)
	}
}

func TestSlackWaitFor(t *testing.T) {
	s, _, _ := newSlackTest(t, Options{})
	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = s.PostAsUser("alerts", "U0ONCALL", "late")
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitFor(ctx, func() bool { return len(s.Messages("alerts")) == 1 }); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelShort()
	if err := s.WaitFor(short, func() bool { return false }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitFor on a condition that never holds: %v", err)
	}
}

// TestSlackMessageMetadata: metadata posted with a message is kept across
// an edit that does not name it, replaced by one that does, returned by
// history and replies only with include_all_metadata, and refused when it
// is not an event type with a payload.
func TestSlackMessageMetadata(t *testing.T) {
	_, api, _ := newSlackTest(t, Options{Pace: Pace{Disabled: true}})
	meta := slack.SlackMetadata{EventType: "triage", EventPayload: map[string]any{"episode": "20261206T2100Z"}}
	_, root, err := api.PostMessage("C0ALERTS", slack.MsgOptionText("root", false), slack.MsgOptionMetadata(meta))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessage("C0ALERTS", root, slack.MsgOptionText("edited", false)); err != nil {
		t.Fatal(err)
	}
	for _, all := range []bool{false, true} {
		hist, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C0ALERTS", IncludeAllMetadata: all})
		if err != nil {
			t.Fatal(err)
		}
		got := hist.Messages[0].Metadata
		if all && (got.EventType != "triage" || got.EventPayload["episode"] != "20261206T2100Z") {
			t.Errorf("history with metadata: %+v", got)
		}
		if !all && got.EventType != "" {
			t.Errorf("history without include_all_metadata shows %+v", got)
		}
	}
	meta.EventPayload["state"] = "reported"
	if _, _, _, err := api.UpdateMessage("C0ALERTS", root, slack.MsgOptionText("report", false), slack.MsgOptionMetadata(meta)); err != nil {
		t.Fatal(err)
	}
	msgs, _, _, err := api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C0ALERTS", Timestamp: root, IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Metadata.EventPayload["state"] != "reported" {
		t.Errorf("replies: metadata %+v, want the edit's", msgs[0].Metadata)
	}
	if _, _, err := api.PostMessage("C0ALERTS", slack.MsgOptionText("x", false), slack.MsgOptionMetadata(slack.SlackMetadata{EventType: "triage"})); slackErrCode(err) != "invalid_metadata_format" {
		t.Errorf("metadata without a payload: %v, want invalid_metadata_format", err)
	}
}

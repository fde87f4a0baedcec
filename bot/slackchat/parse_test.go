package slackchat

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

func TestNotificationTexts(t *testing.T) {
	decode := func(raw string) *slack.Msg {
		var m slack.Msg
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatal(err)
		}
		return &m
	}
	cases := []struct {
		name string
		msg  string
		want []string
	}{
		{"text only", `{"text":"hello"}`, []string{"hello"}},
		{"empty", `{"text":"  "}`, nil},
		{"chatbot attachment", `{"attachments":[{"title":"checkout-errors","title_link":"https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-errors","text":"The alarm checkout-errors changed state to ALARM","fields":[{"title":"Account","value":"123456789012"}]}]}`,
			[]string{"<https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-errors|checkout-errors>\nThe alarm checkout-errors changed state to ALARM\nAccount: 123456789012"}},
		{"fallback only when nothing else", `{"attachments":[{"fallback":"CloudWatch Alarm | x | US East (N. Virginia)"}]}`,
			[]string{"CloudWatch Alarm | x | US East (N. Virginia)"}},
		{"text and blocks", `{"text":"short","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"The alarm x changed state to ALARM"}},{"type":"context","elements":[{"type":"mrkdwn","text":"Account: 123456789012"}]}]}`,
			[]string{"short", "short\nThe alarm x changed state to ALARM\nAccount: 123456789012"}},
		{"rich text link", `{"blocks":[{"type":"rich_text","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"see "},{"type":"link","url":"https://example.com/a","text":"alarm"}]}]}]}`,
			[]string{"see <https://example.com/a|alarm>"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := notificationTexts(decode(c.msg)); !slices.Equal(got, c.want) {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestPlainJSON(t *testing.T) {
	in := `{"AlarmName":"a &amp; b","NewStateReason":"x &gt; 1","Link":"<https://example.com/x?a=1&amp;b=2>","Other":"<https://e.com|label>"}`
	want := `{"AlarmName":"a & b","NewStateReason":"x > 1","Link":"https://example.com/x?a=1&b=2","Other":"https://e.com"}`
	if got := plainJSON(in); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestMessageInTheBotsTerms(t *testing.T) {
	c := &Client{botUserID: "U0BOT", botID: "B0BOT"}
	ev := &slackevents.MessageEvent{
		Channel: "C1", TimeStamp: "2.0", ThreadTimeStamp: "1.0", User: "U1", Text: "<@U0BOT> widen",
		Message: &slack.Msg{User: "U1", Text: `{"Link":"<https://e.com/x?a=1&amp;b=2>"}`},
	}
	m := c.message(ev, time.Time{})
	if m.Own || !m.MentionsBot || m.Root() != "1.0" || m.Channel != "C1" {
		t.Errorf("message = %+v", m)
	}
	if len(m.Texts) != 1 || m.Texts[0] != `{"Link":"https://e.com/x?a=1&b=2"}` {
		t.Errorf("texts = %q: JSON must come back as posted", m.Texts)
	}
	own := c.message(&slackevents.MessageEvent{Channel: "C1", TimeStamp: "3.0", Message: &slack.Msg{BotID: "B0BOT", Text: "report"}}, time.Time{})
	if !own.Own || own.Root() != "3.0" {
		t.Errorf("own message = %+v", own)
	}
}

func TestCallErrorSaysWhyInAMembersWords(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{slack.SlackErrorResponse{Err: "not_in_channel"}, "invite me"},
		{&slack.RateLimitedError{}, "rate limiting"},
		{slack.SlackErrorResponse{Err: "internal_error"}, "unavailable"},
		{errors.New("dial tcp: connection refused"), "Slack refused the call"},
	}
	for _, c := range cases {
		e := &CallError{Method: "chat.postMessage", Attempt: 1, Err: c.err}
		if got := e.UserReason(); !strings.Contains(got, c.want) {
			t.Errorf("%v: %q lacks %q", c.err, got, c.want)
		}
	}
}

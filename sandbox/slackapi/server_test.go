package slackapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the time zone tests must not depend on the machine's zoneinfo

	"github.com/slack-go/slack"
)

// newSlackTest serves a workspace over HTTP and returns it with a slack-go
// client holding its bot and app tokens.
func newSlackTest(t *testing.T, opts Options) (*Server, *slack.Client, string) {
	t.Helper()
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close) // runs first: closes the sockets httptest cannot see
	o := s.Options()
	api := slack.New(o.BotToken, slack.OptionAPIURL(srv.URL+"/api/"), slack.OptionAppLevelToken(o.AppToken))
	return s, api, srv.URL
}

func slackErrCode(err error) string {
	var resp slack.SlackErrorResponse
	if errors.As(err, &resp) {
		return resp.Err
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestSlackAuthChecksTokens(t *testing.T) {
	s, _, base := newSlackTest(t, Options{})
	o := s.Options()
	cases := []struct {
		name, method, token, want string
	}{
		{"bot token on a bot method", "auth.test", o.BotToken, ""},
		{"app token on a bot method", "auth.test", o.AppToken, "not_allowed_token_type"},
		{"unknown token", "users.info", "xoxb-wrong", "invalid_auth"},
		{"no token", "chat.postMessage", "", "not_authed"},
		{"app token opens a connection", "apps.connections.open", o.AppToken, ""},
		{"bot token cannot open a connection", "apps.connections.open", o.BotToken, "not_allowed_token_type"},
		{"unknown method", "chat.unknownThing", o.BotToken, "unknown_method"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := slack.New(tc.token, slack.OptionAPIURL(base+"/api/"), slack.OptionAppLevelToken(tc.token))
			var err error
			switch tc.method {
			case "auth.test":
				var resp *slack.AuthTestResponse
				resp, err = api.AuthTest()
				if err == nil && (resp.UserID != o.BotUserID || resp.BotID != o.BotID || resp.TeamID != o.TeamID) {
					t.Errorf("auth.test = %+v, want the bot %s/%s of %s", resp, o.BotUserID, o.BotID, o.TeamID)
				}
			case "apps.connections.open":
				var wss string
				_, wss, err = api.StartSocketModeContext(context.Background())
				if err == nil && !strings.HasPrefix(wss, "ws://") {
					t.Errorf("socket URL %q, want ws://", wss)
				}
			case "users.info":
				_, err = api.GetUserInfo("U0ONCALL")
			case "chat.postMessage":
				_, _, err = api.PostMessage("alerts", slack.MsgOptionText("hi", false))
			default:
				err = slackCallRaw(t, base, tc.method, tc.token, url.Values{})
			}
			if got := slackErrCode(err); got != tc.want {
				t.Errorf("error %q, want %q", got, tc.want)
			}
		})
	}
	if got := len(s.Calls("")); got != len(cases) {
		t.Errorf("recorded %d calls, want %d", got, len(cases))
	}
	for _, c := range s.Calls("") {
		if c.Args.Has("token") {
			t.Errorf("call %s recorded the token", c.Method)
		}
	}
}

// slackCallRaw posts a form to method and returns the Slack error, if any.
func slackCallRaw(t *testing.T, base, method, token string, form url.Values) error {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/"+method, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body slack.SlackResponse
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode %s answer: %v", method, err)
	}
	return body.Err()
}

func TestSlackThreadsHistoryAndEdits(t *testing.T) {
	s, api, _ := newSlackTest(t, Options{Pace: Pace{Disabled: true}})
	root, err := s.PostAsBot("alerts", "B0MAIL", "AWS Notifications", "ALARM: \"checkout-errors\" in US East (N. Virginia)")
	if err != nil {
		t.Fatal(err)
	}
	_, placeholder, err := api.PostMessage("C0ALERTS", slack.MsgOptionText("walking the trail…", false), slack.MsgOptionTS(root))
	if err != nil {
		t.Fatal(err)
	}
	_, broadcast, err := api.PostMessage("#alerts", slack.MsgOptionText("resolved", false), slack.MsgOptionTS(root), slack.MsgOptionBroadcast())
	if err != nil {
		t.Fatal(err)
	}
	if !(root < placeholder && placeholder < broadcast) {
		t.Errorf("ts not increasing: %s, %s, %s", root, placeholder, broadcast)
	}
	if _, _, _, err := api.UpdateMessage("alerts", placeholder, slack.MsgOptionText("report", false)); err != nil {
		t.Fatal(err)
	}

	msgs, _, _, err := api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C0ALERTS", Timestamp: placeholder})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range msgs {
		texts = append(texts, m.Text)
	}
	if got, want := strings.Join(texts, "|"), "ALARM: \"checkout-errors\" in US East (N. Virginia)|report|resolved"; got != want {
		t.Errorf("replies = %q, want %q", got, want)
	}
	if msgs[0].ReplyCount != 2 || msgs[0].SubType != "bot_message" || msgs[1].BotID != "B0BOT" {
		t.Errorf("root %+v / reply %+v lack the thread fields", msgs[0].Msg, msgs[1].Msg)
	}
	if msgs[1].Edited == nil {
		t.Error("edited reply has no edited field")
	}

	hist, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C0ALERTS", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Messages) != 1 || hist.Messages[0].Timestamp != broadcast || !hist.HasMore {
		t.Fatalf("history page 1 = %+v, want the broadcast reply and more", hist)
	}
	hist, err = api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C0ALERTS", Cursor: hist.ResponseMetaData.NextCursor})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Messages) != 1 || hist.Messages[0].Timestamp != root || hist.HasMore {
		t.Errorf("history page 2 = %+v, want only the root", hist.Messages)
	}

	if got := len(s.Thread("alerts", root)); got != 3 {
		t.Errorf("Thread has %d messages, want 3", got)
	}
	if got := len(s.Messages("alerts")); got != 2 {
		t.Errorf("Messages has %d, want the root and the broadcast", got)
	}
	edited, _ := s.Message("alerts", placeholder)
	if edited.Text != "report" || len(edited.Edits) != 1 || edited.Edits[0].Text != "walking the trail…" {
		t.Errorf("edited message = %+v", edited)
	}
	calls := s.Calls("chat.postMessage")
	if len(calls) != 2 || calls[0].Args.Get("thread_ts") != root || calls[1].Args.Get("reply_broadcast") != "true" {
		t.Errorf("recorded postMessage calls = %+v", calls)
	}

	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"replies of an unknown ts", func() error {
			_, _, _, err := api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C0ALERTS", Timestamp: "1.000001"})
			return err
		}, "thread_not_found"},
		{"update of a message the bot did not post", func() error {
			_, _, _, err := api.UpdateMessage("alerts", root, slack.MsgOptionText("x", false))
			return err
		}, "cant_update_message"},
		{"reply to an unknown thread", func() error {
			_, _, err := api.PostMessage("alerts", slack.MsgOptionText("x", false), slack.MsgOptionTS("1.000001"))
			return err
		}, "thread_not_found"},
		{"unknown channel", func() error {
			_, _, err := api.PostMessage("nowhere", slack.MsgOptionText("x", false))
			return err
		}, "channel_not_found"},
		{"message without content", func() error {
			_, _, err := api.PostMessage("alerts")
			return err
		}, "no_text"},
		{"text over 40,000 characters", func() error {
			_, _, err := api.PostMessage("alerts", slack.MsgOptionText(strings.Repeat("x", 40001), false))
			return err
		}, "msg_too_long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := slackErrCode(tc.call()); got != tc.want {
				t.Errorf("error %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSlackChannelTheBotIsNotIn(t *testing.T) {
	s, api, _ := newSlackTest(t, Options{Channels: []Channel{{ID: "C0OTHER", Name: "other", BotAbsent: true}}})
	if _, _, err := api.PostMessage("other", slack.MsgOptionText("hi", false)); slackErrCode(err) != "not_in_channel" {
		t.Errorf("post error %v, want not_in_channel", err)
	}
	if _, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C0OTHER"}); slackErrCode(err) != "not_in_channel" {
		t.Errorf("history error %v, want not_in_channel", err)
	}
	if _, err := s.PostAsUser("other", "U0ONCALL", "hello"); err != nil {
		t.Fatal(err)
	}
	if got := len(s.Deliveries()) + s.Pending(); got != 0 {
		t.Errorf("%d events from a channel the bot is not in, want none", got)
	}
}

func TestSlackPaceAnswers429(t *testing.T) {
	s, api, _ := newSlackTest(t, Options{
		Channels: []Channel{{ID: "C0ALERTS", Name: "alerts"}, {ID: "C0OPS", Name: "ops"}},
		Pace:     Pace{PerSecond: 2, Burst: 1},
	})
	post := func(channel string) error {
		_, _, err := api.PostMessage(channel, slack.MsgOptionText("x", false))
		return err
	}
	if err := post("alerts"); err != nil {
		t.Fatal(err)
	}
	err := post("alerts")
	var limited *slack.RateLimitedError
	if !errors.As(err, &limited) || limited.RetryAfter != time.Second {
		t.Fatalf("second post at once: %v, want a RateLimitedError retrying after 1s", err)
	}
	if err := post("ops"); err != nil {
		t.Errorf("another channel has its own pace: %v", err)
	}
	time.Sleep(600 * time.Millisecond) // a token per 500 ms
	if err := post("alerts"); err != nil {
		t.Errorf("post after the pace allowed it: %v", err)
	}
	if got := len(s.Messages("alerts")); got != 2 {
		t.Errorf("%d messages stored in alerts, want 2 (the limited one dropped)", got)
	}
	limitedCalls := 0
	for _, c := range s.Calls("chat.postMessage") {
		if c.Status == http.StatusTooManyRequests && c.Error == "ratelimited" {
			limitedCalls++
		}
	}
	if limitedCalls != 1 {
		t.Errorf("%d calls recorded as 429, want 1", limitedCalls)
	}

	s.SetPace(Pace{Disabled: true})
	for i := range 5 {
		if err := post("alerts"); err != nil {
			t.Fatalf("post %d without pace: %v", i, err)
		}
	}

	s.RateLimitNext("users.info", 2, 2*time.Second)
	s.FailNext("users.info", 1, "internal_error")
	for i, want := range []string{"rate", "rate", "internal_error", ""} {
		_, err := api.GetUserInfo("U0ONCALL")
		switch {
		case want == "rate":
			if !errors.As(err, &limited) || limited.RetryAfter != 2*time.Second {
				t.Errorf("users.info %d: %v, want RateLimitedError after 2s", i, err)
			}
		case slackErrCode(err) != want:
			t.Errorf("users.info %d: %v, want %q", i, err, want)
		}
	}
}

func TestSlackUsersInfoTimeZones(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	summer := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	s, api, base := newSlackTest(t, Options{
		Users: []User{
			{ID: "U0NY", Name: "ana", RealName: "Ana", Location: ny},
			{ID: "U0NOTZ", Name: "bo", RealName: "Bo"},
			{ID: "U0LABEL", Name: "cy", Location: ny, TZLabel: "Eastern Daylight Time"},
		},
		Now: func() time.Time { return summer },
	})
	cases := []struct {
		user, tz, label string
		offset          int
	}{
		{"U0NY", "America/New_York", "EDT", -4 * 3600},
		{"U0NOTZ", "", "", 0},
		{"U0LABEL", "America/New_York", "Eastern Daylight Time", -4 * 3600},
	}
	for _, tc := range cases {
		u, err := api.GetUserInfo(tc.user)
		if err != nil {
			t.Fatal(err)
		}
		if u.TZ != tc.tz || u.TZLabel != tc.label || u.TZOffset != tc.offset {
			t.Errorf("%s: tz %q %q %d, want %q %q %d", tc.user, u.TZ, u.TZLabel, u.TZOffset, tc.tz, tc.label, tc.offset)
		}
	}
	// A user without a zone has no tz fields at all, not zero values.
	req, _ := http.NewRequest(http.MethodGet, base+"/api/users.info?user=U0NOTZ", nil)
	req.Header.Set("Authorization", "Bearer "+s.Options().BotToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(raw), `"tz`) {
		t.Errorf("users.info for a user without a zone = %s, want no tz fields", raw)
	}
	if _, err := api.GetUserInfo("U0NOBODY"); slackErrCode(err) != "user_not_found" {
		t.Errorf("unknown user: %v, want user_not_found", err)
	}
	bot, err := api.GetUserInfo(s.Options().BotUserID)
	if err != nil || !bot.IsBot {
		t.Errorf("bot user = %+v, %v; want is_bot", bot, err)
	}
}

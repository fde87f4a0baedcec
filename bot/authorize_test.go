package bot

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/trailhound/trailhound/blocks"
)

// Actors of the authorization table.
const (
	authChannel  = "C0ALARMS"
	otherChannel = "C0RANDOM"
	oncall       = "U0ONCALL" // in CommandUsers
	bystander    = "U0BYSTANDER"
	mailApp      = "B0MAIL"    // in AlarmBots
	chatbotApp   = "B0CHATBOT" // in AlarmBots
	strangerApp  = "B0STRANGER"
)

func authBot(commandUsers, alarmBots []string) *Bot {
	return &Bot{
		channels:  set([]string{authChannel}),
		askers:    set(commandUsers),
		alarmBots: set(alarmBots),
		log:       slog.New(slog.DiscardHandler),
	}
}

// TestAuthorizeEveryEntryPoint decides every entry point for every kind of
// actor, with and without the allowlists.
func TestAuthorizeEveryEntryPoint(t *testing.T) {
	const (
		allow = iota
		silent
		tellAWS
		tellPaste
		tellChannel
	)
	type row struct {
		name string
		req  request
		want int
	}
	alarm := func(user, botID, channel string) request {
		return request{via: viaMessage, channel: channel, user: user, botID: botID, what: whatAlarm, readsAWS: true}
	}
	ask := func(via entryPoint, user, channel, what string, reads bool) request {
		return request{via: via, channel: channel, user: user, what: what, readsAWS: reads}
	}
	// With CommandUsers = [oncall] and AlarmBots = [mailApp, chatbotApp].
	restricted := []row{
		{"message: alarm from the e-mail app", alarm("", mailApp, authChannel), allow},
		{"message: alarm from AWS Chatbot", alarm("", chatbotApp, authChannel), allow},
		{"message: alarm from an app posting as its bot user", alarm("U0APPUSER", chatbotApp, authChannel), allow},
		{"message: alarm from an unlisted integration", alarm("", strangerApp, authChannel), silent},
		{"message: alarm pasted by a command user", alarm(oncall, "", authChannel), allow},
		{"message: alarm pasted by a bystander", alarm(bystander, "", authChannel), tellPaste},
		{"message: alarm in another channel", alarm("", mailApp, otherChannel), silent},
		{"message: alarm pasted in another channel", alarm(oncall, "", otherChannel), silent},
		{"message: no poster at all", alarm("", "", authChannel), silent},
		{"message: thread follow-up reading AWS by a bystander", ask(viaMessage, bystander, authChannel, "changes", true), tellAWS},
		{"message: thread follow-up reading AWS by a command user", ask(viaMessage, oncall, authChannel, "changes", true), allow},
		{"message: an integration asks a question", request{via: viaMessage, channel: authChannel, botID: mailApp, what: "changes", readsAWS: true}, silent},
		{"mention: anyone in the channel", ask(viaMention, bystander, authChannel, "mention", false), allow},
		{"mention: in another channel", ask(viaMention, oncall, otherChannel, "mention", false), silent},
		{"mention: question reading AWS by a bystander", ask(viaMention, bystander, authChannel, "changes", true), tellAWS},
		{"mention: question reading AWS by a command user", ask(viaMention, oncall, authChannel, "who", true), allow},
		{"mention: why-rank by a bystander", ask(viaMention, bystander, authChannel, "why_rank", false), allow},
		{"command: help by a bystander", ask(viaCommand, bystander, authChannel, "help", false), allow},
		{"command: triage by a bystander", ask(viaCommand, bystander, authChannel, "triage", true), tellAWS},
		{"command: changes by a command user", ask(viaCommand, oncall, authChannel, "changes", true), allow},
		{"command: in another channel", ask(viaCommand, oncall, otherChannel, "triage", true), tellChannel},
		{"command: help in another channel", ask(viaCommand, bystander, otherChannel, "help", false), tellChannel},
		{"button: event JSON by a bystander", ask(viaButton, bystander, authChannel, blocks.ActionEventJSON, true), tellAWS},
		{"button: re-run by a command user", ask(viaButton, oncall, authChannel, blocks.ActionRerun, true), allow},
		{"button: feedback by a bystander", ask(viaButton, bystander, authChannel, blocks.ActionFeedbackDown, false), allow},
		{"button: in another channel", ask(viaButton, oncall, otherChannel, blocks.ActionWiden, true), silent},
		{"queue: an alarm from SNS", request{via: viaQueue, what: whatAlarm, readsAWS: true}, allow},
	}
	// With both lists empty: every member may read AWS and every
	// integration's alarms are triaged; channels still bound everything.
	open := []row{
		{"message: alarm from any integration", alarm("", strangerApp, authChannel), allow},
		{"message: alarm pasted by anyone", alarm(bystander, "", authChannel), allow},
		{"message: alarm in another channel", alarm("", strangerApp, otherChannel), silent},
		{"mention: question reading AWS by anyone", ask(viaMention, bystander, authChannel, "changes", true), allow},
		{"command: triage by anyone", ask(viaCommand, bystander, authChannel, "triage", true), allow},
		{"command: in another channel", ask(viaCommand, bystander, otherChannel, "triage", true), tellChannel},
		{"button: event JSON by anyone", ask(viaButton, bystander, authChannel, blocks.ActionEventJSON, true), allow},
		{"message: an integration asks a question", request{via: viaMessage, channel: authChannel, botID: strangerApp, what: "who", readsAWS: true}, silent},
		{"queue: an alarm from SNS", request{via: viaQueue, what: whatAlarm, readsAWS: true}, allow},
	}
	tells := map[int]string{tellAWS: awsRefusal, tellPaste: pastedAlarmRefusal, tellChannel: channelRefusal}
	run := func(t *testing.T, b *Bot, rows []row) {
		seen := map[entryPoint]bool{}
		for _, r := range rows {
			seen[r.req.via] = true
			t.Run(r.name, func(t *testing.T) {
				v := b.authorize(r.req)
				switch {
				case r.want == allow && !v.ok:
					t.Errorf("refused (%q), want allowed", v.tell)
				case r.want != allow && v.ok:
					t.Errorf("allowed, want refused")
				case r.want == silent && v.tell != "":
					t.Errorf("refusal says %q, want nothing said", v.tell)
				case r.want >= tellAWS && v.tell != tells[r.want]:
					t.Errorf("refusal says %q, want %q", v.tell, tells[r.want])
				}
			})
		}
		for _, via := range []entryPoint{viaMessage, viaMention, viaCommand, viaButton, viaQueue} {
			if !seen[via] {
				t.Errorf("no row for entry point %s", via)
			}
		}
	}
	t.Run("restricted", func(t *testing.T) { run(t, authBot([]string{oncall}, []string{mailApp, chatbotApp}), restricted) })
	t.Run("open", func(t *testing.T) { run(t, authBot(nil, nil), open) })
}

// TestRefusalsAreShort: a refusal is one line a member reads at a glance.
func TestRefusalsAreShort(t *testing.T) {
	for _, s := range []string{awsRefusal, pastedAlarmRefusal, channelRefusal} {
		if strings.Contains(s, "\n") || len(s) > 240 {
			t.Errorf("refusal is not one short line (%d bytes): %s", len(s), s)
		}
	}
}

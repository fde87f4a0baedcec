package bot

// Who may make the bot do what. Every entry point — a message, a mention,
// a slash command, a button, the alarm queue — asks authorize before it
// reads AWS or posts anything, so that one table decides and one test
// covers it.
//
// Reading AWS is the privilege: a triage or a change question makes API
// calls in the operator's accounts and shows what they hold. Integrations
// that post alarms (the SNS e-mail app, AWS Chatbot / Amazon Q Developer,
// the bots listed in AlarmBots) are trusted to post alarms and nothing
// else; a person who pastes an alarm asks for a triage as much as one who
// types the command, so the same list decides.

// entryPoint is how a request reached the bot.
type entryPoint string

const (
	viaMessage entryPoint = "message"
	viaMention entryPoint = "mention"
	viaCommand entryPoint = "command"
	viaButton  entryPoint = "button"
	viaQueue   entryPoint = "queue"
)

// whatAlarm is the request of an alarm notification: triage it.
const whatAlarm = "alarm"

// request is one thing someone asks of the bot.
type request struct {
	via     entryPoint
	channel string
	user    string // the member who asked; "" for an integration or the queue
	botID   string // the integration that posted; "" for a member
	what    string // what is asked, for the log: whatAlarm, a verb, an intent, a button
	// readsAWS says answering calls AWS (a triage, a change table, an
	// event's JSON); help, feedback and explanations of a shown ranking do not.
	readsAWS bool
}

// verdict is authorize's answer. tell, when not empty, is the one line the
// refused member sees, only them.
type verdict struct {
	ok   bool
	tell string
}

// Refusals, short and for the member alone.
const (
	// awsRefusal answers a member who is not allowed to ask what reads AWS.
	awsRefusal = "🙅 Sorry, questions that read AWS are limited to a list of people in this workspace, and you are not on it. Ask your on-call lead to add you."
	// pastedAlarmRefusal answers a member who pasted an alarm without being
	// allowed to run commands.
	pastedAlarmRefusal = "🙅 That looks like a CloudWatch alarm, but I only triage alarms pasted by people who may run Trailhound's commands, and you are not on that list. Alarms from the SNS e-mail app or AWS Chatbot are triaged on their own."
	// channelRefusal answers a command typed outside the bot's channels.
	channelRefusal = "🙅 Trailhound only works in the channels it is configured for; this is not one of them."
)

// authorize decides one request and logs a refusal.
func (b *Bot) authorize(r request) verdict {
	v := b.decide(r)
	if !v.ok {
		b.log.Info("request refused", "via", string(r.via), "what", r.what, "user", r.user, "bot_id", r.botID, "channel", r.channel, "told", v.tell != "")
	}
	return v
}

func (b *Bot) decide(r request) verdict {
	switch {
	case r.via == viaQueue:
		// Only the alarms' SNS topic may send to the queue (its policy in
		// deploy/sns-to-sqs.yaml), and only this bot's role may read it.
		return verdict{ok: true}
	case !b.channels[r.channel]:
		if r.via == viaCommand {
			return verdict{tell: channelRefusal}
		}
		return verdict{} // a mention or a click elsewhere: no word, no trace in that channel
	case r.botID != "":
		// An integration posts alarms; it asks nothing else.
		return verdict{ok: r.via == viaMessage && r.what == whatAlarm && b.alarmBot(r.botID)}
	case r.user == "":
		return verdict{}
	case !r.readsAWS || b.commandUser(r.user):
		return verdict{ok: true}
	case r.what == whatAlarm:
		return verdict{tell: pastedAlarmRefusal}
	}
	return verdict{tell: awsRefusal}
}

// commandUser says whether a member may run what reads AWS: everyone in the
// allowed channels when CommandUsers is empty.
func (b *Bot) commandUser(user string) bool {
	return len(b.askers) == 0 || b.askers[user]
}

// alarmBot says whether an integration's alarms are triaged: any
// integration's when AlarmBots is empty. Only an app installed in the
// workspace posts with a bot id; a member cannot.
func (b *Bot) alarmBot(botID string) bool {
	return len(b.alarmBots) == 0 || b.alarmBots[botID]
}

package blocks

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// HomeTriage is one recent triage as the App Home lists it.
type HomeTriage struct {
	Alarm   investigation.AlarmSummary
	Top     *investigation.Candidate // nil: no cause found
	Channel string
	// ChannelName is the channel's name, without "#"; "" shows the id.
	ChannelName string
	ThreadTS    string
}

// HomeVotes are the 👍/👎 people gave the causes of one channel's triages.
type HomeVotes struct {
	Channel     string
	ChannelName string // "" shows the id
	Up, Down    int
}

// maxHomeTriages is how many triages the App Home lists.
const maxHomeTriages = 15

// threadTS is the form of a Slack message ts; channelID of a channel id.
var (
	threadTS  = regexp.MustCompile(`^[0-9]{1,12}\.[0-9]{6}$`)
	channelID = regexp.MustCompile(`^[CGD][A-Z0-9]{2,20}$`)
)

// ThreadLink is Slack's link to a thread, built from its channel and ts.
func ThreadLink(channel, ts string) (string, bool) {
	if !channelID.MatchString(channel) || !threadTS.MatchString(ts) {
		return "", false
	}
	return "https://slack.com/archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", ""), true
}

// Home is the App Home tab: the accuracy people reported with 👍/👎, per
// channel and overall, and the recent triages with their top cause.
func Home(triages []HomeTriage, votes []HomeVotes) Message {
	var b builder
	b.header("home-header", "🐾 Trailhound")
	b.section("home-accuracy", accuracyText(votes))
	b.divider("home-div")
	if len(triages) == 0 {
		b.section("home-none", "*Recent triages*\nNo triage yet: alarms posted in the bot's channels are triaged in their threads.")
	} else {
		b.section("home-recent", fmt.Sprintf("*Recent triages* (the last %d)", min(len(triages), maxHomeTriages)))
	}
	for i, t := range triages {
		if i == maxHomeTriages {
			break
		}
		b.section(fmt.Sprintf("home-triage-%d", i+1), homeTriageText(t))
	}
	return b.message("Trailhound: recent triages and the accuracy people reported")
}

func accuracyText(votes []HomeVotes) string {
	lines := []string{"*Accuracy people reported* (👍 right cause / 👎 not it)"}
	sort.SliceStable(votes, func(i, j int) bool { return votes[i].Up+votes[i].Down > votes[j].Up+votes[j].Down })
	up, down := 0, 0
	for _, v := range votes {
		up, down = up+v.Up, down+v.Down
		if v.Up+v.Down > 0 && channelID.MatchString(v.Channel) {
			lines = append(lines, fmt.Sprintf("• %s: %s", channelText(v.Channel, v.ChannelName), rate(v.Up, v.Down)))
		}
	}
	if up+down == 0 {
		return lines[0] + "\nNo votes yet: 👍 or 👎 a cause in a report to say whether it was right."
	}
	return strings.Join(append(lines, "• *Overall:* "+rate(up, down)), "\n")
}

// channelText is "#alerts", or "channel C0ALERTS" when the name is not
// known; "" for what is no channel id.
func channelText(id, name string) string {
	if n := dataLine(strings.TrimPrefix(name, "#"), 80); n != "" {
		return "#" + n
	}
	if channelID.MatchString(id) {
		return "channel " + id
	}
	return ""
}

// rate is "83% right (5 👍, 1 👎)".
func rate(up, down int) string {
	return fmt.Sprintf("%d%% right (%d 👍, %d 👎)", (100*up+(up+down)/2)/(up+down), up, down)
}

func homeTriageText(t HomeTriage) string {
	a := t.Alarm
	state := stateMark(a.State) + " " + dataLine(string(a.State), 40)
	head := fmt.Sprintf("*%s* · %s · %s", dataLine(alarmName(a.Name), 200), slackDate(a.StateChangeTime, dateTime), state)
	if ch := channelText(t.Channel, t.ChannelName); ch != "" {
		head += " · " + ch
	}
	if link, ok := ThreadLink(t.Channel, t.ThreadTS); ok {
		head += " · <" + link + "|thread>"
	}
	if t.Top == nil {
		return head + "\nNo change in CloudTrail stood out."
	}
	c := *t.Top
	line := fmt.Sprintf("#1 %s · %s", dataLine(Headline(c), 200), confidenceText(c.Confidence))
	if lead := Lead(c.Events, a.StateChangeTime); lead != "" {
		line += " · " + lead
	}
	return head + "\n" + line
}

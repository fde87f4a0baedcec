package bot

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/sandbox/slackapi"
)

// stormSeen is when the channel showed one alarm: taken up (its placeholder
// or its digest line), its report's first form (its digest line with its
// cause, or the report itself) and its report in its thread.
type stormSeen struct {
	takenUp, firstForm, inThread time.Time
}

// version is one version of a message: its blocks and when it went up.
type version struct {
	blocks json.RawMessage
	at     time.Time
}

// versions lists m's versions, oldest first: a revision was current from
// when the previous one was replaced.
func versions(m slackapi.Message) []version {
	var out []version
	from := m.Posted
	for _, e := range m.Edits {
		out = append(out, version{e.Blocks, from})
		from = e.At
	}
	return append(out, version{m.Blocks, from})
}

// blockLines are the lines of every text of a message's blocks.
func blockLines(raw json.RawMessage) []string {
	var blocks []struct {
		Text     *struct{ Text string }  `json:"text"`
		Elements []struct{ Text string } `json:"elements"`
	}
	_ = json.Unmarshal(raw, &blocks)
	var lines []string
	for _, b := range blocks {
		if b.Text != nil {
			lines = append(lines, strings.Split(b.Text.Text, "\n")...)
		}
		for _, e := range b.Elements {
			lines = append(lines, strings.Split(e.Text, "\n")...)
		}
	}
	return lines
}

// observeStorm reads, for every alarm notified in channels, when it was
// taken up, when its report's first form showed and when its report
// reached its thread; digests are the storm digests found.
func observeStorm(sb *slackapi.Server, channels []string) (seen map[string]*stormSeen, digests []slackapi.Message) {
	seen = map[string]*stormSeen{}
	bot := sb.Options().BotID
	earliest := func(t *time.Time, at time.Time) {
		if t.IsZero() || at.Before(*t) {
			*t = at
		}
	}
	for _, ch := range channels {
		for _, m := range sb.Messages(ch) {
			if m.BotID == bot && bytes.Contains(m.Blocks, []byte(`"storm-header"`)) {
				digests = append(digests, m)
				continue
			}
			name := mailAlarmName.FindStringSubmatch(m.Text)
			if name == nil {
				continue
			}
			s := seen[name[1]] // every copy is a message; one has the thread
			if s == nil {
				s = &stormSeen{}
				seen[name[1]] = s
			}
			for _, r := range sb.Thread(ch, m.TS) {
				if r.BotID != bot || !r.IsReply() {
					continue
				}
				earliest(&s.takenUp, r.Posted)
				for _, v := range versions(r) {
					if bytes.Contains(v.blocks, []byte(`"block_id":"`+reportBlockID+`"`)) {
						earliest(&s.inThread, v.at)
					}
				}
			}
		}
	}
	for _, s := range seen {
		if !s.inThread.IsZero() {
			earliest(&s.firstForm, s.inThread)
		}
	}
	for _, d := range digests {
		for _, v := range versions(d) {
			for _, line := range blockLines(v.blocks) {
				for name, s := range seen {
					if !strings.Contains(line, "|"+name+">") {
						continue
					}
					earliest(&s.takenUp, v.at)
					if strings.HasPrefix(line, "📄") {
						earliest(&s.firstForm, v.at)
					}
				}
			}
		}
	}
	return seen, digests
}

// digestNames are the alarms of names that some version of a digest lists.
func digestNames(digests []slackapi.Message, names map[string]time.Time) map[string]bool {
	listed := map[string]bool{}
	for _, d := range digests {
		for _, v := range versions(d) {
			for _, line := range blockLines(v.blocks) {
				for name := range names {
					if strings.Contains(line, "|"+name+">") {
						listed[name] = true
					}
				}
			}
		}
	}
	return listed
}

// percentiles are the p50, p95 and worst of the latencies, 0 for none.
func percentiles(lat []time.Duration) (p50, p95, worst time.Duration) {
	if len(lat) == 0 {
		return 0, 0, 0
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[len(lat)*95/100], lat[len(lat)-1]
}

// stormLatencies measures each alarm's take-up, first form and report in
// its thread from its first notification; it fails for an alarm missing
// any of them.
func stormLatencies(t *testing.T, seen map[string]*stormSeen, first map[string]time.Time) (takeUp, firstForm, inThread []time.Duration) {
	t.Helper()
	for name, at := range first {
		s := seen[name]
		switch {
		case s == nil || s.takenUp.IsZero():
			t.Errorf("%s was never taken up", name)
			continue
		case s.firstForm.IsZero() || s.inThread.IsZero():
			t.Errorf("%s: first form %v, report in its thread %v", name, s.firstForm, s.inThread)
			continue
		}
		takeUp = append(takeUp, s.takenUp.Sub(at))
		firstForm = append(firstForm, s.firstForm.Sub(at))
		inThread = append(inThread, s.inThread.Sub(at))
	}
	return takeUp, firstForm, inThread
}

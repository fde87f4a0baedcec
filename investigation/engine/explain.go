package engine

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/redact"
)

// mechanism says, per category, how such a change produces a symptom.
var mechanism = map[investigation.Category]string{
	investigation.CategoryIAM:           "Permissions take effect within seconds: once a role loses a permission, every call the workload makes with it fails with AccessDenied.",
	investigation.CategoryNetwork:       "A network rule change applies to new connections at once: traffic it no longer allows times out or is refused.",
	investigation.CategoryDeployment:    "New code or a new stack version runs from the moment it is deployed, with whatever faults it brings.",
	investigation.CategoryConfig:        "A configuration change (memory, timeout, environment, VPC) applies to the next invocation or restart.",
	investigation.CategoryCapacity:      "Less capacity or a lower limit means requests beyond it are throttled, queued or time out.",
	investigation.CategoryDatabase:      "A database change (modification, reboot, failover, parameters) interrupts or changes the connections the workload depends on.",
	investigation.CategoryStorage:       "A bucket or volume policy change alters who can read and write it from the next request.",
	investigation.CategoryEncryption:    "A disabled key or narrowed key policy makes every encrypt or decrypt with that key fail, and with it the reads of the data it protects.",
	investigation.CategoryDNS:           "A record change sends clients elsewhere as soon as their cached answer expires.",
	investigation.CategoryLoadBalancing: "A listener, rule or target change decides where requests go; without healthy targets the load balancer answers 5xx.",
	investigation.CategorySecrets:       "A changed secret or parameter is read at the next start or refresh; a mismatch breaks authentication or configuration.",
	investigation.CategoryMessaging:     "A queue or topic change alters delivery: messages stop arriving, pile up or are refused.",
	investigation.CategoryAPI:           "An API stage, route or authorizer change alters how every request to the API is handled.",
	investigation.CategoryCDN:           "A distribution change propagates to edge locations within minutes and changes how requests reach the origin.",
	investigation.CategoryKubernetes:    "A cluster or node group change reschedules or restricts the pods serving the workload.",
	investigation.CategoryObservability: "A logging or alarm change alters what is measured, which can make an alarm fire without a real failure.",
	investigation.CategoryTagging:       "Tags are metadata; they change behaviour only where a policy or automation keys on them.",
}

// summarize is a one-line description of a candidate.
func summarize(f *found, n int) string {
	s := fmt.Sprintf("%s on %s %s by %s", f.Name, shortType(f.Target.Type), f.Target.ID, f.Actor.Name)
	if d := requestDetails(f.RequestJSON, f.Target.ID); d != "" {
		s += " (" + d + ")"
	}
	if n > 1 {
		s += fmt.Sprintf(" and %d related calls", n-1)
	}
	return s
}

// shortType turns "AWS::IAM::Role" into "IAM role".
func shortType(typ string) string {
	parts := strings.Split(typ, "::")
	if len(parts) != 3 {
		return typ
	}
	return parts[1] + " " + splitCamel(parts[2])
}

func splitCamel(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' && s[i-1] >= 'a' && s[i-1] <= 'z' {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

// detailLimit bounds how much of a request a summary quotes.
const (
	detailFields = 3
	detailValue  = 80
)

// requestDetails quotes a few scalar request parameters other than the target
// itself: what the change set, in the call's own words.
func requestDetails(raw json.RawMessage, target string) string {
	var params map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &params) != nil {
		return ""
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		var v string
		switch x := params[k].(type) {
		case string:
			v = x
		case float64:
			v = fmt.Sprint(x)
		case bool:
			v = fmt.Sprint(x)
		default:
			continue
		}
		if v == "" || v == target || strings.HasPrefix(v, "{") || strings.Contains(strings.ToLower(k), "document") {
			continue
		}
		// Redacted before it is cut: a credential cut short no longer
		// has the shape the redactor knows.
		v = truncate(redact.Field(k, v), detailValue)
		parts = append(parts, k+"="+v)
		if len(parts) == detailFields {
			break
		}
	}
	return strings.Join(parts, ", ")
}

func clock(t time.Time) string { return t.UTC().Format("15:04:05 UTC") }

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < agoHoursFrom:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute).Minutes()))
	case d < agoDaysFrom:
		d = d.Round(time.Minute)
		if m := int(d.Minutes()) % 60; m != 0 {
			return fmt.Sprintf("%d h %d min", int(d.Hours()), m)
		}
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Round(time.Hour).Hours()/24))
}

// A delay is said in minutes up to agoHoursFrom, in hours and minutes up to
// agoDaysFrom, in days beyond: "2 h 37 min", not "157 min".
const (
	agoHoursFrom = 90 * time.Minute
	agoDaysFrom  = 48 * time.Hour
)

func factSentence(f *found, n int) string {
	s := fmt.Sprintf("%s (%s) called %s:%s on %s %s at %s",
		f.Actor.Name, f.Actor.Kind, f.Service(), f.Name, shortType(f.Target.Type), f.Target.ID, clock(f.Time))
	if d := requestDetails(f.RequestJSON, f.Target.ID); d != "" {
		s += " with " + d
	}
	if n > 1 {
		s += fmt.Sprintf(", one of %d related calls", n)
	}
	return s + "."
}

// recorded is "1 change was recorded" / "3 changes were recorded".
func recorded(n int) string {
	if n == 1 {
		return "1 change was recorded"
	}
	return fmt.Sprintf("%d changes were recorded", n)
}

func corroborationSentence(g *group) string {
	o := g.corrob
	kind := strings.ReplaceAll(string(o.Kind), "_", " ")
	s := fmt.Sprintf("%s in %s began at %s, %s after the change, with none of that kind before it",
		investigation.Plural(o.Count, kind+" error line", kind+" error lines"), o.First.Group, clock(o.First.Time), ago(o.First.Time.Sub(g.start())))
	if g.corrobName {
		s += "; they name what it changed"
	}
	return s + "."
}

func (t *triage) causalSentence(g *group) string {
	f := g.rep
	lead := t.symptom.Sub(f.Time)
	s := fmt.Sprintf("This change likely caused %s to go to %s %s later", t.alarm.Name, t.alarm.State, ago(lead))
	switch g.evidenced {
	case investigation.ConfidenceHigh:
		s += ": the timing, the kind of change and the log errors agree."
	case investigation.ConfidenceMedium:
		if g.corrob != nil {
			s += ": the log errors match it, but the change itself is of a kind that rarely breaks things."
		} else {
			s += ": the timing and the kind of change fit, but no log evidence ties the two."
		}
	default:
		s = fmt.Sprintf("It may be related to %s going to %s %s later, but little points to it: treat it as a lead, not a finding.", t.alarm.Name, t.alarm.State, ago(lead))
	}
	return s + t.loweredSentence(g.evidenced, g.confidence)
}

// explanation writes the two paragraphs from the top candidate, or says that
// nothing in the trail explains the symptom.
func (t *triage) explanation(blind []investigation.BlindSpot) investigation.Explanation {
	scopeDesc := t.scopeDescription()
	if len(t.ranked) == 0 || t.ranked[0].confidence == investigation.ConfidenceLow {
		what := fmt.Sprintf("Nothing in CloudTrail for %s in the %s before %s looks like a cause", scopeDesc, ago(Layer2Window), clock(t.symptom))
		changes := 0
		for _, f := range t.seen {
			if !f.Failed() {
				changes++
			}
		}
		switch {
		case changes == 0:
			what += ": no change was recorded there."
		case len(t.ranked) == 0:
			what += fmt.Sprintf(": %s, all metadata or too slight to matter.", recorded(changes))
		default:
			what += fmt.Sprintf(": %s; the likeliest, %s, is weak evidence.", recorded(changes), t.cands[0].Summary)
		}
		why := "The symptom most likely comes from something the trail cannot show."
		if len(blind) > 0 {
			why += " " + blind[0].Note + " Look at: " + blind[0].WhereToLook + "."
		}
		return investigation.Explanation{WhatChanged: what, Why: why}
	}
	g := t.ranked[0]
	what := factSentence(g.rep, len(g.events))
	if g.rep.Target.Layer == 2 {
		what += " " + relationSentence(g.rep.Target)
	}
	if len(t.cands) > 1 {
		var others []string
		for _, c := range t.cands[1:] {
			others = append(others, fmt.Sprintf("#%d %s (%s)", c.Rank, c.Summary, c.Confidence))
		}
		what += " Also in the window: " + strings.Join(others, "; ") + "."
	}
	why := fmt.Sprintf("%s went to %s at %s", t.alarm.Name, t.alarm.State, clock(t.symptom))
	if t.alarm.Reason != "" {
		why += fmt.Sprintf(" (%s)", truncate(t.alarm.Reason, 160))
	}
	why += fmt.Sprintf(", %s after this change. ", ago(t.symptom.Sub(g.rep.Time)))
	if g.corrob != nil {
		why += corroborationSentence(g) + " "
	} else {
		why += "No log errors tie the two; the link rests on timing and the kind of change. "
	}
	why += mechanism[g.rep.Kind.Category]
	why += fmt.Sprintf(" Confidence that it caused the symptom: %s.", g.confidence) + t.loweredSentence(g.evidenced, g.confidence)
	return investigation.Explanation{WhatChanged: what, Why: why}
}

func (t *triage) scopeDescription() string {
	n1, n2 := 0, 0
	var first string
	for _, s := range t.targets {
		if s.Layer == 1 {
			n1++
			if first == "" {
				first = s.ID
			}
		} else {
			n2++
		}
	}
	switch {
	case n1 == 0:
		return "the alarm (no resource scoped)"
	case n1 == 1 && n2 == 0:
		return first
	case n1 == 1:
		return fmt.Sprintf("%s and its %d dependencies", first, n2)
	default:
		return fmt.Sprintf("%d resources and their %d dependencies", n1, n2)
	}
}

// truncate shortens s to at most n runes.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

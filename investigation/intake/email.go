package intake

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// The CloudWatch alarm e-mail (the SNS "email" protocol) is plain text:
//
//	You are receiving this email because your Amazon CloudWatch Alarm "NAME" in the
//	REGION NAME region has entered the STATE state, because "REASON" at "TIME".
//	(composite alarms: "has transitioned to STATE state on TIME, because "REASON".")
//	View this alarm in the AWS Management Console: URL
//	Alarm Details:        - Name, Description, State Change (OLD -> NEW), Alarm Rule
//	                        (composite), Reason for State Change, Timestamp,
//	                        AWS Account, Alarm Arn (absent from older e-mails)
//	Threshold:            - The alarm is in the ALARM state when the metric is OP X
//	                        for at least M of the last N period(s) of P seconds.
//	Monitored Metric:     - MetricNamespace, MetricName, Dimensions ([K = V, …] or
//	                        [K = V] [K = V]), Period (P seconds), Statistic, Unit
//	Monitored Metrics:    - MetricExpression, MetricLabel (metric math: only the
//	                        returned expressions, not the metrics they read)
//	Triggering children (max. 10):  - ARN   STATE   TIME   (composite)
//	State Change Actions: - OK / ALARM / INSUFFICIENT_DATA: [topic ARNs]
//
// Labels are padded with spaces or tabs, long values may wrap onto indented
// continuation lines, and a chat integration may have flattened the lines.

var emailMarker = regexp.MustCompile(`(?i)amazon cloudwatch alarm|alarm details:`)

func looksLikeEmail(text string) bool { return emailMarker.MatchString(text) }

var emailHeader = regexp.MustCompile(`Amazon CloudWatch Alarm "(.+?)" in the (.+?) region has ` +
	`(?:entered the ([A-Z_]+) state, because "(.*)" at "([^"]+)"` +
	`|transitioned to ([A-Z_]+) state on (.+? UTC), because "(.*)")`)

// emailSection names the part of the e-mail a line belongs to.
type emailSection int

const (
	sectionHeader emailSection = iota
	sectionConsole
	sectionDetails
	sectionThreshold
	sectionMetric
	sectionMetrics
	sectionChildren
	sectionActions
)

var sectionTitles = []struct {
	prefix  string
	section emailSection
}{
	{"view this alarm in the aws management console", sectionConsole},
	{"alarm details:", sectionDetails},
	{"threshold:", sectionThreshold},
	{"monitored metrics:", sectionMetrics},
	{"monitored metric:", sectionMetric},
	{"triggering children", sectionChildren},
	{"state change actions:", sectionActions},
}

// flatBreak finds where a line break was lost when the e-mail was flattened
// into one line: before each section title and each "- Label:" the e-mail writes.
var flatBreak = regexp.MustCompile(`\s+((?:Alarm Details|Threshold|Monitored Metrics?|State Change Actions|View this alarm in the AWS Management Console):` +
	`|Triggering children|- (?:Name|Description|State Change|Alarm Rule|Reason for State Change|Timestamp|AWS Account|Alarm Arn` +
	`|MetricNamespace|MetricName|Dimensions|Period|Statistic|Unit|TreatMissingData|MetricExpression|MetricLabel` +
	`|OK|ALARM|INSUFFICIENT_DATA)\s*:|- The alarm is in the|- arn:)`)

var (
	thresholdPeriods = regexp.MustCompile(`of the last (\d+) period\(s\) of (\d+) seconds`)
	childLine        = regexp.MustCompile(`^(arn:\S.*?)\s+(ALARM|OK|INSUFFICIENT_DATA)\b`)
	secondsValue     = regexp.MustCompile(`^(\d+)\s*seconds?$`)
)

// emailField is one "- Label: value" line, with its continuation lines.
type emailField struct {
	section emailSection
	label   string
	value   string
	more    []string // continuation lines, joined into value once read
}

type emailDoc struct {
	header    string
	consoles  []string
	fields    []emailField
	children  []string
	threshold []string
}

// first returns the first value of label in section.
func (d emailDoc) first(section emailSection, label string) (string, bool) {
	for _, f := range d.fields {
		if f.section == section && strings.EqualFold(f.label, label) {
			return f.value, true
		}
	}
	return "", false
}

func splitEmail(text string) emailDoc {
	if !hasBulletLines(text) {
		text = flatBreak.ReplaceAllString(text, "\n$1")
	}
	var doc emailDoc
	var header []string
	section := sectionHeader
	continuing := false
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		bare := strings.ToLower(strings.Trim(line, "*_ "))
		if s, ok := sectionOf(bare); ok {
			section, continuing = s, false
			if s == sectionConsole {
				if _, after, found := strings.Cut(line, ":"); found && strings.Contains(after, "://") {
					doc.consoles = append(doc.consoles, strings.TrimSpace(after))
				}
			}
			continue
		}
		if line == "" {
			continuing = false
			continue
		}
		switch {
		case section == sectionHeader:
			header = append(header, line)
		case section == sectionConsole:
			doc.consoles = append(doc.consoles, line)
		case section == sectionThreshold:
			doc.threshold = append(doc.threshold, line)
		case strings.HasPrefix(line, "-") || strings.HasPrefix(line, "•"):
			item := strings.TrimSpace(strings.TrimLeft(line, "-•"))
			if section == sectionChildren {
				if m := childLine.FindStringSubmatch(item); m != nil {
					doc.children = append(doc.children, normaliseARN(m[1]))
				}
				continue
			}
			if label, value, ok := splitLabel(item); ok {
				doc.fields = append(doc.fields, emailField{section: section, label: label, value: value})
				continuing = true
			}
		case continuing && len(doc.fields) > 0:
			last := &doc.fields[len(doc.fields)-1]
			last.more = append(last.more, unwrapMarkup(line))
		}
	}
	for i, f := range doc.fields {
		if len(f.more) > 0 {
			doc.fields[i].value = strings.TrimSpace(f.value + " " + strings.Join(f.more, " "))
			doc.fields[i].more = nil
		}
	}
	doc.header = strings.Join(strings.Fields(strings.Join(header, " ")), " ")
	return doc
}

// hasBulletLines tells an e-mail that kept its lines from a flattened one.
// Slack may have turned the e-mail's "- " items into "•" when it was pasted.
func hasBulletLines(text string) bool {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		for _, bullet := range []string{"- ", "-\t", "• "} {
			if strings.HasPrefix(line, bullet) {
				return true
			}
		}
	}
	return false
}

func sectionOf(bare string) (emailSection, bool) {
	for _, t := range sectionTitles {
		if strings.HasPrefix(bare, t.prefix) {
			return t.section, true
		}
	}
	return 0, false
}

// splitLabel cuts "Label: value", tolerating mrkdwn bold around the label
// ("*Name:* x", "*Name*: x").
func splitLabel(item string) (label, value string, ok bool) {
	label, value, ok = strings.Cut(item, ":")
	if !ok {
		return "", "", false
	}
	opened := strings.HasPrefix(label, "*") || strings.HasPrefix(label, "_")
	label = strings.TrimSpace(strings.Trim(label, "*_ \t"))
	if label == "" {
		return "", "", false
	}
	if opened {
		value = strings.TrimPrefix(strings.TrimPrefix(value, "*"), "_")
	}
	return label, unwrapMarkup(value), true
}

// parseEmail reads the CloudWatch alarm e-mail from plain text (see plainText).
func parseEmail(text string) (investigation.Alarm, error) {
	doc := splitEmail(text)
	open := readOpening(doc.header)

	var a investigation.Alarm
	a.Name, _ = doc.first(sectionDetails, "Name")
	if a.Name == "" {
		a.Name = open.name
	}
	if a.Name == "" {
		return investigation.Alarm{}, errors.New("e-mail names no alarm: neither a \"- Name:\" line nor the opening sentence")
	}
	fail := func(err error) (investigation.Alarm, error) {
		return investigation.Alarm{}, fmt.Errorf("alarm %q: e-mail: %w", a.Name, err)
	}

	arn, _ := doc.first(sectionDetails, "Alarm Arn")
	account, _ := doc.first(sectionDetails, "AWS Account")
	if err := locate(&a, arn, emailRegionHint(doc, open), account); err != nil {
		return fail(err)
	}
	if err := readEmailTransition(doc, open, &a); err != nil {
		return fail(err)
	}

	a.Reason = open.reason
	if reason, ok := doc.first(sectionDetails, "Reason for State Change"); ok && reason != "" {
		a.Reason = reason
	}
	a.Description, _ = doc.first(sectionDetails, "Description")
	a.AlarmRule, _ = doc.first(sectionDetails, "Alarm Rule")
	a.TriggeringChildren = doc.children
	if m := thresholdPeriods.FindStringSubmatch(strings.Join(doc.threshold, " ")); m != nil {
		a.EvaluationPeriods, _ = strconv.Atoi(m[1])
	}

	metric, err := emailMetric(doc)
	if err != nil {
		return fail(err)
	}
	if metric != nil {
		a.Metrics = []investigation.Metric{*metric}
	}
	for _, f := range doc.fields {
		if f.section == sectionMetrics && strings.EqualFold(f.label, "MetricExpression") && f.value != "" {
			a.Metrics = append(a.Metrics, investigation.Metric{Expression: f.value})
		}
	}
	missing := "the alarm's metrics (no Monitored Metric section)"
	if metric == nil && len(a.Metrics) > 0 {
		missing = "the metrics its math expression reads (the e-mail lists only the expression)"
	}
	return finish(a, investigation.DeliveryEmail, metric != nil || a.AlarmRule != "", missing)
}

// opening is what the e-mail's opening sentence says; every field is empty
// when there is no such sentence.
type opening struct {
	name, region, state, reason, time string
}

// readOpening reads the opening sentence in either of its two wordings.
func readOpening(header string) opening {
	m := emailHeader.FindStringSubmatch(header)
	if m == nil {
		return opening{}
	}
	return opening{name: m[1], region: m[2], state: m[3] + m[6], reason: m[4] + m[8], time: m[5] + m[7]}
}

// emailRegionHint is the region of the first console link that names one,
// else the opening sentence's region name.
func emailRegionHint(doc emailDoc, open opening) string {
	for _, u := range doc.consoles {
		if ref, err := refFromConsoleURL(u); err == nil {
			return ref.Region
		}
	}
	return open.region
}

// readEmailTransition reads the states and the time of the transition: the
// details' lines win over the opening sentence.
func readEmailTransition(doc emailDoc, open opening, a *investigation.Alarm) error {
	state := open.state
	if change, ok := doc.first(sectionDetails, "State Change"); ok {
		prev, next, found := strings.Cut(change, "->")
		if !found {
			return fmt.Errorf("state change %q: want OLD -> NEW", change)
		}
		var err error
		if a.PreviousState, err = parsePreviousState("previous state", prev); err != nil {
			return err
		}
		state = next
	}
	if strings.TrimSpace(state) == "" {
		return errors.New("no State Change line and no state in the opening sentence")
	}
	var err error
	if a.State, err = parseState("state", state); err != nil {
		return err
	}
	when := open.time
	if ts, ok := doc.first(sectionDetails, "Timestamp"); ok && ts != "" {
		when = ts
	}
	if when == "" {
		return errors.New("no Timestamp line and no time in the opening sentence")
	}
	a.StateChangeTime, err = parseEmailTime(when)
	return err
}

// emailMetric reads the "Monitored Metric:" section of a single-metric alarm.
func emailMetric(doc emailDoc) (*investigation.Metric, error) {
	namespace, _ := doc.first(sectionMetric, "MetricNamespace")
	name, _ := doc.first(sectionMetric, "MetricName")
	if namespace == "" || name == "" {
		return nil, nil
	}
	m := &investigation.Metric{Namespace: namespace, Name: name}
	m.Stat, _ = doc.first(sectionMetric, "Statistic")
	if dims, ok := doc.first(sectionMetric, "Dimensions"); ok {
		var err error
		if m.Dimensions, err = parseEmailDimensions(dims); err != nil {
			return nil, err
		}
	}
	if period, ok := doc.first(sectionMetric, "Period"); ok && period != "" {
		p := secondsValue.FindStringSubmatch(period)
		if p == nil {
			return nil, fmt.Errorf("period %q: want N seconds", period)
		}
		m.Period, _ = strconv.Atoi(p[1])
	}
	return m, nil
}

var bracketGroup = regexp.MustCompile(`\[([^\[\]]*)\]`)

// parseEmailDimensions reads "[FunctionName = checkout, Resource = checkout:live]"
// and "[TargetGroup = tg/a/1] [LoadBalancer = app/b/2]". A comma inside a value
// is kept: a part without "=" continues the previous value.
func parseEmailDimensions(s string) ([]investigation.Dimension, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	groups := bracketGroup.FindAllStringSubmatch(s, -1)
	if groups == nil {
		return nil, fmt.Errorf("dimensions %q: want [Name = value, ...]", s)
	}
	var dims []investigation.Dimension
	for _, g := range groups {
		// values collects the comma-separated parts of the group's last value.
		var values []string
		flush := func() {
			if len(values) > 0 {
				dims[len(dims)-1].Value = strings.Join(values, ",")
				values = nil
			}
		}
		for _, part := range strings.Split(g[1], ",") {
			name, value, found := strings.Cut(part, "=")
			name, value = strings.TrimSpace(name), strings.TrimSpace(value)
			switch {
			case found && name != "":
				if value == "" {
					return nil, fmt.Errorf("dimensions %q: dimension %q has no value", s, name)
				}
				flush()
				dims = append(dims, investigation.Dimension{Name: name})
				values = []string{value}
			case len(values) > 0:
				values = append(values, part)
			case strings.TrimSpace(part) != "":
				return nil, fmt.Errorf("dimensions %q: dimension %q has no value", s, strings.TrimSpace(part))
			}
		}
		flush()
	}
	return dims, nil
}

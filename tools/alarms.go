package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
)

// Call-counter keys of the CloudWatch alarm operations.
const (
	OpDescribeAlarms       = "cloudwatch:DescribeAlarms"
	OpDescribeAlarmHistory = "cloudwatch:DescribeAlarmHistory"
)

// describeAlarmsMaxNames is how many names one DescribeAlarms call takes, and
// its largest page.
const describeAlarmsMaxNames = 100

// AlarmsOptions bound the alarm reads.
type AlarmsOptions struct {
	// MaxPages bounds the pages read per call of a method. Default 10.
	MaxPages int
	// Timeout bounds one method call, paging included. Default 30 s.
	Timeout time.Duration
}

// Alarms reads CloudWatch alarm definitions and history. It implements
// investigation.Alarms: composite children and alarms known only by name.
type Alarms struct {
	opts    AlarmsOptions
	clients *regionalClients[*cloudwatch.Client]
}

// NewAlarms builds the reader from a configuration loaded by LoadAWSConfig.
func NewAlarms(cfg aws.Config, opts AlarmsOptions) *Alarms {
	if opts.MaxPages <= 0 {
		opts.MaxPages = 10
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	return &Alarms{
		opts: opts,
		clients: newRegionalClients(cfg, func(cfg aws.Config, region string) *cloudwatch.Client {
			return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.Region = region })
		}),
	}
}

// DescribeAlarms returns the metric and composite alarms named, in region.
// A name may be an alarm ARN (composite children are delivered as ARNs): it
// is then read in the ARN's region. Names CloudWatch does not know are left
// out, as DescribeAlarms itself does.
func (a *Alarms) DescribeAlarms(ctx context.Context, region string, names []string) ([]investigation.Alarm, error) {
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	byRegion := map[string][]string{}
	var regions []string
	for _, n := range names {
		name, r := n, region
		if arn, ok := investigation.ParseAlarmARN(n); ok {
			name, r = arn.Name, arn.Region
		}
		if name == "" || slices.Contains(byRegion[r], name) {
			continue
		}
		if _, seen := byRegion[r]; !seen {
			regions = append(regions, r)
		}
		byRegion[r] = append(byRegion[r], name)
	}
	var out []investigation.Alarm
	pages := 0
	for _, r := range regions {
		client, resolved := a.clients.get(r)
		for chunk := range slices.Chunk(byRegion[r], describeAlarmsMaxNames) {
			var token *string
			for {
				if pages == a.opts.MaxPages {
					return out, fmt.Errorf("describe %d alarms: stopped after %d pages with %d alarms read", len(names), pages, len(out))
				}
				pages++
				page, err := client.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{
					AlarmNames: chunk,
					AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm},
					MaxRecords: aws.Int32(describeAlarmsMaxNames),
					NextToken:  token,
				})
				if err != nil {
					return out, Wrap(OpDescribeAlarms, fmt.Sprintf("describe alarms %s in %s", strings.Join(chunk, ", "), resolved), err)
				}
				for _, m := range page.MetricAlarms {
					out = append(out, alarmFromMetricAlarm(m, resolved))
				}
				for _, c := range page.CompositeAlarms {
					out = append(out, alarmFromCompositeAlarm(c, resolved))
				}
				token = page.NextToken
				if aws.ToString(token) == "" {
					break
				}
			}
		}
	}
	return out, nil
}

var _ investigation.Alarms = (*Alarms)(nil)

// DescribeAlarmHistory reads alarm history newest first, up to q.Max entries;
// more reports that entries were left unread.
func (a *Alarms) DescribeAlarmHistory(ctx context.Context, q agent.AlarmHistoryQuery) (items []agent.AlarmHistoryItem, more bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	if q.Max <= 0 {
		q.Max = describeAlarmsMaxNames
	}
	client, region := a.clients.get(q.Region)
	in := &cloudwatch.DescribeAlarmHistoryInput{
		HistoryItemType: cwtypes.HistoryItemType(q.ItemType),
		ScanBy:          cwtypes.ScanByTimestampDescending,
		MaxRecords:      aws.Int32(int32(min(q.Max, describeAlarmsMaxNames))),
	}
	if q.Name != "" {
		in.AlarmName = aws.String(q.Name)
	}
	if q.Composite {
		in.AlarmTypes = []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm}
	}
	if !q.Start.IsZero() {
		in.StartDate = aws.Time(q.Start)
	}
	if !q.End.IsZero() {
		in.EndDate = aws.Time(q.End)
	}
	pages := cloudwatch.NewDescribeAlarmHistoryPaginator(client, in)
	for page := 0; pages.HasMorePages(); page++ {
		if page == a.opts.MaxPages || len(items) >= q.Max {
			return items[:min(len(items), q.Max)], true, nil
		}
		out, err := pages.NextPage(ctx)
		if err != nil {
			return items, false, Wrap(OpDescribeAlarmHistory, fmt.Sprintf("describe history of alarm %q in %s", q.Name, region), err)
		}
		for _, h := range out.AlarmHistoryItems {
			items = append(items, agent.AlarmHistoryItem{
				Alarm: aws.ToString(h.AlarmName), Type: string(h.AlarmType), ItemType: string(h.HistoryItemType),
				Time: aws.ToTime(h.Timestamp).UTC(), Summary: aws.ToString(h.HistorySummary), Data: aws.ToString(h.HistoryData),
			})
		}
	}
	if len(items) > q.Max {
		return items[:q.Max], true, nil
	}
	return items, false, nil
}

func alarmFromMetricAlarm(m cwtypes.MetricAlarm, region string) investigation.Alarm {
	al := alarmHeader(aws.ToString(m.AlarmName), aws.ToString(m.AlarmArn), region, aws.ToString(m.AlarmDescription),
		string(m.StateValue), aws.ToString(m.StateReason), m.StateTransitionedTimestamp, m.StateUpdatedTimestamp)
	al.EvaluationPeriods = int(aws.ToInt32(m.EvaluationPeriods))
	al.Comparison, al.Threshold = string(m.ComparisonOperator), aws.ToFloat64(m.Threshold)
	if m.MetricName != nil {
		stat := string(m.Statistic)
		if stat == "" {
			stat = aws.ToString(m.ExtendedStatistic)
		}
		al.Metrics = []investigation.Metric{{
			Namespace: aws.ToString(m.Namespace), Name: aws.ToString(m.MetricName),
			Dimensions: dimensions(m.Dimensions), Stat: stat, Period: int(aws.ToInt32(m.Period)),
		}}
	}
	for _, q := range m.Metrics {
		metric := investigation.Metric{ID: aws.ToString(q.Id), Expression: aws.ToString(q.Expression), Period: int(aws.ToInt32(q.Period))}
		if s := q.MetricStat; s != nil {
			metric.Stat = aws.ToString(s.Stat)
			if s.Period != nil {
				metric.Period = int(*s.Period)
			}
			if s.Metric != nil {
				metric.Namespace = aws.ToString(s.Metric.Namespace)
				metric.Name = aws.ToString(s.Metric.MetricName)
				metric.Dimensions = dimensions(s.Metric.Dimensions)
			}
		}
		al.Metrics = append(al.Metrics, metric)
	}
	return al
}

func alarmFromCompositeAlarm(c cwtypes.CompositeAlarm, region string) investigation.Alarm {
	al := alarmHeader(aws.ToString(c.AlarmName), aws.ToString(c.AlarmArn), region, aws.ToString(c.AlarmDescription),
		string(c.StateValue), aws.ToString(c.StateReason), c.StateTransitionedTimestamp, c.StateUpdatedTimestamp)
	al.AlarmRule = aws.ToString(c.AlarmRule)
	// A composite alarm's StateReasonData names the children that moved it.
	var data struct {
		TriggeringAlarms []struct {
			ARN string `json:"arn"`
		} `json:"triggeringAlarms"`
	}
	if json.Unmarshal([]byte(aws.ToString(c.StateReasonData)), &data) == nil {
		for _, t := range data.TriggeringAlarms {
			if t.ARN != "" {
				al.TriggeringChildren = append(al.TriggeringChildren, t.ARN)
			}
		}
	}
	return al
}

func alarmHeader(name, arn, region, description, state, reason string, transitioned, updated *time.Time) investigation.Alarm {
	al := investigation.Alarm{Name: name, ARN: arn, Region: region, Description: description, State: investigation.State(state), Reason: reason}
	if parsed, ok := investigation.ParseAlarmARN(arn); ok {
		al.Region, al.Account = parsed.Region, parsed.Account
	}
	// The state change that fired the alarm is its last transition; a
	// re-evaluation in the same state only moves StateUpdatedTimestamp.
	switch {
	case transitioned != nil:
		al.StateChangeTime = transitioned.UTC()
	case updated != nil:
		al.StateChangeTime = updated.UTC()
	}
	return al
}

func dimensions(ds []cwtypes.Dimension) []investigation.Dimension {
	if len(ds) == 0 {
		return nil
	}
	out := make([]investigation.Dimension, 0, len(ds))
	for _, d := range ds {
		out = append(out, investigation.Dimension{Name: aws.ToString(d.Name), Value: aws.ToString(d.Value)})
	}
	return out
}

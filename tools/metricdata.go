package tools

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/trailhound/trailhound/investigation"
)

// OpGetMetricData is the call-counter key of GetMetricData.
const OpGetMetricData = "cloudwatch:GetMetricData"

// getMetricDataMaxQueries is how many queries one GetMetricData call takes.
const getMetricDataMaxQueries = 500

// metricDataMaxPages is the default page bound: at CloudWatch's 100,800
// datapoints a page, ten pages hold far more than a walk window does.
const metricDataMaxPages = 10

// ErrMetricDataTruncated says the page bound stopped a read before the
// service had returned every datapoint; the series returned with it are
// whole up to where the reading stopped.
var ErrMetricDataTruncated = errors.New("metric data truncated")

// MetricDataOptions bound the metric reads.
type MetricDataOptions struct {
	// MaxPages bounds the pages read per call. Default metricDataMaxPages.
	MaxPages int
	// Timeout bounds one call, paging included. Default 30 s.
	Timeout time.Duration
}

// MetricQuery is one entry of an alarm's metrics as GetMetricData takes it:
// a metric with its statistic and period, or a metric-math expression.
type MetricQuery struct {
	ID         string
	Namespace  string
	Name       string
	Dimensions []investigation.Dimension
	Stat       string
	Period     int    // seconds
	Expression string // set for metric-math rows
	Label      string
	AccountID  string // cross-account alarms name the account per query
	// ReturnData is whether the series is returned; nil lets CloudWatch
	// decide (it returns every query). An alarm returns exactly one.
	ReturnData *bool
}

// MetricDataRequest asks for the datapoints of an alarm's queries.
type MetricDataRequest struct {
	Region     string // "" is the configuration's region
	Queries    []MetricQuery
	Start, End time.Time
}

// MetricPoint is one datapoint.
type MetricPoint struct {
	Time  time.Time
	Value float64
}

// MetricSeries is the result of one returned query, oldest datapoint first.
type MetricSeries struct {
	ID     string
	Label  string
	Points []MetricPoint
	// Status is CloudWatch's StatusCode: Complete, PartialData (more than
	// the service returns in one request), InternalError or Forbidden.
	Status   string
	Messages []string // the service's notes on this result
}

// MetricData reads metric datapoints with GetMetricData.
type MetricData struct {
	opts    MetricDataOptions
	clients *regionalClients[*cloudwatch.Client]
}

// NewMetricData builds the reader from a configuration loaded by LoadAWSConfig.
func NewMetricData(cfg aws.Config, opts MetricDataOptions) *MetricData {
	if opts.MaxPages <= 0 {
		opts.MaxPages = metricDataMaxPages
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	return &MetricData{
		opts: opts,
		clients: newRegionalClients(cfg, func(cfg aws.Config, region string) *cloudwatch.Client {
			return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.Region = region })
		}),
	}
}

// GetMetricData returns the series of the request's returned queries, in
// the order of the queries. Pages are merged per query; past MaxPages it
// returns what it read with an error wrapping ErrMetricDataTruncated.
func (m *MetricData) GetMetricData(ctx context.Context, req MetricDataRequest) ([]MetricSeries, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, m.opts.Timeout)
	defer cancel()
	client, region := m.clients.get(req.Region)
	in := &cloudwatch.GetMetricDataInput{
		MetricDataQueries: sdkQueries(req.Queries),
		StartTime:         aws.Time(req.Start),
		EndTime:           aws.Time(req.End),
		ScanBy:            cwtypes.ScanByTimestampAscending,
	}
	acc := newSeriesAccumulator(req.Queries)
	for page := 0; ; page++ {
		if page == m.opts.MaxPages {
			return acc.series(), fmt.Errorf("get metric data %s in %s: stopped after %d pages: %w",
				req.ids(), region, page, ErrMetricDataTruncated)
		}
		out, err := client.GetMetricData(ctx, in)
		if err != nil {
			return acc.series(), Wrap(OpGetMetricData, fmt.Sprintf("get metric data %s in %s", req.ids(), region), err)
		}
		for _, r := range out.MetricDataResults {
			acc.add(r)
		}
		if aws.ToString(out.NextToken) == "" {
			return acc.series(), nil
		}
		in.NextToken = out.NextToken
	}
}

func (r MetricDataRequest) validate() error {
	switch {
	case len(r.Queries) == 0:
		return errors.New("get metric data: no queries")
	case len(r.Queries) > getMetricDataMaxQueries:
		return fmt.Errorf("get metric data: %d queries, at most %d", len(r.Queries), getMetricDataMaxQueries)
	case !r.End.After(r.Start):
		return fmt.Errorf("get metric data: window %s–%s is empty", r.Start.Format(time.RFC3339), r.End.Format(time.RFC3339))
	}
	return nil
}

func (r MetricDataRequest) ids() string {
	ids := make([]string, 0, len(r.Queries))
	for _, q := range r.Queries {
		ids = append(ids, q.ID)
	}
	return strings.Join(ids, ", ")
}

func sdkQueries(qs []MetricQuery) []cwtypes.MetricDataQuery {
	out := make([]cwtypes.MetricDataQuery, 0, len(qs))
	for _, q := range qs {
		sq := cwtypes.MetricDataQuery{Id: aws.String(q.ID), ReturnData: q.ReturnData}
		if q.Label != "" {
			sq.Label = aws.String(q.Label)
		}
		if q.AccountID != "" {
			sq.AccountId = aws.String(q.AccountID)
		}
		if q.Expression != "" {
			sq.Expression = aws.String(q.Expression)
			if q.Period > 0 {
				sq.Period = aws.Int32(int32(q.Period))
			}
		} else {
			dims := make([]cwtypes.Dimension, 0, len(q.Dimensions))
			for _, d := range q.Dimensions {
				dims = append(dims, cwtypes.Dimension{Name: aws.String(d.Name), Value: aws.String(d.Value)})
			}
			sq.MetricStat = &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(q.Namespace), MetricName: aws.String(q.Name), Dimensions: dims},
				Period: aws.Int32(int32(q.Period)),
				Stat:   aws.String(q.Stat),
			}
		}
		out = append(out, sq)
	}
	return out
}

// seriesAccumulator merges the pages' results per query id, keeping the
// queries' order.
type seriesAccumulator struct {
	order []string
	byID  map[string]*MetricSeries
}

func newSeriesAccumulator(qs []MetricQuery) *seriesAccumulator {
	a := &seriesAccumulator{byID: map[string]*MetricSeries{}}
	for _, q := range qs {
		a.order = append(a.order, q.ID)
	}
	return a
}

func (a *seriesAccumulator) add(r cwtypes.MetricDataResult) {
	id := aws.ToString(r.Id)
	s, ok := a.byID[id]
	if !ok {
		s = &MetricSeries{ID: id}
		a.byID[id] = s
		if !slices.Contains(a.order, id) {
			a.order = append(a.order, id)
		}
	}
	if l := aws.ToString(r.Label); l != "" {
		s.Label = l
	}
	// The last page's status is the read's: PartialData on every page but
	// the last while the service pages.
	s.Status = string(r.StatusCode)
	for _, msg := range r.Messages {
		s.Messages = append(s.Messages, strings.TrimSpace(aws.ToString(msg.Code)+" "+aws.ToString(msg.Value)))
	}
	for i := range min(len(r.Timestamps), len(r.Values)) {
		s.Points = append(s.Points, MetricPoint{Time: r.Timestamps[i].UTC(), Value: r.Values[i]})
	}
}

func (a *seriesAccumulator) series() []MetricSeries {
	var out []MetricSeries
	for _, id := range a.order {
		s, ok := a.byID[id]
		if !ok {
			continue
		}
		// Ascending scans come sorted; a service that ignores ScanBy must
		// not scramble the picture.
		slices.SortStableFunc(s.Points, func(x, y MetricPoint) int { return x.Time.Compare(y.Time) })
		out = append(out, *s)
	}
	return out
}

// AlarmQueries are the GetMetricData queries of an alarm as the engine
// holds it: its one metric with the alarm's statistic and period, or every
// row of its metric math. investigation.Metric does not carry ReturnData,
// so for metric math the row returned is the expression no other
// expression refers to (an alarm returns exactly one); when that is not
// one row, ReturnData is left to CloudWatch. With the alarm as DescribeAlarms
// returns it, AlarmQueriesOf keeps the alarm's own ReturnData.
func AlarmQueries(a investigation.Alarm) []MetricQuery {
	// A plain metric's id is the query's own: EventBridge names it with a
	// UUID, which GetMetricData refuses as a query id.
	if len(a.Metrics) == 1 && a.Metrics[0].Expression == "" {
		q := queryOfMetric("m1", a.Metrics[0])
		q.ReturnData = aws.Bool(true)
		return []MetricQuery{q}
	}
	qs := make([]MetricQuery, 0, len(a.Metrics))
	for _, m := range a.Metrics {
		qs = append(qs, queryOfMetric(m.ID, m))
	}
	var roots []int
	for i, q := range qs {
		if q.Expression != "" && !referenced(q.ID, qs) {
			roots = append(roots, i)
		}
	}
	if len(roots) == 1 {
		for i := range qs {
			qs[i].ReturnData = aws.Bool(i == roots[0])
		}
	}
	return qs
}

func queryOfMetric(id string, m investigation.Metric) MetricQuery {
	return MetricQuery{ID: id, Namespace: m.Namespace, Name: m.Name, Dimensions: m.Dimensions,
		Stat: m.Stat, Period: m.Period, Expression: m.Expression}
}

// referenced reports whether another query's expression names id.
func referenced(id string, qs []MetricQuery) bool {
	word := regexp.MustCompile(`\b` + regexp.QuoteMeta(id) + `\b`)
	for _, q := range qs {
		if q.ID != id && q.Expression != "" && word.MatchString(q.Expression) {
			return true
		}
	}
	return false
}

// AlarmQueriesOf are the GetMetricData queries of a metric alarm as
// DescribeAlarms returns it, ReturnData, labels and accounts included.
func AlarmQueriesOf(m cwtypes.MetricAlarm) []MetricQuery {
	if m.MetricName != nil {
		stat := string(m.Statistic)
		if stat == "" {
			stat = aws.ToString(m.ExtendedStatistic)
		}
		return []MetricQuery{{ID: "m1", Namespace: aws.ToString(m.Namespace), Name: aws.ToString(m.MetricName),
			Dimensions: dimensions(m.Dimensions), Stat: stat, Period: int(aws.ToInt32(m.Period)), ReturnData: aws.Bool(true)}}
	}
	qs := make([]MetricQuery, 0, len(m.Metrics))
	for _, q := range m.Metrics {
		mq := MetricQuery{ID: aws.ToString(q.Id), Expression: aws.ToString(q.Expression), Label: aws.ToString(q.Label),
			AccountID: aws.ToString(q.AccountId), Period: int(aws.ToInt32(q.Period)), ReturnData: q.ReturnData}
		if s := q.MetricStat; s != nil {
			mq.Stat, mq.Period = aws.ToString(s.Stat), int(aws.ToInt32(s.Period))
			if s.Metric != nil {
				mq.Namespace, mq.Name = aws.ToString(s.Metric.Namespace), aws.ToString(s.Metric.MetricName)
				mq.Dimensions = dimensions(s.Metric.Dimensions)
			}
		}
		qs = append(qs, mq)
	}
	return qs
}

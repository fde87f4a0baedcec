package awsapi

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// GetMetricData and GetMetricStatistics over the scenario's metrics.json.
// Each series holds one statistic at one period, as the scenario's author
// read it off CloudWatch; a request for that statistic at a multiple of the
// period is aggregated from it, as CloudWatch aggregates its own data. Other
// statistics have no data, which is what a client would see for a metric
// that was never published with them.

const cwMaxMetricQueries = 500

var cwQueryID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// cwMetric names one metric and statistic.
type cwMetric struct {
	namespace, name, stat string
	dims                  map[string]string
}

// cwPoint is one aggregated datapoint.
type cwPoint struct {
	t time.Time
	v float64
}

func (s *cloudWatchService) getMetricData(req cwRequest, _ string) (cbor.Map, *cwError) {
	start, end, cerr := cwTimeRange(req, "StartTime", "EndTime")
	if cerr != nil {
		return nil, cerr
	}
	queries, err := req.objects("MetricDataQueries")
	switch {
	case err != nil:
		return nil, cwInvalidValue("%v", err)
	case len(queries) == 0:
		return nil, cwMissing("MetricDataQueries")
	case len(queries) > cwMaxMetricQueries:
		return nil, cwInvalidValue("The collection MetricDataQueries must not have a size greater than %d.", cwMaxMetricQueries)
	}
	scanBy, _ := req.str("ScanBy")
	if scanBy != "" && scanBy != "TimestampDescending" && scanBy != "TimestampAscending" {
		return nil, cwInvalidValue("The value %s for parameter ScanBy is not valid.", scanBy)
	}
	parsed := make([]cwQuery, 0, len(queries))
	for i, q := range queries {
		pq, cerr := cwParseQuery(q, i)
		if cerr != nil {
			return nil, cerr
		}
		parsed = append(parsed, pq)
	}
	eval := &cwMathEval{queries: parsed, done: map[string][]cwPoint{}, busy: map[string]bool{},
		fetch: func(q cwQuery) []cwPoint { return s.aggregate(q.metric, q.period, start, end) }}
	results := cbor.List{}
	for _, q := range parsed {
		if !q.returnData {
			continue
		}
		points, err := eval.resolve(q.id)
		messages := cbor.List{}
		if err != nil {
			// CloudWatch reports a query it cannot compute in the result's
			// messages and goes on with the others.
			messages = append(messages, cbor.Map{"Code": cbor.String("InternalError"), "Value": cbor.String(err.Error())})
		}
		results = append(results, cwResult(q, points, scanBy != "TimestampAscending", messages))
	}
	return cbor.Map{"MetricDataResults": results, "Messages": cbor.List{}}, nil
}

// cwQuery is one MetricDataQueries entry.
type cwQuery struct {
	id, label, expr string
	returnData      bool
	metric          cwMetric
	period          int64
}

func cwParseQuery(q cwRequest, i int) (cwQuery, *cwError) {
	var out cwQuery
	out.id, _ = q.str("Id")
	if !cwQueryID.MatchString(out.id) {
		return out, cwInvalidValue("The value %q for parameter MetricDataQueries.member.%d.Id is not valid: it must start with a lowercase letter and hold only letters, digits and underscores.", out.id, i+1)
	}
	var err error
	if out.returnData, err = q.boolean("ReturnData", true); err != nil {
		return out, cwInvalidValue("%v", err)
	}
	stat, err := q.object("MetricStat")
	if err != nil {
		return out, cwInvalidValue("%v", err)
	}
	out.expr, _ = q.str("Expression")
	out.label, _ = q.str("Label")
	if (stat == nil) == (out.expr == "") {
		return out, cwInvalidCombination("Exactly one of MetricStat and Expression must be given in MetricDataQueries.member.%d.", i+1)
	}
	if stat != nil {
		var cerr *cwError
		if out.metric, out.period, cerr = cwParseMetricStat(stat, i); cerr != nil {
			return out, cerr
		}
		out.label = orDefault(out.label, out.metric.name)
	}
	out.label = orDefault(out.label, out.id)
	return out, nil
}

// cwResult is one MetricDataResult, its points in the order ScanBy asks.
func cwResult(q cwQuery, points []cwPoint, newestFirst bool, messages cbor.List) cbor.Map {
	sort.Slice(points, func(a, b int) bool { return points[a].t.Before(points[b].t) == !newestFirst })
	times, values := cbor.List{}, cbor.List{}
	for _, p := range points {
		times = append(times, cwTime(p.t))
		values = append(values, cbor.Float64(p.v))
	}
	return cbor.Map{"Id": cbor.String(q.id), "Label": cbor.String(q.label), "Timestamps": times, "Values": values,
		"StatusCode": cbor.String("Complete"), "Messages": messages}
}

func cwParseMetricStat(stat cwRequest, i int) (cwMetric, int64, *cwError) {
	metric, err := stat.object("Metric")
	if err != nil {
		return cwMetric{}, 0, cwInvalidValue("%v", err)
	}
	m, cerr := cwParseMetric(metric)
	if cerr != nil {
		return m, 0, cerr
	}
	m.stat, _ = stat.str("Stat")
	period, err := stat.integer("Period", 0)
	switch {
	case err != nil:
		return m, 0, cwInvalidValue("%v", err)
	case m.stat == "":
		return m, 0, cwMissing("MetricDataQueries.member.%d.MetricStat.Stat", i+1)
	case !cwValidPeriod(period):
		return m, 0, cwInvalidValue("The parameter MetricDataQueries.member.%d.MetricStat.Period must be 1, 5, 10, 30 or a multiple of 60.", i+1)
	}
	return m, period, nil
}

// cwParseMetric reads a Metric structure, or GetMetricStatistics' top level.
func cwParseMetric(metric cwRequest) (cwMetric, *cwError) {
	m := cwMetric{dims: map[string]string{}}
	m.namespace, _ = metric.str("Namespace")
	m.name, _ = metric.str("MetricName")
	dims, err := metric.objects("Dimensions")
	if err != nil {
		return m, cwInvalidValue("%v", err)
	}
	for _, d := range dims {
		name, _ := d.str("Name")
		value, _ := d.str("Value")
		m.dims[name] = value
	}
	if m.namespace == "" || m.name == "" {
		return m, cwMissing("Namespace and MetricName")
	}
	return m, nil
}

func cwValidPeriod(p int64) bool {
	return p == 1 || p == 5 || p == 10 || p == 30 || (p > 0 && p%60 == 0)
}

// aggregate returns m's datapoints in [start, end) at period: the series'
// own points when period is not a multiple of the series period.
func (s *cloudWatchService) aggregate(m cwMetric, period int64, start, end time.Time) []cwPoint {
	series := s.findSeries(m)
	if series == nil {
		return nil
	}
	step := int64(series.Period)
	if step <= 0 || period%step != 0 {
		period = max(step, 1)
	}
	buckets := map[int64][]float64{}
	for i, t := range series.Timestamps {
		if t.Before(start) || !t.Before(end) {
			continue
		}
		b := t.Unix() - t.Unix()%period
		buckets[b] = append(buckets[b], series.Values[i])
	}
	out := make([]cwPoint, 0, len(buckets))
	for b, vs := range buckets {
		out = append(out, cwPoint{t: time.Unix(b, 0).UTC(), v: cwCombine(m.stat, vs)})
	}
	return out
}

// findSeries is the series of m's metric, dimensions and statistic.
func (s *cloudWatchService) findSeries(m cwMetric) *scenario.MetricSeries {
	for i := range s.series {
		se := &s.series[i]
		if se.Namespace != m.namespace || se.MetricName != m.name || !strings.EqualFold(se.Stat, m.stat) || len(se.Dimensions) != len(m.dims) {
			continue
		}
		if !slices.ContainsFunc(se.Dimensions, func(d scenario.MetricDimension) bool { return m.dims[d.Name] != d.Value }) {
			return se
		}
	}
	return nil
}

// cwCombine merges the values of one statistic over several periods. A
// percentile cannot be recomputed from percentiles; the largest is the
// conservative reading an alarm on it would see.
func cwCombine(stat string, vs []float64) float64 {
	switch strings.ToLower(stat) {
	case "sum", "samplecount":
		total := 0.0
		for _, v := range vs {
			total += v
		}
		return total
	case "average":
		total := 0.0
		for _, v := range vs {
			total += v
		}
		return total / float64(len(vs))
	case "minimum":
		return slices.Min(vs)
	}
	return slices.Max(vs)
}

func (s *cloudWatchService) getMetricStatistics(req cwRequest, _ string) (cbor.Map, *cwError) {
	start, end, cerr := cwTimeRange(req, "StartTime", "EndTime")
	if cerr != nil {
		return nil, cerr
	}
	m, cerr := cwParseMetric(req)
	if cerr != nil {
		return nil, cerr
	}
	period, err := req.integer("Period", 0)
	if err != nil || !cwValidPeriod(period) {
		return nil, cwInvalidValue("The parameter Period must be 1, 5, 10, 30 or a multiple of 60.")
	}
	stats, _ := req.strList("Statistics")
	extended, _ := req.strList("ExtendedStatistics")
	if len(stats)+len(extended) == 0 {
		return nil, cwInvalidCombination("Must specify either Statistics or ExtendedStatistics.")
	}
	byTime := map[time.Time]cbor.Map{}
	for _, stat := range append(stats, extended...) {
		m.stat = stat
		for _, p := range s.aggregate(m, period, start, end) {
			dp := byTime[p.t]
			if dp == nil {
				dp = cbor.Map{"Timestamp": cwTime(p.t), "Unit": cbor.String("None")}
				byTime[p.t] = dp
			}
			if slices.Contains(extended, stat) {
				ext, _ := dp["ExtendedStatistics"].(cbor.Map)
				if ext == nil {
					ext = cbor.Map{}
					dp["ExtendedStatistics"] = ext
				}
				ext[stat] = cbor.Float64(p.v)
			} else {
				dp[stat] = cbor.Float64(p.v)
			}
		}
	}
	times := make([]time.Time, 0, len(byTime))
	for t := range byTime {
		times = append(times, t)
	}
	sort.Slice(times, func(a, b int) bool { return times[a].Before(times[b]) })
	datapoints := cbor.List{}
	for _, t := range times {
		datapoints = append(datapoints, byTime[t])
	}
	return cbor.Map{"Label": cbor.String(m.name), "Datapoints": datapoints}, nil
}

// cwTimeRange reads a required [start, end) pair.
func cwTimeRange(req cwRequest, startName, endName string) (time.Time, time.Time, *cwError) {
	start, err := req.timestamp(startName)
	if err != nil {
		return start, start, cwInvalidValue("%v", err)
	}
	end, err := req.timestamp(endName)
	switch {
	case err != nil:
		return start, end, cwInvalidValue("%v", err)
	case start.IsZero() || end.IsZero():
		return start, end, cwMissing("%s and %s", startName, endName)
	case !end.After(start):
		return start, end, cwInvalidValue("The parameter %s must be greater than %s.", endName, startName)
	}
	return start, end, nil
}

func cwMissing(format string, args ...any) *cwError {
	e := cwInvalidValue(format, args...)
	return &cwError{"MissingRequiredParameterException", "MissingParameter", "The parameter " + e.msg + " is required."}
}

package tools

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go/encoding/cbor"
	"github.com/aws/smithy-go/middleware"

	"github.com/trailhound/trailhound/investigation"
)

// cwStub answers CloudWatch's RPC v2 CBOR protocol from canned pages, in
// the client's own HTTP round trip: the SDK serializes the request and
// deserializes the answer as it would against the service.
type cwStub struct {
	mu     sync.Mutex
	pages  []cbor.Map // answered in turn; the last repeats
	calls  int
	status int    // non-zero: answer this error status
	code   string // with this error code
	block  bool   // hold the request until its context ends
}

func (s *cwStub) Do(r *http.Request) (*http.Response, error) {
	if s.block {
		<-r.Context().Done()
		return nil, r.Context().Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	h := http.Header{"Content-Type": {"application/cbor"}, "Smithy-Protocol": {"rpc-v2-cbor"}}
	if s.status != 0 {
		h.Set("X-Amzn-Query-Error", s.code+";Sender")
		body := cbor.Encode(cbor.Map{"__type": cbor.String("com.amazonaws.cloudwatch#" + s.code), "message": cbor.String("no")})
		return &http.Response{StatusCode: s.status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
	}
	page := s.pages[min(s.calls, len(s.pages))-1]
	return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(bytes.NewReader(cbor.Encode(page))), Request: r}, nil
}

// stubMetricData is a reader over stub whose inputs (one per call, paging
// included) are recorded as the SDK received them.
func stubMetricData(t *testing.T, stub *cwStub, opts MetricDataOptions) (*MetricData, *[]cloudwatch.GetMetricDataInput) {
	t.Helper()
	var inputs []cloudwatch.GetMetricDataInput
	capture := func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("capture", func(ctx context.Context, in middleware.InitializeInput,
			next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if p, ok := in.Parameters.(*cloudwatch.GetMetricDataInput); ok {
				inputs = append(inputs, *p)
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	}
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIASTUBTEST", "stub-secret", ""),
		HTTPClient:       stub,
		RetryMaxAttempts: 1,
		APIOptions:       []func(*middleware.Stack) error{capture},
	}
	return NewMetricData(cfg, opts), &inputs
}

var mdStart = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

func mdTime(min int) cbor.Value {
	return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(mdStart.Add(time.Duration(min) * time.Minute).Unix()))}
}

func mdResult(id, label, status string, mins []int, vals []float64) cbor.Map {
	var ts, vs cbor.List
	for i := range mins {
		ts = append(ts, mdTime(mins[i]))
		vs = append(vs, cbor.Float64(vals[i]))
	}
	return cbor.Map{"Id": cbor.String(id), "Label": cbor.String(label), "StatusCode": cbor.String(status), "Timestamps": ts, "Values": vs}
}

func mdPage(token string, results ...cbor.Map) cbor.Map {
	var rs cbor.List
	for _, r := range results {
		rs = append(rs, r)
	}
	p := cbor.Map{"MetricDataResults": rs}
	if token != "" {
		p["NextToken"] = cbor.String(token)
	}
	return p
}

var errorsAlarm = investigation.Alarm{Name: "orders-api-errors", Metrics: []investigation.Metric{{
	Namespace: "AWS/Lambda", Name: "Errors", Stat: "Sum", Period: 60,
	Dimensions: []investigation.Dimension{{Name: "FunctionName", Value: "orders-api"}},
}}}

func TestMetricDataPlainAlarmPages(t *testing.T) {
	stub := &cwStub{pages: []cbor.Map{
		mdPage("t1", mdResult("m1", "Errors", "PartialData", []int{0, 1}, []float64{0, 2})),
		mdPage("", mdResult("m1", "Errors", "Complete", []int{3, 2}, []float64{9, 5})),
	}}
	md, inputs := stubMetricData(t, stub, MetricDataOptions{})
	series, err := md.GetMetricData(testCtx(t), MetricDataRequest{Queries: AlarmQueries(errorsAlarm), Start: mdStart, End: mdStart.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 1 || series[0].ID != "m1" || series[0].Label != "Errors" || series[0].Status != "Complete" {
		t.Fatalf("series %+v", series)
	}
	var got []float64
	for i, p := range series[0].Points {
		got = append(got, p.Value)
		if !p.Time.Equal(mdStart.Add(time.Duration(i) * time.Minute)) {
			t.Errorf("point %d at %v: pages merged in time order", i, p.Time)
		}
	}
	if !slices.Equal(got, []float64{0, 2, 5, 9}) {
		t.Errorf("values %v", got)
	}
	if len(*inputs) != 2 || aws.ToString((*inputs)[0].NextToken) != "" || aws.ToString((*inputs)[1].NextToken) != "t1" {
		t.Fatalf("%d calls; the second must carry the first page's token", len(*inputs))
	}
	in := (*inputs)[0]
	q := in.MetricDataQueries
	if len(q) != 1 || aws.ToString(q[0].Id) != "m1" || !aws.ToBool(q[0].ReturnData) || q[0].Expression != nil || q[0].MetricStat == nil {
		t.Fatalf("queries %+v", q)
	}
	ms := q[0].MetricStat
	if aws.ToString(ms.Stat) != "Sum" || aws.ToInt32(ms.Period) != 60 || aws.ToString(ms.Metric.Namespace) != "AWS/Lambda" ||
		aws.ToString(ms.Metric.MetricName) != "Errors" || len(ms.Metric.Dimensions) != 1 || aws.ToString(ms.Metric.Dimensions[0].Value) != "orders-api" {
		t.Errorf("metric stat %+v", ms)
	}
	if !aws.ToTime(in.StartTime).Equal(mdStart) || !aws.ToTime(in.EndTime).Equal(mdStart.Add(time.Hour)) || in.ScanBy != cwtypes.ScanByTimestampAscending {
		t.Errorf("window %v–%v scan %s", in.StartTime, in.EndTime, in.ScanBy)
	}
}

// latencyAlarm is a metric-math alarm as DescribeAlarms returns it.
var latencyAlarm = cwtypes.MetricAlarm{AlarmName: aws.String("checkout-latency"), Metrics: []cwtypes.MetricDataQuery{
	{Id: aws.String("e1"), Expression: aws.String("m1/1000"), Label: aws.String("p99 in s"), ReturnData: aws.Bool(true), Period: aws.Int32(60)},
	{Id: aws.String("m1"), ReturnData: aws.Bool(false), AccountId: aws.String("210987654321"), MetricStat: &cwtypes.MetricStat{
		Metric: &cwtypes.Metric{Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Duration")}, Period: aws.Int32(300), Stat: aws.String("p99")}},
}}

func TestMetricDataMathAlarm(t *testing.T) {
	stub := &cwStub{pages: []cbor.Map{mdPage("", mdResult("e1", "p99 in s", "Complete", []int{0, 5}, []float64{0.2, 1.4}))}}
	md, inputs := stubMetricData(t, stub, MetricDataOptions{})
	series, err := md.GetMetricData(testCtx(t), MetricDataRequest{Region: "eu-west-1", Queries: AlarmQueriesOf(latencyAlarm),
		Start: mdStart, End: mdStart.Add(time.Hour)})
	if err != nil || len(series) != 1 || series[0].ID != "e1" || len(series[0].Points) != 2 {
		t.Fatalf("series %+v: %v", series, err)
	}
	q := (*inputs)[0].MetricDataQueries
	if len(q) != 2 {
		t.Fatalf("every row of the math is passed: %+v", q)
	}
	e1, m1 := q[0], q[1]
	if aws.ToString(e1.Expression) != "m1/1000" || e1.MetricStat != nil || !aws.ToBool(e1.ReturnData) || aws.ToInt32(e1.Period) != 60 ||
		aws.ToString(e1.Label) != "p99 in s" {
		t.Errorf("expression row %+v", e1)
	}
	if m1.ReturnData == nil || *m1.ReturnData || aws.ToString(m1.MetricStat.Stat) != "p99" || aws.ToInt32(m1.MetricStat.Period) != 300 ||
		aws.ToString(m1.AccountId) != "210987654321" {
		t.Errorf("metric row %+v", m1)
	}
}

func TestAlarmQueriesInferReturnData(t *testing.T) {
	a := investigation.Alarm{Metrics: []investigation.Metric{
		{ID: "m1", Namespace: "AWS/ApplicationELB", Name: "HTTPCode_Target_5XX_Count", Stat: "Sum", Period: 60},
		{ID: "m2", Namespace: "AWS/ApplicationELB", Name: "RequestCount", Stat: "Sum", Period: 60},
		{ID: "e1", Expression: "m1/m2"},
		{ID: "e2", Expression: "100*e1"},
	}}
	qs := AlarmQueries(a)
	var returned []string
	for _, q := range qs {
		if q.ReturnData == nil {
			t.Fatalf("ReturnData left unset on %s with one root expression", q.ID)
		}
		if *q.ReturnData {
			returned = append(returned, q.ID)
		}
	}
	if !slices.Equal(returned, []string{"e2"}) {
		t.Errorf("returned %v, want the expression nothing refers to", returned)
	}
	plain := AlarmQueries(errorsAlarm)
	if len(plain) != 1 || plain[0].ID != "m1" || plain[0].Stat != "Sum" || plain[0].Period != 60 {
		t.Errorf("plain %+v", plain)
	}
}

func TestMetricDataPageBound(t *testing.T) {
	stub := &cwStub{pages: []cbor.Map{mdPage("more", mdResult("m1", "Errors", "PartialData", []int{0}, []float64{1}))}}
	md, _ := stubMetricData(t, stub, MetricDataOptions{MaxPages: 3})
	series, err := md.GetMetricData(testCtx(t), MetricDataRequest{Queries: AlarmQueries(errorsAlarm), Start: mdStart, End: mdStart.Add(time.Hour)})
	if !errors.Is(err, ErrMetricDataTruncated) || stub.calls != 3 {
		t.Fatalf("after %d calls: %v; want 3 calls and ErrMetricDataTruncated", stub.calls, err)
	}
	if len(series) != 1 || len(series[0].Points) != 3 {
		t.Errorf("what was read is returned: %+v", series)
	}
}

func TestMetricDataErrors(t *testing.T) {
	req := MetricDataRequest{Queries: AlarmQueries(errorsAlarm), Start: mdStart, End: mdStart.Add(time.Hour)}
	md, _ := stubMetricData(t, &cwStub{status: http.StatusForbidden, code: "AccessDenied"}, MetricDataOptions{})
	_, err := md.GetMetricData(testCtx(t), req)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Op != OpGetMetricData || apiErr.Reason != investigation.ReasonAccessDenied || apiErr.Permission != OpGetMetricData {
		t.Errorf("access denied: %v", err)
	}
	md, _ = stubMetricData(t, &cwStub{status: http.StatusBadRequest, code: "Throttling"}, MetricDataOptions{})
	if _, err := md.GetMetricData(testCtx(t), req); investigation.ReasonOf(err) != investigation.ReasonThrottled {
		t.Errorf("throttled: %v (reason %s)", err, investigation.ReasonOf(err))
	}
	md, _ = stubMetricData(t, &cwStub{block: true}, MetricDataOptions{Timeout: 50 * time.Millisecond})
	if _, err := md.GetMetricData(testCtx(t), req); investigation.ReasonOf(err) != investigation.ReasonTimeout {
		t.Errorf("timeout: %v (reason %s)", err, investigation.ReasonOf(err))
	}
	stub := &cwStub{}
	md, _ = stubMetricData(t, stub, MetricDataOptions{})
	for _, bad := range []MetricDataRequest{{Start: mdStart, End: mdStart.Add(time.Hour)}, {Queries: req.Queries, Start: mdStart, End: mdStart}} {
		if _, err := md.GetMetricData(testCtx(t), bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if stub.calls != 0 {
		t.Errorf("an invalid request reached the service")
	}
}

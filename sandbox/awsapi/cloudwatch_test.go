package awsapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/trailhound/trailhound/investigation/scenario"
)

const monScenarioJSON = `{"title":"monitoring","account":"123456789012","region":"us-east-1","now":"2024-05-01T12:30:00Z"}`

// monAlarmJSON is an SNS envelope for checkout-errors, which alarms.json also lists.
const monAlarmJSON = `{"Type":"Notification","MessageId":"m1","TopicArn":"arn:aws:sns:us-east-1:123456789012:alarms",
"Message":"{\"AlarmName\":\"checkout-errors\",\"NewStateValue\":\"ALARM\",\"StateChangeTime\":\"2024-05-01T12:00:00.000+0000\",\"AlarmArn\":\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-errors\",\"Trigger\":{\"MetricName\":\"Errors\",\"Namespace\":\"AWS/Lambda\",\"Statistic\":\"SUM\",\"Dimensions\":[{\"name\":\"FunctionName\",\"value\":\"checkout\"}],\"Period\":60,\"EvaluationPeriods\":1,\"ComparisonOperator\":\"GreaterThanThreshold\",\"Threshold\":0.0}}"}`

const monAlarmsJSON = `{
 "MetricAlarms": [
  {"AlarmName":"checkout-errors","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-errors",
   "AlarmDescription":"Errors on checkout","StateValue":"ALARM","StateReason":"Threshold Crossed",
   "StateUpdatedTimestamp":"2024-05-01T12:00:00.5Z","StateTransitionedTimestamp":"2024-05-01T12:00:00.5Z",
   "AlarmConfigurationUpdatedTimestamp":"2024-04-01T09:00:00Z",
   "MetricName":"Errors","Namespace":"AWS/Lambda","Statistic":"Sum","Period":60,"EvaluationPeriods":3,
   "Threshold":2.5,"ComparisonOperator":"GreaterThanThreshold",
   "Dimensions":[{"Name":"FunctionName","Value":"checkout"}],
   "AlarmActions":["arn:aws:sns:us-east-1:123456789012:oncall"]},
  {"AlarmName":"checkout-latency","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-latency",
   "StateValue":"OK","StateTransitionedTimestamp":"2024-05-01T11:00:00Z","EvaluationPeriods":1,"Threshold":1000,
   "ComparisonOperator":"GreaterThanThreshold",
   "Metrics":[{"Id":"e1","Expression":"m1/1000","ReturnData":true},
              {"Id":"m1","ReturnData":false,"MetricStat":{"Metric":{"Namespace":"AWS/Lambda","MetricName":"Duration",
               "Dimensions":[{"Name":"FunctionName","Value":"checkout"}]},"Period":60,"Stat":"p99"}}]},
  {"AlarmName":"db-cpu","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:db-cpu","StateValue":"ALARM",
   "MetricName":"CPUUtilization","Namespace":"AWS/RDS","Statistic":"Average","Period":300,"EvaluationPeriods":2,"Threshold":90,
   "Dimensions":[{"Name":"DBInstanceIdentifier","Value":"orders"}]},
  {"AlarmName":"queue-depth","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:queue-depth","StateValue":"INSUFFICIENT_DATA",
   "MetricName":"ApproximateNumberOfMessagesVisible","Namespace":"AWS/SQS","Statistic":"Maximum","Period":60,"EvaluationPeriods":5,"Threshold":100,
   "Dimensions":[{"Name":"QueueName","Value":"orders"}]},
  {"AlarmName":"eu-errors","AlarmArn":"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:eu-errors","StateValue":"ALARM",
   "MetricName":"Errors","Namespace":"AWS/Lambda","Statistic":"Sum","Period":60,"EvaluationPeriods":1,"Threshold":1}
 ],
 "CompositeAlarms": [
  {"AlarmName":"checkout-health","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-health",
   "AlarmRule":"ALARM(\"checkout-errors\") OR ALARM(checkout-latency)","StateValue":"ALARM",
   "StateReasonData":"{\"triggeringAlarms\":[{\"arn\":\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-errors\",\"state\":{\"value\":\"ALARM\"}}]}",
   "StateTransitionedTimestamp":"2024-05-01T12:00:30Z"}
 ],
 "AlarmHistory": [
  {"AlarmName":"checkout-errors","Timestamp":"2024-05-01T12:00:00Z","HistoryItemType":"StateUpdate","HistorySummary":"Alarm updated from OK to ALARM","HistoryData":"{}"},
  {"AlarmName":"checkout-errors","Timestamp":"2024-05-01T11:00:00Z","HistoryItemType":"ConfigurationUpdate","HistorySummary":"Alarm \"checkout-errors\" updated"},
  {"AlarmName":"checkout-errors","Timestamp":"2024-05-01T10:00:00Z","HistoryItemType":"StateUpdate","HistorySummary":"Alarm updated from ALARM to OK"},
  {"AlarmName":"checkout-health","Timestamp":"2024-05-01T12:00:30Z","HistoryItemType":"StateUpdate","HistorySummary":"Alarm updated from OK to ALARM"},
  {"AlarmName":"db-cpu","Timestamp":"2024-05-01T09:00:00Z","HistoryItemType":"Action","HistorySummary":"Published a notification"}
 ]
}`

// monScenario writes a scenario folder from files (name → content) on top of
// a minimal valid one, and loads it.
func monScenario(t *testing.T, files map[string]string) *scenario.Scenario {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "trail"), 0o755); err != nil {
		t.Fatal(err)
	}
	all := map[string]string{"scenario.json": monScenarioJSON, "alarm.json": monAlarmJSON}
	for k, v := range files {
		all[k] = v
	}
	for name, content := range all {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sc, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// monServe serves sc on a loopback HTTP server and returns an SDK config
// pointed at it: static fake credentials, no retries, so each call is one request.
func monServe(t *testing.T, sc *scenario.Scenario) (*Emulator, aws.Config) {
	t.Helper()
	a, err := New(sc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return a, aws.Config{
		Region:       sc.Meta.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDSANDBOXTEST", "sandbox-secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

func monCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// monAPIError returns the error code and HTTP status of an SDK error.
func monAPIError(t *testing.T, err error) (string, int) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want an AWS API error, got %v", err)
	}
	status := 0
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	return apiErr.ErrorCode(), status
}

func alarmNames(out *cloudwatch.DescribeAlarmsOutput) []string {
	var names []string
	for _, a := range out.MetricAlarms {
		names = append(names, aws.ToString(a.AlarmName))
	}
	for _, a := range out.CompositeAlarms {
		names = append(names, aws.ToString(a.AlarmName))
	}
	return names
}

func TestCloudWatchDescribeAlarmsFilters(t *testing.T) {
	_, cfg := monServe(t, monScenario(t, map[string]string{"alarms.json": monAlarmsJSON}))
	cw := cloudwatch.NewFromConfig(cfg)
	both := []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm}
	cases := []struct {
		name   string
		region string
		in     cloudwatch.DescribeAlarmsInput
		want   []string
	}{
		{"metric by name", "", cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"checkout-errors"}}, []string{"checkout-errors"}},
		{"composite needs AlarmTypes", "", cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"checkout-health"}}, nil},
		{"composite with AlarmTypes", "", cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"checkout-health"}, AlarmTypes: both}, []string{"checkout-health"}},
		{"unknown name is empty, not an error", "", cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"nope"}}, nil},
		{"prefix", "", cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("checkout-"), AlarmTypes: both}, []string{"checkout-errors", "checkout-latency", "checkout-health"}},
		{"state", "", cloudwatch.DescribeAlarmsInput{StateValue: cwtypes.StateValueAlarm}, []string{"checkout-errors", "db-cpu"}},
		{"action prefix", "", cloudwatch.DescribeAlarmsInput{ActionPrefix: aws.String("arn:aws:sns:us-east-1:123456789012:on")}, []string{"checkout-errors"}},
		{"children of a composite", "", cloudwatch.DescribeAlarmsInput{ChildrenOfAlarmName: aws.String("checkout-health")}, []string{"checkout-errors", "checkout-latency"}},
		{"parents of a child", "", cloudwatch.DescribeAlarmsInput{ParentsOfAlarmName: aws.String("checkout-latency")}, []string{"checkout-health"}},
		{"alarms are regional", "eu-west-1", cloudwatch.DescribeAlarmsInput{}, []string{"eu-errors"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := cw.DescribeAlarms(monCtx(t), &c.in, func(o *cloudwatch.Options) {
				if c.region != "" {
					o.Region = c.region
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := alarmNames(out); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestCloudWatchDescribeAlarmsShapes(t *testing.T) {
	_, cfg := monServe(t, monScenario(t, map[string]string{"alarms.json": monAlarmsJSON}))
	cw := cloudwatch.NewFromConfig(cfg)
	out, err := cw.DescribeAlarms(monCtx(t), &cloudwatch.DescribeAlarmsInput{
		AlarmNames: []string{"checkout-errors", "checkout-latency", "checkout-health"},
		AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricAlarms) != 2 || len(out.CompositeAlarms) != 1 {
		t.Fatalf("got %d metric and %d composite alarms", len(out.MetricAlarms), len(out.CompositeAlarms))
	}
	errs := out.MetricAlarms[0]
	wantTime := time.Date(2024, 5, 1, 12, 0, 0, 500e6, time.UTC)
	switch {
	case aws.ToString(errs.AlarmName) != "checkout-errors":
		t.Fatalf("first alarm %s", aws.ToString(errs.AlarmName))
	case aws.ToFloat64(errs.Threshold) != 2.5, aws.ToInt32(errs.Period) != 60, aws.ToInt32(errs.EvaluationPeriods) != 3:
		t.Errorf("numbers: threshold %v period %v evaluation periods %v", aws.ToFloat64(errs.Threshold), aws.ToInt32(errs.Period), aws.ToInt32(errs.EvaluationPeriods))
	case !aws.ToTime(errs.StateTransitionedTimestamp).Equal(wantTime):
		t.Errorf("state transitioned %v, want %v", aws.ToTime(errs.StateTransitionedTimestamp), wantTime)
	case errs.StateValue != cwtypes.StateValueAlarm, errs.Statistic != cwtypes.StatisticSum:
		t.Errorf("state %s statistic %s", errs.StateValue, errs.Statistic)
	case len(errs.Dimensions) != 1 || aws.ToString(errs.Dimensions[0].Value) != "checkout":
		t.Errorf("dimensions %+v", errs.Dimensions)
	}
	latency := out.MetricAlarms[1]
	if len(latency.Metrics) != 2 || aws.ToString(latency.Metrics[0].Expression) != "m1/1000" ||
		aws.ToString(latency.Metrics[1].MetricStat.Metric.MetricName) != "Duration" || aws.ToString(latency.Metrics[1].MetricStat.Stat) != "p99" {
		t.Errorf("metric math alarm lost its metrics: %+v", latency.Metrics)
	}
	health := out.CompositeAlarms[0]
	if !strings.Contains(aws.ToString(health.AlarmRule), "checkout-latency") || !strings.Contains(aws.ToString(health.StateReasonData), "triggeringAlarms") {
		t.Errorf("composite %+v", health)
	}
}

func TestCloudWatchDescribeAlarmsPaging(t *testing.T) {
	a, cfg := monServe(t, monScenario(t, map[string]string{"alarms.json": monAlarmsJSON}))
	cw := cloudwatch.NewFromConfig(cfg)
	in := &cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(2), AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm}}
	pages := cloudwatch.NewDescribeAlarmsPaginator(cw, in)
	var names []string
	for pages.HasMorePages() {
		out, err := pages.NextPage(monCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(out.MetricAlarms) + len(out.CompositeAlarms); n > 2 {
			t.Fatalf("page of %d alarms with MaxRecords 2", n)
		}
		names = append(names, alarmNames(out)...)
	}
	slices.Sort(names)
	want := []string{"checkout-errors", "checkout-health", "checkout-latency", "db-cpu", "queue-depth"}
	if !slices.Equal(names, want) {
		t.Errorf("paged %v, want %v", names, want)
	}
	if got := a.Calls()["cloudwatch:DescribeAlarms"]; got != 3 {
		t.Errorf("5 alarms by 2 took %d calls, want 3", got)
	}

	first, err := cw.DescribeAlarms(monCtx(t), in)
	if err != nil {
		t.Fatal(err)
	}
	errorCases := []struct {
		name string
		in   cloudwatch.DescribeAlarmsInput
		code string
	}{
		{"token from other parameters", cloudwatch.DescribeAlarmsInput{NextToken: first.NextToken, StateValue: cwtypes.StateValueOk}, "InvalidNextToken"},
		{"garbage token", cloudwatch.DescribeAlarmsInput{NextToken: aws.String("not-a-token")}, "InvalidNextToken"},
		{"names with prefix", cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"a"}, AlarmNamePrefix: aws.String("a")}, "InvalidParameterCombination"},
		{"children with a filter", cloudwatch.DescribeAlarmsInput{ChildrenOfAlarmName: aws.String("checkout-health"), StateValue: cwtypes.StateValueAlarm}, "InvalidParameterCombination"},
		{"MaxRecords above 100", cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(101)}, "InvalidParameterValue"},
	}
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := cw.DescribeAlarms(monCtx(t), &c.in)
			code, status := monAPIError(t, err)
			if code != c.code || status != http.StatusBadRequest {
				t.Errorf("got %s (HTTP %d), want %s (HTTP 400)", code, status, c.code)
			}
		})
	}
}

func TestCloudWatchScenarioAlarmFromNotification(t *testing.T) {
	samples := filepath.Join("..", "..", "testdata", "samples", "alarm-payloads")
	cases := []struct {
		sample, region, name string
		composite            bool
		check                func(t *testing.T, m *cwtypes.MetricAlarm, c *cwtypes.CompositeAlarm)
	}{
		{"cloudwatch-user-guide-eventbridge/state-change-for-a-single-metric-alarm.json", "us-east-1", "ServerCpuTooHigh", false,
			func(t *testing.T, m *cwtypes.MetricAlarm, _ *cwtypes.CompositeAlarm) {
				if aws.ToString(m.MetricName) != "CPUUtilization" || m.Statistic != cwtypes.StatisticAverage || aws.ToInt32(m.Period) != 300 ||
					len(m.Dimensions) != 1 || aws.ToString(m.Dimensions[0].Name) != "InstanceId" || m.StateValue != cwtypes.StateValueAlarm ||
					!aws.ToTime(m.StateTransitionedTimestamp).Equal(time.Date(2019, 10, 2, 17, 4, 40, 989e6, time.UTC)) {
					t.Errorf("single metric alarm %+v", m)
				}
			}},
		{"cloudwatch-user-guide-eventbridge/state-change-for-a-metric-math-alarm.json", "us-east-1", "TotalNetworkTrafficTooHigh", false,
			func(t *testing.T, m *cwtypes.MetricAlarm, _ *cwtypes.CompositeAlarm) {
				if len(m.Metrics) != 3 || aws.ToString(m.Metrics[0].Expression) != "SUM(METRICS())" ||
					aws.ToString(m.Metrics[1].MetricStat.Metric.Dimensions[0].Value) != "i-12345678901234567" {
					t.Errorf("metric math alarm %+v", m.Metrics)
				}
			}},
		{"cloudwatch-user-guide-eventbridge/state-change-for-a-composite-alarm-with-a-suppressor-alarm.json", "us-east-1", "ServiceAggregatedAlarm", true,
			func(t *testing.T, _ *cwtypes.MetricAlarm, c *cwtypes.CompositeAlarm) {
				if aws.ToString(c.AlarmRule) != "ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)" ||
					aws.ToString(c.ActionsSuppressor) != "ServiceMaintenanceAlarm" || !strings.Contains(aws.ToString(c.StateReasonData), "ServerCpuTooHigh") {
					t.Errorf("composite alarm %+v", c)
				}
			}},
		{"aws-lambda-go/cloudwatch-alarm-sns-payload-single-metric.json", "REGION", "EXAMPLE", false,
			func(t *testing.T, m *cwtypes.MetricAlarm, _ *cwtypes.CompositeAlarm) {
				if m.Statistic != cwtypes.StatisticAverage || m.TreatMissingData == nil || aws.ToString(m.TreatMissingData) != "missing" ||
					aws.ToString(m.Dimensions[0].Value) != "TestInstance" || m.ComparisonOperator != cwtypes.ComparisonOperatorGreaterThanThreshold {
					t.Errorf("SNS single metric alarm %+v", m)
				}
			}},
		{"aws-lambda-go/cloudwatch-alarm-sns-payload-multiple-metrics.json", "REGION", "EXAMPLE", false,
			func(t *testing.T, m *cwtypes.MetricAlarm, _ *cwtypes.CompositeAlarm) {
				if len(m.Metrics) != 2 || aws.ToString(m.Metrics[1].MetricStat.Metric.Dimensions[0].Name) != "InstanceId" {
					t.Errorf("SNS metric math alarm %+v", m.Metrics)
				}
			}},
		{"aws-lambda-rust-runtime/example-cloudwatch-alarm-composite.json", "us-east-1", "CompositeDemo.Main", true,
			func(t *testing.T, _ *cwtypes.MetricAlarm, c *cwtypes.CompositeAlarm) {
				if aws.ToString(c.AlarmRule) != "ALARM(CompositeDemo.FirstChild) OR ALARM(CompositeDemo.SecondChild)" {
					t.Errorf("lambda alarm action composite %+v", c)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(samples, c.sample))
			if err != nil {
				t.Fatal(err)
			}
			_, cfg := monServe(t, monScenario(t, map[string]string{"alarm.json": string(raw)}))
			cfg.Region = c.region
			out, err := cloudwatch.NewFromConfig(cfg).DescribeAlarms(monCtx(t), &cloudwatch.DescribeAlarmsInput{
				AlarmNames: []string{c.name},
				AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm},
			})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.composite && len(out.CompositeAlarms) == 1:
				c.check(t, nil, &out.CompositeAlarms[0])
			case !c.composite && len(out.MetricAlarms) == 1:
				c.check(t, &out.MetricAlarms[0], nil)
			default:
				t.Fatalf("got %v", alarmNames(out))
			}
		})
	}

	t.Run("alarms.json wins over the notification", func(t *testing.T) {
		_, cfg := monServe(t, monScenario(t, map[string]string{"alarms.json": monAlarmsJSON}))
		out, err := cloudwatch.NewFromConfig(cfg).DescribeAlarms(monCtx(t), &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"checkout-errors"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.MetricAlarms) != 1 || aws.ToInt32(out.MetricAlarms[0].EvaluationPeriods) != 3 {
			t.Errorf("want the single alarms.json definition (3 evaluation periods), got %+v", out.MetricAlarms)
		}
	})
}

func TestCloudWatchDescribeAlarmHistory(t *testing.T) {
	_, cfg := monServe(t, monScenario(t, map[string]string{"alarms.json": monAlarmsJSON}))
	cw := cloudwatch.NewFromConfig(cfg)
	cases := []struct {
		name string
		in   cloudwatch.DescribeAlarmHistoryInput
		want []string // summaries, in order
	}{
		{"one alarm, newest first", cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("checkout-errors")},
			[]string{"Alarm updated from OK to ALARM", `Alarm "checkout-errors" updated`, "Alarm updated from ALARM to OK"}},
		{"oldest first", cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("checkout-errors"), ScanBy: cwtypes.ScanByTimestampAscending},
			[]string{"Alarm updated from ALARM to OK", `Alarm "checkout-errors" updated`, "Alarm updated from OK to ALARM"}},
		{"item type", cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("checkout-errors"), HistoryItemType: cwtypes.HistoryItemTypeConfigurationUpdate},
			[]string{`Alarm "checkout-errors" updated`}},
		{"window [start, end)", cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("checkout-errors"),
			StartDate: aws.Time(time.Date(2024, 5, 1, 10, 30, 0, 0, time.UTC)), EndDate: aws.Time(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))},
			[]string{`Alarm "checkout-errors" updated`}},
		{"composite history needs AlarmTypes", cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("checkout-health")}, nil},
		{"composite history", cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("checkout-health"), AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeCompositeAlarm}},
			[]string{"Alarm updated from OK to ALARM"}},
		{"unknown alarm", cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("nope")}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := cw.DescribeAlarmHistory(monCtx(t), &c.in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range out.AlarmHistoryItems {
				got = append(got, aws.ToString(h.HistorySummary))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	t.Run("paging", func(t *testing.T) {
		pages := cloudwatch.NewDescribeAlarmHistoryPaginator(cw, &cloudwatch.DescribeAlarmHistoryInput{MaxRecords: aws.Int32(1)})
		var n int
		for pages.HasMorePages() {
			out, err := pages.NextPage(monCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			n += len(out.AlarmHistoryItems)
			if n > 10 {
				t.Fatal("paging does not end")
			}
		}
		if n != 4 {
			t.Errorf("paged %d metric-alarm history items, want 4", n)
		}
	})
}

func TestCloudWatchFaultsAndBadScenario(t *testing.T) {
	a, cfg := monServe(t, monScenario(t, map[string]string{"alarms.json": monAlarmsJSON}))
	cw := cloudwatch.NewFromConfig(cfg)
	a.SetFault("cloudwatch:DescribeAlarms", Fault{ErrorCode: "AccessDenied", Status: http.StatusForbidden})
	_, err := cw.DescribeAlarms(monCtx(t), &cloudwatch.DescribeAlarmsInput{})
	if code, status := monAPIError(t, err); code != "AccessDenied" || status != http.StatusForbidden {
		t.Errorf("fault answered %s (HTTP %d), want AccessDenied (403)", code, status)
	}
	a.SetFault("cloudwatch:DescribeAlarmHistory", Fault{ErrorCode: "Throttling"})
	_, err = cw.DescribeAlarmHistory(monCtx(t), &cloudwatch.DescribeAlarmHistoryInput{})
	if code, _ := monAPIError(t, err); code != "Throttling" {
		t.Errorf("fault answered %s, want Throttling", code)
	}
	if got := a.Calls(); got["cloudwatch:DescribeAlarms"] != 1 || got["cloudwatch:DescribeAlarmHistory"] != 1 {
		t.Errorf("calls %v", got)
	}

	bad := strings.Replace(monAlarmsJSON, `"2024-04-01T09:00:00Z"`, `"yesterday"`, 1)
	_, cfg = monServe(t, monScenario(t, map[string]string{"alarms.json": bad}))
	_, err = cloudwatch.NewFromConfig(cfg).DescribeAlarms(monCtx(t), &cloudwatch.DescribeAlarmsInput{})
	if code, status := monAPIError(t, err); code != "InternalServiceError" || status != http.StatusInternalServerError ||
		!strings.Contains(err.Error(), "alarms.json MetricAlarms[0].AlarmConfigurationUpdatedTimestamp") {
		t.Errorf("malformed alarms.json answered %s (HTTP %d): %v", code, status, err)
	}
}

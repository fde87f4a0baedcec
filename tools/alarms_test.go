package tools

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
	"github.com/trailhound/trailhound/sandbox/awsapi"
)

const alarmsScenario = `{
 "MetricAlarms": [
  {"AlarmName":"checkout-errors","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-errors",
   "AlarmDescription":"Errors on checkout","StateValue":"ALARM","StateReason":"Threshold Crossed",
   "StateUpdatedTimestamp":"2024-05-01T12:05:00Z","StateTransitionedTimestamp":"2024-05-01T12:00:00Z",
   "MetricName":"Errors","Namespace":"AWS/Lambda","Statistic":"Sum","Period":60,"EvaluationPeriods":3,"Threshold":1,
   "ComparisonOperator":"GreaterThanThreshold","Dimensions":[{"Name":"FunctionName","Value":"checkout"}]},
  {"AlarmName":"checkout-latency","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-latency",
   "StateValue":"OK","StateUpdatedTimestamp":"2024-05-01T11:00:00Z","EvaluationPeriods":2,"Threshold":1000,"ExtendedStatistic":"p99",
   "Metrics":[{"Id":"e1","Expression":"m1/1000","ReturnData":true,"Period":60},
              {"Id":"m1","ReturnData":false,"MetricStat":{"Metric":{"Namespace":"AWS/Lambda","MetricName":"Duration",
               "Dimensions":[{"Name":"FunctionName","Value":"checkout"},{"Name":"Resource","Value":"checkout:live"}]},"Period":300,"Stat":"p99"}}]},
  {"AlarmName":"eu-errors","AlarmArn":"arn:aws:cloudwatch:eu-west-1:210987654321:alarm:eu-errors","StateValue":"ALARM",
   "MetricName":"5XXError","Namespace":"AWS/ApiGateway","ExtendedStatistic":"p90","Period":60,"EvaluationPeriods":1,"Threshold":1,
   "Dimensions":[{"Name":"ApiName","Value":"orders"}]}
 ],
 "CompositeAlarms": [
  {"AlarmName":"checkout-health","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-health",
   "AlarmRule":"ALARM(checkout-errors) OR ALARM(checkout-latency)","StateValue":"ALARM","StateReason":"child in alarm",
   "StateReasonData":"{\"triggeringAlarms\":[{\"arn\":\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-errors\",\"state\":{\"value\":\"ALARM\",\"timestamp\":\"2024-05-01T12:00:00.000+0000\"}}]}",
   "StateTransitionedTimestamp":"2024-05-01T12:00:30Z"}
 ],
 "AlarmHistory": [
  {"AlarmName":"checkout-errors","Timestamp":"2024-05-01T12:00:00Z","HistoryItemType":"StateUpdate","HistorySummary":"Alarm updated from OK to ALARM","HistoryData":"{\"version\":\"1.0\"}"},
  {"AlarmName":"checkout-errors","Timestamp":"2024-05-01T11:00:00Z","HistoryItemType":"ConfigurationUpdate","HistorySummary":"Alarm \"checkout-errors\" updated"},
  {"AlarmName":"checkout-errors","Timestamp":"2024-05-01T10:00:00Z","HistoryItemType":"StateUpdate","HistorySummary":"Alarm updated from ALARM to OK"},
  {"AlarmName":"checkout-health","Timestamp":"2024-05-01T12:00:30Z","HistoryItemType":"StateUpdate","HistorySummary":"Alarm updated from OK to ALARM"}
 ]
}`

func TestAlarmsDescribe(t *testing.T) {
	_, cfg := monitoringSandbox(t, map[string]string{"alarms.json": alarmsScenario})
	var engine investigation.Alarms = NewAlarms(cfg, AlarmsOptions{})
	alarms, err := engine.DescribeAlarms(testCtx(t), "us-east-1", []string{
		"checkout-errors", "checkout-latency", "checkout-health", "nope",
		"arn:aws:cloudwatch:eu-west-1:210987654321:alarm:eu-errors", "checkout-errors",
	})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]investigation.Alarm{}
	for _, a := range alarms {
		byName[a.Name] = a
	}
	if len(alarms) != 4 || len(byName) != 4 {
		t.Fatalf("got %d alarms, want 4 (an unknown name is left out, a repeated one read once)", len(alarms))
	}
	errs := byName["checkout-errors"]
	wantErrs := investigation.Metric{Namespace: "AWS/Lambda", Name: "Errors", Stat: "Sum", Period: 60,
		Dimensions: []investigation.Dimension{{Name: "FunctionName", Value: "checkout"}}}
	switch {
	case errs.Account != "123456789012" || errs.Region != "us-east-1" || errs.State != investigation.StateAlarm:
		t.Errorf("header %+v", errs)
	case !errs.StateChangeTime.Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)):
		t.Errorf("state change %v: the transition time, not the last update", errs.StateChangeTime)
	case len(errs.Metrics) != 1 || !equalMetric(errs.Metrics[0], wantErrs) || errs.EvaluationPeriods != 3 || errs.Description != "Errors on checkout":
		t.Errorf("metric alarm %+v", errs)
	}
	latency := byName["checkout-latency"]
	if len(latency.Metrics) != 2 || latency.Metrics[0].Expression != "m1/1000" || latency.Metrics[0].Period != 60 ||
		!equalMetric(latency.Metrics[1], investigation.Metric{ID: "m1", Namespace: "AWS/Lambda", Name: "Duration", Stat: "p99", Period: 300,
			Dimensions: []investigation.Dimension{{Name: "FunctionName", Value: "checkout"}, {Name: "Resource", Value: "checkout:live"}}}) {
		t.Errorf("metric math %+v", latency.Metrics)
	}
	if !latency.StateChangeTime.Equal(time.Date(2024, 5, 1, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("without a transition time, the update time: %v", latency.StateChangeTime)
	}
	health := byName["checkout-health"]
	if !health.IsComposite() || health.AlarmRule != "ALARM(checkout-errors) OR ALARM(checkout-latency)" ||
		!slices.Equal(health.TriggeringChildren, []string{"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-errors"}) || len(health.Metrics) != 0 {
		t.Errorf("composite %+v", health)
	}
	eu := byName["eu-errors"]
	if eu.Region != "eu-west-1" || eu.Account != "210987654321" || eu.Metrics[0].Stat != "p90" {
		t.Errorf("an ARN is read in its own region: %+v", eu)
	}
}

func equalMetric(a, b investigation.Metric) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestAlarmsDescribeChunksAndBound(t *testing.T) {
	type alarm struct {
		AlarmName, AlarmArn, StateValue, MetricName, Namespace string
	}
	var list []alarm
	var names []string
	for i := range 150 {
		name := fmt.Sprintf("alarm-%03d", i)
		names = append(names, name)
		list = append(list, alarm{name, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + name, "OK", "Errors", "AWS/Lambda"})
	}
	doc, _ := json.Marshal(map[string]any{"MetricAlarms": list})
	a, cfg := monitoringSandbox(t, map[string]string{"alarms.json": string(doc)})
	alarms, err := NewAlarms(cfg, AlarmsOptions{}).DescribeAlarms(testCtx(t), "", names)
	if err != nil || len(alarms) != 150 {
		t.Fatalf("read %d of 150: %v", len(alarms), err)
	}
	if n := a.Calls()[OpDescribeAlarms]; n != 2 {
		t.Errorf("150 names took %d calls, want 2 (100 names a call)", n)
	}
	alarms, err = NewAlarms(cfg, AlarmsOptions{MaxPages: 1}).DescribeAlarms(testCtx(t), "", names)
	if err == nil || len(alarms) != 100 {
		t.Errorf("a page bound of 1 read %d alarms, err %v; want 100 and an error saying so", len(alarms), err)
	}
}

func TestAlarmsHistory(t *testing.T) {
	_, cfg := monitoringSandbox(t, map[string]string{"alarms.json": alarmsScenario})
	alarms := NewAlarms(cfg, AlarmsOptions{})
	cases := []struct {
		name     string
		q        agent.AlarmHistoryQuery
		want     []string
		wantMore bool
	}{
		{"all of one alarm, newest first", agent.AlarmHistoryQuery{Name: "checkout-errors"},
			[]string{"Alarm updated from OK to ALARM", `Alarm "checkout-errors" updated`, "Alarm updated from ALARM to OK"}, false},
		{"bounded", agent.AlarmHistoryQuery{Name: "checkout-errors", Max: 2}, []string{"Alarm updated from OK to ALARM", `Alarm "checkout-errors" updated`}, true},
		{"state updates in a window", agent.AlarmHistoryQuery{Name: "checkout-errors", ItemType: "StateUpdate",
			Start: time.Date(2024, 5, 1, 11, 30, 0, 0, time.UTC), End: time.Date(2024, 5, 1, 13, 0, 0, 0, time.UTC)},
			[]string{"Alarm updated from OK to ALARM"}, false},
		{"composite", agent.AlarmHistoryQuery{Name: "checkout-health", Composite: true}, []string{"Alarm updated from OK to ALARM"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			items, more, err := alarms.DescribeAlarmHistory(testCtx(t), c.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, it.Summary)
			}
			if !slices.Equal(got, c.want) || more != c.wantMore {
				t.Errorf("got %q (more %t), want %q (more %t)", got, more, c.want, c.wantMore)
			}
		})
	}
	items, _, err := alarms.DescribeAlarmHistory(testCtx(t), agent.AlarmHistoryQuery{Name: "checkout-errors", Max: 1})
	if err != nil || items[0].Type != "MetricAlarm" || items[0].ItemType != "StateUpdate" || items[0].Data != `{"version":"1.0"}` ||
		!items[0].Time.Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("item %+v: %v", items, err)
	}
}

func TestAlarmsErrors(t *testing.T) {
	a, cfg := monitoringSandbox(t, map[string]string{"alarms.json": alarmsScenario})
	alarms := NewAlarms(cfg, AlarmsOptions{})
	a.SetFault(OpDescribeAlarms, awsapi.Fault{ErrorCode: "AccessDenied", Status: http.StatusForbidden})
	_, err := alarms.DescribeAlarms(testCtx(t), "us-east-1", []string{"checkout-errors"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Reason != investigation.ReasonAccessDenied || apiErr.Permission != OpDescribeAlarms {
		t.Errorf("got %v", err)
	}
	a.SetFault(OpDescribeAlarmHistory, awsapi.Fault{ErrorCode: "Throttling"})
	_, _, err = alarms.DescribeAlarmHistory(testCtx(t), agent.AlarmHistoryQuery{Name: "checkout-errors"})
	if investigation.ReasonOf(err) != investigation.ReasonThrottled {
		t.Errorf("got %v (reason %s)", err, investigation.ReasonOf(err))
	}
}

package tools_test

import (
	"context"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/tools"
)

func TestCallCounterNests(t *testing.T) {
	_, _, cfg := testSandbox(t, writeScenario(t, busyTrail(0, 4, "checkout", testRegion), scenario.LogsFile{}), tools.AWSOptions{})
	outer, inner := tools.NewCallCounter(nil), tools.NewCallCounter(map[string]int{tools.OpLookupEvents: 5})
	ctx := tools.WithCallCounter(tools.WithCallCounter(context.Background(), outer), inner)
	if tools.CallCounterFrom(ctx) != inner {
		t.Fatal("the innermost counter is not the one found")
	}
	client := cloudtrail.NewFromConfig(cfg)
	for range 2 {
		if _, err := client.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
			t.Fatal(err)
		}
	}
	if outer.Counts()[tools.OpLookupEvents] != 2 || inner.Counts()[tools.OpLookupEvents] != 2 || inner.Remaining(tools.OpLookupEvents) != 3 || outer.Remaining(tools.OpLookupEvents) != -1 {
		t.Fatalf("outer %v inner %v remaining %d", outer.Counts(), inner.Counts(), inner.Remaining(tools.OpLookupEvents))
	}
}

// TestRequestMetricsCountEveryRequest: each request counts once under its
// operation and outcome, and two configurations on one registry share the
// series.
func TestRequestMetricsCountEveryRequest(t *testing.T) {
	reg := prometheus.NewRegistry()
	sandbox, _, cfg := testSandbox(t, writeScenario(t, busyTrail(0, 4, "checkout", testRegion), scenario.LogsFile{}), tools.AWSOptions{Metrics: reg, MaxAttempts: 1})
	if _, err := tools.LoadAWSConfig(context.Background(), tools.AWSOptions{Region: testRegion, Metrics: reg}); err != nil {
		t.Fatalf("a second configuration on the same registry: %v", err)
	}
	client := cloudtrail.NewFromConfig(cfg)
	if _, err := client.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{}); err != nil {
		t.Fatal(err)
	}
	sandbox.SetFault(tools.OpLookupEvents, awsapi.Fault{ErrorCode: "AccessDeniedException"})
	if _, err := client.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{}); err == nil {
		t.Fatal("the fault did not fail the call")
	}
	mf, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mf) != 1 || mf[0].GetName() != tools.RequestMetricName {
		t.Fatalf("gathered %v", mf)
	}
	counts := map[string]float64{}
	for _, m := range mf[0].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		counts[labels["operation"]+" "+labels["outcome"]] = m.GetCounter().GetValue()
	}
	want := map[string]float64{"CloudTrail:LookupEvents ok": 1, "CloudTrail:LookupEvents AccessDeniedException": 1}
	if !maps.Equal(counts, want) {
		t.Errorf("counted %v, want %v", counts, want)
	}
}

package offline

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
)

func load(t *testing.T, name string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Load("../../testdata/scenarios/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestSources reads a corpus scenario through each in-process source, the
// way the engine does with --offline.
func TestSources(t *testing.T) {
	ctx := context.Background()
	sc := load(t, "001-lambda-role-policy-detached")
	fn := investigation.Resource{Type: "AWS::Lambda::Function", ID: "checkout"}
	deps, err := NewTopology(sc).Dependencies(ctx, fn)
	if err != nil || len(deps) == 0 || deps[0].Type != "AWS::IAM::Role" || deps[0].ID != "checkout-role" {
		t.Fatalf("dependencies = %+v, %v", deps, err)
	}
	if _, err := NewTopology(sc).Dependencies(ctx, investigation.Resource{Type: "AWS::Lambda::Function", ID: "nope"}); !errors.Is(err, investigation.ErrUnknownResource) {
		t.Errorf("unknown resource: %v", err)
	}
	lines, err := NewLogs(sc).Errors(ctx, "/aws/lambda/checkout", sc.Meta.Now.Add(-24*time.Hour), sc.Meta.Now, 5)
	if err != nil || len(lines) == 0 || len(lines) > 5 {
		t.Fatalf("log lines = %d, %v", len(lines), err)
	}
	for i := 1; i < len(lines); i++ {
		if lines[i].Time.Before(lines[i-1].Time) {
			t.Errorf("log lines out of order at %d", i)
		}
	}
	if _, err := NewLogs(sc).Errors(ctx, "/aws/lambda/nope", sc.Meta.Now.Add(-time.Hour), sc.Meta.Now, 5); !errors.Is(err, investigation.ErrUnknownResource) {
		t.Errorf("unknown group: %v", err)
	}
}

func TestIAMAndAlarms(t *testing.T) {
	ctx := context.Background()
	sc := load(t, "002-lambda-policy-new-default-version")
	if len(sc.IAM.Policies) == 0 {
		t.Fatal("the scenario has no managed policy")
	}
	p := sc.IAM.Policies[0]
	versions, err := NewIAM(sc).PolicyVersions(ctx, p.ARN)
	if err != nil || len(versions) != len(p.Versions) {
		t.Fatalf("versions = %+v, %v", versions, err)
	}
	defaults := 0
	for _, v := range versions {
		if v.IsDefault {
			defaults++
		}
	}
	if defaults != 1 {
		t.Errorf("%d default versions", defaults)
	}

	sc = load(t, "021-composite-ingest-kms-key-pending-deletion")
	alarms, err := NewAlarms(sc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := alarms.DescribeAlarms(ctx, sc.Meta.Region, []string{"ingest-producer-errors", "missing"})
	if err != nil || len(got) != 1 || got[0].Name != "ingest-producer-errors" {
		t.Errorf("alarms = %+v, %v", got, err)
	}
}

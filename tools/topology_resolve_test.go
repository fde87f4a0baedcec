package tools_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/tools"
)

// resolveServe serves a scenario whose topology holds REST APIs: one named
// public-api, two that share the name orders, another orders in us-west-2,
// and a function named orders. It returns the sandbox and a configuration
// with one attempt per call.
func resolveServe(t *testing.T) (*awsapi.Emulator, aws.Config) {
	t.Helper()
	dir := t.TempDir()
	topology := scenario.TopologyFile{Resources: []scenario.ConfigItem{
		{Type: investigation.TypeRestAPI, ID: "k3x9q2w7ve", Name: "public-api"},
		{Type: investigation.TypeRestAPI, ID: "a1b2c3d4e5", Name: "orders"},
		{Type: investigation.TypeRestAPI, ID: "f6g7h8i9j0", Name: "orders"},
		{Type: investigation.TypeRestAPI, ID: "z9y8x7w6v5", Name: "orders", Region: "us-west-2"},
		{Type: investigation.TypeLambdaFunction, ID: "orders", Name: "orders"},
	}}
	for name, v := range map[string]any{
		"scenario.json": map[string]string{"title": "resolve", "account": "123456789012", "region": topoRegion, "now": "2024-05-01T12:00:00Z"},
		"alarm.json":    map[string]string{"AlarmName": "orders-5xx"},
		"topology.json": topology,
	} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "trail"), 0o755); err != nil {
		t.Fatal(err)
	}
	return serveScenarioDir(t, dir, topoRegion)
}

func TestTopologyResolve(t *testing.T) {
	a, cfg := resolveServe(t)
	withConfig := &tools.Topology{Config: tools.NewConfigService(cfg, tools.ConfigServiceOptions{Timeout: 5 * time.Second})}
	restAPI := func(name, region string) investigation.Resource {
		return investigation.Resource{Type: investigation.TypeRestAPI, ID: name, Region: region}
	}

	tests := []struct {
		name      string
		topology  *tools.Topology
		resource  investigation.Resource
		fault     string // error code the sandbox answers ListDiscoveredResources with
		wantID    string
		wantARN   string
		wantErr   func(error) bool // nil: no error
		wantCalls int
	}{
		{name: "one API of the name", topology: withConfig, resource: restAPI("public-api", topoRegion),
			wantID: "k3x9q2w7ve", wantARN: "arn:aws:apigateway:eu-west-1::/restapis/k3x9q2w7ve", wantCalls: 1},
		{name: "the name in the resource's own region", topology: withConfig, resource: restAPI("orders", "us-west-2"),
			wantID: "z9y8x7w6v5", wantARN: "arn:aws:apigateway:us-west-2::/restapis/z9y8x7w6v5", wantCalls: 1},
		{name: "no API of the name", topology: withConfig, resource: restAPI("ghost", topoRegion),
			wantID: "ghost", wantErr: func(err error) bool { return errors.Is(err, investigation.ErrUnknownResource) }, wantCalls: 1},
		{name: "several APIs of the name", topology: withConfig, resource: restAPI("orders", topoRegion),
			wantID: "orders", wantErr: func(err error) bool {
				return errors.Is(err, tools.ErrAmbiguousName) && strings.Contains(err.Error(), "a1b2c3d4e5, f6g7h8i9j0")
			}, wantCalls: 1},
		{name: "Config refuses the listing", topology: withConfig, resource: restAPI("public-api", topoRegion), fault: "AccessDeniedException",
			wantID: "public-api", wantErr: func(err error) bool {
				var ae *tools.APIError
				return errors.As(err, &ae) && ae.Reason == investigation.ReasonAccessDenied && ae.Permission == tools.OpListDiscoveredResources
			}, wantCalls: 1},
		{name: "a type alarms name by its CloudTrail id", topology: withConfig,
			resource: investigation.Resource{Type: investigation.TypeLambdaFunction, ID: "orders", Region: topoRegion}, wantID: "orders"},
		{name: "an HTTP API, named by id in its metrics", topology: withConfig,
			resource: investigation.Resource{Type: investigation.TypeHTTPAPI, ID: "a1b2c3d4e5", Region: topoRegion}, wantID: "a1b2c3d4e5"},
		{name: "no Config", topology: &tools.Topology{}, resource: restAPI("public-api", topoRegion),
			wantID: "public-api", wantErr: func(err error) bool { return errors.Is(err, investigation.ErrUnknownResource) }},
		{name: "a Config that cannot list", topology: &tools.Topology{Config: notRecorded{}}, resource: restAPI("public-api", topoRegion),
			wantID: "public-api", wantErr: func(err error) bool { return errors.Is(err, investigation.ErrUnknownResource) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != "" {
				a.SetFault(tools.OpListDiscoveredResources, awsapi.Fault{ErrorCode: tt.fault})
				t.Cleanup(func() { a.SetFault(tools.OpListDiscoveredResources, awsapi.Fault{}) })
			}
			before := a.Calls()[tools.OpListDiscoveredResources]
			got, err := tt.topology.Resolve(testContext(t), tt.resource)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr != nil && (err == nil || !tt.wantErr(err)):
				t.Fatalf("error %v is not the one expected", err)
			}
			want := tt.resource
			want.ID = tt.wantID
			if tt.wantARN != "" {
				want.ARN = tt.wantARN
			}
			if got != want {
				t.Errorf("resolved to %+v, want %+v", got, want)
			}
			if calls := a.Calls()[tools.OpListDiscoveredResources] - before; calls != tt.wantCalls {
				t.Errorf("%d ListDiscoveredResources calls, want %d", calls, tt.wantCalls)
			}
		})
	}
}

func TestConfigFindByNamePaging(t *testing.T) {
	a, cfg := resolveServe(t)
	tests := []struct {
		name      string
		maxPages  int
		region    string
		find      string
		wantIDs   []string
		wantCut   bool
		wantCalls int
	}{
		{name: "a page per match", maxPages: 5, find: "orders", wantIDs: []string{"a1b2c3d4e5", "f6g7h8i9j0"}, wantCalls: 2},
		{name: "the bound cuts the listing", maxPages: 1, find: "orders", wantIDs: []string{"a1b2c3d4e5"}, wantCut: true, wantCalls: 1},
		{name: "one match within the bound", maxPages: 1, find: "public-api", wantIDs: []string{"k3x9q2w7ve"}, wantCalls: 1},
		{name: "another region", maxPages: 1, region: "us-west-2", find: "orders", wantIDs: []string{"z9y8x7w6v5"}, wantCalls: 1},
		{name: "no match", maxPages: 1, find: "ghost", wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := tools.NewConfigService(cfg, tools.ConfigServiceOptions{Timeout: 5 * time.Second, MaxPages: tt.maxPages, PageSize: 1})
			before := a.Calls()[tools.OpListDiscoveredResources]
			ids, err := cs.FindByName(testContext(t), tt.region, investigation.TypeRestAPI, tt.find)
			if cut := err != nil && strings.Contains(err.Error(), "page bound"); cut != tt.wantCut || (err != nil && !cut) {
				t.Fatalf("error %v, want a cut listing: %v", err, tt.wantCut)
			}
			if strings.Join(ids, ",") != strings.Join(tt.wantIDs, ",") {
				t.Errorf("ids %v, want %v", ids, tt.wantIDs)
			}
			if calls := a.Calls()[tools.OpListDiscoveredResources] - before; calls != tt.wantCalls {
				t.Errorf("%d calls, want %d", calls, tt.wantCalls)
			}
		})
	}

	// A cut listing may hide a second API of the name: no id is chosen.
	cut := &tools.Topology{Config: tools.NewConfigService(cfg, tools.ConfigServiceOptions{MaxPages: 1, PageSize: 1})}
	r := investigation.Resource{Type: investigation.TypeRestAPI, ID: "orders", Region: topoRegion}
	if got, err := cut.Resolve(testContext(t), r); err == nil || got != r {
		t.Errorf("resolved %+v (%v) from a cut listing", got, err)
	}
}

// TestTopologyResolveScenario resolves the REST API of a scenario's alarm
// and reads its dependencies under the resolved id, as the engine does.
func TestTopologyResolveScenario(t *testing.T) {
	_, cfg := serveScenarioDir(t, filepath.Join("..", "testdata", "scenarios", "019-apigw-stage-throttle-lowered"), "us-east-1")
	topo := &tools.Topology{Config: tools.NewConfigService(cfg, tools.ConfigServiceOptions{Timeout: 5 * time.Second})}
	r, err := topo.Resolve(testContext(t), investigation.Resource{Type: investigation.TypeRestAPI, ID: "public-api", Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "k3x9q2w7ve" || r.ARN != "arn:aws:apigateway:us-east-1::/restapis/k3x9q2w7ve" {
		t.Fatalf("resolved to %+v", r)
	}
	deps, err := topo.Dependencies(testContext(t), r)
	if err != nil {
		t.Fatal(err)
	}
	want := "AWS::ApiGateway::Stage|k3x9q2w7ve/prod|Contains Stage|us-east-1\n" +
		"AWS::Lambda::Function|public-api-handler|Is associated with Function|us-east-1"
	if got := depLines(deps); got != want {
		t.Errorf("dependencies:\n%s\nwant:\n%s", got, want)
	}
}

package tools_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/tools"
)

// TestLoadAWSConfigFromTheEnvironment points clients at the sandbox the way
// an operator does: the standard variables, no code.
func TestLoadAWSConfigFromTheEnvironment(t *testing.T) {
	a, err := awsapi.New(writeScenario(t, busyTrail(0, 4, "checkout", testRegion), scenario.LogsFile{}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()

	tests := []struct {
		name string
		env  map[string]string
	}{
		{"AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": srv.URL}},
		{"AWS_ENDPOINT_URL_CLOUDTRAIL beats the global one", map[string]string{"AWS_ENDPOINT_URL": dead.URL, "AWS_ENDPOINT_URL_CLOUDTRAIL": srv.URL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnvironment(t)
			t.Setenv("AWS_REGION", testRegion)
			t.Setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "from-the-environment")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg, err := tools.LoadAWSConfig(context.Background(), tools.AWSOptions{MaxAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != testRegion {
				t.Fatalf("region %q", cfg.Region)
			}
			counter := tools.NewCallCounter(nil)
			ctx := tools.WithCallCounter(context.Background(), counter)
			trail := tools.NewCloudTrail(cfg, tools.CloudTrailOptions{})
			res, err := trail.Lookup(ctx, investigation.Lookup{Key: investigation.AttrResourceName, Value: "checkout"})
			if err != nil || len(res.Events) != 3 {
				t.Fatalf("lookup: %v, %d events", err, len(res.Events))
			}
			if got := counter.Counts(); got[tools.OpLookupEvents] != res.Calls || len(got) != 1 {
				t.Fatalf("counted %v, lookup says %d", got, res.Calls)
			}
		})
	}
	t.Run("no region anywhere", func(t *testing.T) {
		isolateEnvironment(t)
		if _, err := tools.LoadAWSConfig(context.Background(), tools.AWSOptions{}); err == nil {
			t.Fatal("loaded a configuration without a region")
		}
	})
}

package tools_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/offline"
	"github.com/trailhound/trailhound/tools"
)

// TestOfflineTopologyIsTheConfigPath reads every resource of every corpus
// topology.json twice: in process (--offline) and through the sandbox's
// AWS Config and IAM over the wire, the way a deployment without describe
// permissions reads it. Both must give the same dependencies, so that an
// offline eval measures the graph a live triage walks. In a scenario of
// several accounts each resource is read in the account its ARN names,
// through that account's role.
func TestOfflineTopologyIsTheConfigPath(t *testing.T) {
	dirs, err := scenario.List("../testdata/scenarios")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("corpus: %d scenarios, %v", len(dirs), err)
	}
	compared := 0
	for _, dir := range dirs {
		sc, err := scenario.Load(dir)
		if err != nil || len(sc.Topology.Resources) == 0 {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			_, cfg := serveScenarioDir(t, dir, sc.Meta.Region)
			liveIn := func(cfg aws.Config) *tools.Topology {
				return &tools.Topology{
					Config: tools.NewConfigService(cfg, tools.ConfigServiceOptions{Timeout: 5 * time.Second}),
					Roles:  tools.NewIAM(cfg, tools.IAMOptions{Timeout: 5 * time.Second}),
				}
			}
			home := tools.NewAWS(cfg, sc.Meta.Account)
			accounts := home.EnableAccounts(tools.AccountsOptions{Home: sc.Meta.Account})
			local := offline.NewTopology(sc)
			for _, it := range sc.Topology.Resources {
				region := it.Region
				if region == "" {
					region = sc.Meta.Region
				}
				r := investigation.Resource{Type: it.Type, ID: it.ID, ARN: it.ARN, Region: region}
				live := liveIn(cfg)
				if a, ok := investigation.ParseARN(it.ARN); ok && len(sc.Meta.Accounts) > 0 && a.Account != "" {
					in, err := accounts.For(testContext(t), a.Account)
					var refused *investigation.AccountError
					if errors.As(err, &refused) {
						continue // no live read to compare with: the account has no role
					}
					if err != nil {
						t.Fatalf("%s %s: %v", it.Type, it.ID, err)
					}
					live = liveIn(in.SDKConfig())
				}
				want, wantErr := live.Dependencies(testContext(t), r)
				got, gotErr := local.Dependencies(testContext(t), r)
				if (wantErr == nil) != (gotErr == nil) || depLines(got) != depLines(want) {
					t.Errorf("%s %s:\noffline (%v):\n%s\nsandbox (%v):\n%s", it.Type, it.ID, gotErr, depLines(got), wantErr, depLines(want))
				}
				compared++
			}
		})
	}
	if compared == 0 {
		t.Fatal("no resource compared")
	}
}

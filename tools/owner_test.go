package tools_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/tools"
)

// sharedSubnetScenario is an organization of the monitoring account and
// members, the last of which owns a subnet the others' resources name by
// id alone.
func sharedSubnetScenario(t *testing.T, members []string) *scenario.Scenario {
	t.Helper()
	dir := t.TempDir()
	owner := members[len(members)-1]
	accounts := []map[string]any{{"id": monitoringAccount, "name": "monitoring"}}
	for _, m := range members {
		accounts = append(accounts, map[string]any{"id": m, "name": "team-" + m[len(m)-2:]})
	}
	files := map[string]any{
		"scenario.json": map[string]any{"title": "shared subnet", "account": monitoringAccount, "region": testRegion,
			"now": testNow.Format(time.RFC3339), "accounts": accounts},
		"alarm.json": map[string]any{"AlarmName": "errors"},
		"topology.json": map[string]any{"resources": []any{map[string]any{
			"type": "AWS::EC2::Subnet", "id": "subnet-0shared1234", "region": testRegion,
			"arn":           "arn:aws:ec2:" + testRegion + ":" + owner + ":subnet/subnet-0shared1234",
			"configuration": map[string]any{"subnetId": "subnet-0shared1234", "vpcId": "vpc-0shared1234"},
			"relationships": []any{map[string]any{"type": "AWS::EC2::VPC", "id": "vpc-0shared1234", "name": "Is contained in Vpc"}},
		}}},
		filepath.Join("trail", "trail.json"): map[string]any{"Records": []any{}},
	}
	if err := os.MkdirAll(filepath.Join(dir, "trail"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, v := range files {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sc, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestOwnerAsksTheAccountsTogether: the accounts that may own a resource
// named by id alone are asked at once, and the owner is the account that
// knows it, whichever answered first.
func TestOwnerAsksTheAccountsTogether(t *testing.T) {
	members := memberAccounts(4)
	sc := sharedSubnetScenario(t, members)
	// The resource is assumed in the first member: the monitoring account
	// and the three others are asked, all at once.
	g := &gate{ops: map[string]bool{"GetResourceConfigHistory": true}, want: 4}
	cfg := gatedSandbox(t, sc, g)
	a := tools.NewAWS(cfg, monitoringAccount)
	a.EnableAccounts(tools.AccountsOptions{Home: monitoringAccount, ExternalID: "ext-test", Organization: tools.NewOrganization(cfg)})
	owners, ok := a.Sources().Topology.(investigation.Owners)
	if !ok {
		t.Fatal("the accounts' topology cannot find owners")
	}
	subnet := investigation.Resource{Type: "AWS::EC2::Subnet", ID: "subnet-0shared1234", Region: testRegion, Account: members[0]}
	account, deps, err := owners.Owner(investigation.WithAccount(context.Background(), members[0]), subnet)
	if err != nil {
		t.Fatal(err)
	}
	if account != members[3] || len(deps) == 0 || deps[0].ID != "vpc-0shared1234" {
		t.Errorf("owner %s with %+v, want %s with its VPC", account, deps, members[3])
	}
	if p := g.peakInFlight(); p != 4 {
		t.Errorf("at most %d accounts asked at once, want all 4", p)
	}
}

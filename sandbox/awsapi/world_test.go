package awsapi

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// TestCorpusReadsWhole serves every corpus scenario and reads each of its
// resources the way the describes do: no scenario may leave an API
// answering InternalFailure, the sandbox's "the scenario is malformed".
func TestCorpusReadsWhole(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "..", "testdata", "scenarios", "[0-9]*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "scenario.json")); err != nil {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			sc, err := scenario.Load(dir)
			if err != nil {
				// Loading is the scenario package's to check; the sandbox
				// never sees such a folder.
				t.Skipf("scenario does not load: %v", err)
			}
			a, err := New(sc)
			if err != nil {
				t.Fatal(err)
			}
			for _, err := range corpusReadErrors(a) {
				t.Error(err)
			}
		})
	}
}

func corpusReadErrors(a *Emulator) []error {
	inv := &inventory{a: a, account: a.sc.Meta.Account, region: a.sc.Meta.Region, items: a.sc.Topology.Resources}
	var errs []error
	note := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	note(a.services["iam"].(*iamService).loadErr)
	note(a.services["monitoring"].(*cloudWatchService).loadErr)
	regions := map[string]bool{a.sc.Meta.Region: true}
	for i := range inv.items {
		regions[inv.regionOf(&inv.items[i])] = true
	}
	for region := range regions {
		_, err := inv.lambdaFunctions(region)
		note(err)
		_, err = inv.ecsServices(region)
		note(err)
		_, err = inv.ecsTaskDefinitions(region)
		note(err)
		_, err = inv.ecsTasks(region)
		note(err)
		_, _, err = inv.elbv2(region)
		note(err)
		_, err = inv.ec2Instances(region)
		note(err)
		_, err = inv.securityGroups(region)
		note(err)
		_, err = inv.dbInstances(region)
		note(err)
		_, err = inv.rdsEvents(region)
		note(err)
		for action := range ec2NetworkKinds {
			_, err = inv.ec2NetworkItems(ec2NetworkKinds[action], region)
			note(err)
		}
	}
	_, err := inv.asActivities()
	note(err)
	for i := range inv.items {
		it := &inv.items[i]
		_, err := inv.configHistory(it, inv.regionOf(it))
		note(err)
		if it.Type == "AWS::ApiGateway::RestApi" {
			if _, apiErr := inv.restAPI(it.ID, inv.regionOf(it)); apiErr != nil {
				errs = append(errs, fmt.Errorf("%s: %s", apiErr.code, apiErr.msg))
			}
		}
	}
	return errs
}

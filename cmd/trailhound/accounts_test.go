package main

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/tools"
)

func TestPortalLabelsSignInToEachEventsAccount(t *testing.T) {
	cfg := aws.Config{Region: "eu-west-1"}
	home := tools.NewAWS(cfg, "111122223333")
	labels := accountLabels{accounts: tools.NewAccounts(cfg, home, tools.AccountsOptions{Home: "111122223333"}),
		portalURL: "https://d-1234567890.awsapps.com/start/", portalRole: "ReadOnlyAccess"}
	link := investigation.EventLink("eu-west-1", "e1")
	rep := &investigation.Report{Alarm: investigation.AlarmSummary{Account: "111122223333"},
		Candidates: []investigation.Candidate{{Events: []investigation.EventRef{
			{EventID: "e1", Region: "eu-west-1", Link: link},
			{EventID: "e1", Region: "eu-west-1", Account: "444455556666", Link: link},
		}}}}
	labels.apply(context.Background(), rep)
	for i, account := range []string{"111122223333", "444455556666"} {
		got := rep.Candidates[0].Events[i].Link
		want := "https://d-1234567890.awsapps.com/start/#/console?account_id=" + account + "&role_name=ReadOnlyAccess&destination=https%3A%2F%2Feu-west-1.console.aws.amazon.com"
		if !strings.HasPrefix(got, want) {
			t.Errorf("event %d link %s, want it through the portal in %s", i, got, account)
		}
	}
	if rep.AccountNames != nil {
		t.Errorf("names %v without an organization to read them from", rep.AccountNames)
	}
}

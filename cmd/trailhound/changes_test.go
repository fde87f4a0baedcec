package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/bot/ask"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/changes"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/offline"
	"github.com/trailhound/trailhound/tools"
)

// TestChangesCLIAnswersAsSlackDoes asks `trailhound changes` and the changes
// use case, the way the Slack command reads and asks it, the same question
// in the same zone: both list the same changes, dependencies included.
func TestChangesCLIAnswersAsSlackDoes(t *testing.T) {
	dir := filepath.Join(corpus, "001-lambda-role-policy-detached")
	const (
		function = "arn:aws:lambda:eu-west-1:123456789012:function:checkout"
		before   = "15:07" // Europe/Berlin: 14:07 UTC, just before the scenario's now
		zone     = "Europe/Berlin"
	)
	stdout, stderr, code := runCmd(t, "changes", "--scenario", dir, "--resource", function,
		"--before", before, "--window", "1h", "--tz", zone, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var cli changesJSON
	if err := json.Unmarshal([]byte(stdout), &cli); err != nil {
		t.Fatal(err)
	}
	var cliIDs []string
	for _, c := range cli.Changes {
		cliIDs = append(cliIDs, c.EventID)
	}

	// The Slack side: `/trailhound changes <subject> before <time> window <w>`
	// parsed by bot/ask, resolved and answered by the changes use case on the
	// same trail and topology.
	q, err := ask.ParseChanges(function + " before " + before + " window 1h")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	w, err := changes.WindowOf(q.Before, q.Window, investigation.TimeReference{Now: sc.Meta.Now, Zone: loc})
	if err != nil {
		t.Fatal(err)
	}
	r, err := changes.ResourceFromARN(q.Subject)
	if err != nil {
		t.Fatal(err)
	}
	trail, err := tools.OpenFileTrail(sc.TrailIn)
	if err != nil {
		t.Fatal(err)
	}
	res, err := changes.New(trail, offline.NewTopology(sc), sc.Meta.Region).Changes(context.Background(),
		changes.Query{Resources: []investigation.Resource{r}, Window: w})
	if err != nil {
		t.Fatal(err)
	}
	var slackIDs []string
	names := map[string]bool{}
	for _, e := range res.Events {
		slackIDs = append(slackIDs, e.ID)
		names[e.Name] = true
	}

	if !cli.Window.Start.Equal(w.Start) || !cli.Window.End.Equal(w.End) {
		t.Errorf("CLI window %v, Slack window %v", cli.Window, w)
	}
	if len(slackIDs) == 0 || !slices.Equal(cliIDs, slackIDs) {
		t.Errorf("CLI lists %v, Slack %v", cliIDs, slackIDs)
	}
	if !names["DetachRolePolicy"] {
		t.Errorf("the role's detach (a dependency of the function) is missing: %v", names)
	}
}

// In an organization whose account list is known, each change names the
// account it was made in.
func TestChangesCLINamesAccounts(t *testing.T) {
	dir := filepath.Join(corpus, "088-xacct-metric-lambda-memory-rightsized-oom")
	stdout, stderr, code := runCmd(t, "changes", "--scenario", dir, "--window", "24h")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "in account prod-payments (444455556666)") {
		t.Errorf("no account name in\n%s", stdout)
	}
	stdout, stderr, code = runCmd(t, "changes", "--scenario", dir, "--window", "24h", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out changesJSON
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, c := range out.Changes {
		switch {
		case c.Account == "444455556666" && c.AccountName != "prod-payments":
			t.Errorf("change %s in %s named %q, want prod-payments", c.EventID, c.Account, c.AccountName)
		case c.Account == "444455556666":
			named++
		case c.Account == "123837392027" && c.AccountName != "":
			// Outside the organization's list: no name to give.
			t.Errorf("change %s in %s named %q", c.EventID, c.Account, c.AccountName)
		}
	}
	if named == 0 {
		t.Error("no change in the workload account")
	}
}

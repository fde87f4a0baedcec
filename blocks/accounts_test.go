package blocks

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// crossAccountReport is highIAMReport with its cause's events recorded in
// another account of a named organization.
func crossAccountReport(link func(investigation.EventRef) string) *investigation.Report {
	rep := highIAMReport()
	rep.AccountNames = map[string]string{rep.Alarm.Account: "monitoring", "222233334444": "prod-payments"}
	for i := range rep.Candidates[0].Events {
		e := &rep.Candidates[0].Events[i]
		e.Account = "222233334444"
		e.Link = link(*e)
	}
	return rep
}

func renderedJSON(t *testing.T, m Message) string {
	t.Helper()
	if err := Validate(m); err != nil {
		t.Fatalf("invalid message: %v", err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReportNamesAccountsAndSaysWhereToSwitch(t *testing.T) {
	rep := crossAccountReport(func(e investigation.EventRef) string { return e.Link })
	out := renderedJSON(t, Report(rep, ReportOptions{}))
	for _, want := range []string{
		"account monitoring (" + rep.Alarm.Account + ")",
		"recorded in account prod-payments (222233334444): switch to it in the console before opening",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestPortalLinksOpenTheEventsAccount(t *testing.T) {
	const start = "https://d-1234567890.awsapps.com/start"
	rep := crossAccountReport(func(e investigation.EventRef) string {
		return investigation.PortalLink(start, "ReadOnlyAccess", e.Account, e.Link)
	})
	out := renderedJSON(t, Report(rep, ReportOptions{}))
	if !strings.Contains(out, "d-1234567890.awsapps.com/start/#/console?account_id=222233334444\\u0026role_name=ReadOnlyAccess\\u0026destination=https%3A%2F%2F") {
		t.Errorf("no portal link in %s", out)
	}
	if strings.Contains(out, "switch to it") {
		t.Error("a portal link still asks the reader to switch accounts")
	}

	e := rep.Candidates[0].Events[0]
	for name, bad := range map[string]string{
		"another account":       investigation.PortalLink(start, "ReadOnlyAccess", "999999999999", investigation.EventLink(e.Region, e.EventID)),
		"another host":          investigation.PortalLink("https://evil.example.com/start", "ReadOnlyAccess", e.Account, investigation.EventLink(e.Region, e.EventID)),
		"destination elsewhere": investigation.PortalLink(start, "ReadOnlyAccess", e.Account, "https://evil.example.com/"),
		"another event":         investigation.PortalLink(start, "ReadOnlyAccess", e.Account, investigation.EventLink(e.Region, "other-id")),
	} {
		e.Link = bad
		if _, _, ok := ConsoleLink(e); ok {
			t.Errorf("%s: %s accepted", name, bad)
		}
	}
}

func TestChangeTableSaysEachChangesAccount(t *testing.T) {
	at := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	w := investigation.Window{Start: at.Add(-time.Hour), End: at}
	one := []investigation.Event{
		{ID: "e1", Name: "PutRolePolicy", Source: "iam.amazonaws.com", Time: at.Add(-time.Minute), Region: "us-east-1", Account: "444455556666"},
		{ID: "e2", Name: "UpdateFunctionConfiguration", Source: "lambda.amazonaws.com", Time: at.Add(-2 * time.Minute), Region: "eu-west-1", Account: "444455556666"},
	}
	two := append(slices.Clone(one), investigation.Event{ID: "e3", Name: "DeleteRoute", Source: "ec2.amazonaws.com",
		Time: at.Add(-3 * time.Minute), Region: "eu-west-1", Account: "777788889999"})
	names := map[string]string{"444455556666": "prod-payments"}
	cases := []struct {
		name    string
		events  []investigation.Event
		names   map[string]string
		want    []string
		notWant []string
	}{
		{name: "one account, no names", events: one, notWant: []string{"in account"}},
		{name: "one account, named", events: one, names: names, want: []string{"in account prod-payments (444455556666)"}},
		{name: "two accounts, no names", events: two, want: []string{"in account 444455556666", "in account 777788889999"}},
		{name: "two accounts, one named", events: two, names: names,
			want: []string{"in account prod-payments (444455556666)", "in account 777788889999"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := renderedJSON(t, ChangeTable(tc.events, w, "UTC", ChangeOptions{Subject: "checkout", AccountNames: tc.names}))
			for _, s := range tc.want {
				if !strings.Contains(out, s) {
					t.Errorf("no %q in %s", s, out)
				}
			}
			for _, s := range tc.notWant {
				if strings.Contains(out, s) {
					t.Errorf("%q in %s", s, out)
				}
			}
		})
	}
}

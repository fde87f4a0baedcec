package blocks

import (
	"encoding/json"
	"strings"
	"testing"

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

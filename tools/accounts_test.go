package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/tools"
)

// monitoringAccount holds the static credentials of the organization tests.
const monitoringAccount = "111100000000"

func memberAccounts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("2222000000%02d", i)
	}
	return out
}

// fnName is function j of account: unique across accounts, so a request
// naming it tells which account it is for.
func fnName(account string, j int) string { return fmt.Sprintf("fn-%s-%d", account, j) }

// orgScenario writes an organization: the monitoring account, the members
// (each with fns functions, one change on each in its own trail) and the
// accounts without Trailhound's role.
func orgScenario(t testing.TB, members, noRole []string, fns int) *scenario.Scenario {
	t.Helper()
	dir := t.TempDir()
	accounts := []map[string]any{{"id": monitoringAccount, "name": "monitoring"}}
	var records []map[string]any
	n := 0
	for _, acct := range append(append([]string(nil), members...), noRole...) {
		entry := map[string]any{"id": acct, "name": "team-" + acct[len(acct)-2:]}
		for _, nr := range noRole {
			if nr == acct {
				entry["member_role"] = false
			}
		}
		accounts = append(accounts, entry)
		for j := range fns {
			r := ctRecord(n, "PutFunctionConcurrency20171031", "lambda.amazonaws.com", testRegion,
				testNow.Add(-10*time.Minute), false, map[string]any{"functionName": fnName(acct, j), "reservedConcurrentExecutions": 0})
			r["recipientAccountId"] = acct
			records = append(records, r)
			n++
		}
	}
	write := func(name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "trail"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("scenario.json", map[string]any{"title": "org", "account": monitoringAccount, "region": testRegion,
		"now": testNow.Format(time.RFC3339), "accounts": accounts})
	write("alarm.json", map[string]any{"AlarmName": "errors"})
	write(filepath.Join("trail", "trail.json"), map[string]any{"Records": records})
	sc, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// eventIDOf is the id ctRecord gave record n.
func eventIDOf(n int) string { return fmt.Sprintf("%08d-aaaa-4bbb-8ccc-dddddddddddd", n) }

// crossAccountAlarm is an alarm of the monitoring account on the
// functions of another account's metrics.
func crossAccountAlarm(name, account string, fns ...string) investigation.Alarm {
	a := investigation.Alarm{Name: name, Account: monitoringAccount, Region: testRegion, State: investigation.StateAlarm,
		ARN:             "arn:aws:cloudwatch:" + testRegion + ":" + monitoringAccount + ":alarm:" + name,
		StateChangeTime: testNow.Add(-5 * time.Minute), EvaluationPeriods: 1}
	for i, fn := range fns {
		a.Metrics = append(a.Metrics, investigation.Metric{ID: fmt.Sprintf("m%d", i), Namespace: "AWS/Lambda", Name: "Throttles",
			AccountID: account, Period: 60, Stat: "Sum", Dimensions: []investigation.Dimension{{Name: "FunctionName", Value: fn}}})
	}
	return a
}

// orgAWS serves sc and opens Trailhound on it with member roles enabled.
func orgAWS(t *testing.T, sc *scenario.Scenario, allowed []string) (*awsapi.Emulator, *tools.AWS) {
	t.Helper()
	emu, _, cfg := testSandbox(t, sc, tools.AWSOptions{})
	emu.RecordRequests(true)
	a := tools.NewAWS(cfg, monitoringAccount)
	a.EnableAccounts(tools.AccountsOptions{Home: monitoringAccount, ExternalID: "ext-test", Allowed: allowed,
		Organization: tools.NewOrganization(cfg)})
	return emu, a
}

func orgEngine(a *tools.AWS, lim engine.Limits) *engine.Engine {
	s := a.Sources()
	return &engine.Engine{Trail: s.Trail, Topology: s.Topology, Logs: s.Logs, IAM: s.IAM, Alarms: s.Alarms, Feeds: s.Feeds,
		Limits: lim, Now: func() time.Time { return testNow }}
}

var functionInBody = regexp.MustCompile(`fn-(\d{12})-\d+`)

// TestStormSignsEachAccountsReadsWithItsOwnCredentials runs 100 alarms over
// 10 member accounts at once (and 10 over an account without the role):
// every request that names an account's function reaches the sandbox with
// that account's credentials, each account's role is assumed once, the
// refused account is asked once, and each triage finds its own account's
// change.
func TestStormSignsEachAccountsReadsWithItsOwnCredentials(t *testing.T) {
	members, noRole := memberAccounts(10), []string{"333300000000"}
	emu, a := orgAWS(t, orgScenario(t, members, noRole, 1), nil)
	eng := orgEngine(a, engine.Limits{MaxLookups: 1})

	accounts := append(append([]string(nil), members...), noRole...)
	type result struct {
		account string
		rep     *investigation.Report
		err     error
	}
	results := make([]result, 110)
	var wg sync.WaitGroup
	for k := range results {
		acct := accounts[k%len(accounts)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := eng.Triage(context.Background(), crossAccountAlarm(fmt.Sprintf("throttles-%03d", k), acct, fnName(acct, 0)))
			results[k] = result{acct, rep, err}
		}()
	}
	wg.Wait()

	for i, r := range results {
		if r.err != nil {
			t.Fatalf("triage %d: %v", i, r.err)
		}
		if r.account == noRole[0] {
			if len(r.rep.BlindSpots) == 0 || r.rep.BlindSpots[0].Kind != investigation.BlindAccount ||
				!strings.Contains(r.rep.BlindSpots[0].Note, "arn:aws:iam::"+noRole[0]+":role/"+tools.DefaultRoleName) {
				t.Errorf("triage %d in the account without the role: blind spots %+v", i, r.rep.BlindSpots)
			}
			continue
		}
		want := eventIDOf(indexOf(members, r.account))
		if len(r.rep.Candidates) == 0 || r.rep.Candidates[0].Events[0].EventID != want {
			t.Errorf("triage %d in %s: candidates %+v, want its account's change %s", i, r.account, r.rep.Candidates, want)
		}
	}

	calls := emu.AssumeRoleCalls()
	for _, acct := range accounts {
		if calls[acct] != 1 {
			t.Errorf("AssumeRole into %s called %d times for 10 alarms, want once", acct, calls[acct])
		}
	}
	if calls[monitoringAccount] != 0 {
		t.Errorf("the bot's own account was assumed %d times; it is read directly", calls[monitoringAccount])
	}

	keyAccount := map[string]string{}
	checked := 0
	for _, req := range emu.Requests() {
		if prev, ok := keyAccount[req.AccessKey]; ok && prev != req.Account {
			t.Errorf("access key %s opened %s and %s", req.AccessKey, prev, req.Account)
		}
		keyAccount[req.AccessKey] = req.Account
		for _, m := range functionInBody.FindAllStringSubmatch(req.Body, -1) {
			checked++
			if m[1] != req.Account {
				t.Errorf("%s for a function of %s signed with %s's credentials (key %s)", req.Operation, m[1], req.Account, req.AccessKey)
			}
		}
	}
	if checked < len(members)*10 {
		t.Errorf("only %d requests named a function: the check proves little", checked)
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// TestLookupPacingHoldsPerAccountAndRegion triages 10 accounts at once
// against a sandbox enforcing LookupEvents' 2 requests per second per
// account and region: no one-second window of an account and region holds
// more than 2 requests, none is throttled, and the accounts' walks overlap.
func TestLookupPacingHoldsPerAccountAndRegion(t *testing.T) {
	const fns = 4
	members := memberAccounts(10)
	emu, a := orgAWS(t, orgScenario(t, members, nil, fns), nil)
	emu.SetThrottle(true)
	eng := orgEngine(a, engine.Limits{MaxLookups: fns + 2})

	var wg sync.WaitGroup
	errs := make([]error, len(members))
	for i, acct := range members {
		var names []string
		for j := range fns {
			names = append(names, fnName(acct, j))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = eng.Triage(context.Background(), crossAccountAlarm("throttles-"+acct, acct, names...))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}

	byKey := map[string][]time.Time{}
	for _, req := range emu.Requests() {
		if req.Operation != "cloudtrail:LookupEvents" {
			continue
		}
		if req.Refused != "" {
			t.Errorf("LookupEvents in %s/%s refused with %s", req.Account, req.Region, req.Refused)
		}
		k := req.Account + "/" + req.Region
		byKey[k] = append(byKey[k], req.Arrival)
	}
	var firsts, lasts []time.Time
	for _, acct := range members {
		times := byKey[acct+"/"+testRegion]
		if len(times) < fns {
			t.Fatalf("%s: %d lookups, want at least %d", acct, len(times), fns)
		}
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		for i := 2; i < len(times); i++ {
			if d := times[i].Sub(times[i-2]); d <= time.Second {
				t.Errorf("%s: 3 lookups within %v: %v", acct, d, times)
			}
		}
		firsts, lasts = append(firsts, times[0]), append(lasts, times[len(times)-1])
	}
	sort.Slice(firsts, func(i, j int) bool { return firsts[i].Before(firsts[j]) })
	sort.Slice(lasts, func(i, j int) bool { return lasts[i].Before(lasts[j]) })
	if !firsts[len(firsts)-1].Before(lasts[0]) {
		t.Errorf("the accounts' walks ran one after another, not at once: last start %v, first end %v", firsts[len(firsts)-1], lasts[0])
	}
}

func TestAccountOutsideAllowlistIsNeverCalled(t *testing.T) {
	members := memberAccounts(2)
	emu, a := orgAWS(t, orgScenario(t, members, nil, 1), members[:1])
	_, err := a.Accounts().For(context.Background(), members[1])
	var ae *investigation.AccountError
	if !errors.As(err, &ae) || ae.Account != members[1] || !strings.Contains(ae.Reason, "allowlist") {
		t.Fatalf("For(%s) = %v, want a refusal naming the allowlist", members[1], err)
	}
	if n := len(emu.Requests()); n != 0 {
		t.Errorf("%d requests for an account outside the allowlist: %+v", n, emu.Requests())
	}
	if _, err := a.Accounts().For(context.Background(), members[0]); err != nil {
		t.Errorf("allowed account: %v", err)
	}
}

func TestRoleARNAndSessionName(t *testing.T) {
	cfg := aws.Config{Region: testRegion, Credentials: testCredentials}
	m := tools.NewAccounts(cfg, tools.NewAWS(cfg, monitoringAccount),
		tools.AccountsOptions{Home: monitoringAccount, RoleName: "reader-{account}",
			Roles: map[string]string{"222200000001": "Legacy", "222200000002": "arn:aws:iam::222200000002:role/path/Custom"}})
	for acct, want := range map[string]string{
		"222200000000": "arn:aws:iam::222200000000:role/reader-222200000000",
		"222200000001": "arn:aws:iam::222200000001:role/Legacy",
		"222200000002": "arn:aws:iam::222200000002:role/path/Custom",
	} {
		if got := m.RoleARN(acct); got != want {
			t.Errorf("RoleARN(%s) = %s, want %s", acct, got, want)
		}
	}
	for alarm, want := range map[string]string{
		"":                      "trailhound",
		"checkout errors (p99)": "trailhound-checkout-errors-p99",
		strings.Repeat("x", 80): "trailhound-" + strings.Repeat("x", 53),
	} {
		if got := tools.SessionName(alarm); got != want {
			t.Errorf("SessionName(%q) = %q, want %q", alarm, got, want)
		}
	}
}

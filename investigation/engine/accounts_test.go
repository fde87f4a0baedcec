package engine

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// crossAccountAlarm watches, from a monitoring account, a function of
// another account (CloudWatch cross-account observability).
func crossAccountAlarm() investigation.Alarm {
	a := lambdaAlarm("eu-west-1")
	a.Account = "111111111111"
	a.ARN = "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:checkout-errors"
	a.Metrics[0].AccountID = "222222222222"
	return a
}

// accountTopology records the account each call was made for.
type accountTopology struct {
	fakeTopology
	account map[string]string // resource id → ctx account
}

func (a *accountTopology) Dependencies(ctx context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	a.account[r.ID] = investigation.AccountFrom(ctx)
	return a.fakeTopology.Dependencies(ctx, r)
}

type accountLogs struct{ reads map[string]string }

func (l *accountLogs) Errors(ctx context.Context, group string, _, _ time.Time, _ int) ([]investigation.LogLine, error) {
	l.reads[group] = investigation.AccountFrom(ctx)
	return nil, nil
}

func TestCrossAccountMetricIsReadInTheMetricsAccount(t *testing.T) {
	key := dep(investigation.TypeKMSKey, "arn:aws:kms:eu-west-1:333333333333:key/k1", "Is associated with KMS key")
	topo := &accountTopology{fakeTopology: fakeTopology{"checkout": {key}}, account: map[string]string{}}
	logs := &accountLogs{reads: map[string]string{}}
	tr := &fakeTrail{}
	e := &Engine{Trail: tr, Topology: topo, Logs: logs, Now: func() time.Time { return symptom.Add(10 * time.Minute) }}
	if _, err := e.Triage(context.Background(), crossAccountAlarm()); err != nil {
		t.Fatal(err)
	}
	where := map[string]string{}
	for _, q := range tr.queries {
		where[q.Value] = q.Account
	}
	cases := []struct{ what, got, want string }{
		{"function lookup", where["checkout"], "222222222222"},
		{"key lookup", where[key.ID], "333333333333"},
		{"function topology", topo.account["checkout"], "222222222222"},
		{"function log group", logs.reads["/aws/lambda/checkout"], "222222222222"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s in account %q, want %q", c.what, c.got, c.want)
		}
	}
}

func TestRefusedAccountIsNotedOnceAndNamedAsBlindSpot(t *testing.T) {
	refused := &investigation.AccountError{Account: "222222222222", Reason: "not in the allowlist"}
	tr := &fakeTrail{fail: map[string]error{"checkout": refused}}
	topo := errTopology{fakeTopology: fakeTopology{}, fail: map[string]error{"checkout": refused}}
	e := &Engine{Trail: tr, Topology: topo, Now: func() time.Time { return symptom.Add(10 * time.Minute) }}
	rep, err := e.Triage(context.Background(), crossAccountAlarm())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, note := range rep.Notes {
		if strings.Contains(note, "222222222222") {
			n++
			if !strings.Contains(note, "not in the allowlist") || !strings.Contains(note, "checkout") {
				t.Errorf("note %q does not say why or what was not read", note)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d notes name the refused account, want 1: %q", n, rep.Notes)
	}
	if len(rep.BlindSpots) == 0 || rep.BlindSpots[0].Kind != investigation.BlindAccount {
		t.Fatalf("blind spots %+v, want the account first", rep.BlindSpots)
	}
	if !strings.Contains(rep.BlindSpots[0].Note, "222222222222") {
		t.Errorf("blind spot %q does not name the account", rep.BlindSpots[0].Note)
	}
	if slices.ContainsFunc(rep.Candidates, func(c investigation.Candidate) bool { return c.Confidence != investigation.ConfidenceLow }) {
		t.Error("a candidate above low from an account that was not read")
	}
}

// ownerTopology knows the resources of each account; a relation names a
// subnet of another account by id alone.
type ownerTopology struct {
	byAccount map[string]fakeTopology // account → resource id → dependencies
	mu        sync.Mutex
	asked     []string
}

func (o *ownerTopology) Dependencies(ctx context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	account := r.Account
	if account == "" {
		account = investigation.AccountFrom(ctx)
	}
	deps, ok := o.byAccount[account][r.ID]
	if !ok {
		return nil, investigation.ErrUnknownResource
	}
	return deps, nil
}

func (o *ownerTopology) Owner(ctx context.Context, r investigation.Resource) (string, []investigation.Dependency, error) {
	o.mu.Lock()
	o.asked = append(o.asked, r.ID)
	o.mu.Unlock()
	for _, account := range []string{"111111111111", "222222222222", "333333333333"} {
		if deps, ok := o.byAccount[account][r.ID]; ok && account != r.Account {
			return account, deps, nil
		}
	}
	return "", nil, investigation.ErrUnknownResource
}

func TestResourceNamedByIDIsReadInTheAccountThatOwnsIt(t *testing.T) {
	topo := &ownerTopology{byAccount: map[string]fakeTopology{
		"222222222222": {"checkout": {dep("AWS::EC2::Subnet", "subnet-shared", "Is contained in Subnet"),
			// AWS owns its managed policies: no account is searched for them.
			dep(investigation.TypeIAMPolicy, "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "Is attached to Policy")}},
		"333333333333": {"subnet-shared": {dep("AWS::EC2::RouteTable", "rtb-shared", "Is associated with RouteTable")}, "rtb-shared": nil},
	}}
	tr := &fakeTrail{}
	e := &Engine{Trail: tr, Topology: topo, Now: func() time.Time { return symptom.Add(10 * time.Minute) }}
	rep, err := e.Triage(context.Background(), crossAccountAlarm())
	if err != nil {
		t.Fatal(err)
	}
	where := map[string]string{}
	for _, q := range tr.queries {
		where[q.Value] = q.Account
	}
	for id, want := range map[string]string{"checkout": "222222222222", "subnet-shared": "333333333333", "rtb-shared": "333333333333"} {
		if where[id] != want {
			t.Errorf("%s looked up in account %q, want %q", id, where[id], want)
		}
	}
	if !slices.Equal(topo.asked, []string{"subnet-shared"}) {
		t.Errorf("owner asked for %v, want only the subnet its parent's account does not know, never an AWS managed policy", topo.asked)
	}
	if len(rep.BlindSpots) > 0 && rep.BlindSpots[0].Kind == investigation.BlindAccount {
		t.Errorf("an account blind spot with every account readable: %+v", rep.BlindSpots[0])
	}
}

package offline

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
)

type countingTrail struct{ calls int }

func (c *countingTrail) Lookup(context.Context, investigation.Lookup) (investigation.LookupResult, error) {
	c.calls++
	return investigation.LookupResult{}, nil
}

func TestGateRefusesAsTheDeploymentWould(t *testing.T) {
	no := false
	sc := &scenario.Scenario{Meta: scenario.Meta{Account: "111111111111",
		Accounts:        []scenario.Account{{ID: "111111111111"}, {ID: "222222222222"}, {ID: "333333333333"}, {ID: "444444444444", MemberRole: &no}},
		AllowedAccounts: []string{"111111111111", "222222222222", "444444444444"}}}
	next := &countingTrail{}
	trail := NewGate(sc).Trail(next)
	ctx := investigation.WithAccount(context.Background(), "222222222222")
	for _, tc := range []struct {
		account, refusal string
	}{
		{"", ""}, // the context's account
		{"111111111111", ""},
		{"333333333333", "allowlist"},
		{"444444444444", "AssumeRole into arn:aws:iam::444444444444:role/TrailhoundReadOnly was denied"},
	} {
		before := next.calls
		_, err := trail.Lookup(ctx, investigation.Lookup{Account: tc.account})
		var ae *investigation.AccountError
		switch {
		case tc.refusal == "" && err != nil:
			t.Errorf("%q: %v", tc.account, err)
		case tc.refusal != "" && (!errors.As(err, &ae) || !strings.Contains(ae.Reason, tc.refusal)):
			t.Errorf("%q: %v, want a refusal naming %q", tc.account, err, tc.refusal)
		case tc.refusal != "" && next.calls != before:
			t.Errorf("%q: refused, yet the trail was read", tc.account)
		}
	}
	if NewGate(&scenario.Scenario{Meta: scenario.Meta{Account: "111111111111"}}).Trail(next) != investigation.Trail(next) {
		t.Error("a scenario of one account is gated")
	}
}

type fixedTrail []investigation.Event

func (f fixedTrail) Lookup(context.Context, investigation.Lookup) (investigation.LookupResult, error) {
	return investigation.LookupResult{Events: f, Calls: 1}, nil
}

func TestGatedLookupAnswersTheAccountsOwnRecords(t *testing.T) {
	sc := &scenario.Scenario{Meta: scenario.Meta{Account: "111111111111",
		Accounts: []scenario.Account{{ID: "111111111111"}, {ID: "222222222222"}}}}
	trail := NewGate(sc).Trail(fixedTrail{{ID: "home"}, {ID: "own", Account: "111111111111"}, {ID: "other", Account: "222222222222"}})
	for _, tc := range []struct {
		ctxAccount, account string
		want                []string
	}{
		{"", "", []string{"home", "own"}},
		{"222222222222", "", []string{"other"}},
		{"", "222222222222", []string{"other"}},
	} {
		ctx := investigation.WithAccount(context.Background(), tc.ctxAccount)
		res, err := trail.Lookup(ctx, investigation.Lookup{Account: tc.account})
		var got []string
		for _, e := range res.Events {
			got = append(got, e.ID)
		}
		if err != nil || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("ctx %q account %q: %v %v, want %v", tc.ctxAccount, tc.account, got, err, tc.want)
		}
	}
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// accountOf is the account r is read in: its own, else the alarm's.
func (t *triage) accountOf(r investigation.Resource) string {
	if r.Account != "" {
		return r.Account
	}
	return t.alarm.Account
}

// inAccount is ctx for the reads about r, which happen in r's account.
func (t *triage) inAccount(ctx context.Context, r investigation.Resource) context.Context {
	return investigation.WithAccount(ctx, t.accountOf(r))
}

// refusedRead records err when it is an account refusal, so that the report
// says once per account why nothing of it was read rather than once per
// resource; it reports whether it was one.
func (t *triage) refusedRead(err error, r investigation.Resource) bool {
	var ae *investigation.AccountError
	if !errors.As(err, &ae) {
		return false
	}
	if t.refused == nil {
		t.refused = map[string]*refusal{}
	}
	rf, ok := t.refused[ae.Account]
	if !ok {
		rf = &refusal{reason: ae.Reason, seen: map[string]bool{}}
		t.refused[ae.Account] = rf
	}
	if name := r.Type + " " + r.ID; r.ID != "" && !rf.seen[name] {
		rf.seen[name] = true
		rf.resources = append(rf.resources, name)
	}
	return true
}

// refusal is an account the triage may not or could not read.
type refusal struct {
	reason    string
	resources []string
	seen      map[string]bool
}

// refusedAccounts lists the refused accounts in order.
func (t *triage) refusedAccounts() []string {
	out := make([]string, 0, len(t.refused))
	for a := range t.refused {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// accountNotes says, once per account, what was not read and why.
func (t *triage) accountNotes() {
	for _, a := range t.refusedAccounts() {
		rf := t.refused[a]
		what := "nothing was read there"
		if len(rf.resources) > 0 {
			what = "not read there: " + listNames(rf.resources)
		}
		t.note("account %s: %s; %s", a, rf.reason, what)
	}
}

// accountSpot is the blind spot of the accounts the triage could not read:
// the cause may lie there, and nothing in the report can rule it out.
func (t *triage) accountSpot() (investigation.BlindSpot, bool) {
	accounts := t.refusedAccounts()
	if len(accounts) == 0 {
		return investigation.BlindSpot{}, false
	}
	var reasons []string
	for _, a := range accounts {
		reasons = append(reasons, fmt.Sprintf("%s (%s)", a, t.refused[a].reason))
	}
	return investigation.BlindSpot{Kind: investigation.BlindAccount,
		Note: "Part of the alarm's resources or their dependencies lie in accounts Trailhound may not or could not read: " +
			strings.Join(reasons, "; ") + ". A change there is invisible to this report.",
		WhereToLook: "that account's CloudTrail event history, read by someone with access to it; or allow the account and deploy Trailhound's read-only role there"}, true
}

// layer1Refused reports whether an alarm's own resource lies in a refused account.
func (t *triage) layer1Refused() bool {
	for _, s := range t.targets {
		if s.Layer == 1 && t.refused[t.accountOf(s.Resource)] != nil {
			return true
		}
	}
	return false
}

// workloadAccount is the account of the alarm's first resource: where the
// workload runs, and so where the reads that name no account belong.
func (t *triage) workloadAccount() string {
	for _, s := range t.targets {
		if s.Layer == 1 {
			return t.accountOf(s.Resource)
		}
	}
	return t.alarm.Account
}

package engine

import (
	"context"
	"encoding/json"

	"github.com/trailhound/trailhound/investigation"
)

// policyVersions are the versions of the managed policies whose default
// version the walk saw changed, by policy ARN, and the reads that failed.
type policyVersions struct {
	versions map[string][]investigation.PolicyVersion
	errs     map[string]error
}

// readPolicyVersions reads, before ranking, the versions of every managed
// policy a CreatePolicyVersion or SetDefaultPolicyVersion in the walk
// changed, so that a candidate's next step can name the version to restore
// while ranking itself stays pure.
func (t *triage) readPolicyVersions(ctx context.Context) {
	iam := t.engine.IAM
	if iam == nil {
		return
	}
	t.policies = policyVersions{versions: map[string][]investigation.PolicyVersion{}, errs: map[string]error{}}
	for _, f := range t.changes {
		arn := policyVersionARN(f.Event)
		if arn == "" {
			continue
		}
		if _, done := t.policies.versions[arn]; done || t.policies.errs[arn] != nil {
			continue
		}
		versions, err := iam.PolicyVersions(ctx, arn)
		if err != nil {
			t.policies.errs[arn] = err
			continue
		}
		t.policies.versions[arn] = versions
	}
}

// policyVersionARN is the policy a call that makes a new default version
// names, "" for any other call.
func policyVersionARN(e investigation.Event) string {
	if e.Name != "CreatePolicyVersion" && e.Name != "SetDefaultPolicyVersion" {
		return ""
	}
	var p struct {
		PolicyArn string `json:"policyArn"`
	}
	if json.Unmarshal(e.RequestJSON, &p) != nil {
		return ""
	}
	return p.PolicyArn
}

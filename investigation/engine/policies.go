package engine

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/trailhound/trailhound/investigation"
)

// policyVersions are the versions of the managed policies whose default
// version the walk saw changed, by policy ARN, and the reads that failed.
type policyVersions struct {
	versions map[string][]investigation.PolicyVersion
	errs     map[string]error
}

// startPolicyVersions starts reading the versions of the managed policies
// the walk saw changed while the lookups that follow the evidence run; nil
// when no IAM source is configured.
func (t *triage) startPolicyVersions(ctx context.Context) func() policyVersions {
	iam := t.engine.IAM
	if iam == nil {
		return nil
	}
	var arns []string
	for _, f := range t.changes {
		if arn := policyVersionARN(f.Event); arn != "" && !slices.Contains(arns, arn) {
			arns = append(arns, arn)
		}
	}
	return beside(t, func() policyVersions {
		p := policyVersions{versions: map[string][]investigation.PolicyVersion{}, errs: map[string]error{}}
		for _, arn := range arns {
			p.read(ctx, iam, arn)
		}
		return p
	})
}

// readPolicyVersions reads, before ranking, the versions of every managed
// policy a CreatePolicyVersion or SetDefaultPolicyVersion in the walk
// changed, so that a candidate's next step can name the version to restore
// while ranking itself stays pure. Those the walk found are read already
// (early); the ones the evidence lookups added are read now.
func (t *triage) readPolicyVersions(ctx context.Context, early func() policyVersions) {
	iam := t.engine.IAM
	if iam == nil || early == nil {
		return
	}
	t.policies = early()
	for _, f := range t.changes {
		if arn := policyVersionARN(f.Event); arn != "" {
			t.policies.read(ctx, iam, arn)
		}
	}
}

// read reads arn's versions once.
func (p policyVersions) read(ctx context.Context, iam investigation.IAM, arn string) {
	if _, done := p.versions[arn]; done || p.errs[arn] != nil {
		return
	}
	versions, err := iam.PolicyVersions(ctx, arn)
	if err != nil {
		p.errs[arn] = err
		return
	}
	p.versions[arn] = versions
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

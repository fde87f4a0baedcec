package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
)

// Call-counter keys of the IAM operations.
const (
	OpGetRole                  = "iam:GetRole"
	OpListAttachedRolePolicies = "iam:ListAttachedRolePolicies"
	OpListRolePolicies         = "iam:ListRolePolicies"
	OpGetRolePolicy            = "iam:GetRolePolicy"
	OpGetPolicy                = "iam:GetPolicy"
	OpListPolicyVersions       = "iam:ListPolicyVersions"
	OpGetPolicyVersion         = "iam:GetPolicyVersion"
)

// IAMOptions bound the IAM reads.
type IAMOptions struct {
	// MaxPages bounds the pages of one listing. Default 5.
	MaxPages int
	// MaxDocuments bounds the policy documents one call reads: the versions
	// of PolicyVersions, the inline policies of RolePolicies. Default 10;
	// IAM keeps at most 5 versions of a managed policy.
	MaxDocuments int
	// Timeout bounds one method call, paging included. Default 30 s.
	Timeout time.Duration
}

// IAM reads roles and managed policies: what a role is allowed through its
// attached and inline policies, and the versions of a policy, so a next step
// can name the previous version or what a detach removed. It implements
// investigation.IAM. IAM is global: one client serves every region.
type IAM struct {
	opts   IAMOptions
	client *iam.Client
}

// NewIAM builds the reader from a configuration loaded by LoadAWSConfig.
func NewIAM(cfg aws.Config, opts IAMOptions) *IAM {
	if opts.MaxPages <= 0 {
		opts.MaxPages = 5
	}
	if opts.MaxDocuments <= 0 {
		opts.MaxDocuments = 10
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	return &IAM{opts: opts, client: iam.NewFromConfig(cfg)}
}

// InlinePolicy is a policy embedded in a role.
type InlinePolicy struct {
	Name     string          `json:"name"`
	Document json.RawMessage `json:"document,omitempty"`
}

// RolePolicies is everything a role is granted: its attached policies and
// its inline policies with their documents.
type RolePolicies struct {
	Role     agent.IAMRole          `json:"role"`
	Attached []agent.AttachedPolicy `json:"attached"`
	Inline   []InlinePolicy         `json:"inline"`
	// Truncated says a bound stopped a listing or left inline documents unread.
	Truncated bool `json:"truncated,omitempty"`
}

// GetRole reads a role by name or ARN.
func (c *IAM) GetRole(ctx context.Context, role string) (agent.IAMRole, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	name := investigation.RoleName(role)
	out, err := c.client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return agent.IAMRole{}, Wrap(OpGetRole, "get role "+name, err)
	}
	r := out.Role
	if r == nil {
		return agent.IAMRole{}, fmt.Errorf("get role %s: the answer holds no role", name)
	}
	res := agent.IAMRole{Name: aws.ToString(r.RoleName), ARN: aws.ToString(r.Arn), ID: aws.ToString(r.RoleId), Path: aws.ToString(r.Path), Created: aws.ToTime(r.CreateDate)}
	if r.AssumeRolePolicyDocument != nil {
		if res.AssumeRolePolicy, err = decodePolicyDocument(*r.AssumeRolePolicyDocument); err != nil {
			return agent.IAMRole{}, fmt.Errorf("get role %s: trust policy: %w", name, err)
		}
	}
	return res, nil
}

// ListAttachedRolePolicies lists the managed policies attached to a role;
// more reports that the page bound stopped the listing.
func (c *IAM) ListAttachedRolePolicies(ctx context.Context, role string) (policies []agent.AttachedPolicy, more bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	name := investigation.RoleName(role)
	pages := iam.NewListAttachedRolePoliciesPaginator(c.client, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for page := 0; pages.HasMorePages(); page++ {
		if page == c.opts.MaxPages {
			return policies, true, nil
		}
		out, err := pages.NextPage(ctx)
		if err != nil {
			return policies, false, Wrap(OpListAttachedRolePolicies, "list policies attached to role "+name, err)
		}
		for _, p := range out.AttachedPolicies {
			policies = append(policies, agent.AttachedPolicy{Name: aws.ToString(p.PolicyName), ARN: aws.ToString(p.PolicyArn)})
		}
	}
	return policies, false, nil
}

// ListRolePolicies lists the names of a role's inline policies; more
// reports that the page bound stopped the listing.
func (c *IAM) ListRolePolicies(ctx context.Context, role string) (names []string, more bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	name := investigation.RoleName(role)
	pages := iam.NewListRolePoliciesPaginator(c.client, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	for page := 0; pages.HasMorePages(); page++ {
		if page == c.opts.MaxPages {
			return names, true, nil
		}
		out, err := pages.NextPage(ctx)
		if err != nil {
			return names, false, Wrap(OpListRolePolicies, "list inline policies of role "+name, err)
		}
		names = append(names, out.PolicyNames...)
	}
	return names, false, nil
}

// GetRolePolicy reads an inline policy's document.
func (c *IAM) GetRolePolicy(ctx context.Context, role, policy string) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	name := investigation.RoleName(role)
	out, err := c.client.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(policy)})
	if err != nil {
		return nil, Wrap(OpGetRolePolicy, fmt.Sprintf("get inline policy %s of role %s", policy, name), err)
	}
	doc, err := decodePolicyDocument(aws.ToString(out.PolicyDocument))
	if err != nil {
		return nil, fmt.Errorf("get inline policy %s of role %s: %w", policy, name, err)
	}
	return doc, nil
}

// RolePolicies reads a role with the policies attached to it and the
// documents of its inline policies, within the page and document bounds.
func (c *IAM) RolePolicies(ctx context.Context, role string) (RolePolicies, error) {
	var out RolePolicies
	var err error
	if out.Role, err = c.GetRole(ctx, role); err != nil {
		return out, err
	}
	var more bool
	if out.Attached, more, err = c.ListAttachedRolePolicies(ctx, out.Role.Name); err != nil {
		return out, err
	}
	out.Truncated = more
	names, more, err := c.ListRolePolicies(ctx, out.Role.Name)
	if err != nil {
		return out, err
	}
	out.Truncated = out.Truncated || more || len(names) > c.opts.MaxDocuments
	for _, name := range names[:min(len(names), c.opts.MaxDocuments)] {
		doc, err := c.GetRolePolicy(ctx, out.Role.Name, name)
		if err != nil {
			return out, err
		}
		out.Inline = append(out.Inline, InlinePolicy{Name: name, Document: doc})
	}
	return out, nil
}

// GetPolicy reads a managed policy's metadata, default version included.
func (c *IAM) GetPolicy(ctx context.Context, policyARN string) (agent.ManagedPolicy, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	out, err := c.client.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(policyARN)})
	if err != nil {
		return agent.ManagedPolicy{}, Wrap(OpGetPolicy, "get policy "+policyARN, err)
	}
	p := out.Policy
	if p == nil {
		return agent.ManagedPolicy{}, fmt.Errorf("get policy %s: the answer holds no policy", policyARN)
	}
	return agent.ManagedPolicy{
		Name: aws.ToString(p.PolicyName), ARN: aws.ToString(p.Arn), Path: aws.ToString(p.Path),
		DefaultVersion: aws.ToString(p.DefaultVersionId), AttachmentCount: int(aws.ToInt32(p.AttachmentCount)),
		Created: aws.ToTime(p.CreateDate), Updated: aws.ToTime(p.UpdateDate),
	}, nil
}

// ListPolicyVersions lists a managed policy's versions without their
// documents, newest first; more reports that the page bound stopped it.
func (c *IAM) ListPolicyVersions(ctx context.Context, policyARN string) (versions []investigation.PolicyVersion, more bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	pages := iam.NewListPolicyVersionsPaginator(c.client, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(policyARN)})
	for page := 0; pages.HasMorePages(); page++ {
		if page == c.opts.MaxPages {
			more = true
			break
		}
		out, err := pages.NextPage(ctx)
		if err != nil {
			return versions, false, Wrap(OpListPolicyVersions, "list versions of policy "+policyARN, err)
		}
		for _, v := range out.Versions {
			versions = append(versions, investigation.PolicyVersion{ID: aws.ToString(v.VersionId), Created: aws.ToTime(v.CreateDate), IsDefault: v.IsDefaultVersion})
		}
	}
	sort.SliceStable(versions, func(i, j int) bool { return versions[i].Created.After(versions[j].Created) })
	return versions, more, nil
}

// GetPolicyVersion reads one version of a managed policy with its document.
func (c *IAM) GetPolicyVersion(ctx context.Context, policyARN, versionID string) (investigation.PolicyVersion, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	out, err := c.client.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(policyARN), VersionId: aws.String(versionID)})
	if err != nil {
		return investigation.PolicyVersion{}, Wrap(OpGetPolicyVersion, fmt.Sprintf("get version %s of policy %s", versionID, policyARN), err)
	}
	v := out.PolicyVersion
	if v == nil {
		return investigation.PolicyVersion{}, fmt.Errorf("get version %s of policy %s: the answer holds no version", versionID, policyARN)
	}
	doc, err := decodePolicyDocument(aws.ToString(v.Document))
	if err != nil {
		return investigation.PolicyVersion{}, fmt.Errorf("get version %s of policy %s: %w", versionID, policyARN, err)
	}
	return investigation.PolicyVersion{ID: aws.ToString(v.VersionId), Created: aws.ToTime(v.CreateDate), IsDefault: v.IsDefaultVersion, Document: doc}, nil
}

// maxPolicyVersions is how many versions IAM keeps of a managed policy.
const maxPolicyVersions = 5

// PolicyVersions returns a managed policy's versions with their documents,
// newest first, at most MaxDocuments of them. A policy IAM does not know
// returns an error matching investigation.ErrUnknownResource.
func (c *IAM) PolicyVersions(ctx context.Context, policyARN string) ([]investigation.PolicyVersion, error) {
	versions, _, err := c.ListPolicyVersions(ctx, policyARN)
	if err != nil {
		return nil, err
	}
	// The documents are read at once, each at its version's index; the
	// error is the newest failing version's, as when read one by one. IAM
	// keeps at most five versions of a managed policy, so the whole history
	// is one round trip.
	versions = versions[:min(len(versions), c.opts.MaxDocuments)]
	errs := make([]error, len(versions))
	inParallel(len(versions), maxPolicyVersions, func(i int) {
		versions[i], errs[i] = c.GetPolicyVersion(ctx, policyARN, versions[i].ID)
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return versions, nil
}

// decodePolicyDocument undoes the RFC 3986 percent-encoding IAM applies to
// every policy document it returns. PathUnescape keeps a literal "+", which
// QueryUnescape would turn into a space.
func decodePolicyDocument(encoded string) (json.RawMessage, error) {
	doc, err := url.PathUnescape(encoded)
	if err != nil {
		return nil, fmt.Errorf("policy document is not percent-encoded: %w", err)
	}
	if !json.Valid([]byte(doc)) {
		return nil, fmt.Errorf("policy document is not JSON")
	}
	return json.RawMessage(doc), nil
}

var _ investigation.IAM = (*IAM)(nil)

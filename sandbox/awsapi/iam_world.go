package awsapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// IAM and AWS Config describe one account: every role topology.json records
// (as an AWS::IAM::Role item or as the target of a relationship) exists in
// IAM, with the id, trust policy and policies Config shows for it, even when
// iam.json does not list it. iam.json, written for the policy versions a
// revert needs, adds to what Config says and wins where both say something.

// iamRoleAge is how long before the scenario's now a role whose creation
// Config does not record was created: old enough that no change in the
// scenario's window is its creation.
const iamRoleAge = 400 * 24 * time.Hour

// iamRoleConfig is an AWS::IAM::Role configuration as Config records it.
type iamRoleConfig struct {
	RoleName                 string          `json:"roleName"`
	RoleID                   string          `json:"roleId"`
	ARN                      string          `json:"arn"`
	Path                     string          `json:"path"`
	CreateDate               *wireTime       `json:"createDate"`
	AssumeRolePolicyDocument json.RawMessage `json:"assumeRolePolicyDocument"`
	AttachedManagedPolicies  []struct {
		PolicyArn string `json:"policyArn"`
	} `json:"attachedManagedPolicies"`
	RolePolicyList []struct {
		PolicyName     string          `json:"policyName"`
		PolicyDocument json.RawMessage `json:"policyDocument"`
	} `json:"rolePolicyList"`
}

// iamUnrecordedInline stands for an inline policy whose name Config records
// but whose text the scenario does not: a policy that grants nothing.
var iamUnrecordedInline = json.RawMessage(`{"Version":"2012-10-17","Statement":[]}`)

// addTopologyRoles merges the roles of topology.json into s.roles.
func (s *iamService) addTopologyRoles(items []scenario.ConfigItem, now time.Time) error {
	for i := range items {
		it := &items[i]
		if it.Type == "AWS::IAM::Role" {
			if err := s.addConfigRole(it, now); err != nil {
				return fmt.Errorf("scenario topology.json: role %s: %w", it.ID, err)
			}
		}
	}
	// Roles only named by a relationship exist too, trusted by the service
	// of the resource that uses them.
	for i := range items {
		it := &items[i]
		for _, rel := range it.Relationships {
			if rel.Type != "AWS::IAM::Role" {
				continue
			}
			name := iamRoleName(orDefault(rel.ARN, rel.ID))
			if _, ok := s.role(name); ok || name == "" {
				continue
			}
			e := s.newRoleEntry(name, rel.ARN, now)
			e.trust = iamServiceTrust(it.Type)
			s.roles = append(s.roles, e)
		}
	}
	return nil
}

func (s *iamService) addConfigRole(it *scenario.ConfigItem, now time.Time) error {
	var c iamRoleConfig
	if err := decodeConfiguration(it, &c); err != nil {
		return err
	}
	name := orDefault(c.RoleName, iamRoleName(orDefault(it.ARN, it.ID)))
	e, ok := s.role(name)
	if !ok {
		s.roles = append(s.roles, s.newRoleEntry(name, orDefault(c.ARN, it.ARN), now))
		e = &s.roles[len(s.roles)-1]
	}
	// iam.json may name a role without its ARN; Config's then gives its path.
	if arn := orDefault(c.ARN, it.ARN); arn != "" && e.arn == "arn:aws:iam::"+s.account+":role/"+e.name {
		if path, _, ok := iamSplitARN(arn, "role"); ok {
			e.arn, e.path = arn, path
		}
	}
	e.id = orDefault(e.id, c.RoleID)
	if strings.HasPrefix(it.ID, "AROA") {
		e.id = orDefault(e.id, it.ID)
	}
	if c.CreateDate != nil {
		e.created = c.CreateDate.t
	}
	if len(e.trust) == 0 {
		trust, err := iamConfigDocument(c.AssumeRolePolicyDocument)
		if err != nil {
			return fmt.Errorf("assumeRolePolicyDocument: %w", err)
		}
		e.trust = trust
	}
	for _, p := range c.AttachedManagedPolicies {
		e.attached = appendMissing(e.attached, p.PolicyArn)
	}
	for _, rel := range it.Relationships {
		if rel.Type == "AWS::IAM::Policy" && strings.HasPrefix(rel.Name, "Is attached to") {
			e.attached = appendMissing(e.attached, orDefault(rel.ARN, rel.ID))
		}
	}
	for _, p := range c.RolePolicyList {
		if _, known := e.inline[p.PolicyName]; known || p.PolicyName == "" {
			continue
		}
		doc, err := iamConfigDocument(p.PolicyDocument)
		if err != nil {
			return fmt.Errorf("rolePolicyList %s: %w", p.PolicyName, err)
		}
		if doc == nil {
			doc = iamUnrecordedInline
		}
		if e.inline == nil {
			e.inline = map[string]json.RawMessage{}
		}
		e.inline[p.PolicyName] = doc
	}
	return nil
}

func (s *iamService) newRoleEntry(name, arn string, now time.Time) iamRoleEntry {
	if arn == "" {
		arn = "arn:aws:iam::" + s.account + ":role/" + name
	}
	path, _, ok := iamSplitARN(arn, "role")
	if !ok {
		path = "/"
	}
	return iamRoleEntry{name: name, arn: arn, path: path, created: now.Add(-iamRoleAge).Truncate(24 * time.Hour)}
}

// iamRoleName is the name in a role ARN, or the id itself when it is a name.
func iamRoleName(ref string) string {
	if _, name, ok := iamSplitARN(ref, "role"); ok {
		return name
	}
	if strings.HasPrefix(ref, "arn:") {
		return ""
	}
	return ref
}

// iamConfigDocument reads a policy document as Config records it: a JSON
// object, or its URL-encoded text as the API returns it.
func iamConfigDocument(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		if !json.Valid(raw) {
			return nil, fmt.Errorf("not JSON")
		}
		return raw, nil
	}
	decoded, err := url.QueryUnescape(text)
	if err != nil || !json.Valid([]byte(decoded)) {
		return nil, fmt.Errorf("%q is neither a URL-encoded nor a plain JSON document", text)
	}
	return json.RawMessage(decoded), nil
}

// iamServiceTrust is the trust policy of a role the resource type assumes.
func iamServiceTrust(resourceType string) json.RawMessage {
	principal := map[string]string{
		"AWS::Lambda::Function":              "lambda.amazonaws.com",
		"AWS::ECS::TaskDefinition":           "ecs-tasks.amazonaws.com",
		"AWS::ECS::Service":                  "ecs-tasks.amazonaws.com",
		"AWS::EC2::Instance":                 "ec2.amazonaws.com",
		"AWS::AutoScaling::AutoScalingGroup": "ec2.amazonaws.com",
		"AWS::StepFunctions::StateMachine":   "states.amazonaws.com",
		"AWS::ApiGateway::RestApi":           "apigateway.amazonaws.com",
		"AWS::Events::Rule":                  "events.amazonaws.com",
	}[resourceType]
	if principal == "" {
		return nil
	}
	return json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + principal + `"},"Action":"sts:AssumeRole"}]}`)
}

package agent

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// iamInput holds every member the IAM tools take; each tool's schema says
// which it requires.
type iamInput struct {
	RoleName   string `json:"role_name"`
	PolicyName string `json:"policy_name"`
	PolicyARN  string `json:"policy_arn"`
	VersionID  string `json:"version_id"`
}

func iamTool(fn func(ctx context.Context, iam IAMReader, in iamInput) (any, error)) func(Backends) handlerFunc {
	return func(b Backends) handlerFunc {
		if b.IAM == nil {
			return nil
		}
		return typed(func(ctx context.Context, _ *Registry, in iamInput) (any, error) {
			out, err := fn(ctx, b.IAM, in)
			if err != nil {
				return nil, err // a partial listing is not shown as if it were whole
			}
			return out, nil
		})
	}
}

// describeTool defines a direct describe: idsMember holds the resource (a
// string schema) or resources (an array schema); parentMember, when set,
// names the resource they live in, required when parentRequired.
func describeTool(name, action, description, idsMember string, ids *schema, parentMember string, parentRequired bool) definition {
	props := map[string]*schema{"region": regionInput(), idsMember: ids}
	required := []string{idsMember}
	if parentMember != "" {
		props[parentMember] = str("the "+strings.ReplaceAll(parentMember, "_", " ")+" (name or ARN)", 255).matching(nameOrARNPattern)
		if parentRequired {
			required = append(required, parentMember)
		}
	}
	return definition{
		name:        name,
		description: description,
		input:       object(required, props),
		actions:     []string{action},
		outputCap:   DefaultOutputCap,
		bind: func(b Backends) handlerFunc {
			if b.Inventory == nil {
				return nil
			}
			return func(ctx context.Context, r *Registry, raw json.RawMessage) (any, error) {
				var in struct {
					Region string `json:"region"`
				}
				members := map[string]json.RawMessage{}
				if err := errors.Join(json.Unmarshal(raw, &in), json.Unmarshal(raw, &members)); err != nil {
					return nil, &InputError{Path: "input", Problem: err.Error()}
				}
				call := DescribeCall{Action: action}
				var err error
				if call.Region, err = r.region(in.Region); err != nil {
					return nil, err
				}
				if ids.Type == "array" {
					err = json.Unmarshal(members[idsMember], &call.IDs)
				} else {
					call.IDs = make([]string, 1)
					err = json.Unmarshal(members[idsMember], &call.IDs[0])
				}
				if p, ok := members[parentMember]; ok && err == nil {
					err = json.Unmarshal(p, &call.Parent)
				}
				if err != nil {
					return nil, &InputError{Path: "input", Problem: err.Error()}
				}
				return b.Inventory.Describe(ctx, call)
			}
		},
	}
}

// eventView is a CloudTrail event as a tool shows it: what was done, by
// whom, to what, and the request parameters as recorded.
type eventView struct {
	ID                string                        `json:"event_id"`
	Name              string                        `json:"event_name"`
	Source            string                        `json:"event_source"`
	Time              time.Time                     `json:"event_time"`
	Region            string                        `json:"region,omitempty"`
	Actor             investigation.Actor           `json:"actor"`
	UserAgent         string                        `json:"user_agent,omitempty"`
	ErrorCode         string                        `json:"error_code,omitempty"`
	ErrorMessage      string                        `json:"error_message,omitempty"`
	Resources         []investigation.EventResource `json:"resources,omitempty"`
	RequestParameters json.RawMessage               `json:"request_parameters,omitempty"`
}

func viewEvent(e investigation.Event) eventView {
	v := eventView{ID: e.ID, Name: e.Name, Source: e.Source, Time: e.Time, Region: e.Region, Actor: e.Actor,
		UserAgent: e.UserAgent, ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorMsg, Resources: e.Resources}
	if len(e.RequestJSON) > 0 && json.Valid(e.RequestJSON) && string(e.RequestJSON) != "null" {
		v.RequestParameters = e.RequestJSON
	}
	return v
}

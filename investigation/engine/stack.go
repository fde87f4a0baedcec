package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// A change CloudFormation made belongs to a stack update: undoing it by hand
// leaves the stack drifted and the next update puts it back. The update that
// made it is the UpdateStack whose service role made the call, and what to
// go back to is the template of the update before it on the same stack.

// cfnService is who CloudFormation's calls are invoked by.
const cfnService = "cloudformation.amazonaws.com"

// stackUpdate is an UpdateStack call as the next step needs it.
type stackUpdate struct {
	at       time.Time
	stack    string
	template string // templateURL, or "" when the template was sent inline
	role     string
	id       string
}

// startStackTemplates starts finding, for each ranked candidate
// CloudFormation made, the stack update that made it and the template of
// the update before it: one EventName lookup of UpdateStack per triage,
// within the lookup budget. The returned finish keeps what it found.
func (t *triage) startStackTemplates(ctx context.Context) (finish func()) {
	i := slices.IndexFunc(t.ranked, func(g *group) bool { return cfnRole(g.rep.Event) != "" })
	if i < 0 {
		return func() {}
	}
	lookup := t.startExtraLookup(ctx, investigation.Lookup{Region: t.alarm.Region, Key: investigation.AttrEventName, Value: "UpdateStack",
		Start: t.ranked[i].rep.Time.Add(-priorLookback), End: t.symptom}, "stack updates", 0)
	return func() {
		updates := stackUpdates(lookup())
		for _, g := range t.ranked[i:] {
			role := cfnRole(g.rep.Event)
			if role == "" {
				continue
			}
			made, before := stackUpdatesAround(updates, role, g.rep.Time)
			if made == nil {
				continue
			}
			if t.stacks == nil {
				t.stacks = map[*group]string{}
			}
			t.stacks[g] = stackStep(made, before)
		}
	}
}

// cfnRole is the service role CloudFormation made a call with, or "" for a
// call CloudFormation did not make.
func cfnRole(e investigation.Event) string {
	var rec struct {
		InvokedBy string `json:"invokedBy"`
		UserAgent string `json:"userAgent"`
		Identity  struct {
			Session struct {
				Issuer struct {
					ARN string `json:"arn"`
				} `json:"sessionIssuer"`
			} `json:"sessionContext"`
		} `json:"userIdentity"`
	}
	if json.Unmarshal(e.Raw, &rec) != nil || (rec.InvokedBy != cfnService && rec.UserAgent != cfnService) {
		return ""
	}
	return rec.Identity.Session.Issuer.ARN
}

func stackUpdates(evs []investigation.Event) []stackUpdate {
	var out []stackUpdate
	for _, ev := range evs {
		if ev.Failed() {
			continue
		}
		var req struct {
			StackName   string `json:"stackName"`
			TemplateURL string `json:"templateURL"`
			RoleARN     string `json:"roleARN"`
		}
		if json.Unmarshal(ev.RequestJSON, &req) != nil || req.StackName == "" {
			continue
		}
		out = append(out, stackUpdate{at: ev.Time, stack: req.StackName, template: req.TemplateURL, role: req.RoleARN, id: ev.ID})
	}
	return out
}

// stackUpdatesAround returns the latest update before at run with role, and
// the update of the same stack before that one (nil when the trail has none).
func stackUpdatesAround(updates []stackUpdate, role string, at time.Time) (made, before *stackUpdate) {
	for i := range updates {
		u := &updates[i]
		if u.role == role && !u.at.After(at) && (made == nil || u.at.After(made.at)) {
			made = u
		}
	}
	if made == nil {
		return nil, nil
	}
	for i := range updates {
		u := &updates[i]
		if u.stack == made.stack && u.at.Before(made.at) && (before == nil || u.at.After(before.at)) {
			before = u
		}
	}
	return made, before
}

// stackStep says which update made the change and what to update the stack
// back to.
func stackStep(made, before *stackUpdate) string {
	s := fmt.Sprintf("CloudFormation made this change for the update of stack %s at %s (event %s); fix it through the stack, or the next update puts it back and the stack drifts meanwhile. ",
		made.stack, made.at.UTC().Format(time.RFC3339), made.id)
	switch {
	case before != nil && before.template != "":
		return s + fmt.Sprintf("The update before it, at %s, used template %s: update the stack with it again (aws cloudformation update-stack --stack-name %s --template-url %s --role-arn %s). ",
			before.at.UTC().Format(time.RFC3339), templateName(before.template), made.stack, before.template, made.role)
	case before != nil:
		return s + fmt.Sprintf("The update before it, at %s (event %s), sent its template inline: update the stack with that template again. ", before.at.UTC().Format(time.RFC3339), before.id)
	}
	return s + "The previous template is the one its last successful update used (the stack's events and the template bucket's versions hold it). "
}

// templateName is a template URL's file name, which is what people call it.
func templateName(url string) string {
	if i := strings.LastIndex(url, "/"); i >= 0 {
		return url[i+1:] + " (" + url + ")"
	}
	return url
}

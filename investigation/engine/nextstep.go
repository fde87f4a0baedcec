package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/catalogue"
)

// Reading the values a candidate's change replaced. It runs once the
// candidates are ranked (ranking itself does no I/O) and only for them, so
// its cost does not grow with the trail: at most one configuration item and
// one extra lookup per candidate.
const (
	// priorLookback is how far before a change the previous call of the same
	// API on the same resource is looked for: all of CloudTrail's event
	// history (90 days). Some settings change once a quarter; priorMaxEvents,
	// not the span, bounds the cost.
	priorLookback = 90 * 24 * time.Hour
	// priorMaxEvents bounds the events that lookup reads: a busy resource
	// has hundreds of calls in two weeks, and the previous one of the same
	// API is usually among the newest.
	priorMaxEvents = 200
)

// previousRead is what was read about one candidate's change: the values it
// replaced, the event whose request they are compared with, and the record
// that held them.
type previousRead struct {
	values []catalogue.PreviousValue
	event  *found
	source string
}

// previousFromConfig compares g's events with the configuration items
// recorded around the change, of its resource or, when that keeps no history,
// of the resource it belongs to (a rule's listener).
func (t *triage) previousFromConfig(ctx context.Context, fx *effects, g *group) (previousRead, bool) {
	hist, ok := t.engine.Topology.(investigation.ConfigHistory)
	if !ok {
		return previousRead{}, false
	}
	holders := t.historyHolders(g)
	reads := make([]func() configAround, len(holders))
	for i, r := range holders {
		for j := i; j < min(i+holdersAhead, len(holders)); j++ {
			if reads[j] == nil {
				// Around the call itself, not when a latent change took
				// effect: by the trigger, Config has long recorded the
				// state the call left.
				reads[j] = t.around(ctx, hist, holders[j], g.first())
			}
		}
		read := reads[i]()
		c, err := read.change, read.err
		if err != nil {
			if !errors.Is(err, investigation.ErrUnknownResource) {
				fx.note("configuration history of %s %s not read: %v", r.Type, r.ID, err)
			}
			continue
		}
		ids := identityValues(g.rep.RequestJSON, []string{g.rep.Target.ID, g.rep.Target.ARN})
		if len(ids) > 0 && !mentionsAny(c.Before, ids) && !mentionsAny(c.After, ids) {
			// A record that mentions what the request names neither before
			// nor after the change (the rule of a target the trail files the
			// call under) is of something else.
			continue
		}
		for _, ev := range eventsNewestFirst(g) {
			if v := configDifference(ev, c); len(v) > 0 {
				return previousRead{values: v, event: ev,
					source: "AWS Config's configuration item of " + c.BeforeAt.UTC().Format(time.RFC3339)}, true
			}
		}
	}
	return previousRead{}, false
}

// holdersAhead is how many holders' histories are read at once: the
// change's own resource and the one it depends from answer most of the
// time, and reading the second beside the first saves a round trip when
// the first records nothing of the change, for one request when it does.
const holdersAhead = 2

// configAround is one holder's configuration history around a change.
type configAround struct {
	change investigation.ConfigChange
	err    error
}

// maxHistoryReads bounds the configuration histories read per candidate: its
// resource, the one it depends from, and a few resources of the same service
// in scope that may hold it as an element (a listener holds its rules).
const maxHistoryReads = 6

// historyHolders lists the resources whose configuration history may record
// what g's change replaced: its own resource, its parent, then the other
// scoped resources of the same service, within maxHistoryReads. A holder
// that does not record the element the request names is skipped by
// configDifference's narrowing returning no difference.
func (t *triage) historyHolders(g *group) []investigation.Resource {
	own := g.rep.Target
	out := []investigation.Resource{own.Resource}
	if own.Parent.ID != "" {
		out = append(out, own.Parent)
	}
	if len(identityValues(g.rep.RequestJSON, []string{own.ID, own.ARN})) == 0 {
		return out
	}
	service := g.rep.Service()
	for _, s := range t.targets {
		if len(out) >= maxHistoryReads {
			break
		}
		if s != own && s.ID != own.Parent.ID && sameService(s.Type, service) {
			out = append(out, s.Resource)
		}
	}
	return out
}

// configDifference is what ev replaced according to the items around it:
// the removed element for a removal; else what differs between the items
// before and after; else the fields its request set, read in the item
// before; else the element the request addresses, as it was.
// A request naming an element of the resource (a rule by ARN) narrows the
// comparison to that element.
func configDifference(ev *found, c investigation.ConfigChange) []catalogue.PreviousValue {
	ignore := []string{ev.Target.ID, ev.Target.ARN}
	if isRemoval(ev.Name, ev.RequestJSON) {
		return removedElement(ev.RequestJSON, c.Before, ignore...)
	}
	ids := identityValues(ev.RequestJSON, ignore)
	if !holdsAny(c.Before, ids) {
		ids = nil // a new identifier the change set (a route's new gateway) narrows nothing
	}
	before := narrowTo(c.Before, ids)
	if c.After != nil {
		if v := changedFields(before, narrowTo(c.After, ids), ev.RequestJSON); len(v) > 0 {
			return v
		}
	}
	if v := replacedValues(ev.RequestJSON, before, ignore...); len(v) > 0 {
		return v
	}
	return addressedElement(ev.RequestJSON, before, ignore...)
}

// previousFromCalls compares each event of g with the newest earlier call of
// the same API on the same resource among events, whose request and response
// tell the state that call left.
func (t *triage) previousFromCalls(g *group, events []*found) (previousRead, bool) {
	for _, ev := range eventsNewestFirst(g) {
		if isRemoval(ev.Name, ev.RequestJSON) {
			continue // the previous removal of something else tells nothing of this one
		}
		var prior *found
		for _, o := range events {
			if o.Name == ev.Name && o.Target.ID == ev.Target.ID && o.Time.Before(ev.Time) && !o.Failed() &&
				sameResourceCall(ev.RequestJSON, o.RequestJSON) && (prior == nil || o.Time.After(prior.Time)) {
				prior = o
			}
		}
		if prior == nil {
			continue
		}
		if v := replacedValues(ev.RequestJSON, stateAfter(prior.Event), ev.Target.ID, ev.Target.ARN); len(v) > 0 {
			return previousRead{values: v, event: ev,
				source: fmt.Sprintf("the previous %s at %s (event %s)", prior.Name, prior.Time.UTC().Format(time.RFC3339), prior.ID)}, true
		}
	}
	return previousRead{}, false
}

// identityKeySuffixes end the names of request fields that say which
// resource a call acts on ("roleName", "dBInstanceIdentifier", "ruleArn",
// "cluster", "queueUrl"): two calls of one API that disagree on one of them act
// on different resources, even when the trail's resource name is the same
// (a service of one name in two clusters, two inline policies of one role).
var identityKeySuffixes = []string{"name", "identifier", "id", "arn", "cluster", "url"}

// sameResourceCall reports whether two requests of one API name the same
// resource: every top-level identifying field both carry has one value.
func sameResourceCall(a, b json.RawMessage) bool {
	var ma, mb map[string]any
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil {
		return true
	}
	for k, va := range ma {
		sa, ok := va.(string)
		if !ok || !hasIdentitySuffix(k) {
			continue
		}
		if sb, ok := mb[k].(string); ok && sb != sa {
			return false
		}
	}
	return true
}

func hasIdentitySuffix(key string) bool {
	n := normKey(key)
	for _, s := range identityKeySuffixes {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

// previousFromRequest reads what a change's own record tells of what came
// before, when no earlier record of the resource was readable: what a
// removal took away, or the version before the one a write created.
func previousFromRequest(g *group) (previousRead, bool) {
	for _, ev := range eventsNewestFirst(g) {
		if isRemoval(ev.Name, ev.RequestJSON) {
			if v := removedByRequest(ev.RequestJSON, ev.Target.ID, ev.Target.ARN); len(v) > 0 {
				return previousRead{values: v, event: ev, source: "its own request (event " + ev.ID + ")"}, true
			}
			continue
		}
		if v := pendingPrevious(responseOf(ev.Event)); len(v) > 0 {
			return previousRead{values: v, event: ev, source: "its own response, which still shows the values its pending modifications replace (event " + ev.ID + ")"}, true
		}
		if v := previousVersion(ev.RequestJSON, responseOf(ev.Event)); len(v) > 0 {
			return previousRead{values: v, event: ev, source: "its response, one version back (event " + ev.ID + ")"}, true
		}
	}
	return previousRead{}, false
}

// stateAfter is what a call left: its response, which describes the resource
// as the call made it, and its request, which names what it set.
func stateAfter(e investigation.Event) []byte {
	doc, err := json.Marshal(map[string]json.RawMessage{"response": orNull(responseOf(e)), "request": orNull(e.RequestJSON)})
	if err != nil {
		return nil
	}
	return doc
}

// responseOf is a call's responseElements, from the record as delivered.
func responseOf(e investigation.Event) json.RawMessage {
	var rec struct {
		ResponseElements json.RawMessage `json:"responseElements"`
	}
	if len(e.Raw) == 0 || json.Unmarshal(e.Raw, &rec) != nil {
		return nil
	}
	return rec.ResponseElements
}

func orNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || !json.Valid(raw) {
		return json.RawMessage("null")
	}
	return raw
}

// eventsNewestFirst lists g's events, its representative first: that is the
// call the candidate is named after.
func eventsNewestFirst(g *group) []*found {
	out := []*found{g.rep}
	for i := len(g.events) - 1; i >= 0; i-- {
		if g.events[i] != g.rep {
			out = append(out, g.events[i])
		}
	}
	return out
}

// refreshNextSteps writes the next steps again once the previous values are read.
func (t *triage) refreshNextSteps() {
	for i, g := range t.ranked {
		t.cands[i].NextStep = t.nextStep(g)
	}
}

// nextStep is the concrete action to undo the candidate: the previous policy
// version when IAM told it, else the change kind's revert with the values it
// replaced, else with where those values are recorded.
func (t *triage) nextStep(g *group) string {
	if l := g.exposes; l != nil && l != g {
		// Undoing the trigger alone would fail the same way: what to undo
		// is the earlier change it set off, then the trigger again.
		return t.nextStep(l) + fmt.Sprintf(" Then repeat what set it off (%s on %s) so that the workload picks the restored value up.",
			g.rep.Name, g.rep.Target.ID)
	}
	f := g.rep
	step := t.previousPolicyVersion(g)
	if step == "" {
		p, ok := t.previous[g]
		if ok {
			f = p.event
		}
		step = f.Kind.RevertToPrevious(f.RequestJSON, p.values, p.source, whereRecorded(f))
		if len(p.values) == 0 {
			step = deniedAccess(g) + step
		}
	}
	step = t.stacks[g] + step
	if g.confidence == investigation.ConfidenceLow {
		step = "Confirm it first; if it is the cause: " + lowerFirst(step)
	}
	return step
}

// whereRecorded says where the value a change replaced can be read when the
// triage could not read it: AWS Config's history of the resource and the
// trail's earlier calls of the same API.
func whereRecorded(f *found) string {
	return fmt.Sprintf("AWS Config's history of %s %s before %s (aws configservice get-resource-config-history --resource-type %s --resource-id %s --later-time %s) and in the trail's earlier %s calls on it",
		shortType(f.Target.Type), f.Target.ID, clock(f.Time), f.Target.Type, f.Target.ID, f.Time.UTC().Format(time.RFC3339), f.Name)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// previousPolicyVersion names the version to restore when the change made a
// new default version of a managed policy, from the versions read before
// ranking.
func (t *triage) previousPolicyVersion(g *group) string {
	var policyARN string
	for _, f := range g.events {
		if arn := policyVersionARN(f.Event); arn != "" {
			policyARN = arn
		}
	}
	if policyARN == "" || t.policies.errs[policyARN] != nil {
		return ""
	}
	versions, read := t.policies.versions[policyARN]
	if !read {
		return ""
	}
	prev := investigation.PreviousPolicyVersion(versions, g.first())
	if prev == nil {
		return ""
	}
	return fmt.Sprintf("Set the default version of %s back to %s (created %s): aws iam set-default-policy-version --policy-arn %s --version-id %s",
		policyARN, prev.ID, prev.Created.UTC().Format(time.RFC3339), policyARN, prev.ID)
}

// sameService reports whether a resource type ("AWS::ElasticLoadBalancingV2::Listener")
// belongs to the service that recorded an event ("elasticloadbalancing").
func sameService(typ, service string) bool {
	parts := strings.Split(typ, "::")
	return len(parts) == 3 && service != "" && strings.HasPrefix(strings.ToLower(parts[1]), strings.ToLower(service))
}

// mentionsAny reports whether a document holds one of values within one of
// its scalars (a cluster's name inside its ARN).
func mentionsAny(doc []byte, values []string) bool {
	for _, l := range flatten(doc) {
		for _, v := range values {
			if strings.Contains(l.value, v) {
				return true
			}
		}
	}
	return false
}

// holdsAny reports whether a document holds one of values as a scalar.
func holdsAny(doc []byte, values []string) bool {
	for _, l := range flatten(doc) {
		if slices.Contains(values, l.value) {
			return true
		}
	}
	return false
}

// deniedPattern reads what an AccessDenied message refused: "is not
// authorized to perform: s3:PutObject on resource: "arn:aws:s3:::bucket/key"".
var deniedPattern = regexp.MustCompile(`not authorized to perform:? ([a-zA-Z0-9-]+:[A-Za-z0-9*]+) on resource:? "?([^\s"]+?)"?(?:\s|$|,)`)

// deniedAccess names, for a policy change the AccessDenied errors
// corroborate and whose previous document was not readable, what the errors
// were refused: that is what the previous document allowed and the new one
// does not. An S3 object stands for its bucket's objects.
func deniedAccess(g *group) string {
	if g.corrob == nil || g.corrob.Kind != investigation.ErrAccessDenied || policyTypeOf(g.rep.Event) == "" {
		return ""
	}
	for _, l := range g.corrob.Sample {
		m := deniedPattern.FindStringSubmatch(l.Message)
		if m == nil {
			continue
		}
		resource := m[2]
		if bucket, key, ok := strings.Cut(strings.TrimPrefix(resource, "arn:aws:s3:::"), "/"); ok && key != "" && strings.HasPrefix(resource, "arn:aws:s3:::") {
			resource = "arn:aws:s3:::" + bucket + "/*"
		}
		return fmt.Sprintf("Allow %s on %s again: the AccessDenied errors since %s refuse exactly that, which the workload did before this change. ",
			m[1], resource, clock(g.corrob.First.Time))
	}
	return ""
}

package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// corroborate credits each error episode in the logs to one change before
// it whose kind produces such errors: within CorroborationMaxLag of the
// errors, or within the whole window when the error lines name what it
// changed (its resource, or a value it set: a port, a host, a bucket), since
// a permission or a rule can go unused for a while. A change whose kind of
// policy the AccessDenied messages rule out is contradicted instead.
func (t *triage) corroborate(groups []*group, onset time.Time) {
	if t.logs == nil {
		return
	}
	onsets := t.logs.sortedKinds()
	var buf []string
	for _, o := range onsets {
		if o.Kind == investigation.ErrApplication && len(onsets) > 1 {
			// Generic exceptions next to a specific error are mostly its
			// traceback: only the specific kind says what broke.
			continue
		}
		var best *group
		var bestB investigation.ScoreBreakdown
		var bestNamed bool
		said := &namedIn{o: o}
		bit, exact := t.kindBit(o.Kind)
		for _, g := range groups {
			if !g.produces(o.Kind, bit, exact) {
				continue
			}
			at := g.start()
			if at.After(o.First.Time) {
				continue
			}
			if o.Kind == investigation.ErrAccessDenied && ruledOut(g.rep, o) {
				g.contradicted = o
				continue
			}
			lag := o.First.Time.Sub(at)
			if best != nil && t.breakdown(g.rep, onset, corroboratedByName).Total() < bestB.Total() {
				continue // cannot win even if the errors named it
			}
			named := false
			if lag <= t.namedLag(g) {
				buf, named = mentions(said, g, buf)
			}
			factor := corroboratedByKind
			switch {
			case named:
				factor = corroboratedByName
			case lag > CorroborationMaxLag && !snapshot(o):
				continue
			}
			// Of the changes that could explain these errors, credit the one
			// that would rank highest with them: the kind of change, its
			// closeness and whether the errors name it all count.
			b := t.breakdown(g.rep, onset, factor)
			if best == nil || b.Total() > bestB.Total() || b.Total() == bestB.Total() && closer(g, best) {
				best, bestB, bestNamed = g, b, named
			}
		}
		if best == nil || best.corrob != nil {
			continue
		}
		best.corrob, best.corrobName = o, bestNamed
		best.breakdown, best.score = bestB, bestB.Total()
	}
}

// closer reports whether g took effect after o, or at the same moment but
// comes before it: between equally good explanations, the closer one.
func closer(g, o *group) bool {
	if a, b := g.start(), o.start(); !a.Equal(b) {
		return a.After(b)
	}
	return g.before(o)
}

// snapshot reports whether an episode comes from a status read that tells
// the state when it was read, not since when (target health): its lines carry
// the read's time, so how long after a change they came says nothing.
func snapshot(o *KindOnset) bool {
	return strings.HasPrefix(o.First.Group, investigation.FeedTargetHealth+":")
}

// namedLag is how long before errors that name a change it may have taken
// effect: the dependency window, or a latent change's own look-back, since
// what it broke can go unused until the workload next reaches for it.
func (t *triage) namedLag(g *group) time.Duration {
	if t.more != nil {
		if l := t.more.latent[g.rep]; l != nil && l.delay.LookBack > Layer2Window {
			return l.delay.LookBack
		}
	}
	return Layer2Window
}

// genericKinds say something failed, not what: they point at no kind of change.
var genericKinds = map[investigation.ErrorKind]bool{investigation.ErrApplication: true, investigation.ErrUnavailable: true}

// discountUnexplained lowers the changes that cannot have produced the
// workload's errors once another change explains them: the logs then speak
// against them. Generic errors (exceptions, 5xx) speak against nothing.
func (t *triage) discountUnexplained(groups []*group) {
	for _, g := range groups {
		if g.quiet && g.corrob == nil {
			// It only widened access or raised its limits: whatever the
			// symptom is, this change cannot have produced it.
			t.disown(g)
		}
	}
	if t.logs == nil {
		return
	}
	var specific []investigation.ErrorKind
	var specificBits uint64
	exact := true // every specific kind has its bit
	for k := range t.logs.Kinds {
		if !genericKinds[k] {
			specific = append(specific, k)
			bit, ok := t.kindBit(k)
			specificBits |= bit
			exact = exact && ok
		}
	}
	explained := false
	for _, g := range groups {
		if g.corrob != nil && !genericKinds[g.corrob.Kind] {
			explained = true
			break
		}
	}
	if len(specific) == 0 {
		return
	}
	for _, g := range groups {
		if g.corrob != nil {
			continue
		}
		if g.produced&specificBits != 0 || !exact && slices.ContainsFunc(specific, g.rep.Kind.Produces) {
			continue
		}
		// It cannot have produced these errors: never above low. It weighs
		// down only once another change explains them.
		g.unexplained = true
		if explained {
			t.disown(g)
		}
	}
}

// disown marks a change the evidence speaks against: never above low, and
// weighed down as much as errors naming it would weigh for it.
func (t *triage) disown(g *group) {
	if g.breakdown.Corroboration < 0 {
		return
	}
	g.unexplained = true
	g.breakdown.Corroboration = -g.rep.Kind.Weight * WeightCorroboration * contradictedByLogs
	g.score = g.breakdown.Total()
}

// ruledOut reports whether the AccessDenied lines blame only kinds of policy
// the change does not touch.
func ruledOut(f *found, o *KindOnset) bool {
	mine := policyTypeOf(f.Event)
	if mine == "" || len(o.PolicyTypes) == 0 {
		return false
	}
	return o.PolicyTypes[mine] == 0
}

// policyTypeOf says which kind of policy a change edits, when it edits one.
func policyTypeOf(e investigation.Event) PolicyType {
	name := e.Name
	switch e.Service() {
	case "iam":
		switch {
		case strings.Contains(name, "PermissionsBoundary"):
			return PolicyBoundary
		case name == "UpdateAssumeRolePolicy":
			return PolicyResource // a role's trust policy is a resource policy on the role
		case strings.Contains(name, "Policy"):
			return PolicyIdentity
		}
	case "organizations":
		if strings.Contains(name, "Policy") {
			return PolicySCP
		}
	case "ec2":
		if name == "ModifyVpcEndpoint" || name == "CreateVpcEndpoint" {
			return PolicyEndpoint
		}
	case "kms", "s3", "sqs", "sns", "lambda", "secretsmanager", "ecr", "dynamodb", "es", "glacier", "events", "logs":
		if strings.Contains(name, "Policy") || strings.Contains(name, "Permission") || name == "SetQueueAttributes" || name == "SetTopicAttributes" {
			return PolicyResource
		}
	}
	return ""
}

// mentions reports whether the error lines name what the change touched: its
// resources, or a value it set (a port, a host, a bucket, a policy). Many
// changes touch the same few things, so each episode remembers what its lines
// name; buf is scratch space reused between calls.
func mentions(said *namedIn, g *group, buf []string) ([]string, bool) {
	buf = mentionable(g, buf[:0])
	for _, n := range buf {
		if said.names(n) {
			return buf, true
		}
	}
	return buf, false
}

// mentionable appends what a change touched that its errors may name.
func mentionable(g *group, names []string) []string {
	rep := g.rep
	add := func(n string) {
		// The region and account appear in every ARN; the workload names
		// itself in its own logs all the time.
		if len(n) < minMentionLen || n == rep.Region || n == rep.Account ||
			(rep.Target.Layer == 1 && (n == rep.Target.ID || n == rep.Target.ARN)) {
			return
		}
		names = append(names, n)
	}
	if rep.Target.Layer > 1 {
		// Only what the workload depends on is news in its logs.
		add(rep.Target.ID)
	}
	if rep.Target.Depth >= 2 && rep.Target.Parent.ID != "" {
		// What it hangs from is itself a dependency: errors naming it (a
		// role named in an AccessDenied line) name what this change is
		// part of (a policy attached to that role).
		add(rep.Target.Parent.ID)
	}
	for _, f := range g.events {
		for _, r := range f.Resources {
			add(r.Name)
		}
		if len(f.RequestJSON) > 0 {
			values := map[string]bool{}
			requestValues(f.RequestJSON, values)
			for n := range values {
				add(n)
			}
		}
	}
	return names
}

// namedIn remembers which values an episode's lines name.
type namedIn struct {
	o    *KindOnset
	seen map[string]bool
}

func (s *namedIn) names(n string) bool {
	named, ok := s.seen[n]
	if !ok {
		for _, l := range s.o.Sample {
			if strings.Contains(l.Message, n) {
				named = true
				break
			}
		}
		if s.seen == nil {
			s.seen = map[string]bool{}
		}
		s.seen[n] = named
	}
	return named
}

// minMentionLen keeps short values (protocols, flags) from matching by chance.
const minMentionLen = 3

// requestValues collects the scalar values of a request: strings that look
// like names and numbers that look like ports or sizes.
func requestValues(raw json.RawMessage, into map[string]bool) {
	if len(raw) == 0 {
		return
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return
	}
	var walk func(any, int)
	walk = func(v any, depth int) {
		if depth > maxRequestDepth {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if strings.Contains(strings.ToLower(k), "document") {
					continue // policy documents name many things; a mention there proves little
				}
				walk(e, depth+1)
			}
		case []any:
			for _, e := range x {
				walk(e, depth+1)
			}
		case string:
			if len(x) >= minMentionLen && !commonValues[strings.ToLower(x)] {
				into[x] = true
			}
		case float64:
			if x >= 10 && x == float64(int64(x)) {
				into[fmt.Sprint(int64(x))] = true
			}
		}
	}
	walk(v, 0)
}

const maxRequestDepth = 8

// commonValues appear in requests and log lines alike without naming anything.
var commonValues = map[string]bool{
	"true": true, "false": true, "tcp": true, "udp": true, "icmp": true, "all": true,
	"allow": true, "deny": true, "enabled": true, "disabled": true, "none": true, "null": true,
	"0.0.0.0/0": true, "::/0": true, "default": true, "latest": true,
}

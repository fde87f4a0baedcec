package engine

// Which log groups a triage reads: the ones the topology names, a
// function's own, or the console's default for the workload's kind.

import (
	"sort"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// logGroup is a log group and the account that holds it.
type logGroup struct{ name, account string }

// logGroups lists the log groups of the scoped workloads, each in its
// workload's account: any group the topology names, a function's own group
// (Lambda always writes there), and, when the topology names none, the group
// the console creates by default for the workload's kind. A group that does
// not exist is skipped when read.
func (t *triage) logGroups() []logGroup {
	var groups, defaults []logGroup
	for _, s := range t.targets {
		g := logGroup{account: t.accountOf(s.Resource)}
		switch {
		case s.Type == investigation.TypeLogGroup:
			g.name = s.ID
			groups = append(groups, g)
		case s.Type == investigation.TypeLambdaFunction && s.Layer == 1:
			g.name = "/aws/lambda/" + functionName(s.ID)
			groups = append(groups, g)
		default:
			if g.name = defaultLogGroup(s); g.name != "" {
				defaults = append(defaults, g)
			}
		}
	}
	if len(groups) == 0 {
		groups = defaults
	}
	return dedupeLogGroups(groups)
}

// defaultLogGroup is the log group the console names for a workload when its
// owner does not choose one: ECS's task definition wizard sends the awslogs
// driver to /ecs/<family>, and Step Functions' logging setup writes to
// /aws/vendedlogs/states/<name>-Logs. Only the alarm's own state machine and
// the task definition of its service are guessed.
func defaultLogGroup(s *scoped) string {
	switch {
	case s.Type == investigation.TypeStateMachine && s.Layer == 1:
		return "/aws/vendedlogs/states/" + lastSegment(s.ID) + "-Logs"
	case s.Type == typeTaskDefinition && s.Depth == 1 && s.Parent.Type == investigation.TypeECSService:
		id := s.ID
		if i := strings.LastIndex(id, "/"); i >= 0 {
			id = id[i+1:]
		}
		family, _, _ := strings.Cut(id, ":")
		return "/ecs/" + family
	}
	return ""
}

const typeTaskDefinition = "AWS::ECS::TaskDefinition"

// functionName returns a Lambda function's name from a name or an ARN.
func functionName(id string) string {
	_, rest, ok := strings.Cut(id, ":function:")
	if !ok {
		return id
	}
	name, _, _ := strings.Cut(rest, ":")
	return name
}

func dedupeLogGroups(in []logGroup) []logGroup {
	seen := map[logGroup]bool{}
	var out []logGroup
	for _, g := range in {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].name != out[j].name {
			return out[i].name < out[j].name
		}
		return out[i].account < out[j].account
	})
	return out
}

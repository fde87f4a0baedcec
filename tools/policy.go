package tools

import (
	"slices"

	"github.com/trailhound/trailhound/investigation/agent"
)

// EngineActions are the AWS actions the product calls outside the registry:
// the deterministic engine's adapters, the alarm queue poller and the model.
// Extend it when an adapter starts calling a new operation; the policy test
// then asks for deploy/iam-policy.json to grant it. Actions that are not
// reads must be granted on named resources only, never on "*".
var EngineActions = []string{
	OpLookupEvents,
	OpFilterLogEvents, OpStartQuery, OpGetQueryResults, OpStopQuery, OpDescribeLogGroups,
	OpDescribeAlarms, OpDescribeAlarmHistory,
	OpGetRole, OpListAttachedRolePolicies, OpListRolePolicies, OpGetRolePolicy,
	OpGetPolicy, OpListPolicyVersions, OpGetPolicyVersion,
	OpGetResourceConfigHistory, OpListDiscoveredResources,
	"lambda:GetFunctionConfiguration",
	"ec2:DescribeInstances", "ec2:DescribeSecurityGroups",
	"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeLoadBalancers",
	"rds:DescribeDBInstances",
	"ecs:DescribeServices", "ecs:DescribeTaskDefinition",
	OpListTasks, OpDescribeTasks, OpDescribeEvents, OpDescribeScalingActivities, // status feeds
	OpGetQueueURL, OpReceiveMessage, OpDeleteMessage, OpChangeMessageVisibility,
	PermissionFor("bedrock:Converse"),
}

// PolicyActions is what deploy/iam-policy.json must grant: the registry's
// actions and EngineActions, sorted.
func PolicyActions() []string {
	out := append(agent.RegistryActions(), EngineActions...)
	slices.Sort(out)
	return slices.Compact(out)
}

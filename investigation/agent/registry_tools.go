package agent

import (
	"context"
	"encoding/json"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// Patterns of the identifiers tools accept: what AWS accepts, so a malformed
// id is refused before any call.
const (
	regionPattern     = `^[a-z]{2}(-[a-z]+)+-[0-9]+$`
	accountPattern    = `^[0-9]{12}$`
	roleNamePattern   = `^(arn:aws[a-z-]*:iam::[0-9]{12}:role/([\w+=,.@-]+/)*)?[\w+=,.@-]{1,64}$`
	policyNamePattern = `^[\w+=,.@-]{1,128}$`
	policyARNPattern  = `^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/([\w+=,.@-]+/)*[\w+=,.@-]{1,128}$`
	versionIDPattern  = `^v[1-9][0-9]*$`
	logGroupPattern   = `^(arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:)?[.\-_/#A-Za-z0-9]{1,512}(:\*)?$`
	resourceTypeRE    = `^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$`
	functionPattern   = `^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:)?[a-zA-Z0-9_-]{1,64}(:[a-zA-Z0-9$_-]{1,128})?$`
	instanceIDPattern = `^i-[0-9a-f]{8,17}$`
	groupIDPattern    = `^sg-[0-9a-f]{8,17}$`
	dbIDPattern       = `^(arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:db:)?[a-zA-Z][a-zA-Z0-9-]{0,62}$`
	nameOrARNPattern  = `^[A-Za-z0-9:/_.-]{1,255}$`
)

// withAccountInput is s with the optional account input every tool takes
// when the registry reads more than one account.
func withAccountInput(s *schema) *schema {
	out := *s
	out.Properties = make(map[string]*schema, len(s.Properties)+1)
	for k, v := range s.Properties {
		out.Properties[k] = v
	}
	out.Properties["account"] = str("AWS account id (12 digits) to read; defaults to the alarm's workload account. "+
		"Only the accounts Trailhound is allowed to read are accepted", 12).matching(accountPattern)
	return &out
}

func regionInput() *schema {
	return str("AWS region to read, e.g. us-east-1; defaults to the alarm's region", 32).matching(regionPattern)
}

func roleInput() *schema {
	return str("IAM role name or ARN", 512).matching(roleNamePattern)
}

func policyARNInput() *schema {
	return str("managed policy ARN, e.g. arn:aws:iam::123456789012:policy/name", 2048).matching(policyARNPattern)
}

func logGroupInput() *schema {
	return str("log group name (e.g. /aws/lambda/checkout) or ARN", 600).matching(logGroupPattern)
}

// definitions is the registry: every tool the model may call. Keep it
// read-only; TestRegistryIsReadOnly enforces it.
var definitions = []definition{
	{
		name: "lookup_events",
		description: "Look up CloudTrail management events that changed something, newest first, matching one attribute " +
			"(CloudTrail takes one per call) in a time window. Read-only calls are left out; failed calls are kept with their error code. " +
			"IAM, STS and Route 53 events are recorded in us-east-1.",
		input: object([]string{"attribute_key", "attribute_value", "start_time", "end_time"}, map[string]*schema{
			"region": regionInput(),
			"attribute_key": enum("the lookup attribute", investigation.AttrResourceName, investigation.AttrResourceType, investigation.AttrEventName,
				investigation.AttrEventSource, investigation.AttrEventID, investigation.AttrUsername, investigation.AttrAccessKeyID),
			"attribute_value": str("the value the attribute must equal, e.g. a resource name or an event name", 2000),
			"start_time":      dateTime("start of the window"),
			"end_time":        dateTime("end of the window"),
			"max_events":      integer("events to read at most (default 50)", 1, 200),
		}),
		actions:   []string{"cloudtrail:LookupEvents"},
		outputCap: eventsOutputCap,
		bind: func(b Backends) handlerFunc {
			if b.Trail == nil {
				return nil
			}
			return typed(func(ctx context.Context, r *Registry, in struct {
				Region         string    `json:"region"`
				AttributeKey   string    `json:"attribute_key"`
				AttributeValue string    `json:"attribute_value"`
				StartTime      time.Time `json:"start_time"`
				EndTime        time.Time `json:"end_time"`
				MaxEvents      int       `json:"max_events"`
			}) (any, error) {
				region, err := r.region(in.Region)
				if err != nil {
					return nil, err
				}
				if err := window(in.StartTime, in.EndTime); err != nil {
					return nil, err
				}
				if in.MaxEvents == 0 {
					in.MaxEvents = 50
				}
				res, err := b.Trail.Lookup(ctx, investigation.Lookup{Region: region, Key: in.AttributeKey, Value: in.AttributeValue,
					Start: in.StartTime, End: in.EndTime, MaxEvents: in.MaxEvents})
				if err != nil {
					return nil, err
				}
				events := make([]eventView, 0, len(res.Events))
				for _, e := range res.Events {
					events = append(events, viewEvent(e))
				}
				return struct {
					Events []eventView `json:"events"`
					More   bool        `json:"more,omitempty"`
				}{events, res.More}, nil
			})
		},
	},
	{
		name: "filter_log_events",
		description: "Read the error-looking lines (errors, exceptions, denials, timeouts, throttling, deploy markers) of a CloudWatch Logs " +
			"group in a time window, oldest first.",
		input: object([]string{"log_group", "start_time", "end_time"}, map[string]*schema{
			"log_group":  logGroupInput(),
			"start_time": dateTime("start of the window"),
			"end_time":   dateTime("end of the window"),
			"limit":      integer("lines to return at most (default 50)", 1, 100),
		}),
		actions:   []string{"logs:FilterLogEvents"},
		outputCap: DefaultOutputCap,
		bind: func(b Backends) handlerFunc {
			if b.Logs == nil {
				return nil
			}
			return typed(func(ctx context.Context, _ *Registry, in struct {
				LogGroup  string    `json:"log_group"`
				StartTime time.Time `json:"start_time"`
				EndTime   time.Time `json:"end_time"`
				Limit     int       `json:"limit"`
			}) (any, error) {
				if err := window(in.StartTime, in.EndTime); err != nil {
					return nil, err
				}
				if in.Limit == 0 {
					in.Limit = 50
				}
				lines, err := b.Logs.Errors(ctx, in.LogGroup, in.StartTime, in.EndTime, in.Limit)
				if err != nil {
					return nil, err
				}
				type line struct {
					Time    time.Time `json:"time"`
					Message string    `json:"message"`
				}
				out := make([]line, 0, len(lines))
				for _, l := range lines {
					out = append(out, line{l.Time, l.Message})
				}
				return struct {
					Lines []line `json:"lines"`
				}{out}, nil
			})
		},
	},
	{
		name: "logs_insights_error_counts",
		description: "Count error signatures (exception names, AWS error codes, timeouts, refused connections…) per minute in a " +
			"CloudWatch Logs group over a time window, with a Logs Insights query. Shows when each kind of error started.",
		input: object([]string{"log_group", "start_time", "end_time"}, map[string]*schema{
			"log_group":  logGroupInput(),
			"start_time": dateTime("start of the window"),
			"end_time":   dateTime("end of the window"),
		}),
		actions:   []string{"logs:StartQuery", "logs:GetQueryResults", "logs:StopQuery"},
		outputCap: DefaultOutputCap,
		bind: func(b Backends) handlerFunc {
			if b.LogInsights == nil {
				return nil
			}
			return typed(func(ctx context.Context, _ *Registry, in struct {
				LogGroup  string    `json:"log_group"`
				StartTime time.Time `json:"start_time"`
				EndTime   time.Time `json:"end_time"`
			}) (any, error) {
				if err := window(in.StartTime, in.EndTime); err != nil {
					return nil, err
				}
				counts, err := b.LogInsights.ErrorSignatures(ctx, in.LogGroup, in.StartTime, in.EndTime)
				if err != nil {
					return nil, err
				}
				return struct {
					Counts []SignatureCount `json:"counts"`
				}{counts}, nil
			})
		},
	},
	{
		name:        "get_role",
		description: "Read an IAM role: ARN, path, creation time and trust policy.",
		input:       object([]string{"role_name"}, map[string]*schema{"role_name": roleInput()}),
		actions:     []string{"iam:GetRole"},
		outputCap:   DefaultOutputCap,
		bind: iamTool(func(ctx context.Context, iam IAMReader, in iamInput) (any, error) {
			return iam.GetRole(ctx, in.RoleName)
		}),
	},
	{
		name:        "list_attached_role_policies",
		description: "List the managed policies attached to an IAM role (names and ARNs).",
		input:       object([]string{"role_name"}, map[string]*schema{"role_name": roleInput()}),
		actions:     []string{"iam:ListAttachedRolePolicies"},
		outputCap:   DefaultOutputCap,
		bind: iamTool(func(ctx context.Context, iam IAMReader, in iamInput) (any, error) {
			policies, more, err := iam.ListAttachedRolePolicies(ctx, in.RoleName)
			return struct {
				Policies []AttachedPolicy `json:"policies"`
				More     bool             `json:"more,omitempty"`
			}{policies, more}, err
		}),
	},
	{
		name:        "list_role_policies",
		description: "List the names of the inline policies embedded in an IAM role.",
		input:       object([]string{"role_name"}, map[string]*schema{"role_name": roleInput()}),
		actions:     []string{"iam:ListRolePolicies"},
		outputCap:   DefaultOutputCap,
		bind: iamTool(func(ctx context.Context, iam IAMReader, in iamInput) (any, error) {
			names, more, err := iam.ListRolePolicies(ctx, in.RoleName)
			return struct {
				PolicyNames []string `json:"policy_names"`
				More        bool     `json:"more,omitempty"`
			}{names, more}, err
		}),
	},
	{
		name:        "get_role_policy",
		description: "Read the document of one inline policy of an IAM role.",
		input: object([]string{"role_name", "policy_name"}, map[string]*schema{
			"role_name":   roleInput(),
			"policy_name": str("inline policy name", 128).matching(policyNamePattern),
		}),
		actions:   []string{"iam:GetRolePolicy"},
		outputCap: DefaultOutputCap,
		bind: iamTool(func(ctx context.Context, iam IAMReader, in iamInput) (any, error) {
			doc, err := iam.GetRolePolicy(ctx, in.RoleName, in.PolicyName)
			return struct {
				Role       string          `json:"role"`
				PolicyName string          `json:"policy_name"`
				Document   json.RawMessage `json:"document"`
			}{investigation.RoleName(in.RoleName), in.PolicyName, doc}, err
		}),
	},
	{
		name:        "get_policy",
		description: "Read a managed IAM policy's metadata: default version, attachment count, creation and update times.",
		input:       object([]string{"policy_arn"}, map[string]*schema{"policy_arn": policyARNInput()}),
		actions:     []string{"iam:GetPolicy"},
		outputCap:   DefaultOutputCap,
		bind: iamTool(func(ctx context.Context, iam IAMReader, in iamInput) (any, error) {
			return iam.GetPolicy(ctx, in.PolicyARN)
		}),
	},
	{
		name:        "list_policy_versions",
		description: "List the versions of a managed IAM policy, newest first, with which one is the default (no documents).",
		input:       object([]string{"policy_arn"}, map[string]*schema{"policy_arn": policyARNInput()}),
		actions:     []string{"iam:ListPolicyVersions"},
		outputCap:   DefaultOutputCap,
		bind: iamTool(func(ctx context.Context, iam IAMReader, in iamInput) (any, error) {
			versions, more, err := iam.ListPolicyVersions(ctx, in.PolicyARN)
			return struct {
				Versions []investigation.PolicyVersion `json:"versions"`
				More     bool                          `json:"more,omitempty"`
			}{versions, more}, err
		}),
	},
	{
		name:        "get_policy_version",
		description: "Read one version of a managed IAM policy with its policy document, e.g. to compare with the previous version.",
		input: object([]string{"policy_arn", "version_id"}, map[string]*schema{
			"policy_arn": policyARNInput(),
			"version_id": str("policy version id, e.g. v3", 16).matching(versionIDPattern),
		}),
		actions:   []string{"iam:GetPolicyVersion"},
		outputCap: DefaultOutputCap,
		bind: iamTool(func(ctx context.Context, iam IAMReader, in iamInput) (any, error) {
			return iam.GetPolicyVersion(ctx, in.PolicyARN, in.VersionID)
		}),
	},
	{
		name: "describe_alarms",
		description: "Read CloudWatch alarm definitions by name or ARN (metric and composite): state, state change time, metrics " +
			"with dimensions, metric math, composite rule and triggering children. Unknown names are left out.",
		input: object([]string{"alarm_names"}, map[string]*schema{
			"region":      regionInput(),
			"alarm_names": array("alarm names or ARNs", str("alarm name or ARN", 1024), 1, 20),
		}),
		actions:   []string{"cloudwatch:DescribeAlarms"},
		outputCap: DefaultOutputCap,
		bind: func(b Backends) handlerFunc {
			if b.Alarms == nil {
				return nil
			}
			return typed(func(ctx context.Context, r *Registry, in struct {
				Region     string   `json:"region"`
				AlarmNames []string `json:"alarm_names"`
			}) (any, error) {
				region, err := r.region(in.Region)
				if err != nil {
					return nil, err
				}
				for _, n := range in.AlarmNames {
					if arn, ok := investigation.ParseAlarmARN(n); ok {
						if _, err := r.region(arn.Region); err != nil {
							return nil, err
						}
					}
				}
				alarms, err := b.Alarms.DescribeAlarms(ctx, region, in.AlarmNames)
				if err != nil {
					return nil, err
				}
				return struct {
					Alarms []investigation.Alarm `json:"alarms"`
				}{alarms}, nil
			})
		},
	},
	{
		name:        "describe_alarm_history",
		description: "Read a CloudWatch alarm's history, newest first: state changes, configuration updates and actions.",
		input: object([]string{"alarm_name"}, map[string]*schema{
			"region":            regionInput(),
			"alarm_name":        str("alarm name", 255),
			"composite":         {Type: "boolean", Description: "true for a composite alarm"},
			"history_item_type": enum("only this kind of entry", "ConfigurationUpdate", "StateUpdate", "Action"),
			"start_time":        dateTime("start of the window"),
			"end_time":          dateTime("end of the window"),
			"max_items":         integer("entries to read at most (default 50)", 1, 100),
		}),
		actions:   []string{"cloudwatch:DescribeAlarmHistory"},
		outputCap: DefaultOutputCap,
		bind: func(b Backends) handlerFunc {
			if b.Alarms == nil {
				return nil
			}
			return typed(func(ctx context.Context, r *Registry, in struct {
				Region          string    `json:"region"`
				AlarmName       string    `json:"alarm_name"`
				Composite       bool      `json:"composite"`
				HistoryItemType string    `json:"history_item_type"`
				StartTime       time.Time `json:"start_time"`
				EndTime         time.Time `json:"end_time"`
				MaxItems        int       `json:"max_items"`
			}) (any, error) {
				region, err := r.region(in.Region)
				if err != nil {
					return nil, err
				}
				if !in.StartTime.IsZero() && !in.EndTime.IsZero() {
					if err := window(in.StartTime, in.EndTime); err != nil {
						return nil, err
					}
				}
				if in.MaxItems == 0 {
					in.MaxItems = 50
				}
				items, more, err := b.Alarms.DescribeAlarmHistory(ctx, AlarmHistoryQuery{Region: region, Name: in.AlarmName, Composite: in.Composite,
					ItemType: in.HistoryItemType, Start: in.StartTime, End: in.EndTime, Max: in.MaxItems})
				if err != nil {
					return nil, err
				}
				return struct {
					Items []AlarmHistoryItem `json:"items"`
					More  bool               `json:"more,omitempty"`
				}{items, more}, nil
			})
		},
	},
	{
		name: "get_resource_config_history",
		description: "Read what AWS Config recorded about a resource, newest first: its configuration and its relationships " +
			"(role, security groups, subnets, keys…). Fails when Config does not record the resource.",
		input: object([]string{"resource_type", "resource_id"}, map[string]*schema{
			"region":        regionInput(),
			"resource_type": str("AWS Config resource type, e.g. AWS::Lambda::Function", 128).matching(resourceTypeRE),
			"resource_id":   str("the resource id as Config records it (a function name, an instance id…)", 768),
			"limit":         integer("configuration items to return (default 1, the latest)", 1, 5),
		}),
		actions:   []string{"config:GetResourceConfigHistory"},
		outputCap: DefaultOutputCap,
		bind: func(b Backends) handlerFunc {
			if b.Config == nil {
				return nil
			}
			return typed(func(ctx context.Context, r *Registry, in struct {
				Region       string `json:"region"`
				ResourceType string `json:"resource_type"`
				ResourceID   string `json:"resource_id"`
				Limit        int    `json:"limit"`
			}) (any, error) {
				region, err := r.region(in.Region)
				if err != nil {
					return nil, err
				}
				if in.Limit == 0 {
					in.Limit = 1
				}
				return b.Config.ResourceConfigHistory(ctx, region, in.ResourceType, in.ResourceID, in.Limit)
			})
		},
	},
	describeTool("get_function_configuration", "lambda:GetFunctionConfiguration",
		"Read a Lambda function's configuration: role, runtime, memory, timeout, environment variable names, VPC, layers, KMS key, last update.",
		"function_name", str("function name, ARN or name:qualifier", 256).matching(functionPattern), "", false),
	describeTool("describe_instances", "ec2:DescribeInstances",
		"Read EC2 instances: state, type, security groups, subnet, instance profile, launch time.",
		"instance_ids", array("instance ids", str("instance id", 32).matching(instanceIDPattern), 1, 20), "", false),
	describeTool("describe_security_groups", "ec2:DescribeSecurityGroups",
		"Read EC2 security groups with their inbound and outbound rules.",
		"group_ids", array("security group ids", str("security group id", 32).matching(groupIDPattern), 1, 20), "", false),
	describeTool("describe_target_groups", "elasticloadbalancing:DescribeTargetGroups",
		"Read ELBv2 target groups: protocol, port, health check settings, load balancers.",
		"target_groups", array("target group ARNs or names", str("target group ARN or name", 255).matching(nameOrARNPattern), 1, 20),
		"load_balancer_arn", false),
	describeTool("describe_target_health", "elasticloadbalancing:DescribeTargetHealth",
		"Read the health of the targets registered in an ELBv2 target group, with the reason of each unhealthy one.",
		"target_group_arn", str("target group ARN", 255).matching(nameOrARNPattern), "", false),
	describeTool("describe_load_balancers", "elasticloadbalancing:DescribeLoadBalancers",
		"Read ELBv2 load balancers: scheme, state, security groups, subnets, DNS name.",
		"load_balancers", array("load balancer ARNs or names", str("load balancer ARN or name", 255).matching(nameOrARNPattern), 1, 20), "", false),
	describeTool("describe_db_instances", "rds:DescribeDBInstances",
		"Read an RDS DB instance: status, class, engine version, parameter groups, security groups, pending modifications.",
		"db_instance_identifier", str("DB instance identifier or ARN", 255).matching(dbIDPattern), "", false),
	describeTool("describe_services", "ecs:DescribeServices",
		"Read ECS services of a cluster: task definition, desired and running counts, deployments, load balancers, recent events.",
		"services", array("service names or ARNs", str("service name or ARN", 255).matching(nameOrARNPattern), 1, 10), "cluster", true),
	describeTool("describe_task_definition", "ecs:DescribeTaskDefinition",
		"Read an ECS task definition: containers, images, task and execution roles, CPU and memory.",
		"task_definition", str("family, family:revision or ARN", 255).matching(nameOrARNPattern), "", false),
}

package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

// ECSService is an ECS service.
type ECSService struct {
	ARN            string            `json:"arn"`
	Name           string            `json:"name"`
	ClusterARN     string            `json:"cluster_arn,omitempty"`
	Status         string            `json:"status,omitempty"`
	TaskDefinition string            `json:"task_definition,omitempty"`
	Desired        int32             `json:"desired"`
	Running        int32             `json:"running"`
	Pending        int32             `json:"pending"`
	LaunchType     string            `json:"launch_type,omitempty"`
	RoleARN        string            `json:"role_arn,omitempty"`
	LoadBalancers  []ECSLoadBalancer `json:"load_balancers,omitempty"`
	SecurityGroups []string          `json:"security_groups,omitempty"`
	Subnets        []string          `json:"subnets,omitempty"`
	Deployments    []ECSDeployment   `json:"deployments,omitempty"`
	Events         []ECSEvent        `json:"events,omitempty"`
}

// ECSLoadBalancer ties a service's container port to a target group.
type ECSLoadBalancer struct {
	TargetGroupARN   string `json:"target_group_arn,omitempty"`
	LoadBalancerName string `json:"load_balancer_name,omitempty"`
	Container        string `json:"container,omitempty"`
	Port             int32  `json:"port,omitempty"`
}

// ECSDeployment is one deployment of a service.
type ECSDeployment struct {
	ID             string    `json:"id"`
	Status         string    `json:"status,omitempty"`
	TaskDefinition string    `json:"task_definition,omitempty"`
	Desired        int32     `json:"desired"`
	Running        int32     `json:"running"`
	Failed         int32     `json:"failed,omitempty"`
	RolloutState   string    `json:"rollout_state,omitempty"`
	Created        time.Time `json:"created,omitzero"`
	Updated        time.Time `json:"updated,omitzero"`
}

// ECSEvent is one of a service's event messages.
type ECSEvent struct {
	Time    time.Time `json:"time,omitzero"`
	Message string    `json:"message"`
}

// maxECSEvents bounds the service events a summary keeps: ECS returns up to
// 100, newest first, and the recent ones are what explains a symptom.
const maxECSEvents = 5

// TaskDefinition is an ECS task definition.
type TaskDefinition struct {
	ARN    string `json:"arn"`
	Family string `json:"family"`
	// refs are the resources the containers' environment values and
	// secrets name (secrets by ARN or parameter name); values are not kept.
	refs             []envRef
	Revision         int32          `json:"revision"`
	Status           string         `json:"status,omitempty"`
	TaskRoleARN      string         `json:"task_role_arn,omitempty"`
	ExecutionRoleARN string         `json:"execution_role_arn,omitempty"`
	NetworkMode      string         `json:"network_mode,omitempty"`
	CPU              string         `json:"cpu,omitempty"`
	Memory           string         `json:"memory,omitempty"`
	Containers       []ECSContainer `json:"containers,omitempty"`
}

// ECSContainer is one container of a task definition.
type ECSContainer struct {
	Name      string `json:"name"`
	Image     string `json:"image,omitempty"`
	Essential bool   `json:"essential,omitempty"`
	// EnvironmentVariables and Secrets are names only: values may be secret.
	EnvironmentVariables []string `json:"environment_variable_names,omitempty"`
	Secrets              []string `json:"secret_names,omitempty"`
	LogDriver            string   `json:"log_driver,omitempty"`
	LogGroup             string   `json:"log_group,omitempty"`
	LogRegion            string   `json:"log_region,omitempty"`
}

// ecsRegion points one call at region; "" keeps the client's own.
func ecsRegion(region string) func(*ecs.Options) {
	return func(o *ecs.Options) {
		if region != "" {
			o.Region = region
		}
	}
}

// maxServicesPerCall is how many services one DescribeServices call takes.
const maxServicesPerCall = 10

// Services reads ECS services of a cluster by name or ARN; missing lists
// those ECS reported it does not have.
func (v *Inventory) Services(ctx context.Context, region, cluster string, services []string) (found []ECSService, missing []string, err error) {
	if len(services) > maxServicesPerCall {
		return nil, nil, fmt.Errorf("describe services: %d asked, at most %d per call", len(services), maxServicesPerCall)
	}
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	out, err := v.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: services}, ecsRegion(region))
	if err != nil {
		return nil, nil, Wrap(OpDescribeServices, fmt.Sprintf("describe services %s of cluster %s", strings.Join(services, ", "), cluster), err)
	}
	for _, s := range out.Services {
		found = append(found, summarizeService(s))
	}
	for _, f := range out.Failures {
		missing = append(missing, aws.ToString(f.Arn)+" ("+aws.ToString(f.Reason)+")")
	}
	return found, missing, nil
}

// Service reads one ECS service; a service ECS does not have is a not-found error.
func (v *Inventory) Service(ctx context.Context, region, cluster, service string) (ECSService, error) {
	found, missing, err := v.Services(ctx, region, cluster, []string{service})
	if err != nil {
		return ECSService{}, err
	}
	if len(found) == 0 {
		return ECSService{}, &APIError{Op: OpDescribeServices, Reason: investigation.ReasonNotFound, Code: "MISSING",
			Err: fmt.Errorf("describe service %s of cluster %s: %s", service, cluster, strings.Join(missing, "; "))}
	}
	return found[0], nil
}

func summarizeService(s ecstypes.Service) ECSService {
	out := ECSService{
		ARN:            aws.ToString(s.ServiceArn),
		Name:           aws.ToString(s.ServiceName),
		ClusterARN:     aws.ToString(s.ClusterArn),
		Status:         aws.ToString(s.Status),
		TaskDefinition: aws.ToString(s.TaskDefinition),
		Desired:        s.DesiredCount,
		Running:        s.RunningCount,
		Pending:        s.PendingCount,
		LaunchType:     string(s.LaunchType),
		RoleARN:        aws.ToString(s.RoleArn),
	}
	for _, lb := range s.LoadBalancers {
		out.LoadBalancers = append(out.LoadBalancers, ECSLoadBalancer{
			TargetGroupARN: aws.ToString(lb.TargetGroupArn), LoadBalancerName: aws.ToString(lb.LoadBalancerName),
			Container: aws.ToString(lb.ContainerName), Port: aws.ToInt32(lb.ContainerPort),
		})
	}
	if nc := s.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil {
		out.SecurityGroups = nc.AwsvpcConfiguration.SecurityGroups
		out.Subnets = nc.AwsvpcConfiguration.Subnets
	}
	for _, d := range s.Deployments {
		dep := ECSDeployment{
			ID: aws.ToString(d.Id), Status: aws.ToString(d.Status), TaskDefinition: aws.ToString(d.TaskDefinition),
			Desired: d.DesiredCount, Running: d.RunningCount, Failed: d.FailedTasks, RolloutState: string(d.RolloutState),
		}
		if d.CreatedAt != nil {
			dep.Created = d.CreatedAt.UTC()
		}
		if d.UpdatedAt != nil {
			dep.Updated = d.UpdatedAt.UTC()
		}
		out.Deployments = append(out.Deployments, dep)
	}
	for _, e := range s.Events[:min(len(s.Events), maxECSEvents)] {
		ev := ECSEvent{Message: aws.ToString(e.Message)}
		if e.CreatedAt != nil {
			ev.Time = e.CreatedAt.UTC()
		}
		out.Events = append(out.Events, ev)
	}
	return out
}

// TaskDefinition reads an ECS task definition by family (its latest active
// revision), family:revision or ARN.
func (v *Inventory) TaskDefinition(ctx context.Context, region, ref string) (TaskDefinition, error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	out, err := v.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref)}, ecsRegion(region))
	if err != nil {
		wrapped := Wrap(OpDescribeTaskDefinition, "describe task definition "+ref, err)
		// ECS answers an unknown task definition with a generic client error.
		var apiErr smithy.APIError
		var ae *APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ClientException" &&
			strings.Contains(apiErr.ErrorMessage(), "Unable to describe task definition") && errors.As(wrapped, &ae) {
			ae.Reason = investigation.ReasonNotFound
		}
		return TaskDefinition{}, wrapped
	}
	if out.TaskDefinition == nil {
		return TaskDefinition{}, &APIError{Op: OpDescribeTaskDefinition, Reason: investigation.ReasonNotFound, Err: fmt.Errorf("describe task definition %s: none returned", ref)}
	}
	return summarizeTaskDefinition(*out.TaskDefinition), nil
}

func summarizeTaskDefinition(td ecstypes.TaskDefinition) TaskDefinition {
	out := TaskDefinition{
		ARN:              aws.ToString(td.TaskDefinitionArn),
		Family:           aws.ToString(td.Family),
		Revision:         td.Revision,
		Status:           string(td.Status),
		TaskRoleARN:      aws.ToString(td.TaskRoleArn),
		ExecutionRoleARN: aws.ToString(td.ExecutionRoleArn),
		NetworkMode:      string(td.NetworkMode),
		CPU:              aws.ToString(td.Cpu),
		Memory:           aws.ToString(td.Memory),
	}
	for _, c := range td.ContainerDefinitions {
		ct := ECSContainer{Name: aws.ToString(c.Name), Image: aws.ToString(c.Image), Essential: aws.ToBool(c.Essential)}
		for _, e := range c.Environment {
			ct.EnvironmentVariables = append(ct.EnvironmentVariables, aws.ToString(e.Name))
		}
		env := map[string]string{}
		for _, e := range c.Environment {
			env[aws.ToString(e.Name)] = aws.ToString(e.Value)
		}
		for _, s := range c.Secrets {
			ct.Secrets = append(ct.Secrets, aws.ToString(s.Name))
			// valueFrom is a secret's or parameter's ARN, or the name of a
			// parameter of the task's region (Secrets Manager needs the ARN).
			env["PARAM_"+aws.ToString(s.Name)] = aws.ToString(s.ValueFrom)
		}
		out.refs = append(out.refs, environmentRefs(env)...)
		if lc := c.LogConfiguration; lc != nil {
			ct.LogDriver = string(lc.LogDriver)
			ct.LogGroup = lc.Options["awslogs-group"]
			ct.LogRegion = lc.Options["awslogs-region"]
		}
		out.Containers = append(out.Containers, ct)
	}
	return out
}

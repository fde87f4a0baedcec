package awsapi

import (
	"net/http"
	"strconv"
	"strings"
)

// ECS DescribeServices and DescribeTaskDefinition (awsJson 1.1) over
// topology.json's AWS::ECS::Service and AWS::ECS::TaskDefinition items. The
// wire's lowerCamel names also read topology.json, case-insensitively, so the
// CloudFormation-style spelling AWS Config uses for ECS reads too.

type ecsService struct {
	ServiceArn           string                   `json:"serviceArn,omitempty"`
	ServiceName          string                   `json:"serviceName,omitempty"`
	ClusterArn           string                   `json:"clusterArn,omitempty"`
	Status               string                   `json:"status,omitempty"`
	TaskDefinition       string                   `json:"taskDefinition,omitempty"`
	DesiredCount         *int                     `json:"desiredCount,omitempty"`
	RunningCount         *int                     `json:"runningCount,omitempty"`
	PendingCount         *int                     `json:"pendingCount,omitempty"`
	LaunchType           string                   `json:"launchType,omitempty"`
	PlatformVersion      string                   `json:"platformVersion,omitempty"`
	RoleArn              string                   `json:"roleArn,omitempty"`
	CreatedAt            *wireTime                `json:"createdAt,omitempty"`
	SchedulingStrategy   string                   `json:"schedulingStrategy,omitempty"`
	LoadBalancers        []ecsLoadBalancer        `json:"loadBalancers,omitempty"`
	NetworkConfiguration *ecsNetworkConfiguration `json:"networkConfiguration,omitempty"`
	Deployments          []ecsDeployment          `json:"deployments,omitempty"`
	Events               []ecsServiceEvent        `json:"events,omitempty"`
}

type ecsLoadBalancer struct {
	TargetGroupArn   string `json:"targetGroupArn,omitempty"`
	LoadBalancerName string `json:"loadBalancerName,omitempty"`
	ContainerName    string `json:"containerName,omitempty"`
	ContainerPort    *int   `json:"containerPort,omitempty"`
}

type ecsNetworkConfiguration struct {
	AwsvpcConfiguration *ecsAwsvpcConfiguration `json:"awsvpcConfiguration,omitempty"`
}

type ecsAwsvpcConfiguration struct {
	Subnets        []string `json:"subnets,omitempty"`
	SecurityGroups []string `json:"securityGroups,omitempty"`
	AssignPublicIP string   `json:"assignPublicIp,omitempty"`
}

type ecsDeployment struct {
	ID             string    `json:"id,omitempty"`
	Status         string    `json:"status,omitempty"`
	TaskDefinition string    `json:"taskDefinition,omitempty"`
	DesiredCount   *int      `json:"desiredCount,omitempty"`
	RunningCount   *int      `json:"runningCount,omitempty"`
	FailedTasks    *int      `json:"failedTasks,omitempty"`
	RolloutState   string    `json:"rolloutState,omitempty"`
	CreatedAt      *wireTime `json:"createdAt,omitempty"`
	UpdatedAt      *wireTime `json:"updatedAt,omitempty"`
}

type ecsServiceEvent struct {
	ID        string    `json:"id,omitempty"`
	CreatedAt *wireTime `json:"createdAt,omitempty"`
	Message   string    `json:"message,omitempty"`
}

type ecsTaskDefinition struct {
	TaskDefinitionArn       string                   `json:"taskDefinitionArn,omitempty"`
	Family                  string                   `json:"family,omitempty"`
	Revision                *int                     `json:"revision,omitempty"`
	Status                  string                   `json:"status,omitempty"`
	TaskRoleArn             string                   `json:"taskRoleArn,omitempty"`
	ExecutionRoleArn        string                   `json:"executionRoleArn,omitempty"`
	NetworkMode             string                   `json:"networkMode,omitempty"`
	CPU                     string                   `json:"cpu,omitempty"`
	Memory                  string                   `json:"memory,omitempty"`
	RequiresCompatibilities []string                 `json:"requiresCompatibilities,omitempty"`
	RegisteredAt            *wireTime                `json:"registeredAt,omitempty"`
	RegisteredBy            string                   `json:"registeredBy,omitempty"`
	ContainerDefinitions    []ecsContainerDefinition `json:"containerDefinitions,omitempty"`
}

type ecsContainerDefinition struct {
	Name              string               `json:"name,omitempty"`
	Image             string               `json:"image,omitempty"`
	Essential         *bool                `json:"essential,omitempty"`
	CPU               *int                 `json:"cpu,omitempty"`
	Memory            *int                 `json:"memory,omitempty"`
	MemoryReservation *int                 `json:"memoryReservation,omitempty"`
	PortMappings      []ecsPortMapping     `json:"portMappings,omitempty"`
	Environment       []ecsKeyValue        `json:"environment,omitempty"`
	Secrets           []ecsSecret          `json:"secrets,omitempty"`
	LogConfiguration  *ecsLogConfiguration `json:"logConfiguration,omitempty"`
}

type ecsPortMapping struct {
	ContainerPort *int   `json:"containerPort,omitempty"`
	HostPort      *int   `json:"hostPort,omitempty"`
	Protocol      string `json:"protocol,omitempty"`
}

type ecsKeyValue struct {
	Name  string `json:"name,omitempty"`
	Value string `json:"value,omitempty"`
}

type ecsSecret struct {
	Name      string `json:"name,omitempty"`
	ValueFrom string `json:"valueFrom,omitempty"`
}

type ecsLogConfiguration struct {
	LogDriver string            `json:"logDriver,omitempty"`
	Options   map[string]string `json:"options,omitempty"`
}

type ecsFailure struct {
	Arn    string `json:"arn,omitempty"`
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
}

type ecsDescribeServicesInput struct {
	Cluster  string   `json:"cluster"`
	Services []string `json:"services"`
}

type ecsDescribeServicesOutput struct {
	Services []any        `json:"services"`
	Failures []ecsFailure `json:"failures"`
}

type ecsDescribeTaskDefinitionInput struct {
	TaskDefinition string `json:"taskDefinition"`
}

type ecsDescribeTaskDefinitionOutput struct {
	TaskDefinition ecsTaskDefinition `json:"taskDefinition"`
}

// ecsMaxServices is how many services one DescribeServices call may name.
const ecsMaxServices = 10

func (inv *inventory) describeServices(r *http.Request, body []byte) (any, *apiError) {
	var in ecsDescribeServicesInput
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	switch {
	case len(in.Services) == 0:
		return nil, clientError("InvalidParameterException", "Services cannot be empty.")
	case len(in.Services) > ecsMaxServices:
		return nil, clientError("InvalidParameterException", "Services cannot have more than %d entries.", ecsMaxServices)
	}
	region := inv.a.requestRegion(r)
	cluster := ecsClusterName(orDefault(in.Cluster, "default"))
	services, err := inv.ecsServices(region)
	if err != nil {
		return nil, badTopology(err)
	}
	if !inv.ecsClusterExists(region, cluster, services) {
		return nil, clientError("ClusterNotFoundException", "Cluster not found.")
	}
	out := ecsDescribeServicesOutput{Services: []any{}, Failures: []ecsFailure{}}
	for _, ref := range in.Services {
		name := ref
		if res := arnResource(ref); res != "" {
			name = res[strings.LastIndex(res, "/")+1:]
		}
		svc, ok := findECSService(services, cluster, name)
		if !ok {
			out.Failures = append(out.Failures, ecsFailure{
				Arn: inv.arn("ecs", region, "service/"+cluster+"/"+name), Reason: "MISSING",
			})
			continue
		}
		shown, err := inv.ecsServiceFeed(svc)
		if err != nil {
			return nil, badTopology(err)
		}
		out.Services = append(out.Services, shown)
	}
	return out, nil
}

func findECSService(services []ecsService, cluster, name string) (ecsService, bool) {
	for _, s := range services {
		if s.ServiceName == name && ecsClusterName(s.ClusterArn) == cluster {
			return s, true
		}
	}
	return ecsService{}, false
}

// ecsClusterName is the cluster's name, from a name or a cluster ARN.
func ecsClusterName(ref string) string {
	if res := arnResource(ref); res != "" {
		return strings.TrimPrefix(res, "cluster/")
	}
	return ref
}

// ecsClusterExists reports whether the scenario knows cluster: as an
// AWS::ECS::Cluster item or as the cluster of one of its services.
func (inv *inventory) ecsClusterExists(region, cluster string, services []ecsService) bool {
	for _, s := range services {
		if ecsClusterName(s.ClusterArn) == cluster {
			return true
		}
	}
	for _, it := range inv.ofType("AWS::ECS::Cluster", region) {
		if ecsClusterName(it.ID) == cluster || it.Name == cluster || ecsClusterName(it.ARN) == cluster {
			return true
		}
	}
	return false
}

func (inv *inventory) describeTaskDefinition(r *http.Request, body []byte) (any, *apiError) {
	var in ecsDescribeTaskDefinitionInput
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	if in.TaskDefinition == "" {
		return nil, clientError("ClientException", "TaskDefinition cannot be empty.")
	}
	defs, err := inv.ecsTaskDefinitions(inv.a.requestRegion(r))
	if err != nil {
		return nil, badTopology(err)
	}
	ref := in.TaskDefinition
	if res := arnResource(ref); res != "" {
		ref = strings.TrimPrefix(res, "task-definition/")
	}
	family, revision, pinned := strings.Cut(ref, ":")
	var best *ecsTaskDefinition
	for i := range defs {
		td := &defs[i]
		if td.Family != family {
			continue
		}
		rev := 0
		if td.Revision != nil {
			rev = *td.Revision
		}
		if pinned {
			if strconv.Itoa(rev) == revision {
				best = td
				break
			}
			continue
		}
		// A bare family names its latest active revision.
		if td.Status != "INACTIVE" && (best == nil || best.Revision == nil || rev > *best.Revision) {
			best = td
		}
	}
	if best == nil {
		return nil, clientError("ClientException", "Unable to describe task definition.")
	}
	return ecsDescribeTaskDefinitionOutput{TaskDefinition: *best}, nil
}

// ecsServices returns the services of region as the API shows them.
func (inv *inventory) ecsServices(region string) ([]ecsService, error) {
	var out []ecsService
	for _, it := range inv.ofType("AWS::ECS::Service", region) {
		var s ecsService
		if err := decodeConfiguration(it, &s); err != nil {
			return nil, err
		}
		// The item's id is "cluster/service", a service ARN or a bare name.
		ref := it.ID
		if res := arnResource(ref); res != "" {
			ref = strings.TrimPrefix(res, "service/")
		}
		clusterFromID, nameFromID, hasCluster := strings.Cut(ref, "/")
		if !hasCluster {
			clusterFromID, nameFromID = "", ref
		}
		if res := arnResource(it.ARN); res != "" && clusterFromID == "" {
			if c, n, ok := strings.Cut(strings.TrimPrefix(res, "service/"), "/"); ok {
				clusterFromID, nameFromID = c, n
			}
		}
		s.ServiceName = orDefault(s.ServiceName, orDefault(it.Name, nameFromID))
		s.ClusterArn = orDefault(s.ClusterArn, inv.arn("ecs", region, "cluster/"+orDefault(clusterFromID, "default")))
		s.ServiceArn = orDefault(s.ServiceArn, orDefault(it.ARN,
			inv.arn("ecs", region, "service/"+ecsClusterName(s.ClusterArn)+"/"+s.ServiceName)))
		s.TaskDefinition = orDefault(s.TaskDefinition, firstOf(relatedARNs(it, "AWS::ECS::TaskDefinition")))
		for _, tg := range relatedARNs(it, "AWS::ElasticLoadBalancingV2::TargetGroup") {
			if !s.hasTargetGroup(tg) {
				s.LoadBalancers = append(s.LoadBalancers, ecsLoadBalancer{TargetGroupArn: tg})
			}
		}
		if sgs := relatedIDs(it, "AWS::EC2::SecurityGroup"); len(sgs) > 0 {
			vpc := s.awsvpc()
			vpc.SecurityGroups = appendMissing(vpc.SecurityGroups, sgs...)
		}
		if subnets := relatedIDs(it, "AWS::EC2::Subnet"); len(subnets) > 0 {
			vpc := s.awsvpc()
			vpc.Subnets = appendMissing(vpc.Subnets, subnets...)
		}
		out = append(out, s)
	}
	return inv.ecsFeedServices(region, out), nil
}

func (s *ecsService) hasTargetGroup(arn string) bool {
	for _, lb := range s.LoadBalancers {
		if lb.TargetGroupArn == arn {
			return true
		}
	}
	return false
}

func (s *ecsService) awsvpc() *ecsAwsvpcConfiguration {
	if s.NetworkConfiguration == nil {
		s.NetworkConfiguration = &ecsNetworkConfiguration{}
	}
	if s.NetworkConfiguration.AwsvpcConfiguration == nil {
		s.NetworkConfiguration.AwsvpcConfiguration = &ecsAwsvpcConfiguration{}
	}
	return s.NetworkConfiguration.AwsvpcConfiguration
}

// ecsTaskDefinitions returns the task definitions of region as the API shows them.
func (inv *inventory) ecsTaskDefinitions(region string) ([]ecsTaskDefinition, error) {
	var out []ecsTaskDefinition
	for _, it := range inv.ofType("AWS::ECS::TaskDefinition", region) {
		var td ecsTaskDefinition
		if err := decodeConfiguration(it, &td); err != nil {
			return nil, err
		}
		td.TaskDefinitionArn = orDefault(td.TaskDefinitionArn, orDefault(it.ARN, arnOrEmpty(it.ID)))
		// "family:revision", from the ARN or the id.
		ref := it.ID
		if res := arnResource(td.TaskDefinitionArn); res != "" {
			ref = strings.TrimPrefix(res, "task-definition/")
		}
		family, revision, _ := strings.Cut(ref, ":")
		td.Family = orDefault(td.Family, family)
		if td.Revision == nil {
			if n, err := strconv.Atoi(revision); err == nil {
				td.Revision = &n
			}
		}
		out = append(out, td)
	}
	return out, nil
}

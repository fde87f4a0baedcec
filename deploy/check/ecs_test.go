package check

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func loadECS(t *testing.T) *Template {
	t.Helper()
	b, err := ReadRepoFile("deploy/ecs-fargate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := ParseTemplate(b)
	if err != nil {
		t.Fatalf("deploy/ecs-fargate.yaml: %v", err)
	}
	for _, err := range tmpl.CheckReferences() {
		t.Error(err)
	}
	return tmpl
}

// only returns the one resource of a type, failing on none or several.
func only(t *testing.T, tmpl *Template, typ string) (string, map[string]any) {
	t.Helper()
	names := tmpl.ResourcesOfType(typ)
	if len(names) != 1 {
		t.Fatalf("%d resources of type %s, want 1: %v", len(names), typ, names)
	}
	return names[0], tmpl.Resources[names[0]].Properties
}

// container finds a container definition by name.
func container(t *testing.T, task map[string]any, name string) map[string]any {
	t.Helper()
	defs, _ := task["ContainerDefinitions"].([]any)
	for _, d := range defs {
		if c, _ := d.(map[string]any); c["Name"] == name {
			return c
		}
	}
	t.Fatalf("no container %s", name)
	return nil
}

// nameValues reads a list of {Name, <valueKey>} into a map.
func nameValues(list any, valueKey string) map[string]any {
	out := map[string]any{}
	l, _ := list.([]any)
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out[m["Name"].(string)] = m[valueKey]
		}
	}
	return out
}

// normalize round-trips v through JSON so values decoded from YAML and from
// JSON compare equal (numbers, empty lists).
func normalize(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// trustsECSTasks tells whether a role's trust policy lets ECS tasks assume it.
func trustsECSTasks(t *testing.T, role map[string]any) bool {
	doc, err := PolicyFromValue(role["AssumeRolePolicyDocument"])
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range doc.Statement {
		p, _ := st.Principal.(map[string]any)
		if st.Effect == "Allow" && p["Service"] == "ecs-tasks.amazonaws.com" && slices.Equal(st.Actions(), []string{"sts:AssumeRole"}) {
			return true
		}
	}
	return false
}

// TestECSTaskRoleIsThePolicy: the task role carries deploy/iam-policy.json,
// unchanged and alone, so the bot on ECS may do exactly what the policy
// test in tools says the code calls.
func TestECSTaskRoleIsThePolicy(t *testing.T) {
	tmpl := loadECS(t)
	_, task := only(t, tmpl, "AWS::ECS::TaskDefinition")
	roleName, attr := GetAtt(task["TaskRoleArn"])
	role := tmpl.Resources[roleName]
	if attr != "Arn" || role.Type != "AWS::IAM::Role" {
		t.Fatalf("TaskRoleArn %v is not a role of the template", task["TaskRoleArn"])
	}
	if !trustsECSTasks(t, role.Properties) {
		t.Error("the task role does not trust ecs-tasks.amazonaws.com")
	}
	if _, ok := role.Properties["ManagedPolicyArns"]; ok {
		t.Error("the task role has managed policies beyond deploy/iam-policy.json")
	}
	policies, _ := role.Properties["Policies"].([]any)
	if len(policies) != 1 {
		t.Fatalf("the task role has %d inline policies, want 1", len(policies))
	}
	inline := policies[0].(map[string]any)["PolicyDocument"]
	if _, err := PolicyFromValue(inline); err != nil {
		t.Fatal(err)
	}
	b, err := ReadRepoFile("deploy/iam-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var file any
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalize(t, inline), file) {
		got, _ := json.MarshalIndent(inline, "", "  ")
		t.Errorf("the task role's policy differs from deploy/iam-policy.json; it is:\n%s", got)
	}

	execName, attr := GetAtt(task["ExecutionRoleArn"])
	if attr != "Arn" || execName == roleName || tmpl.Resources[execName].Type != "AWS::IAM::Role" {
		t.Errorf("ExecutionRoleArn %v is not a role of its own", task["ExecutionRoleArn"])
	} else if !trustsECSTasks(t, tmpl.Resources[execName].Properties) {
		t.Error("the execution role does not trust ecs-tasks.amazonaws.com")
	}
}

// TestECSTaskDefinition: Fargate, the tokens from Secrets Manager through
// the execution role, Redis from the template's ElastiCache, a read-only
// root, logs, and a health check on /healthz.
func TestECSTaskDefinition(t *testing.T) {
	tmpl := loadECS(t)
	_, task := only(t, tmpl, "AWS::ECS::TaskDefinition")
	if !slices.Contains(asStrings(task["RequiresCompatibilities"]), "FARGATE") || task["NetworkMode"] != "awsvpc" {
		t.Errorf("not a Fargate task: %v, %v", task["RequiresCompatibilities"], task["NetworkMode"])
	}
	bot := container(t, task, "trailhound")
	if RefName(bot["Image"]) != "Image" || bot["Essential"] != true || bot["ReadonlyRootFilesystem"] != true {
		t.Errorf("trailhound container: Image %v, Essential %v, ReadonlyRootFilesystem %v", bot["Image"], bot["Essential"], bot["ReadonlyRootFilesystem"])
	}
	if !slices.Equal(asStrings(bot["Command"]), []string{"run"}) {
		t.Errorf("Command %v, want the image's CMD [run]", bot["Command"])
	}

	// Secrets: each token from a JSON key of the secret the execution role may read.
	secrets := nameValues(bot["Secrets"], "ValueFrom")
	for _, name := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"} {
		sub, _ := secrets[name].(map[string]any)
		if sub["Fn::Sub"] != "${SlackSecretArn}:"+name+"::" {
			t.Errorf("%s from %v, want ${SlackSecretArn}:%s::", name, secrets[name], name)
		}
	}
	execName, _ := GetAtt(task["ExecutionRoleArn"])
	var readsSecret bool
	for _, p := range tmpl.Resources[execName].Properties["Policies"].([]any) {
		doc, err := PolicyFromValue(p.(map[string]any)["PolicyDocument"])
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range doc.Statement {
			if slices.Contains(st.Actions(), "secretsmanager:GetSecretValue") && RefName(st.Resource) == "SlackSecretArn" {
				readsSecret = true
			}
		}
	}
	if !readsSecret {
		t.Error("the execution role may not read SlackSecretArn")
	}

	env := nameValues(bot["Environment"], "Value")
	port := "8080"
	if ports, _ := bot["PortMappings"].([]any); len(ports) != 1 || normalize(t, ports[0].(map[string]any)["ContainerPort"]) != 8080.0 {
		t.Errorf("PortMappings %v, want 8080", bot["PortMappings"])
	}
	if env["TRAILHOUND_HTTP_ADDR"] != ":"+port {
		t.Errorf("TRAILHOUND_HTTP_ADDR %v, want :%s", env["TRAILHOUND_HTTP_ADDR"], port)
	}
	redisName, _ := only(t, tmpl, "AWS::ElastiCache::ReplicationGroup")
	redisURL, _ := env["REDIS_URL"].(map[string]any)
	if s, _ := redisURL["Fn::Sub"].(string); !strings.HasPrefix(s, "rediss://${"+redisName+".PrimaryEndPoint.Address}:") {
		t.Errorf("REDIS_URL %v, want rediss:// to %s's primary endpoint", env["REDIS_URL"], redisName)
	}
	for _, name := range []string{"TRAILHOUND_CHANNELS", "TRAILHOUND_ALERT_CHANNEL", "TRAILHOUND_SQS_QUEUE_URL", "AWS_REGION"} {
		if env[name] == nil {
			t.Errorf("%s is not set", name)
		}
	}

	logs, _ := bot["LogConfiguration"].(map[string]any)
	opts, _ := logs["Options"].(map[string]any)
	if logs["LogDriver"] != "awslogs" || tmpl.Resources[RefName(opts["awslogs-group"])].Type != "AWS::Logs::LogGroup" {
		t.Errorf("logs go to %v, want the template's log group", logs)
	}

	// The health check: some essential container of the task probes the
	// bot's /healthz on its port (the image has no HTTP client of its own).
	var probed bool
	for _, d := range task["ContainerDefinitions"].([]any) {
		c := d.(map[string]any)
		hc, _ := c["HealthCheck"].(map[string]any)
		cmd := strings.Join(asStrings(hc["Command"]), " ")
		if c["Essential"] == true && strings.Contains(cmd, "http://127.0.0.1:"+port+"/healthz") {
			probed = true
		}
	}
	if !probed {
		t.Error("no essential container checks /healthz")
	}
}

// TestECSServiceAndRedis: two tasks, private networking, and a Redis with a
// replica that only the tasks reach and that never evicts claims.
func TestECSServiceAndRedis(t *testing.T) {
	tmpl := loadECS(t)
	_, svc := only(t, tmpl, "AWS::ECS::Service")
	taskName, _ := only(t, tmpl, "AWS::ECS::TaskDefinition")
	if normalize(t, svc["DesiredCount"]) != 2.0 || svc["LaunchType"] != "FARGATE" || RefName(svc["TaskDefinition"]) != taskName {
		t.Errorf("service: DesiredCount %v, LaunchType %v, TaskDefinition %v; want 2 Fargate tasks of %s", svc["DesiredCount"], svc["LaunchType"], svc["TaskDefinition"], taskName)
	}
	net, _ := svc["NetworkConfiguration"].(map[string]any)
	vpc, _ := net["AwsvpcConfiguration"].(map[string]any)
	groups, _ := vpc["SecurityGroups"].([]any)
	if vpc["AssignPublicIp"] != "DISABLED" || len(groups) != 1 {
		t.Fatalf("service networking %v, want private with one security group", vpc)
	}
	taskSG := RefName(groups[0])

	_, redis := only(t, tmpl, "AWS::ElastiCache::ReplicationGroup")
	if n, _ := normalize(t, redis["NumCacheClusters"]).(float64); n < 2 || redis["AutomaticFailoverEnabled"] != true || redis["MultiAZEnabled"] != true {
		t.Errorf("Redis: %v clusters, failover %v, Multi-AZ %v; want a replica in another zone that takes over", redis["NumCacheClusters"], redis["AutomaticFailoverEnabled"], redis["MultiAZEnabled"])
	}
	if redis["TransitEncryptionEnabled"] != true {
		t.Error("Redis without TLS, yet REDIS_URL says rediss")
	}
	params := tmpl.Resources[RefName(redis["CacheParameterGroupName"])].Properties
	if p, _ := params["Properties"].(map[string]any); p["maxmemory-policy"] != "noeviction" {
		t.Errorf("Redis parameters %v, want maxmemory-policy noeviction", params)
	}
	redisGroups, _ := redis["SecurityGroupIds"].([]any)
	if len(redisGroups) != 1 {
		t.Fatalf("Redis security groups %v, want 1", redisGroups)
	}
	ingress, _ := tmpl.Resources[RefName(redisGroups[0])].Properties["SecurityGroupIngress"].([]any)
	if len(ingress) != 1 || RefName(ingress[0].(map[string]any)["SourceSecurityGroupId"]) != taskSG {
		t.Errorf("Redis ingress %v, want the tasks' group %s alone", ingress, taskSG)
	}
	if in, ok := tmpl.Resources[taskSG].Properties["SecurityGroupIngress"]; ok {
		t.Errorf("the tasks accept inbound traffic %v; Socket Mode needs none", in)
	}
}

package check

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

const (
	release  = "ops"
	fullname = "ops-trailhound"
	// measuredPeakRSS is the storm test's peak resident memory of one
	// replica: the memory limit must stay above it.
	measuredPeakRSS = 200_000_000
)

func render(t *testing.T, values map[string]any) *Manifests {
	t.Helper()
	out, err := RenderChart(release, values)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	m, err := DecodeManifests(out)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// bot returns the bot's Deployment and its one container.
func bot(t *testing.T, m *Manifests) (*appsv1.Deployment, *corev1.Container) {
	t.Helper()
	d := m.Deployment(fullname)
	if d == nil {
		t.Fatalf("no Deployment %s", fullname)
	}
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Name != "trailhound" {
		t.Fatalf("containers %v, want one named trailhound", cs)
	}
	return d, &cs[0]
}

func env(c *corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

// wantSecretRef checks that variable name comes from key of Secret secret.
func wantSecretRef(t *testing.T, c *corev1.Container, name, secret, key string) {
	t.Helper()
	e := env(c, name)
	if e == nil || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
		t.Errorf("%s is not read from a Secret: %+v", name, e)
		return
	}
	if ref := e.ValueFrom.SecretKeyRef; ref.Name != secret || ref.Key != key {
		t.Errorf("%s comes from %s/%s, want %s/%s", name, ref.Name, ref.Key, secret, key)
	}
}

func selects(t *testing.T, sel *metav1.LabelSelector, podLabels map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	return !s.Empty() && s.Matches(labels.Set(podLabels))
}

// checkBotDeployment asserts what every rendering's bot Deployment must be.
func checkBotDeployment(t *testing.T, m *Manifests, replicas int32) {
	d, c := bot(t, m)
	pod := d.Spec.Template
	if d.Spec.Replicas == nil || *d.Spec.Replicas != replicas {
		t.Errorf("replicas %v, want %d", d.Spec.Replicas, replicas)
	}
	if !selects(t, d.Spec.Selector, pod.Labels) {
		t.Errorf("the Deployment's selector %v does not select its pods %v", d.Spec.Selector, pod.Labels)
	}
	if !slices.Equal(c.Args, []string{"run"}) {
		t.Errorf("args %v, want the image's CMD [run]", c.Args)
	}

	var port int32
	for _, p := range c.Ports {
		if p.Name == "http" {
			port = p.ContainerPort
		}
	}
	if port != 8080 {
		t.Fatalf("container port http = %d, want 8080", port)
	}
	if e := env(c, "TRAILHOUND_HTTP_ADDR"); e == nil || e.Value != fmt.Sprintf(":%d", port) {
		t.Errorf("TRAILHOUND_HTTP_ADDR %+v, want :%d, the probed port", e, port)
	}
	for _, probe := range []struct {
		name string
		p    *corev1.Probe
		path string
	}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
		if probe.p == nil || probe.p.HTTPGet == nil {
			t.Errorf("no HTTP %s probe", probe.name)
			continue
		}
		if g := probe.p.HTTPGet; g.Path != probe.path || g.Port.String() != "http" {
			t.Errorf("%s probe on %s port %s, want %s port http", probe.name, g.Path, g.Port.String(), probe.path)
		}
	}

	a := pod.Annotations
	if a["prometheus.io/scrape"] != "true" || a["prometheus.io/path"] != "/metrics" || a["prometheus.io/port"] != fmt.Sprint(port) {
		t.Errorf("scrape annotations %v, want scrape true, path /metrics, port %d", a, port)
	}

	req, lim := c.Resources.Requests.Memory(), c.Resources.Limits.Memory()
	if req.Cmp(resource.MustParse("128Mi")) != 0 || lim.Cmp(resource.MustParse("256Mi")) != 0 {
		t.Errorf("memory request %s limit %s, want 128Mi and 256Mi", req, lim)
	}
	if lim.Value() <= measuredPeakRSS {
		t.Errorf("memory limit %s is not above the measured peak of %d bytes", lim, measuredPeakRSS)
	}
	if c.Resources.Requests.Cpu().IsZero() {
		t.Error("no CPU request")
	}
	if e := env(c, "GOMEMLIMIT"); e == nil || !strings.HasSuffix(e.Value, "MiB") {
		t.Errorf("GOMEMLIMIT %+v, want a MiB value", e)
	} else {
		var mib int64
		if _, err := fmt.Sscanf(e.Value, "%dMiB", &mib); err != nil || mib<<20 >= lim.Value() || mib<<20 <= measuredPeakRSS {
			t.Errorf("GOMEMLIMIT %s should sit between the measured peak and the limit %s", e.Value, lim)
		}
	}

	ps, cs := pod.Spec.SecurityContext, c.SecurityContext
	if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot {
		t.Error("the pod may run as root")
	}
	if cs == nil || cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem ||
		cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation ||
		cs.Capabilities == nil || !slices.Contains(cs.Capabilities.Drop, "ALL") {
		t.Errorf("container securityContext %+v, want a read-only root, no escalation, all capabilities dropped", cs)
	}

	if len(m.ServiceAccounts) != 1 || pod.Spec.ServiceAccountName != m.ServiceAccounts[0].Name {
		t.Errorf("the pods run as %q; the chart's service accounts are %v", pod.Spec.ServiceAccountName, m.ServiceAccounts)
	}

	svc := m.Service(fullname)
	if svc == nil || !selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, pod.Labels) {
		t.Errorf("no Service %s selecting the bot's pods", fullname)
	}

	if replicas > 1 {
		if len(m.PodDisruptionBudgets) != 1 {
			t.Fatalf("%d PodDisruptionBudgets, want 1", len(m.PodDisruptionBudgets))
		}
		pdb := m.PodDisruptionBudgets[0]
		if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 || !selects(t, pdb.Spec.Selector, pod.Labels) {
			t.Errorf("PodDisruptionBudget %+v, want minAvailable 1 over the bot's pods", pdb.Spec)
		}
	} else if len(m.PodDisruptionBudgets) != 0 {
		t.Error("a PodDisruptionBudget with one replica would block every drain")
	}

	seen := map[string]bool{}
	for _, e := range c.Env {
		if seen[e.Name] {
			t.Errorf("%s set twice", e.Name)
		}
		seen[e.Name] = true
	}
}

// TestChartDefaults: the chart as installed with no values: two replicas on
// the bundled trial Redis, the Slack tokens in the chart's Secret.
func TestChartDefaults(t *testing.T) {
	m := render(t, nil)
	checkBotDeployment(t, m, 2)
	_, c := bot(t, m)

	s := m.Secret(fullname)
	if s == nil {
		t.Fatalf("no Secret %s for the Slack tokens", fullname)
	}
	for _, key := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"} {
		if _, ok := s.StringData[key]; !ok {
			t.Errorf("Secret %s lacks %s", fullname, key)
		}
		wantSecretRef(t, c, key, fullname, key)
	}

	redis := m.Deployment(fullname + "-redis")
	svc := m.Service(fullname + "-redis")
	if redis == nil || svc == nil {
		t.Fatal("no bundled Redis Deployment and Service")
	}
	if *redis.Spec.Replicas != 1 || redis.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("bundled Redis: %d replicas, strategy %s; want 1, Recreate", *redis.Spec.Replicas, redis.Spec.Strategy.Type)
	}
	args := strings.Join(redis.Spec.Template.Spec.Containers[0].Args, " ")
	for _, want := range []string{"--appendonly yes", "--appendfsync everysec", "--maxmemory-policy noeviction"} {
		if !strings.Contains(args, want) {
			t.Errorf("bundled Redis args %q lack %q", args, want)
		}
	}
	redisPods := redis.Spec.Template.Labels
	botPods := m.Deployment(fullname).Spec.Template.Labels
	if !selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, redisPods) ||
		selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, botPods) ||
		selects(t, m.Deployment(fullname).Spec.Selector, redisPods) {
		t.Error("the Redis and bot selectors overlap or miss their pods")
	}
	wantURL := fmt.Sprintf("redis://%s:%d/0", svc.Name, svc.Spec.Ports[0].Port)
	if e := env(c, "REDIS_URL"); e == nil || e.Value != wantURL {
		t.Errorf("REDIS_URL %+v, want %s", e, wantURL)
	}

	sa := m.ServiceAccounts[0]
	if _, ok := sa.Annotations["eks.amazonaws.com/role-arn"]; ok {
		t.Error("an IRSA annotation without a role ARN")
	}
	if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Error("the service account mounts a Kubernetes API token the bot never uses")
	}
}

// allConfig sets every key under config in values.yaml, so a rendering shows
// which settings reach the container.
func allConfig(t *testing.T) map[string]any {
	t.Helper()
	ch, err := loader.LoadDir(RepoRoot + "/" + ChartDir)
	if err != nil {
		t.Fatal(err)
	}
	cfg, ok := ch.Values["config"].(map[string]any)
	if !ok || len(cfg) == 0 {
		t.Fatal("values.yaml has no config map")
	}
	out := map[string]any{}
	for k, v := range cfg {
		if _, isList := v.([]any); isList {
			out[k] = []any{k + "-1", k + "-2"}
		} else {
			out[k] = k + "-value"
		}
	}
	return out
}

// TestChartProduction: tokens in a Secret managed elsewhere, an external
// Redis, IRSA, and every setting given.
func TestChartProduction(t *testing.T) {
	const roleArn = "arn:aws:iam::123456789012:role/trailhound"
	m := render(t, map[string]any{
		"slack":          map[string]any{"existingSecret": "trailhound-slack"},
		"redis":          map[string]any{"url": "rediss://:secret@redis.internal:6379/0"},
		"serviceAccount": map[string]any{"roleArn": roleArn},
		"aws":            map[string]any{"region": "eu-west-1"},
		"config":         allConfig(t),
	})
	checkBotDeployment(t, m, 2)
	_, c := bot(t, m)

	wantSecretRef(t, c, "SLACK_BOT_TOKEN", "trailhound-slack", "SLACK_BOT_TOKEN")
	wantSecretRef(t, c, "SLACK_APP_TOKEN", "trailhound-slack", "SLACK_APP_TOKEN")
	wantSecretRef(t, c, "REDIS_URL", fullname, "REDIS_URL")
	s := m.Secret(fullname)
	if s == nil || len(s.StringData) != 1 || s.StringData["REDIS_URL"] != "rediss://:secret@redis.internal:6379/0" {
		t.Errorf("the chart's Secret should hold the Redis URL alone: %+v", s)
	}
	if m.Deployment(fullname+"-redis") != nil || m.Service(fullname+"-redis") != nil {
		t.Error("the bundled Redis runs beside an external one")
	}
	if got := m.ServiceAccounts[0].Annotations["eks.amazonaws.com/role-arn"]; got != roleArn {
		t.Errorf("IRSA annotation %q, want %s", got, roleArn)
	}
	if e := env(c, "AWS_REGION"); e == nil || e.Value != "eu-west-1" {
		t.Errorf("AWS_REGION %+v", e)
	}
	if e := env(c, "TRAILHOUND_CHANNELS"); e == nil || e.Value != "channels-1,channels-2" {
		t.Errorf("TRAILHOUND_CHANNELS %+v, want the list joined with commas", e)
	}

	// Every setting the product reads can be given through the chart.
	// TRAILHOUND_CONFIG names a YAML file; the chart passes each setting as
	// its own variable instead.
	settings, err := ProductSettings()
	if err != nil {
		t.Fatal(err)
	}
	if len(settings) < 20 {
		t.Fatalf("found only %d settings in the product's source: %v", len(settings), settings)
	}
	for _, name := range settings {
		if name != "TRAILHOUND_CONFIG" && env(c, name) == nil {
			t.Errorf("the chart cannot set %s", name)
		}
	}
}

// TestChartRedisFromSecret: the Redis URL from a Secret managed elsewhere,
// the tokens as values.
func TestChartRedisFromSecret(t *testing.T) {
	m := render(t, map[string]any{
		"slack": map[string]any{"botToken": "xoxb-1", "appToken": "xapp-1"},
		"redis": map[string]any{"existingSecret": "trailhound-redis"},
	})
	checkBotDeployment(t, m, 2)
	_, c := bot(t, m)
	wantSecretRef(t, c, "REDIS_URL", "trailhound-redis", "REDIS_URL")
	s := m.Secret(fullname)
	if s == nil || s.StringData["SLACK_BOT_TOKEN"] != "xoxb-1" || s.StringData["SLACK_APP_TOKEN"] != "xapp-1" {
		t.Errorf("the chart's Secret should hold the tokens: %+v", s)
	}
	if _, ok := s.StringData["REDIS_URL"]; ok || m.Deployment(fullname+"-redis") != nil {
		t.Error("a Redis URL or a bundled Redis beside the named Secret")
	}
}

// TestChartSingleReplica: one replica may use the embedded Redis, and then
// has no PodDisruptionBudget, which would block node drains.
func TestChartSingleReplica(t *testing.T) {
	m := render(t, map[string]any{"replicaCount": 1, "redis": map[string]any{"bundled": map[string]any{"enabled": false}}})
	checkBotDeployment(t, m, 1)
	_, c := bot(t, m)
	if env(c, "REDIS_URL") != nil || m.Deployment(fullname+"-redis") != nil {
		t.Error("a Redis with none asked for")
	}
}

// TestChartRefusesReplicasWithoutRedis: two replicas each with its own
// embedded Redis would both triage every alarm; the chart says so instead.
func TestChartRefusesReplicasWithoutRedis(t *testing.T) {
	_, err := RenderChart(release, map[string]any{"redis": map[string]any{"bundled": map[string]any{"enabled": false}}})
	if err == nil || !strings.Contains(err.Error(), "needs a shared Redis") {
		t.Errorf("render: %v, want a refusal naming the shared Redis", err)
	}
}

// TestStrictDecodingRejectsUnknownFields keeps DecodeManifests honest: a
// misspelt field must fail, not vanish.
func TestStrictDecodingRejectsUnknownFields(t *testing.T) {
	_, err := DecodeManifests(map[string]string{"x.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  selectr: {}\n"})
	if err == nil || !strings.Contains(err.Error(), "selectr") {
		t.Errorf("decode: %v, want an unknown-field error", err)
	}
	_, err = DecodeManifests(map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"})
	if err == nil {
		t.Error("an unexpected kind was accepted")
	}
}

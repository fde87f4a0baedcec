package check

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// ChartDir is the Helm chart, from the repository's root.
const ChartDir = "deploy/helm/trailhound"

// Manifests are the objects one rendering of the chart produced, decoded
// into the Kubernetes API types.
type Manifests struct {
	Deployments          []*appsv1.Deployment
	Services             []*corev1.Service
	Secrets              []*corev1.Secret
	ServiceAccounts      []*corev1.ServiceAccount
	PodDisruptionBudgets []*policyv1.PodDisruptionBudget
}

// RenderChart renders the chart as `helm template` would for a release named
// release, with values merged over the chart's values.yaml. The engine runs
// in strict mode: a template reading a value that values.yaml lacks fails.
func RenderChart(release string, values map[string]any) (map[string]string, error) {
	ch, err := loader.LoadDir(filepath.Join(RepoRoot, filepath.FromSlash(ChartDir)))
	if err != nil {
		return nil, err
	}
	if err := ch.Validate(); err != nil {
		return nil, err
	}
	opts := common.ReleaseOptions{Name: release, Namespace: "trailhound", Revision: 1, IsInstall: true}
	vals, err := util.ToRenderValues(ch, values, opts, common.DefaultCapabilities)
	if err != nil {
		return nil, err
	}
	return engine.Engine{Strict: true}.RenderWithContext(context.Background(), ch, vals)
}

var documentSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// DecodeManifests decodes every rendered manifest strictly: a field the API
// type does not have, a repeated key or a kind this chart should not produce
// is an error, since the API server would reject or silently drop it.
func DecodeManifests(rendered map[string]string) (*Manifests, error) {
	m := &Manifests{}
	names := make([]string, 0, len(rendered))
	for name := range rendered {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		// NOTES.txt and _helpers.tpl render to text, not manifests.
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		for i, doc := range documentSeparator.Split(rendered[name], -1) {
			if isBlankYAML(doc) {
				continue
			}
			if err := m.add([]byte(doc)); err != nil {
				return nil, fmt.Errorf("%s, document %d: %w\n%s", name, i+1, err, doc)
			}
		}
	}
	return m, nil
}

func (m *Manifests) add(doc []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return err
	}
	var obj any
	switch tm.APIVersion + "/" + tm.Kind {
	case "apps/v1/Deployment":
		d := new(appsv1.Deployment)
		m.Deployments, obj = append(m.Deployments, d), d
	case "v1/Service":
		s := new(corev1.Service)
		m.Services, obj = append(m.Services, s), s
	case "v1/Secret":
		s := new(corev1.Secret)
		m.Secrets, obj = append(m.Secrets, s), s
	case "v1/ServiceAccount":
		s := new(corev1.ServiceAccount)
		m.ServiceAccounts, obj = append(m.ServiceAccounts, s), s
	case "policy/v1/PodDisruptionBudget":
		p := new(policyv1.PodDisruptionBudget)
		m.PodDisruptionBudgets, obj = append(m.PodDisruptionBudgets, p), p
	default:
		return fmt.Errorf("unexpected kind %s %s", tm.APIVersion, tm.Kind)
	}
	return yaml.UnmarshalStrict(doc, obj)
}

// isBlankYAML tells a document of only comments and blank lines, which a
// template whose condition is false leaves behind.
func isBlankYAML(doc string) bool {
	for _, line := range strings.Split(doc, "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

// Deployment returns the Deployment of that name, or nil.
func (m *Manifests) Deployment(name string) *appsv1.Deployment {
	for _, d := range m.Deployments {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Service returns the Service of that name, or nil.
func (m *Manifests) Service(name string) *corev1.Service {
	for _, s := range m.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Secret returns the Secret of that name, or nil.
func (m *Manifests) Secret(name string) *corev1.Secret {
	for _, s := range m.Secrets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

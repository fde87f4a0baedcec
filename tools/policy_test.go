package tools

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trailhound/trailhound/investigation/agent"
)

// TestPolicyGrantsExactlyTheActions compares deploy/iam-policy.json with what
// the registry and the engine call, both ways.
func TestPolicyGrantsExactlyTheActions(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "deploy", "iam-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Version   string
		Statement []struct {
			Sid      string
			Effect   string
			Action   []string
			Resource json.RawMessage
		}
	}
	if err := json.Unmarshal(b, &policy); err != nil {
		t.Fatalf("deploy/iam-policy.json: %v", err)
	}
	if policy.Version != "2012-10-17" {
		t.Errorf("policy Version %q, want 2012-10-17", policy.Version)
	}
	var granted []string
	sids := map[string]bool{}
	for _, st := range policy.Statement {
		if st.Sid == "" || sids[st.Sid] {
			t.Errorf("statement Sid %q is empty or repeated", st.Sid)
		}
		sids[st.Sid] = true
		if st.Effect != "Allow" {
			t.Errorf("%s: Effect %q", st.Sid, st.Effect)
		}
		var resources []string
		if json.Unmarshal(st.Resource, &resources) != nil {
			var one string
			if err := json.Unmarshal(st.Resource, &one); err != nil {
				t.Fatalf("%s: Resource %s", st.Sid, st.Resource)
			}
			resources = []string{one}
		}
		for _, a := range st.Action {
			if strings.Contains(a, "*") {
				t.Errorf("%s grants a wildcard action %s", st.Sid, a)
			}
			if slices.Contains(resources, "*") && !agent.IsReadAction(a) {
				t.Errorf("%s grants %s, which is not a read, on every resource", st.Sid, a)
			}
			granted = append(granted, a)
		}
	}
	slices.Sort(granted)
	if dup := slices.Compact(slices.Clone(granted)); len(dup) != len(granted) {
		t.Errorf("the policy grants an action twice")
	}
	want := PolicyActions()
	for _, a := range want {
		if !slices.Contains(granted, a) {
			t.Errorf("the policy misses %s", a)
		}
	}
	for _, a := range granted {
		if !slices.Contains(want, a) {
			t.Errorf("the policy grants %s, which neither the registry nor EngineActions use", a)
		}
	}
}

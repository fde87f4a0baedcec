package check

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// botOnlyStatements are the statements of deploy/iam-policy.json that only
// Trailhound's own account needs: its queue, the model, and reaching the
// other accounts. Every other statement is a read the member role grants.
var botOnlyStatements = []string{"AlarmQueue", "BedrockConverse", "MemberAccountRoles", "CallerIdentity", "OrganizationAccounts"}

func loadMemberRole(t *testing.T) *Template {
	t.Helper()
	b, err := ReadRepoFile("deploy/member-role.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := ParseTemplate(b)
	if err != nil {
		t.Fatalf("deploy/member-role.yaml: %v", err)
	}
	for _, err := range tmpl.CheckReferences() {
		t.Error(err)
	}
	return tmpl
}

// TestMemberRoleTrustsOnlyTrailhoundWithTheExternalID: the role trusts the
// bot's role ARN, a parameter, only under the external ID condition, and
// nothing else; the name defaults to the one the bot and its policy use.
func TestMemberRoleTrustsOnlyTrailhoundWithTheExternalID(t *testing.T) {
	tmpl := loadMemberRole(t)
	for _, p := range []string{"TrailhoundRoleArn", "ExternalId", "RoleName"} {
		if _, ok := tmpl.Parameters[p]; !ok {
			t.Errorf("no parameter %s", p)
		}
	}
	if tmpl.Parameters["ExternalId"].NoEcho != true {
		t.Error("the external ID is echoed in the console and API")
	}
	_, role := only(t, tmpl, "AWS::IAM::Role")
	if RefName(role["RoleName"]) != "RoleName" {
		t.Errorf("RoleName %v is not the parameter: a StackSet needs the same name in every account", role["RoleName"])
	}
	doc, err := PolicyFromValue(role["AssumeRolePolicyDocument"])
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Statement) != 1 {
		t.Fatalf("trust policy has %d statements, want 1", len(doc.Statement))
	}
	st := doc.Statement[0]
	p, _ := st.Principal.(map[string]any)
	if st.Effect != "Allow" || len(p) != 1 || RefName(p["AWS"]) != "TrailhoundRoleArn" || !slices.Equal(st.Actions(), []string{"sts:AssumeRole"}) {
		t.Errorf("trust statement %+v, want sts:AssumeRole for the TrailhoundRoleArn parameter alone", st)
	}
	cond, _ := st.Condition.(map[string]any)
	eq, _ := cond["StringEquals"].(map[string]any)
	if len(cond) != 1 || len(eq) != 1 || RefName(eq["sts:ExternalId"]) != "ExternalId" {
		t.Errorf("trust condition %v, want StringEquals sts:ExternalId on the ExternalId parameter", st.Condition)
	}

	// The bot may assume the role by the template's default name.
	policy := readPolicyFile(t)
	name, _ := tmpl.Parameters["RoleName"].Default.(string)
	var granted bool
	for _, s := range policy["Statement"].([]any) {
		st := s.(map[string]any)
		if st["Sid"] == "MemberAccountRoles" {
			granted = MatchesARN(st["Resource"].(string), "arn:aws:iam::111122223333:role/"+name)
		}
	}
	if name == "" || !granted {
		t.Errorf("deploy/iam-policy.json does not let the bot assume the default role %q", name)
	}
}

// TestMemberRoleGrantsTheReads: the inline policy is deploy/iam-policy.json
// without the statements only the bot's own account needs, so the two
// cannot drift.
func TestMemberRoleGrantsTheReads(t *testing.T) {
	tmpl := loadMemberRole(t)
	_, role := only(t, tmpl, "AWS::IAM::Role")
	policies, _ := role["Policies"].([]any)
	if len(policies) != 1 {
		t.Fatalf("the role has %d inline policies, want 1", len(policies))
	}
	inline := policies[0].(map[string]any)["PolicyDocument"]
	if _, err := PolicyFromValue(inline); err != nil {
		t.Fatal(err)
	}
	want := readPolicyFile(t)
	var kept []any
	for _, s := range want["Statement"].([]any) {
		if !slices.Contains(botOnlyStatements, s.(map[string]any)["Sid"].(string)) {
			kept = append(kept, s)
		}
	}
	want["Statement"] = kept
	if got := normalize(t, inline); !reflect.DeepEqual(got, want) {
		b, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("the member role's policy is not deploy/iam-policy.json's reads; it is:\n%s", b)
	}
	for _, s := range kept {
		for _, a := range asStrings(s.(map[string]any)["Action"]) {
			if verb := a[strings.Index(a, ":")+1:]; !strings.HasPrefix(verb, "Describe") && !strings.HasPrefix(verb, "Get") &&
				!strings.HasPrefix(verb, "List") && !strings.HasPrefix(verb, "Lookup") && !strings.HasPrefix(verb, "Filter") &&
				a != "logs:StartQuery" && a != "logs:StopQuery" {
				t.Errorf("the member role grants %s, which is not a read", a)
			}
		}
	}
}

func readPolicyFile(t *testing.T) map[string]any {
	t.Helper()
	b, err := ReadRepoFile("deploy/iam-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

package check

import (
	"strings"
	"testing"
)

func loadSQSAndPolicy(t *testing.T) (*Template, *Policy) {
	t.Helper()
	b, err := ReadRepoFile("deploy/sns-to-sqs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := ParseTemplate(b)
	if err != nil {
		t.Fatalf("deploy/sns-to-sqs.yaml: %v", err)
	}
	b, err = ReadRepoFile("deploy/iam-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	policy, err := ParsePolicy(b)
	if err != nil {
		t.Fatalf("deploy/iam-policy.json: %v", err)
	}
	return tmpl, policy
}

// TestSQSTemplateAgreesWithPolicy: the queue deploy/sns-to-sqs.yaml creates is
// one deploy/iam-policy.json lets the bot read, with the same actions on both
// sides. (tools' own test keeps the policy equal to the calls the code makes.)
func TestSQSTemplateAgreesWithPolicy(t *testing.T) {
	tmpl, policy := loadSQSAndPolicy(t)
	for _, err := range tmpl.CheckReferences() {
		t.Error(err)
	}
	for _, err := range CheckQueueAgainstPolicy(tmpl, policy) {
		t.Error(err)
	}
}

// TestSQSCheckCatchesDisagreement breaks the template in the ways that deny
// the bot its queue, and expects the check to say so each time.
func TestSQSCheckCatchesDisagreement(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Template, *Policy)
		want   string
	}{
		{"queue left unnamed", func(tm *Template, _ *Policy) {
			delete(tm.Resources["AlarmQueue"].Properties, "QueueName")
		}, "has no QueueName"},
		{"default name outside the policy", func(tm *Template, _ *Policy) {
			p := tm.Parameters["QueueName"]
			p.Default = "alarms"
			tm.Parameters["QueueName"] = p
		}, `named "alarms"`},
		{"pattern lets other names in", func(tm *Template, _ *Policy) {
			p := tm.Parameters["QueueName"]
			p.AllowedPattern = "[a-z-]+"
			tm.Parameters["QueueName"] = p
		}, "lets in names"},
		{"no pattern at all", func(tm *Template, _ *Policy) {
			p := tm.Parameters["QueueName"]
			p.AllowedPattern = ""
			tm.Parameters["QueueName"] = p
		}, "no AllowedPattern"},
		{"name known only at deploy time", func(tm *Template, _ *Policy) {
			tm.Resources["AlarmQueue"].Properties["QueueName"] = map[string]any{"Fn::Sub": "${AWS::StackName}-alarms"}
		}, "cannot be resolved"},
		{"policy resource renamed", func(_ *Template, p *Policy) {
			for i, st := range p.Statement {
				if st.Sid == "AlarmQueue" {
					p.Statement[i].Resource = "arn:aws:sqs:*:*:alarms-*"
				}
			}
		}, "the IAM policy grants"},
		{"queue policy grants other actions", func(tm *Template, _ *Policy) {
			doc := tm.Resources["AlarmQueuePolicy"].Properties["PolicyDocument"].(map[string]any)
			for _, st := range doc["Statement"].([]any) {
				st := st.(map[string]any)
				if st["Sid"] == "AllowTrailhound" {
					st["Action"] = []any{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}
				}
			}
		}, "grants [sqs:ChangeMessageVisibility sqs:DeleteMessage sqs:GetQueueAttributes sqs:ReceiveMessage]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmpl, policy := loadSQSAndPolicy(t)
			c.mutate(tmpl, policy)
			errs := CheckQueueAgainstPolicy(tmpl, policy)
			var all []string
			for _, err := range errs {
				all = append(all, err.Error())
			}
			if !strings.Contains(strings.Join(all, "\n"), c.want) {
				t.Errorf("check said %q, want a complaint containing %q", all, c.want)
			}
		})
	}
}

func TestDecodeIntrinsicShortForms(t *testing.T) {
	v, err := DecodeCloudFormationYAML([]byte(`
a: !Ref Param
b: !GetAtt Redis.PrimaryEndPoint.Address
c: !Sub "x-${AWS::Region}"
d: !Join [",", [!Ref A, !Ref B]]
e: !If [IsProd, 1, !Ref AWS::NoValue]
f: !Condition IsProd
g: "yes"
`))
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if RefName(m["a"]) != "Param" {
		t.Errorf("a = %v", m["a"])
	}
	if r, a := GetAtt(m["b"]); r != "Redis" || a != "PrimaryEndPoint.Address" {
		t.Errorf("b = %v", m["b"])
	}
	if s := m["c"].(map[string]any)["Fn::Sub"]; s != "x-${AWS::Region}" {
		t.Errorf("c = %v", m["c"])
	}
	join := m["d"].(map[string]any)["Fn::Join"].([]any)
	if join[0] != "," || RefName(join[1].([]any)[1]) != "B" {
		t.Errorf("d = %v", m["d"])
	}
	if m["e"].(map[string]any)["Fn::If"].([]any)[1] != 1 {
		t.Errorf("e = %v", m["e"])
	}
	if m["f"].(map[string]any)["Condition"] != "IsProd" {
		t.Errorf("f = %v", m["f"])
	}
	if m["g"] != "yes" {
		t.Errorf("g = %#v", m["g"])
	}
	if _, err := DecodeCloudFormationYAML([]byte("a: 1\na: 2\n")); err == nil {
		t.Error("a repeated key was accepted")
	}
}

package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
)

// monitoringSandbox serves a scenario made of files (name → content, on top
// of a minimal valid scenario) and returns an SDK configuration pointed at it
// through LoadAWSConfig, as the product builds it, with one attempt per call.
func monitoringSandbox(t *testing.T, files map[string]string) (*awsapi.Emulator, aws.Config) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "trail"), 0o755); err != nil {
		t.Fatal(err)
	}
	all := map[string]string{
		"scenario.json": `{"title":"adapters","account":"123456789012","region":"us-east-1","now":"2024-05-01T12:30:00Z"}`,
		"alarm.json":    `{"AlarmName":"checkout-errors","NewStateValue":"ALARM","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-errors"}`,
	}
	for k, v := range files {
		all[k] = v
	}
	for name, content := range all {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sc, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := awsapi.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	// The machine's own AWS settings must not leak into the test.
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg, err := LoadAWSConfig(ctx, AWSOptions{
		Region:      "us-east-1",
		Endpoint:    srv.URL,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSANDBOXTEST", "sandbox-secret", ""),
		MaxAttempts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, cfg
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

const iamScenario = `{
 "roles": [
  {"name": "checkout-role", "arn": "arn:aws:iam::123456789012:role/service-role/checkout-role",
   "assume_role_policy": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]},
   "attached": ["arn:aws:iam::123456789012:policy/checkout-data"],
   "inline": {"kms-decrypt": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringLike":{"kms:ViaService":"s3.*+x"}}}]},
              "ddb-read": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}}}
 ],
 "policies": [
  {"arn": "arn:aws:iam::123456789012:policy/checkout-data", "default_version": "v3",
   "versions": [
    {"id": "v1", "created": "2024-01-01T00:00:00Z", "document": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}},
    {"id": "v2", "created": "2024-03-01T00:00:00Z", "document": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::orders/*"}]}},
    {"id": "v3", "created": "2024-05-01T11:50:00Z", "document": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::orders/*"}]}}
   ]}
 ]
}`

func sameJSON(t *testing.T, got, want json.RawMessage) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("not JSON: %s", got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}

func TestIAMPolicyVersions(t *testing.T) {
	a, cfg := monitoringSandbox(t, map[string]string{"iam.json": iamScenario})
	reader := NewIAM(cfg, IAMOptions{})
	var scenario scenario.IAMFile
	if err := json.Unmarshal([]byte(iamScenario), &scenario); err != nil {
		t.Fatal(err)
	}
	counter := NewCallCounter(nil)
	var engine investigation.IAM = reader
	versions, err := engine.PolicyVersions(WithCallCounter(testCtx(t), counter), "arn:aws:iam::123456789012:policy/checkout-data")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range versions {
		ids = append(ids, v.ID)
	}
	if !slices.Equal(ids, []string{"v3", "v2", "v1"}) || !versions[0].IsDefault || versions[1].IsDefault {
		t.Fatalf("versions %v, want v3 (default), v2, v1", ids)
	}
	for _, v := range versions {
		want := scenario.Policies[0].Versions[map[string]int{"v1": 0, "v2": 1, "v3": 2}[v.ID]]
		if !sameJSON(t, v.Document, want.Document) || !v.Created.Equal(want.Created) {
			t.Errorf("%s: document %s created %v", v.ID, v.Document, v.Created)
		}
	}
	if got := counter.Counts(); got[OpListPolicyVersions] != 1 || got[OpGetPolicyVersion] != 3 {
		t.Errorf("counted %v, want 1 list and 3 gets", got)
	}
	if got := a.Calls(); got[OpGetPolicyVersion] != 3 {
		t.Errorf("sandbox saw %v", got)
	}

	bounded, err := NewIAM(cfg, IAMOptions{MaxDocuments: 2}).PolicyVersions(testCtx(t), "arn:aws:iam::123456789012:policy/checkout-data")
	if err != nil || len(bounded) != 2 || bounded[0].ID != "v3" {
		t.Errorf("MaxDocuments 2 read %d versions: %v", len(bounded), err)
	}
}

func TestIAMRolePolicies(t *testing.T) {
	_, cfg := monitoringSandbox(t, map[string]string{"iam.json": iamScenario})
	var scenario scenario.IAMFile
	if err := json.Unmarshal([]byte(iamScenario), &scenario); err != nil {
		t.Fatal(err)
	}
	rp, err := NewIAM(cfg, IAMOptions{}).RolePolicies(testCtx(t), "arn:aws:iam::123456789012:role/service-role/checkout-role")
	if err != nil {
		t.Fatal(err)
	}
	if rp.Role.Name != "checkout-role" || rp.Role.Path != "/service-role/" || !sameJSON(t, rp.Role.AssumeRolePolicy, scenario.Roles[0].AssumeRolePolicy) {
		t.Errorf("role %+v", rp.Role)
	}
	if len(rp.Attached) != 1 || rp.Attached[0].Name != "checkout-data" || rp.Truncated {
		t.Errorf("attached %+v truncated %t", rp.Attached, rp.Truncated)
	}
	if len(rp.Inline) != 2 || rp.Inline[0].Name != "ddb-read" || rp.Inline[1].Name != "kms-decrypt" {
		t.Fatalf("inline %+v", rp.Inline)
	}
	// "+" survives the round trip: IAM encodes it, and decoding must not turn it into a space.
	if !sameJSON(t, rp.Inline[1].Document, scenario.Roles[0].Inline["kms-decrypt"]) || !strings.Contains(string(rp.Inline[1].Document), "s3.*+x") {
		t.Errorf("inline document %s", rp.Inline[1].Document)
	}

	bounded, err := NewIAM(cfg, IAMOptions{MaxDocuments: 1}).RolePolicies(testCtx(t), "checkout-role")
	if err != nil || len(bounded.Inline) != 1 || !bounded.Truncated {
		t.Errorf("MaxDocuments 1: %d inline, truncated %t, %v", len(bounded.Inline), bounded.Truncated, err)
	}
}

func TestIAMListingBound(t *testing.T) {
	inline := map[string]json.RawMessage{}
	for i := range 130 {
		inline[fmt.Sprintf("p%03d", i)] = json.RawMessage(`{"Version":"2012-10-17","Statement":[]}`)
	}
	doc, _ := json.Marshal(map[string]any{"roles": []any{map[string]any{"name": "busy", "inline": inline}}})
	a, cfg := monitoringSandbox(t, map[string]string{"iam.json": string(doc)})
	names, more, err := NewIAM(cfg, IAMOptions{}).ListRolePolicies(testCtx(t), "busy")
	if err != nil || len(names) != 130 || more {
		t.Errorf("read %d names (more %t): %v", len(names), more, err)
	}
	names, more, err = NewIAM(cfg, IAMOptions{MaxPages: 1}).ListRolePolicies(testCtx(t), "busy")
	if err != nil || len(names) != 100 || !more {
		t.Errorf("one page: %d names, more %t, %v", len(names), more, err)
	}
	if n := a.Calls()[OpListRolePolicies]; n != 3 {
		t.Errorf("sandbox saw %d ListRolePolicies calls, want 3", n)
	}
}

func TestIAMErrors(t *testing.T) {
	a, cfg := monitoringSandbox(t, map[string]string{"iam.json": iamScenario})
	reader := NewIAM(cfg, IAMOptions{})
	cases := []struct {
		name       string
		fault      string // operation to fail with AccessDenied
		call       func(context.Context) error
		reason     investigation.Reason
		permission string
	}{
		{"unknown role", "", func(ctx context.Context) error { _, err := reader.GetRole(ctx, "ghost"); return err }, investigation.ReasonNotFound, ""},
		{"unknown policy", "", func(ctx context.Context) error {
			_, err := reader.PolicyVersions(ctx, "arn:aws:iam::123456789012:policy/ghost")
			return err
		}, investigation.ReasonNotFound, ""},
		{"unknown inline policy", "", func(ctx context.Context) error {
			_, err := reader.GetRolePolicy(ctx, "checkout-role", "ghost")
			return err
		}, investigation.ReasonNotFound, ""},
		{"access denied mid-way", OpGetPolicyVersion, func(ctx context.Context) error {
			_, err := reader.PolicyVersions(ctx, "arn:aws:iam::123456789012:policy/checkout-data")
			return err
		}, investigation.ReasonAccessDenied, OpGetPolicyVersion},
		{"access denied on the role", OpGetRole, func(ctx context.Context) error { _, err := reader.RolePolicies(ctx, "checkout-role"); return err },
			investigation.ReasonAccessDenied, OpGetRole},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.fault != "" {
				a.SetFault(c.fault, awsapi.Fault{ErrorCode: "AccessDenied", Status: http.StatusForbidden})
				defer a.SetFault(c.fault, awsapi.Fault{})
			}
			err := c.call(testCtx(t))
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Reason != c.reason || apiErr.Permission != c.permission {
				t.Fatalf("got %v; want reason %s, permission %q", err, c.reason, c.permission)
			}
			if c.reason == investigation.ReasonNotFound && !errors.Is(err, investigation.ErrUnknownResource) {
				t.Errorf("not found must match investigation.ErrUnknownResource: %v", err)
			}
		})
	}
}

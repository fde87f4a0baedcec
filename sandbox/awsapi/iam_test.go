package awsapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

const monIAMJSON = `{
 "roles": [
  {"name": "checkout-role", "arn": "arn:aws:iam::123456789012:role/service-role/checkout-role",
   "assume_role_policy": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]},
   "attached": ["arn:aws:iam::123456789012:policy/checkout-data", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
   "inline": {"kms-decrypt": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]},
              "ddb-read": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/orders"}]}}},
  {"name": "bare-role"}
 ],
 "policies": [
  {"arn": "arn:aws:iam::123456789012:policy/checkout-data", "default_version": "v3",
   "versions": [
    {"id": "v1", "created": "2024-01-01T00:00:00Z", "document": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}},
    {"id": "v3", "created": "2024-05-01T11:50:00Z", "document": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::orders/*"}]}},
    {"id": "v2", "created": "2024-03-01T00:00:00Z", "document": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::orders/*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"a&b <c>"}}}]}}
   ]}
 ]
}`

// monSameJSON compares JSON documents by value.
func monSameJSON(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}

// monDecodeDocument URL-decodes a policy document as IAM returns it.
func monDecodeDocument(t *testing.T, encoded *string) string {
	t.Helper()
	s := aws.ToString(encoded)
	if strings.ContainsAny(s, `{}":`) {
		t.Fatalf("policy document is not URL-encoded: %s", s)
	}
	doc, err := url.PathUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestIAMRoleReads(t *testing.T) {
	sc := monScenario(t, map[string]string{"iam.json": monIAMJSON})
	_, cfg := monServe(t, sc)
	client := iam.NewFromConfig(cfg)
	ctx := monCtx(t)

	role, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("checkout-role")})
	if err != nil {
		t.Fatal(err)
	}
	r := role.Role
	if aws.ToString(r.Arn) != "arn:aws:iam::123456789012:role/service-role/checkout-role" || aws.ToString(r.Path) != "/service-role/" ||
		!strings.HasPrefix(aws.ToString(r.RoleId), "AROA") || len(aws.ToString(r.RoleId)) != 21 {
		t.Errorf("role %+v", r)
	}
	if !monSameJSON(t, monDecodeDocument(t, r.AssumeRolePolicyDocument), string(sc.IAM.Roles[0].AssumeRolePolicy)) {
		t.Errorf("trust policy differs")
	}
	bare, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("BARE-ROLE")})
	if err != nil {
		t.Fatalf("role names are case-insensitive: %v", err)
	}
	if aws.ToString(bare.Role.Arn) != "arn:aws:iam::123456789012:role/bare-role" {
		t.Errorf("bare role ARN %s", aws.ToString(bare.Role.Arn))
	}

	attached, err := client.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("checkout-role")})
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, p := range attached.AttachedPolicies {
		arns = append(arns, aws.ToString(p.PolicyArn))
	}
	if !slices.Equal(arns, sc.IAM.Roles[0].Attached) || aws.ToString(attached.AttachedPolicies[1].PolicyName) != "AWSLambdaBasicExecutionRole" {
		t.Errorf("attached %v", attached.AttachedPolicies)
	}
	prefixed, err := client.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("checkout-role"), PathPrefix: aws.String("/service-role/")})
	if err != nil || len(prefixed.AttachedPolicies) != 1 {
		t.Errorf("PathPrefix /service-role/: %v, %v", prefixed, err)
	}

	// Paging one name at a time walks every inline policy, sorted.
	pages := iam.NewListRolePoliciesPaginator(client, &iam.ListRolePoliciesInput{RoleName: aws.String("checkout-role"), MaxItems: aws.Int32(1)})
	var names []string
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, page.PolicyNames...)
	}
	if !slices.Equal(names, []string{"ddb-read", "kms-decrypt"}) {
		t.Errorf("inline names %v", names)
	}

	inline, err := client.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("checkout-role"), PolicyName: aws.String("ddb-read")})
	if err != nil {
		t.Fatal(err)
	}
	if !monSameJSON(t, monDecodeDocument(t, inline.PolicyDocument), string(sc.IAM.Roles[0].Inline["ddb-read"])) {
		t.Errorf("inline document differs: %s", aws.ToString(inline.PolicyDocument))
	}
}

func TestIAMPolicyReads(t *testing.T) {
	sc := monScenario(t, map[string]string{"iam.json": monIAMJSON})
	_, cfg := monServe(t, sc)
	client := iam.NewFromConfig(cfg)
	ctx := monCtx(t)
	arn := aws.String("arn:aws:iam::123456789012:policy/checkout-data")

	p, err := client.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(p.Policy.DefaultVersionId) != "v3" || aws.ToString(p.Policy.PolicyName) != "checkout-data" || aws.ToInt32(p.Policy.AttachmentCount) != 1 ||
		!aws.ToTime(p.Policy.CreateDate).Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		!aws.ToTime(p.Policy.UpdateDate).Equal(time.Date(2024, 5, 1, 11, 50, 0, 0, time.UTC)) {
		t.Errorf("policy %+v", p.Policy)
	}

	pages := iam.NewListPolicyVersionsPaginator(client, &iam.ListPolicyVersionsInput{PolicyArn: arn, MaxItems: aws.Int32(2)})
	var ids []string
	var defaults int
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			ids = append(ids, aws.ToString(v.VersionId))
			if v.Document != nil {
				t.Errorf("ListPolicyVersions returned a document for %s", aws.ToString(v.VersionId))
			}
			if v.IsDefaultVersion {
				defaults++
			}
		}
	}
	if !slices.Equal(ids, []string{"v3", "v2", "v1"}) || defaults != 1 {
		t.Errorf("versions %v (%d default), want newest first with one default", ids, defaults)
	}

	v2, err := client.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")})
	if err != nil {
		t.Fatal(err)
	}
	doc := monDecodeDocument(t, v2.PolicyVersion.Document)
	if !monSameJSON(t, doc, string(sc.IAM.Policies[0].Versions[2].Document)) || v2.PolicyVersion.IsDefaultVersion {
		t.Errorf("v2 %+v: %s", v2.PolicyVersion, doc)
	}
	if !strings.Contains(doc, "a&b <c>") {
		t.Errorf("special characters lost: %s", doc)
	}
}

func TestIAMErrors(t *testing.T) {
	a, cfg := monServe(t, monScenario(t, map[string]string{"iam.json": monIAMJSON}))
	client := iam.NewFromConfig(cfg)
	arn := aws.String("arn:aws:iam::123456789012:policy/checkout-data")
	cases := []struct {
		name   string
		call   func() error
		code   string
		status int
		msg    string
	}{
		{"GetRole unknown", func() error {
			_, err := client.GetRole(monCtx(t), &iam.GetRoleInput{RoleName: aws.String("ghost")})
			return err
		}, "NoSuchEntity", 404, "The role with name ghost cannot be found."},
		{"ListAttachedRolePolicies unknown role", func() error {
			_, err := client.ListAttachedRolePolicies(monCtx(t), &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("ghost")})
			return err
		}, "NoSuchEntity", 404, "The role with name ghost cannot be found."},
		{"GetRolePolicy unknown policy", func() error {
			_, err := client.GetRolePolicy(monCtx(t), &iam.GetRolePolicyInput{RoleName: aws.String("checkout-role"), PolicyName: aws.String("ghost")})
			return err
		}, "NoSuchEntity", 404, "The role policy with name ghost cannot be found."},
		{"GetPolicy unknown", func() error {
			_, err := client.GetPolicy(monCtx(t), &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::123456789012:policy/ghost")})
			return err
		}, "NoSuchEntity", 404, "does not exist or is not attachable"},
		{"GetPolicy malformed ARN", func() error {
			_, err := client.GetPolicy(monCtx(t), &iam.GetPolicyInput{PolicyArn: aws.String("checkout-data-but-not-an-arn")})
			return err
		}, "InvalidInput", 400, "is not valid"},
		{"GetPolicyVersion unknown version", func() error {
			_, err := client.GetPolicyVersion(monCtx(t), &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v9")})
			return err
		}, "NoSuchEntity", 404, "version v9 does not exist"},
		{"GetPolicyVersion bad version id", func() error {
			_, err := client.GetPolicyVersion(monCtx(t), &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("latest")})
			return err
		}, "ValidationError", 400, "versionId"},
		{"MaxItems out of range", func() error {
			_, err := client.ListPolicyVersions(monCtx(t), &iam.ListPolicyVersionsInput{PolicyArn: arn, MaxItems: aws.Int32(1001)})
			return err
		}, "ValidationError", 400, "maxItems"},
		{"Marker from another listing", func() error {
			page, err := client.ListPolicyVersions(monCtx(t), &iam.ListPolicyVersionsInput{PolicyArn: arn, MaxItems: aws.Int32(1)})
			if err != nil {
				return err
			}
			_, err = client.ListRolePolicies(monCtx(t), &iam.ListRolePoliciesInput{RoleName: aws.String("checkout-role"), Marker: page.Marker})
			return err
		}, "ValidationError", 400, "Marker"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			code, status := monAPIError(t, err)
			if code != c.code || status != c.status || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("got %s (HTTP %d): %v; want %s (HTTP %d) saying %q", code, status, err, c.code, c.status, c.msg)
			}
		})
	}
	t.Run("NoSuchEntity is the modeled error", func(t *testing.T) {
		_, err := client.GetRole(monCtx(t), &iam.GetRoleInput{RoleName: aws.String("ghost")})
		var nse *iamtypes.NoSuchEntityException
		if !errors.As(err, &nse) {
			t.Errorf("want *types.NoSuchEntityException, got %T", err)
		}
	})
	t.Run("fault", func(t *testing.T) {
		a.SetFault("iam:GetPolicyVersion", Fault{ErrorCode: "AccessDenied", Status: http.StatusForbidden})
		defer a.SetFault("iam:GetPolicyVersion", Fault{})
		_, err := client.GetPolicyVersion(monCtx(t), &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")})
		if code, status := monAPIError(t, err); code != "AccessDenied" || status != http.StatusForbidden {
			t.Errorf("got %s (HTTP %d)", code, status)
		}
	})
	if n := a.Calls()["iam:GetRole"]; n != 2 {
		t.Errorf("iam:GetRole counted %d calls, want 2", n)
	}
}

func TestIAMBadScenario(t *testing.T) {
	cases := map[string]string{
		"default version missing": `{"policies":[{"arn":"arn:aws:iam::123456789012:policy/p","default_version":"v2","versions":[{"id":"v1","created":"2024-01-01T00:00:00Z","document":{}}]}]}`,
		"role arn is not a role":  `{"roles":[{"name":"r","arn":"arn:aws:iam::123456789012:user/r"}]}`,
		"version without created": `{"policies":[{"arn":"arn:aws:iam::123456789012:policy/p","versions":[{"id":"v1","document":{}}]}]}`,
	}
	for name, file := range cases {
		t.Run(name, func(t *testing.T) {
			_, cfg := monServe(t, monScenario(t, map[string]string{"iam.json": file}))
			_, err := iam.NewFromConfig(cfg).GetRole(monCtx(t), &iam.GetRoleInput{RoleName: aws.String("r")})
			if code, status := monAPIError(t, err); code != "ServiceFailure" || status != 500 || !strings.Contains(err.Error(), "iam.json") {
				t.Errorf("got %s (HTTP %d): %v", code, status, err)
			}
		})
	}
}

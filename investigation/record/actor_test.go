package record

import (
	"encoding/json"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

const (
	terraformAgent = "APN/1.0 HashiCorp/1.0 Terraform/1.1.2 (+https://www.terraform.io) terraform-provider-aws/3.76.1 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go/1.44.157 (go1.19.3; linux; amd64) HashiCorp-terraform-exec/0.17.3"
	cliAgent       = "aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux#5.15 md/arch#x86_64 lang/python#3.11.9"
	browserAgent   = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36"
	ssoRoleName    = "AWSReservedSSO_AdministratorAccess_1b74cd717d47002b"
)

func assumedRole(role, session string) map[string]any {
	return map[string]any{
		"type":        "AssumedRole",
		"principalId": "AROAEXAMPLE:" + session,
		"arn":         "arn:aws:sts::123456789012:assumed-role/" + role + "/" + session,
		"accountId":   "123456789012",
		"accessKeyId": "ASIAEXAMPLE",
		"sessionContext": map[string]any{
			"sessionIssuer": map[string]any{"type": "Role", "userName": role,
				"arn": "arn:aws:iam::123456789012:role/" + role},
			"attributes": map[string]any{"mfaAuthenticated": "false"},
		},
	}
}

func iamUser(name string) map[string]any {
	return map[string]any{"type": "IAMUser", "userName": name, "principalId": "AIDAEXAMPLE",
		"arn": "arn:aws:iam::123456789012:user/" + name, "accountId": "123456789012", "accessKeyId": "AKIAEXAMPLE"}
}

// TestActor checks names and kinds on the identity shapes the samples show.
func TestActor(t *testing.T) {
	consoleSession := iamUser("bert-jan")
	consoleSession["accessKeyId"] = "ASIAEXAMPLE"
	consoleSession["sessionContext"] = map[string]any{"attributes": map[string]any{"mfaAuthenticated": "true"}}

	ssoViaRDS := assumedRole(ssoRoleName, "AdanAlvarez")
	ssoViaRDS["invokedBy"] = "rds.amazonaws.com"
	stackRole := assumedRole("deploy-stack-role", "123123123456")
	stackRole["invokedBy"] = "cloudformation.amazonaws.com"
	serviceLinked := assumedRole("AWSServiceRoleForRDS", "SLRManagement")
	serviceLinked["sessionContext"].(map[string]any)["sessionIssuer"].(map[string]any)["arn"] =
		"arn:aws:iam::123456789012:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS"
	instanceRole := assumedRole("app-instance-role", "i-05c30218156bcc246")
	instanceRole["sessionContext"].(map[string]any)["ec2RoleDelivery"] = "2.0"

	tests := []struct {
		name     string
		identity map[string]any
		agent    string
		extra    map[string]any
		wantName string
		wantKind investigation.ActorKind
		wantUser string
	}{
		{"IAM user with Terraform", iamUser("bert-jan"), terraformAgent, nil, "bert-jan", investigation.ActorAutomation, "bert-jan"},
		{"IAM user with the CLI", iamUser("alice"), cliAgent, nil, "alice", investigation.ActorHuman, "alice"},
		{"IAM user named like a CI bot", iamUser("ci-bot"), cliAgent, nil, "ci-bot", investigation.ActorAutomation, "ci-bot"},
		{"IAM user with an unknown tool", iamUser("christophe"), "stratus-red-team_7d2a6913", nil, "christophe", investigation.ActorUnknown, "christophe"},
		{"console session through AWS Internal", consoleSession, "AWS Internal", nil, "bert-jan", investigation.ActorConsole, "bert-jan"},
		{"sessionCredentialFromConsole as a string", iamUser("bert-jan"), "AWS Internal",
			map[string]any{"sessionCredentialFromConsole": "true"}, "bert-jan", investigation.ActorConsole, "bert-jan"},
		{"browser", iamUser("bert-jan"), "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:102.0) Gecko/20100101 Firefox/102.0", nil,
			"bert-jan", investigation.ActorConsole, "bert-jan"},
		{"console client agent", iamUser("pedro"), "console.ec2.amazonaws.com", nil, "pedro", investigation.ActorConsole, "pedro"},
		{"S3 console", iamUser("pedro"), "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10]", nil,
			"pedro", investigation.ActorConsole, "pedro"},
		{"SSO permission set with the CLI", assumedRole(ssoRoleName, "AdanAlvarez"), cliAgent, nil,
			"AdanAlvarez (AdministratorAccess)", investigation.ActorHuman, "AdanAlvarez"},
		{"SSO permission set in the console", assumedRole(ssoRoleName, "AdanAlvarez"), browserAgent,
			map[string]any{"sessionCredentialFromConsole": true}, "AdanAlvarez (AdministratorAccess)", investigation.ActorConsole, "AdanAlvarez"},
		{"CloudShell", assumedRole(ssoRoleName, "AdanAlvarez"), cliAgent + " exec-env/CloudShell",
			map[string]any{"sessionCredentialFromConsole": "true"}, "AdanAlvarez (AdministratorAccess)", investigation.ActorConsole, "AdanAlvarez"},
		{"Terraform from CloudShell", assumedRole(ssoRoleName, "AdanAlvarez"), terraformAgent,
			map[string]any{"sessionCredentialFromConsole": "true"}, "AdanAlvarez (AdministratorAccess)", investigation.ActorAutomation, "AdanAlvarez"},
		{"person's session name on a plain role", assumedRole("Admin", "alice@example.com"), cliAgent, nil,
			"alice@example.com (Admin)", investigation.ActorHuman, "alice@example.com"},
		{"plain role with the CLI", assumedRole("DevAdministrator", "test_user"), cliAgent, nil,
			"test_user (DevAdministrator)", investigation.ActorUnknown, "test_user"},
		{"GitHub Actions OIDC role", assumedRole("github-oidc-deployer", "GitHubActions"), "aws-sdk-js/2.1500.0 linux/v20", nil,
			"GitHubActions (github-oidc-deployer)", investigation.ActorAutomation, "GitHubActions"},
		{"CodeBuild role", assumedRole("codebuild-app-service-role", "AWSCodeBuild-0a1b2c3d"), "Boto3/1.26.165 Python/3.10.6 Botocore/1.29.165", nil,
			"AWSCodeBuild-0a1b2c3d (codebuild-app-service-role)", investigation.ActorAutomation, "AWSCodeBuild-0a1b2c3d"},
		{"instance profile workload", instanceRole, "aws-sdk-go/1.41.4 (go1.18.3; linux; amd64) amazon-ssm-agent/", nil,
			"i-05c30218156bcc246 (app-instance-role)", investigation.ActorUnknown, "i-05c30218156bcc246"},
		{"SSO role invoked by a service", ssoViaRDS, "rds.amazonaws.com", nil,
			"AdanAlvarez (AdministratorAccess)", investigation.ActorService, "AdanAlvarez"},
		{"CloudFormation acting for a stack", stackRole, "cloudformation.amazonaws.com", nil,
			"123123123456 (deploy-stack-role)", investigation.ActorAutomation, "123123123456"},
		{"service-linked role", serviceLinked, "rds.amazonaws.com", nil,
			"SLRManagement (AWSServiceRoleForRDS)", investigation.ActorService, "SLRManagement"},
		{"AWS service", map[string]any{"type": "AWSService", "invokedBy": "rds.amazonaws.com"}, "rds.amazonaws.com", nil,
			"rds.amazonaws.com", investigation.ActorService, ""},
		{"identity that is only invokedBy", map[string]any{"accountId": "123456789012", "invokedBy": "secretsmanager.amazonaws.com"},
			"secretsmanager.amazonaws.com", nil, "secretsmanager.amazonaws.com", investigation.ActorService, ""},
		{"root in a browser", map[string]any{"type": "Root", "principalId": "123456789012", "arn": "arn:aws:iam::123456789012:root",
			"accountId": "123456789012"}, browserAgent, nil, "root", investigation.ActorConsole, "root"},
		{"root signing in", map[string]any{"type": "Root", "arn": "arn:aws:iam::123456789012:root", "invokedBy": "signin.amazonaws.com"},
			"signin.amazonaws.com", nil, "root", investigation.ActorConsole, "root"},
		{"federated user", map[string]any{"type": "FederatedUser", "arn": "arn:aws:sts::123456789012:federated-user/stratus_red_team",
			"principalId": "123456789012:stratus_red_team", "sessionContext": map[string]any{"sessionIssuer": map[string]any{
				"type": "IAMUser", "userName": "federation-user"}}},
			"aws-sdk-go-v2/1.32.3 os/linux lang/go#1.23.1", nil, "stratus_red_team (federation-user)", investigation.ActorHuman, "stratus_red_team"},
		{"another account", map[string]any{"type": "AWSAccount", "accountId": "111122223333", "principalId": "AIDAEXAMPLE:lambda"},
			"aws-sdk-java/2.20.0", nil, "account 111122223333", investigation.ActorUnknown, ""},
		{"lower-cased keys", map[string]any{"type": "AssumedRole", "principalid": "AROAEXAMPLE:alan",
			"arn": "arn:aws:sts::112233445566:assumed-role/TestAdmin/alan", "accountid": "112233445566"},
			"console.ec2.amazonaws.com", nil, "alan (TestAdmin)", investigation.ActorConsole, "alan"},
		{"no identity", map[string]any{}, "", nil, "", investigation.ActorUnknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := map[string]any{"userIdentity": tt.identity, "userAgent": tt.agent}
			for k, v := range tt.extra {
				fields[k] = v
			}
			raw := withFields(t, record("ec2.amazonaws.com", "DescribeInstances", "", ""), fields)
			e := mustParse(t, raw)
			if e.Actor.Name != tt.wantName || e.Actor.Kind != tt.wantKind {
				t.Errorf("actor = %q/%s, want %q/%s", e.Actor.Name, e.Actor.Kind, tt.wantName, tt.wantKind)
			}
			var r rawRecord
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			if got := lookupUsername(r.UserIdentity); got != tt.wantUser {
				t.Errorf("LookupEvents username = %q, want %q", got, tt.wantUser)
			}
		})
	}
}

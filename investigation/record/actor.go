package record

import (
	"regexp"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// userIdentity.type values CloudTrail writes.
const (
	identityIAMUser       = "IAMUser"
	identityAssumedRole   = "AssumedRole"
	identityRoot          = "Root"
	identityFederatedUser = "FederatedUser"
	identityAWSService    = "AWSService"
	identityAWSAccount    = "AWSAccount"
	identityCenterUser    = "IdentityCenterUser"
)

// actorOf names who made the call and what kind of actor that is.
func actorOf(r rawRecord) investigation.Actor {
	id := r.UserIdentity
	return investigation.Actor{
		Name: actorName(id),
		ARN:  id.ARN,
		Kind: actorKind(r),
	}
}

// actorName is the human-meaningful identity: the IAM user name; for an
// assumed role, the session name with the role name ("alice@corp
// (AdministratorAccess)"); the service for calls AWS makes; "root".
func actorName(id identity) string {
	switch id.Type {
	case identityRoot:
		return "root"
	case identityIAMUser:
		return firstNonEmpty(id.UserName, arnTail(id.ARN))
	case identityAssumedRole:
		role, session := roleAndSession(id)
		role = ssoPermissionSet(role)
		switch {
		case session == "" || session == role:
			return role
		case role == "":
			return session
		}
		return session + " (" + role + ")"
	case identityFederatedUser:
		name := arnTail(id.ARN)
		if issuer := id.SessionContext.SessionIssuer.UserName; issuer != "" && issuer != name {
			return name + " (" + issuer + ")"
		}
		return name
	case identityAWSService:
		return firstNonEmpty(id.InvokedBy, "AWS service")
	case identityAWSAccount:
		return "account " + firstNonEmpty(id.AccountID, id.PrincipalID)
	case identityCenterUser:
		return firstNonEmpty(id.UserName, id.OnBehalfOf.UserID, id.PrincipalID)
	}
	return firstNonEmpty(id.UserName, id.InvokedBy, arnTail(id.ARN), id.PrincipalID)
}

// lookupUsername is the value LookupEvents' Username attribute matches: the
// IAM user name, the role session name, "root", the federated user name.
func lookupUsername(id identity) string {
	switch id.Type {
	case identityRoot:
		return "root"
	case identityAssumedRole:
		_, session := roleAndSession(id)
		return session
	case identityFederatedUser:
		return arnTail(id.ARN)
	case identityAWSService:
		return ""
	}
	return firstNonEmpty(id.UserName, arnTail(id.ARN))
}

// roleAndSession splits an assumed-role identity: the ARN reads
// arn:aws:sts::123456789012:assumed-role/ROLE/SESSION; the principal id reads
// AROA…:SESSION; the session issuer names the role.
func roleAndSession(id identity) (role, session string) {
	role = id.SessionContext.SessionIssuer.UserName
	if _, rest, ok := strings.Cut(id.ARN, ":assumed-role/"); ok {
		r, s, _ := strings.Cut(rest, "/")
		role = firstNonEmpty(role, r)
		session = s
	}
	if session == "" {
		if _, s, ok := strings.Cut(id.PrincipalID, ":"); ok {
			session = s
		}
	}
	if role == "" {
		role = arnTail(id.SessionContext.SessionIssuer.ARN)
	}
	return role, session
}

// ssoRole matches the roles IAM Identity Center creates for a permission set:
// AWSReservedSSO_<permission set>_<16 hex digits>.
var ssoRole = regexp.MustCompile(`^AWSReservedSSO_(.+)_[0-9a-f]{16}$`)

// ssoPermissionSet shortens an Identity Center role to its permission set,
// the name people know it by.
func ssoPermissionSet(role string) string {
	if m := ssoRole.FindStringSubmatch(role); m != nil {
		return m[1]
	}
	return role
}

// actorKind classifies the caller. The evidence, strongest first:
//  1. AWS acting on its own: userIdentity type AWSService, an identity that is
//     only invokedBy, a service-linked role, or invokedBy naming an AWS
//     service (CloudFormation acting for a stack is automation).
//  2. An infrastructure-as-code or CI tool in the user agent (Terraform,
//     Pulumi, CDK, …): automation, even from a console shell.
//  3. The console: sessionCredentialFromConsole, a console sign-in event, a
//     browser or console user agent, invokedBy signin.amazonaws.com, or calls
//     the console makes internally ("AWS Internal", aws-internal/) for a
//     person's session.
//  4. A CLI or SDK agent: automation when the user, role or session is named
//     like a pipeline (deploy, github, codebuild, …); human when the caller is
//     a person (IAM user, root, federated or Identity Center user, SSO
//     permission set, an e-mail-like session name).
//  5. Anything else — workloads on instance profiles, Lambda or ECS roles,
//     unknown tools — is unknown: neither a person nor a pipeline.
func actorKind(r rawRecord) investigation.ActorKind {
	id := r.UserIdentity
	ua := strings.Trim(strings.TrimSpace(r.UserAgent), "[]")
	invokedBy := strings.ToLower(id.InvokedBy)
	role, session := roleAndSession(id)

	switch {
	case id.Type == identityAWSService,
		id.Type == "" && invokedBy != "",
		isServiceLinkedRole(id):
		return investigation.ActorService
	case invokedBy == "cloudformation.amazonaws.com":
		return investigation.ActorAutomation
	case isServicePrincipal(invokedBy) && invokedBy != "signin.amazonaws.com":
		return investigation.ActorService
	case isIaCAgent(ua):
		return investigation.ActorAutomation
	}

	fromConsole, _ := jsonBool(r.SessionCredentialFromConsole)
	switch {
	case fromConsole,
		r.EventType == "AwsConsoleSignIn", r.EventType == "AwsConsoleAction",
		invokedBy == "signin.amazonaws.com",
		isConsoleAgent(ua):
		return investigation.ActorConsole
	case isAWSInternalAgent(ua) || invokedBy == "aws internal":
		if isPerson(id, role, session) {
			return investigation.ActorConsole
		}
		return investigation.ActorService
	}

	if isCLIOrSDKAgent(ua) {
		switch {
		case isPipelineName(id.UserName, role, session):
			return investigation.ActorAutomation
		case isPerson(id, role, session):
			return investigation.ActorHuman
		}
		return investigation.ActorUnknown
	}
	if isServicePrincipal(strings.ToLower(ua)) {
		return investigation.ActorService
	}
	return investigation.ActorUnknown
}

// isServiceLinkedRole reports a session of a role AWS created for a service
// (path /aws-service-role/): the service acting in the account.
func isServiceLinkedRole(id identity) bool {
	return strings.Contains(id.SessionContext.SessionIssuer.ARN, ":role/aws-service-role/") ||
		strings.HasPrefix(id.SessionContext.SessionIssuer.UserName, "AWSServiceRoleFor")
}

// isServicePrincipal reports an AWS service principal such as
// "rds.amazonaws.com".
func isServicePrincipal(s string) bool {
	return strings.HasSuffix(s, ".amazonaws.com") && !strings.ContainsAny(s, " /")
}

// isPerson reports callers that stand for one person rather than a workload.
func isPerson(id identity, role, session string) bool {
	switch id.Type {
	case identityIAMUser, identityRoot, identityFederatedUser, identityCenterUser, "SAMLUser", "WebIdentityUser":
		return true
	case identityAssumedRole:
		return ssoRole.MatchString(role) || strings.Contains(session, "@")
	}
	return false
}

// agentHas reports whether the user agent holds any of the fragments,
// ignoring case.
func agentHas(ua string, fragments ...string) bool {
	l := strings.ToLower(ua)
	for _, f := range fragments {
		if strings.Contains(l, f) {
			return true
		}
	}
	return false
}

// isIaCAgent recognises infrastructure-as-code and deployment tools, which
// name themselves in the user agent (Terraform's provider writes
// "HashiCorp Terraform/… terraform-provider-aws/…", the CDK "aws-cdk/…").
func isIaCAgent(ua string) bool {
	return agentHas(ua, "terraform", "pulumi", "aws-cdk", "cdktf", "cloudformation",
		"serverless/", "ansible", "crossplane", "aws-sam-cli", "copilot-cli",
		"exec-env/github", "exec-env/codebuild", "exec-env/gitlab")
}

// isConsoleAgent recognises browsers and the console's own clients
// ("console.amazonaws.com", "console.ec2.amazonaws.com", "S3Console/0.4",
// "RDS Console").
func isConsoleAgent(ua string) bool {
	l := strings.ToLower(ua)
	switch {
	case strings.HasPrefix(l, "mozilla/"), l == "mozilla", strings.Contains(l, "applewebkit"),
		strings.Contains(l, "gecko/"), strings.Contains(l, "chrome/"), strings.Contains(l, "safari/"):
		return true
	case l == "console.amazonaws.com", l == "signin.amazonaws.com":
		return true
	case strings.HasPrefix(l, "console.") && strings.HasSuffix(l, ".amazonaws.com"):
		return true
	}
	return strings.Contains(l, "console/") || strings.Contains(l, " console")
}

// isAWSInternalAgent recognises calls AWS makes internally on a caller's
// behalf, typically the console's back end.
func isAWSInternalAgent(ua string) bool {
	return strings.EqualFold(ua, "AWS Internal") || agentHas(ua, "aws-internal/")
}

// isCLIOrSDKAgent recognises the AWS CLI, the AWS SDKs and the tools built
// directly on them.
func isCLIOrSDKAgent(ua string) bool {
	return agentHas(ua, "aws-cli/", "aws-sdk-", "boto3/", "botocore/", "awspowershell",
		"aws-powershell", "aws-toolkit", "aws-shell")
}

// pipelineWords are fragments of user, role and session names that CI/CD
// systems and their conventions use (GitHub's OIDC action names its session
// "GitHubActions"; CodeBuild sessions are "AWSCodeBuild-…").
var pipelineWords = []string{"deploy", "pipeline", "github", "gitlab", "jenkins", "codebuild",
	"codepipeline", "circleci", "buildkite", "bitbucket", "terraform", "atlantis", "spacelift",
	"argocd", "spinnaker", "cicd"}

// pipelineTokens are short words that only count as whole tokens of a name.
var pipelineTokens = map[string]bool{"ci": true, "cd": true}

func isPipelineName(names ...string) bool {
	for _, n := range names {
		l := strings.ToLower(n)
		for _, w := range pipelineWords {
			if strings.Contains(l, w) {
				return true
			}
		}
		for _, tok := range strings.FieldsFunc(l, func(r rune) bool {
			return r == '-' || r == '_' || r == '.' || r == '/' || r == '@' || r == ':' || r == ' '
		}) {
			if pipelineTokens[tok] {
				return true
			}
		}
	}
	return false
}

// arnTail is the last path segment of an ARN's resource
// ("alice" in arn:aws:iam::123456789012:user/dev/alice).
func arnTail(arn string) string {
	if i := strings.LastIndexAny(arn, "/:"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

package awsapi_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
)

const (
	monitoringAccount = "111111111111"
	paymentsAccount   = "222222222222"
	noRoleAccount     = "444444444444"
)

// writeOrgScenario writes a scenario of three accounts: the home
// (monitoring) account, a member and a member without the read-only role;
// each account's trail holds one record on a function of the same name.
func writeOrgScenario(t testing.TB) *scenario.Scenario {
	t.Helper()
	dir := t.TempDir()
	meta := map[string]any{"title": "org", "account": monitoringAccount, "region": testRegion, "now": testNow.Format(time.RFC3339),
		"accounts": []map[string]any{
			{"id": monitoringAccount, "name": "monitoring"},
			{"id": paymentsAccount, "name": "prod-payments"},
			{"id": noRoleAccount, "name": "sandbox-dev", "member_role": false},
		}}
	writeJSON(t, filepath.Join(dir, "scenario.json"), meta)
	writeJSON(t, filepath.Join(dir, "alarm.json"), map[string]any{"Type": "Notification", "MessageId": "m-1",
		"TopicArn": "arn:aws:sns:us-east-1:" + monitoringAccount + ":ops", "Message": `{"AlarmName":"checkout-errors"}`})
	writeJSON(t, filepath.Join(dir, "iam.json"), map[string]any{"roles": []map[string]any{
		{"name": "checkout-role", "arn": "arn:aws:iam::" + paymentsAccount + ":role/checkout-role"},
		{"name": "probe-role", "arn": "arn:aws:iam::" + monitoringAccount + ":role/probe-role"},
	}})
	if err := os.MkdirAll(filepath.Join(dir, "trail"), 0o755); err != nil {
		t.Fatal(err)
	}
	var records []map[string]any
	for i, acct := range []string{monitoringAccount, paymentsAccount, noRoleAccount} {
		r := ctRecord(eventID(i), "UpdateFunctionConfiguration20150331v2", "lambda.amazonaws.com", testRegion,
			testNow.Add(-time.Hour), false, "alice", "AKIAALICE", map[string]any{"functionName": "checkout"})
		r["recipientAccountId"] = acct
		records = append(records, r)
	}
	writeJSON(t, filepath.Join(dir, "trail", "org.json"), map[string]any{"Records": records})
	sc, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func lookupIDs(t *testing.T, cfg aws.Config) []string {
	t.Helper()
	out, err := cloudtrail.NewFromConfig(cfg).LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: aws.String("checkout")}}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range out.Events {
		ids = append(ids, aws.ToString(e.EventId))
	}
	return ids
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestAssumeRoleOpensOnlyTheRolesAccount(t *testing.T) {
	a := newAWS(t, writeOrgScenario(t))
	home := serve(t, a, testRegion)
	ctx := context.Background()

	who, err := sts.NewFromConfig(home).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Account) != monitoringAccount {
		t.Fatalf("static credentials are %v (%v), want the home account", aws.ToString(who.Account), err)
	}
	if got := lookupIDs(t, home); len(got) != 1 || got[0] != eventID(0) {
		t.Errorf("home account's trail answers %v, want its own record only", got)
	}

	out, err := sts.NewFromConfig(home).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + paymentsAccount + ":role/" + awsapi.MemberRoleName), RoleSessionName: aws.String("trailhound-checkout-errors"),
		ExternalId: aws.String("ext-1")})
	if err != nil {
		t.Fatal(err)
	}
	if exp := aws.ToTime(out.Credentials.Expiration); exp.Before(time.Now().Add(50 * time.Minute)) {
		t.Errorf("credentials expire at %v, want the default hour", exp)
	}
	member := home.Copy()
	member.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId),
		aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	who, err = sts.NewFromConfig(member).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Account) != paymentsAccount {
		t.Fatalf("assumed credentials are %v (%v), want the member account", aws.ToString(who.Account), err)
	}
	if got := lookupIDs(t, member); len(got) != 1 || got[0] != eventID(1) {
		t.Errorf("member account's trail answers %v, want its own record only", got)
	}
	// IAM answers by the account in the role's ARN: another account's role is not there.
	if _, err := iam.NewFromConfig(member).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("checkout-role")}); err != nil {
		t.Errorf("member's own role: %v", err)
	}
	if _, err := iam.NewFromConfig(member).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("probe-role")}); errorCode(err) != "NoSuchEntity" {
		t.Errorf("another account's role answered %v, want NoSuchEntity", err)
	}

	for _, role := range []string{
		"arn:aws:iam::" + noRoleAccount + ":role/" + awsapi.MemberRoleName, // no member role
		"arn:aws:iam::999999999999:role/" + awsapi.MemberRoleName,          // not in the organization
		"arn:aws:iam::" + paymentsAccount + ":role/Admin",                  // not the read-only role
	} {
		_, err := sts.NewFromConfig(home).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s1")})
		if errorCode(err) != "AccessDenied" {
			t.Errorf("AssumeRole %s: %v, want AccessDenied", role, err)
		}
	}
	if got := a.AssumeRoleCalls(); got[paymentsAccount] != 2 || got[noRoleAccount] != 1 {
		t.Errorf("AssumeRole calls %v", got)
	}

	forged := home.Copy()
	forged.Credentials = credentials.NewStaticCredentialsProvider("ASIAFORGED", "x", "y")
	if _, err := cloudtrail.NewFromConfig(forged).LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); errorCode(err) != "InvalidClientTokenId" {
		t.Errorf("a temporary key never issued answered %v, want InvalidClientTokenId", err)
	}
}

func TestRecordedRequestsNameTheirAccount(t *testing.T) {
	a := newAWS(t, writeOrgScenario(t))
	a.RecordRequests(true)
	home := serve(t, a, testRegion)
	lookupIDs(t, home)
	reqs := a.Requests()
	if len(reqs) != 1 || reqs[0].Account != monitoringAccount || reqs[0].AccessKey != "AKIASANDBOXTEST" || reqs[0].Operation != "cloudtrail:LookupEvents" {
		t.Errorf("recorded %+v", reqs)
	}
}

package redact

import (
	"strings"
	"testing"
)

// textShapes are credential shapes as they appear in real text: the
// documented formats (AWS SigV4 and presigned URLs, the IAM unique-id
// prefixes, CodeBuild and ECS definitions, SQL Server connection strings,
// GitHub, Slack, Stripe and Google key formats) with AWS's own example
// values where it publishes some.
var textShapes = []struct {
	name, in, want string
}{
	{"access key id in prose", "key AKIAIOSFODNN7EXAMPLE used from 203.0.113.7",
		"key AKIA[redacted] used from 203.0.113.7"},
	{"temporary key id", "userIdentity.accessKeyId=ASIAZI2LB466WDLI7IXP",
		"userIdentity.accessKeyId=ASIA[redacted]"},
	{"IAM unique ids (21 characters)", "user AIDACKCEVSQ6C2EXAMPLE role AROADBQP57FF2AEXAMPLE:alice group AGPAIOSFODNN7EXAMPLE",
		"user AIDA[redacted] role AROA[redacted]:alice group AGPA[redacted]"},
	{"policy, version, public key ids", "ANPAJ2UCCR6DPCEXAMPLE ANVAIOSFODNN7EXAMPLE APKAEIBAERJR2EXAMPLE",
		"ANPA[redacted] ANVA[redacted] APKA[redacted]"},
	{"credentials file", "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
		"[default]\naws_access_key_id = AKIA[redacted]\naws_secret_access_key = [redacted]\n"},
	{"environment export", "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"export AWS_SECRET_ACCESS_KEY=[redacted]"},
	{"secret key in JSON seen as text", `creds: {"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`,
		`creds: {"AccessKeyId":"ASIA[redacted]","SecretAccessKey":"[redacted]"}`},
	{"bare secret next to its key id (IAM CSV)", "alice,AKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY,https://console.aws.amazon.com/",
		"alice,AKIA[redacted],[redacted],https://console.aws.amazon.com/"},
	{"bare secret after key id and colon", "AKIAIOSFODNN7EXAMPLE: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AKIA[redacted]: [redacted]"},
	{"session token header", "X-Amz-Security-Token: FwoGZXIvYXdzEBYaDLtcNupZxgkt6ivKyCLAAbUV9pxZ",
		"X-Amz-Security-Token: [redacted]"},
	{"presigned URL", "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAZI2LB466WDLI7IXP%2F20250704%2Fus-west-2%2Fs3%2Faws4_request&X-Amz-Date=20250704T220818Z&X-Amz-Expires=3600&X-Amz-Security-Token=IQoJb3JpZ2luX2VjECwaCXVzLXdlc3QtMiJIMEYCIQCeHJW2Miwd20HpZm2c%2FXctFWZ44qU9Tz&X-Amz-SignedHeaders=host&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
		"https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA[redacted]%2F20250704%2Fus-west-2%2Fs3%2Faws4_request&X-Amz-Date=20250704T220818Z&X-Amz-Expires=3600&X-Amz-Security-Token=[redacted]&X-Amz-SignedHeaders=host&X-Amz-Signature=[redacted]"},
	{"sessionToken in a config", `sessionToken: "FwoGZXIvYXdzELD//////////wEaDOJDZUOjUVdeOcz7jiLEARhN"`,
		`sessionToken: "[redacted]"`},
	{"aws_session_token in a credentials file", "aws_session_token=IQoJb3JpZ2luX2VjEGEaCXVzLWVhc3QtMSJIMEYCIQDS5uvHDfvRSzN5",
		"aws_session_token=[redacted]"},
	{"bare session token", "token was IQoJb3JpZ2luX2VjEGEaCXVzLWVhc3QtMSJIMEYCIQDS5uvHDfvRSzN5 then",
		"token was [redacted] then"},
	{"bearer header", "Authorization: Bearer 2YotnFZFEjr1zCsicMWpAA.tGzv3JOkF0XG5Qx2TlKWIA",
		"Authorization: Bearer [redacted]"},
	{"basic header", "authorization: Basic dXNlcjpwYXNzd29yZA==",
		"authorization: Basic [redacted]"},
	{"header without scheme", `"Authorization": "sk-proj-abcdefghijklmnopqrstuv"`,
		`"Authorization": "[redacted]"`},
	{"GitHub token scheme and SigV2", "Authorization: token ghp_A1bC2dE3fH4iJ5kL6mN7oP8qR9sT0u12345\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
		"Authorization: token [redacted]\nAuthorization: AWS [redacted]"},
	{"bearer outside a header", "curl -H 'Bearer 2YotnFZFEjr1zCsicMWpAA'",
		"curl -H 'Bearer [redacted]'"},
	{"SigV4 authorization header", "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIA[redacted]/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=[redacted]"},
	{"postgres URL", "DATABASE_URL=postgres://orders:Tr0ub4dor&3@orders.cluster-abc.eu-west-1.rds.amazonaws.com:5432/orders",
		"DATABASE_URL=postgres://orders:[redacted]@orders.cluster-abc.eu-west-1.rds.amazonaws.com:5432/orders"},
	{"mysql URL", "mysql://root:hunter2@10.0.1.5:3306/app", "mysql://root:[redacted]@10.0.1.5:3306/app"},
	{"redis URL with empty user", "rediss://:authtoken123@master.cache.amazonaws.com:6379/0",
		"rediss://:[redacted]@master.cache.amazonaws.com:6379/0"},
	{"https URL with a token as password", "git clone https://x-access-token:ghs_16C7e42F292c6912E7710c838347Ae178B4a@github.com/o/r.git",
		"git clone https://x-access-token:[redacted]@github.com/o/r.git"},
	{"amqp URL", "amqp://guest:guest@mq.internal:5672/%2f", "amqp://guest:[redacted]@mq.internal:5672/%2f"},
	{"query string secrets", "GET /cb?code=abc&client_secret=9f8e7d6c&api_key=k123&apikey=k456&token=t789&state=xyz",
		"GET /cb?code=abc&client_secret=[redacted]&api_key=[redacted]&apikey=[redacted]&token=[redacted]&state=xyz"},
	{"password and pwd pairs", "login user=admin password=hunter2 pwd=swordfish retries=3",
		"login user=admin password=[redacted] pwd=[redacted] retries=3"},
	{"secret in key=value text", "secret=s3cr3tv4lue region=eu-west-1", "secret=[redacted] region=eu-west-1"},
	{"SQL Server connection string", "Server=tcp:db.example.net,1433;Initial Catalog=orders;User ID=app;Password=Pa55w0rd!;Encrypt=True;",
		"Server=tcp:db.example.net,1433;Initial Catalog=orders;User ID=app;Password=[redacted];Encrypt=True;"},
	{"ODBC connection string", "Driver={ODBC Driver 18 for SQL Server};Server=db;Uid=sa;Pwd=asdasd;",
		"Driver={ODBC Driver 18 for SQL Server};Server=db;Uid=sa;Pwd=[redacted];"},
	{"PEM private key", "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq3\nq+/tZ9w=\n-----END RSA PRIVATE KEY-----\nend",
		"key:\n-----BEGIN RSA PRIVATE KEY-----[redacted]-----END RSA PRIVATE KEY-----\nend"},
	{"PKCS#8 private key, escaped newlines", `"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"`,
		`"-----BEGIN PRIVATE KEY-----[redacted]-----END PRIVATE KEY-----\n"`},
	{"OpenSSH private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
		"-----BEGIN OPENSSH PRIVATE KEY-----[redacted]-----END OPENSSH PRIVATE KEY-----"},
	{"GitHub tokens", "GH_TOKEN=ghp_A1bC2dE3fH4iJ5kL6mN7oP8qR9sT0u12345 and gho_16C7e42F292c6912E7710c838347Ae178B4a",
		"GH_TOKEN=ghp_[redacted] and gho_[redacted]"},
	{"GitHub fine-grained token", "use github_pat_11ABCDEFG0123456789abc_DEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz0123 now",
		"use github_pat_[redacted] now"},
	{"Slack tokens", "bot xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx user xoxp-1234-5678-9012-abcdef app xapp-1-A0123456789-1234567890123-abcdef0123",
		"bot xoxb-[redacted] user xoxp-[redacted] app xapp-[redacted]"},
	{"Slack webhook", "posted to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
		"posted to https://hooks.slack.com/services/[redacted]"},
	{"Stripe keys", "STRIPE=sk_live_4eC39HqLyjWDarjtT1zdp7dc rk_live_51H8abcdefghijklmnop",
		"STRIPE=sk_live_[redacted] rk_live_[redacted]"},
	{"Google API key", "maps key AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe ok",
		"maps key AIza[redacted] ok"},
	{"JWT", "id_token eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c done",
		"id_token [redacted] done"},
	{"Cognito tokens in JSON text", `{\"AccessToken\":\"abc.def.ghi\",\"RefreshToken\":\"r1r2r3\"}`,
		`{\"AccessToken\":\"[redacted]\",\"RefreshToken\":\"[redacted]\"}`},
}

// keptText is text a person needs that no rule may touch.
var keptText = []string{
	"DetachRolePolicy by alice on checkout-role at 2024-07-31T12:46:41Z (event ee73c230-44bc-4492-8542-cfb189eae287)",
	"https://console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/ee73c230-44bc-4492-8542-cfb189eae287",
	"arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1b74cd717d47002b",
	"nextToken=AAIAAUCZLcGdOTmfTz2Vwy7qCVgVq6KNMDDo2s clientToken=5f8e9c2a-1b3d",
	"requestID 206c2187-a29f-45bf-86a2-a87d99ff7186, commit 388ee46b2f9d0c7e1a5b3c4d6e7f8a9b0c1d2e3f",
	"s3://bucket/key=uploads/a.txt key=uploads/a.txt",
	"A basic check found the token bucket empty; rotate the secret in Secrets Manager.",
	"password policy changed: MinimumPasswordLength 14",
	"authorization: the role lacked iam:PassRole",
	"AKIA****************",
	"secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders-AbCdEf rotated",
}

func TestTextShapes(t *testing.T) {
	if len(textShapes) < 30 {
		t.Fatalf("only %d shapes; the issue asks for at least 30", len(textShapes))
	}
	for _, c := range textShapes {
		t.Run(c.name, func(t *testing.T) {
			got := Text(c.in)
			if got != c.want {
				t.Errorf("Text(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
			if again := Text(got); again != got {
				t.Errorf("not idempotent: %q then %q", got, again)
			}
		})
	}
}

func TestTextKeeps(t *testing.T) {
	for _, s := range keptText {
		if got := Text(s); got != s {
			t.Errorf("Text changed what a person needs:\n  in %q\n got %q", s, got)
		}
	}
}

func TestField(t *testing.T) {
	cases := []struct{ name, value, want string }{
		{"MasterUserPassword", "hunter2", Marker},
		{"master_user_password", "hunter2", Marker},
		{"AccessKeyId", "AKIAIOSFODNN7EXAMPLE", "AKIA" + Marker},
		{"SecretId", "prod/orders/db", "prod/orders/db"},
		{"NextToken", "abc", "abc"},
		{"SecretString", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"},
		{"Description", "rotated key AKIAIOSFODNN7EXAMPLE", "rotated key AKIA" + Marker},
	}
	for _, c := range cases {
		if got := Field(c.name, c.value); got != c.want {
			t.Errorf("Field(%q, %q) = %q, want %q", c.name, c.value, got, c.want)
		}
	}
}

func TestRedactorCounts(t *testing.T) {
	var r Redactor
	r.Text("AKIAIOSFODNN7EXAMPLE and postgres://u:p@h/db")
	r.JSON([]byte(`{"password":"x","environment":[{"name":"A","value":"b"}]}`))
	got := r.Counts()
	want := map[Kind]int64{AccessKeyID: 1, URLPassword: 1, CredentialField: 1, Environment: 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("count of %s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if r.Total() != 4 || !strings.HasPrefix(r.String(), "4 redacted (") {
		t.Errorf("Total %d, String %q", r.Total(), r.String())
	}
	var nilR *Redactor
	if nilR.Text("pwd=x") != "pwd="+Marker || nilR.Total() != 0 || nilR.String() != "nothing redacted" {
		t.Error("a nil Redactor must redact without counting")
	}
}

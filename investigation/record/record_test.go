package record

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseFields(t *testing.T) {
	raw := withFields(t, record("iam.amazonaws.com", "DetachRolePolicy",
		`{"roleName":"checkout-role","policyArn":"arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"}`, ""),
		map[string]any{
			"sourceIPAddress": "198.51.100.7",
			"errorCode":       "AccessDenied",
			"errorMessage":    "User is not authorized to perform: iam:DetachRolePolicy",
			"readOnly":        false,
		})
	e := mustParse(t, raw)
	want := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	switch {
	case e.ID != "00000000-0000-0000-0000-000000000001", e.Name != "DetachRolePolicy", e.Source != "iam.amazonaws.com":
		t.Errorf("identity fields = %q %q %q", e.ID, e.Name, e.Source)
	case !e.Time.Equal(want) || e.Time.Location() != time.UTC:
		t.Errorf("Time = %v, want %v", e.Time, want)
	case e.Region != "us-east-1", e.Account != "123456789012":
		t.Errorf("Region/Account = %q/%q", e.Region, e.Account)
	case e.UserAgent != "aws-cli/2.15.0", e.SourceIP != "198.51.100.7":
		t.Errorf("UserAgent/SourceIP = %q/%q", e.UserAgent, e.SourceIP)
	case e.ErrorCode != "AccessDenied", !strings.Contains(e.ErrorMsg, "iam:DetachRolePolicy"), !e.Failed():
		t.Errorf("failed call: ErrorCode %q ErrorMsg %q", e.ErrorCode, e.ErrorMsg)
	case e.ReadOnly:
		t.Error("ReadOnly = true")
	case !bytes.Contains(e.RequestJSON, []byte(`"roleName":"checkout-role"`)):
		t.Errorf("RequestJSON = %s", e.RequestJSON)
	case !bytes.Equal(e.Raw, raw):
		t.Error("Raw is not the record")
	case !hasResource(e, "AWS::IAM::Role", "checkout-role"):
		t.Errorf("a failed call keeps its resources: %v", e.Resources)
	}

	raw[0] = ' ' // the caller's buffer is not the event's
	if e.Raw[0] != '{' {
		t.Error("Parse kept the caller's buffer")
	}
}

func TestParseAccountFallsBackToIdentity(t *testing.T) {
	raw := withFields(t, record("ec2.amazonaws.com", "StopInstances", "", ""), map[string]any{"recipientAccountId": nil})
	if e := mustParse(t, raw); e.Account != "123456789012" {
		t.Errorf("Account = %q, want the caller's account", e.Account)
	}
	if e := mustParse(t, record("ec2.amazonaws.com", "StopInstances", "", "")); e.RequestJSON != nil {
		t.Errorf("null requestParameters gave RequestJSON %s", e.RequestJSON)
	}
}

func TestParseRejects(t *testing.T) {
	base := record("ec2.amazonaws.com", "StopInstances", "", "")
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{"no eventTime", withFields(t, base, map[string]any{"eventTime": nil}), "missing eventTime"},
		{"no eventName or eventSource", withFields(t, base, map[string]any{"eventName": nil, "eventSource": nil}),
			"missing eventName, eventSource"},
		{"Lambda event-source notation", withFields(t, base, map[string]any{"eventSource": "aws:s3"}), "not an AWS service endpoint"},
		{"eventTime not a time", withFields(t, base, map[string]any{"eventTime": "redacted"}), `eventTime "redacted"`},
		{"array", []byte(`[{"eventName":"x"}]`), "not a JSON object"},
		{"string", []byte(`"x"`), "not a JSON object"},
		{"invalid JSON", []byte(`{"eventName":`), "invalid JSON"},
		{"null", []byte(`null`), "missing eventTime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.raw)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestParseLenient checks that fields of unexpected types are dropped, not
// fatal: producers differ.
func TestParseLenient(t *testing.T) {
	raw := withFields(t, record("ec2.amazonaws.com", "StopInstances", `{"instancesSet":{"items":[{"instanceId":"i-0123456789abcdef0"}]}}`, ""),
		map[string]any{"userAgent": 42, "userIdentity": "someone", "awsRegion": []any{"x"}, "readOnly": "FALSE"})
	e := mustParse(t, raw)
	if e.UserAgent != "" || e.Region != "" || e.ReadOnly || !hasResource(e, "AWS::EC2::Instance", "i-0123456789abcdef0") {
		t.Errorf("lenient parse = %+v", e)
	}
}

func TestEventTimeForms(t *testing.T) {
	want := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, s := range []string{"2024-05-01T10:00:00Z", "2024-05-01T12:00:00+02:00", "2024-05-01 10:00:00", "2024-05-01 10:00:00.000000000"} {
		got, err := parseEventTime(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseEventTime(%q) = %v, %v", s, got, err)
		}
	}
	if got, err := parseEventTime("2024-05-01T10:00:00.123Z"); err != nil || got.Nanosecond() != 123e6 {
		t.Errorf("fractional seconds: %v, %v", got, err)
	}
}

func TestMissingEventIDIsDerivedFromContent(t *testing.T) {
	a := withFields(t, record("ec2.amazonaws.com", "StopInstances", "", ""), map[string]any{"eventID": nil})
	b := withFields(t, a, map[string]any{"eventTime": "2024-05-01T10:00:01Z"})
	ea, eb, ea2 := mustParse(t, a), mustParse(t, b), mustParse(t, a)
	if ea.ID == "" || ea.ID != ea2.ID || ea.ID == eb.ID || len(ea.ID) != 36 || strings.Count(ea.ID, "-") != 4 {
		t.Errorf("derived ids %q %q %q", ea.ID, ea2.ID, eb.ID)
	}
}

func TestReadOnly(t *testing.T) {
	tests := []struct {
		event string
		want  bool
	}{
		{"DescribeInstances", true}, {"GetObject", true}, {"ListBuckets", true}, {"HeadObject", true},
		{"LookupEvents", true}, {"BatchGetItem", true}, {"Decrypt", true}, {"GenerateDataKey", true},
		{"ReEncrypt", true}, {"GetFunction20150331v2", true}, {"ListFunctions20150331", true},
		{"AssumeRole", true}, {"AssumeRoleWithWebIdentity", true}, {"ValidateTemplate", true},
		{"ConsoleLogin", false}, {"CheckMfa", false}, {"GetSessionToken", false}, {"GetFederationToken", false},
		{"GetSigninToken", false}, {"GenerateCredentialReport", false}, {"VerifyEmailIdentity", false},
		{"UpdateFunctionCode20150331v2", false}, {"PutFunctionConcurrency20171031", false},
		{"RevokeSecurityGroupIngress", false}, {"RebootDBInstance", false}, {"RunInstances", false},
		{"BatchWriteItem", false}, {"PutRolePolicy", false}, {"UpdateDistribution2020_05_31", false},
	}
	for _, tt := range tests {
		if got := inferReadOnly(tt.event); got != tt.want {
			t.Errorf("inferReadOnly(%q) = %v, want %v", tt.event, got, tt.want)
		}
	}

	// The record's own flag wins, as a bool or as a string.
	for flag, want := range map[any]bool{true: true, false: false, "true": true, "False": false} {
		raw := withFields(t, record("signin.amazonaws.com", "ConsoleLogin", "", ""), map[string]any{"readOnly": flag})
		if e := mustParse(t, raw); e.ReadOnly != want {
			t.Errorf("readOnly %v: ReadOnly = %v", flag, e.ReadOnly)
		}
	}
}

func TestStripAPIVersion(t *testing.T) {
	for in, want := range map[string]string{
		"UpdateFunctionCode20150331v2":     "UpdateFunctionCode",
		"PutFunctionConcurrency20171031":   "PutFunctionConcurrency",
		"CreateDistribution2020_05_31":     "CreateDistribution",
		"UpdateFunctionConfiguration":      "UpdateFunctionConfiguration",
		"ListObjectsV2":                    "ListObjectsV2",
		"20150331":                         "20150331",
		"DeleteFunctionEventInvokeConfig2": "DeleteFunctionEventInvokeConfig2",
	} {
		if got := stripAPIVersion(in); got != want {
			t.Errorf("stripAPIVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

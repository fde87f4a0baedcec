package investigation

import "testing"

func TestPartitionOf(t *testing.T) {
	tests := []struct{ region, want string }{
		{"", ""},
		{"us-east-1", "aws"},
		{"eu-west-1", "aws"},
		{"cn-north-1", "aws-cn"},
		{"cn-northwest-1", "aws-cn"},
		{"us-gov-west-1", "aws-us-gov"},
		{"us-iso-east-1", "aws-iso"},
		{"us-isob-east-1", "aws-iso-b"},
		{"eu-isoe-west-1", "aws-iso-e"},
		{"us-isof-south-1", "aws-iso-f"},
	}
	for _, tc := range tests {
		if got := PartitionOf(tc.region); got != tc.want {
			t.Errorf("PartitionOf(%q) = %q, want %q", tc.region, got, tc.want)
		}
	}
}

func TestParseARN(t *testing.T) {
	tests := []struct {
		in     string
		want   ARN
		typ    string
		id     string
		reject bool
	}{
		{in: "arn:aws:lambda:eu-west-1:123456789012:function:checkout:live",
			want: ARN{"aws", "lambda", "eu-west-1", "123456789012", "function:checkout:live"}, typ: "function", id: "checkout:live"},
		{in: "arn:aws-cn:iam::123456789012:role/app/checkout-role",
			want: ARN{"aws-cn", "iam", "", "123456789012", "role/app/checkout-role"}, typ: "role", id: "app/checkout-role"},
		{in: "arn:aws-us-gov:s3:::bucket-name", want: ARN{"aws-us-gov", "s3", "", "", "bucket-name"}, id: "bucket-name"},
		{in: "arn:aws-iso:sqs:us-iso-east-1:123456789012:queue", want: ARN{"aws-iso", "sqs", "us-iso-east-1", "123456789012", "queue"}, id: "queue"},
		{in: "arn:aws-iso-b:rds:us-isob-east-1:123456789012:db:orders", want: ARN{"aws-iso-b", "rds", "us-isob-east-1", "123456789012", "db:orders"}, typ: "db", id: "orders"},
		{in: "checkout", reject: true},
		{in: "arn:aws:lambda:eu-west-1:123456789012", reject: true},
		{in: "arn::lambda:eu-west-1:123456789012:function:x", reject: true},
		{in: "arn:aws:lambda:eu-west-1:123456789012:", reject: true},
	}
	for _, tc := range tests {
		got, ok := ParseARN(tc.in)
		if ok == tc.reject {
			t.Errorf("ParseARN(%q) ok = %v", tc.in, ok)
			continue
		}
		if tc.reject {
			continue
		}
		if got != tc.want || got.ResourceType() != tc.typ || got.ResourceID() != tc.id || got.String() != tc.in {
			t.Errorf("ParseARN(%q) = %+v (%q, %q), want %+v (%q, %q)", tc.in, got, got.ResourceType(), got.ResourceID(), tc.want, tc.typ, tc.id)
		}
	}
}

func TestNewARNUsesTheRegionsPartition(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1":      "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a",
		"cn-north-1":     "arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:a",
		"us-gov-west-1":  "arn:aws-us-gov:cloudwatch:us-gov-west-1:123456789012:alarm:a",
		"us-iso-east-1":  "arn:aws-iso:cloudwatch:us-iso-east-1:123456789012:alarm:a",
		"us-isob-east-1": "arn:aws-iso-b:cloudwatch:us-isob-east-1:123456789012:alarm:a",
	} {
		if got := NewARN("cloudwatch", region, "123456789012", "alarm:a"); got != want {
			t.Errorf("%s: %s, want %s", region, got, want)
		}
	}
}

func TestParseAlarmARN(t *testing.T) {
	a, ok := ParseAlarmARN("arn:aws-iso-b:cloudwatch:us-isob-east-1:123456789012:alarm:api: 5xx")
	if !ok || a != (AlarmARN{"aws-iso-b", "us-isob-east-1", "123456789012", "api: 5xx"}) {
		t.Errorf("got %+v %v", a, ok)
	}
	if a.String() != "arn:aws-iso-b:cloudwatch:us-isob-east-1:123456789012:alarm:api: 5xx" {
		t.Errorf("String %s", a)
	}
	for _, bad := range []string{"checkout-errors", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:", "arn:aws:sns:us-east-1:123456789012:alarm:x"} {
		if _, ok := ParseAlarmARN(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRoleName(t *testing.T) {
	for in, want := range map[string]string{
		"checkout-role": "checkout-role",
		"arn:aws:iam::123456789012:role/checkout-role":                            "checkout-role",
		"arn:aws-cn:iam::123456789012:role/app/checkout-role":                     "checkout-role",
		"arn:aws:iam::123456789012:policy/checkout-policy":                        "arn:aws:iam::123456789012:policy/checkout-policy",
		"arn:aws:iam::123456789012:role/service-role/nested/checkout-role":        "checkout-role",
		"arn:aws-us-gov:iam::123456789012:role/x":                                 "x",
		"arn:aws:sts::123456789012:assumed-role/checkout-role/session-name-value": "arn:aws:sts::123456789012:assumed-role/checkout-role/session-name-value",
	} {
		if got := RoleName(in); got != want {
			t.Errorf("RoleName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAlarmIdentity(t *testing.T) {
	tests := []struct {
		a    Alarm
		want string
	}{
		{Alarm{Name: "x", ARN: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:x"}, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:x"},
		{Alarm{Name: "api 5xx", Region: "us-isob-east-1", Account: "123456789012"}, "arn:aws-iso-b:cloudwatch:us-isob-east-1:123456789012:alarm:api 5xx"},
		{Alarm{Name: "x", Region: "cn-north-1", Account: "123456789012"}, "arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:x"},
		{Alarm{Name: "x", Region: "us-east-1", Account: "12345"}, ""},
		{Alarm{Name: "x", Account: "123456789012"}, ""},
	}
	for _, tc := range tests {
		if got := tc.a.Identity(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.a, got, tc.want)
		}
	}
}

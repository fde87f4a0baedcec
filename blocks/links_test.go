package blocks

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

func TestAlarmConsoleLink(t *testing.T) {
	tests := []struct {
		name string
		a    investigation.AlarmSummary
		want string
	}{
		{"region field", investigation.AlarmSummary{Name: "checkout errors", Region: "eu-west-1"},
			"https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout%20errors"},
		{"region from the ARN", investigation.AlarmSummary{Name: "x", ARN: "arn:aws:cloudwatch:us-east-2:123456789012:alarm:x"},
			"https://us-east-2.console.aws.amazon.com/cloudwatch/home?region=us-east-2#alarmsV2:alarm/x"},
		{"markup in the name", investigation.AlarmSummary{Name: "<!here>|x", Region: "eu-west-1"}, ""},
		{"no region", investigation.AlarmSummary{Name: "x"}, ""},
	}
	for _, tt := range tests {
		got, ok := AlarmConsoleLink(tt.a)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, ok, tt.want)
		}
		if ok && !validConsoleLink(got) {
			t.Errorf("%s: the validator refuses %q", tt.name, got)
		}
	}
}

func TestResourceConsoleLink(t *testing.T) {
	ev := []investigation.EventRef{{Region: "eu-west-1"}}
	tests := []struct {
		typ, id, want string
	}{
		{"AWS::Lambda::Function", "checkout", "https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions/checkout"},
		{"AWS::IAM::Role", "arn:aws:iam::123456789012:role/checkout-role", "https://us-east-1.console.aws.amazon.com/iam/home#/roles/details/checkout-role"},
		{"AWS::EC2::SecurityGroup", "sg-0abc", "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#SecurityGroup:groupId=sg-0abc"},
		{"AWS::SQS::Queue", "orders", ""},
		{"AWS::Lambda::Function", "a b<c>", ""},
	}
	for _, tt := range tests {
		got, ok := ResourceConsoleLink(investigation.Candidate{Resource: investigation.ResourceRef{Type: tt.typ, ID: tt.id}, Events: ev}, "eu-west-1")
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s %s: got %q; want %q", tt.typ, tt.id, got, tt.want)
		}
		if ok && !validConsoleLink(got) {
			t.Errorf("the validator refuses %q", got)
		}
	}
}

// TestLogsInsightsLink decodes the link the way the console does and finds
// the query, the window and the log group in it.
func TestLogsInsightsLink(t *testing.T) {
	start := time.Date(2026, 3, 19, 13, 51, 41, 0, time.UTC)
	end := start.Add(23 * time.Minute)
	link, ok := LogsInsightsLink("eu-west-1", "/aws/lambda/checkout", start, end)
	if !ok || !validConsoleLink(link) {
		t.Fatalf("link %q, ok %v, valid %v", link, ok, validConsoleLink(link))
	}
	_, frag, _ := strings.Cut(link, "#logsV2:logs-insights")
	outer, err := url.PathUnescape(strings.ReplaceAll(frag, "$", "%"))
	if err != nil {
		t.Fatal(err)
	}
	detail, ok := strings.CutPrefix(outer, "?queryDetail=")
	if !ok {
		t.Fatalf("no queryDetail in %q", outer)
	}
	inner, err := url.PathUnescape(strings.ReplaceAll(detail, "*", "%"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"end~'2026-03-19T14:14:41.000Z", "start~'2026-03-19T13:51:41.000Z", "timeType~'ABSOLUTE",
		"editorString~'" + ErrorQuery, "source~(~'/aws/lambda/checkout)"} {
		if !strings.Contains(inner, want) {
			t.Errorf("decoded state lacks %q:\n%s", want, inner)
		}
	}
	for _, bad := range []struct{ region, group string }{{"eu-west-1", "<!here>"}, {"evil.example/", "/aws/lambda/x"}, {"eu-west-1", "a|b"}} {
		if l, ok := LogsInsightsLink(bad.region, bad.group, start, end); ok {
			t.Errorf("built %q from %q, %q", l, bad.region, bad.group)
		}
	}
}

package intake

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		want     string // substring of the error
		notAlarm bool   // errors.Is(err, ErrNotAlarm)
	}{
		{"empty", "  \n", "notification is empty", false},
		{"too large", "{" + strings.Repeat(" ", MaxPayloadBytes) + "}", "over the 262144-byte limit", false},
		{"json array", `[{"AlarmName":"x"}]`, "JSON array is not an object", true},
		{"broken json", `{"AlarmName": "x"`, "not valid JSON", false},
		{"unknown object", `{"hello":"world"}`, "none of Records, Type and Message", true},
		{"no records", `{"Records":[]}`, "event has no Records", false},
		{"sqs record", `{"Records":[{"eventSource":"aws:sqs","body":"{}"}]}`, `EventSource "aws:sqs", not an aws:sns message`, true},
		{"sns message not a string", `{"Type":"Notification","TopicArn":"t","Message":{"AlarmName":"x"}}`, "SNS Message is not a string", false},
		{"sns message is plain text", `{"Type":"Notification","TopicArn":"t","Message":"Hello"}`, "not a CloudWatch alarm: SNS message is not JSON", true},
		{"sns inside sns", `{"Type":"Notification","TopicArn":"t","Message":"{\"Type\":\"Notification\",\"Message\":\"{}\"}"}`, "SNS message is itself an SNS wrapper", true},
		{"unknown sns type", `{"Type":"Surprise","TopicArn":"t","Message":"{}"}`, `SNS message type "Surprise"`, true},
		{"eventbridge other source", `{"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{}}`, `from source "aws.ec2"`, true},
		{"eventbridge other type", `{"detail-type":"CloudWatch Alarm Something","source":"aws.cloudwatch","detail":{}}`, `is not a "CloudWatch Alarm State Change"`, true},
		{"eventbridge without detail", `{"detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch"}`, "has no detail", false},
		{"no alarm name", `{"NewStateValue":"ALARM"}`, "alarm message has no AlarmName", false},
		{"bad state", `{"AlarmName":"a","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:a","NewStateValue":"ALARMING","StateChangeTime":"2026-03-19T14:00:00.000+0000"}`, `NewStateValue "ALARMING" is not ALARM, OK or INSUFFICIENT_DATA`, false},
		{"no time", `{"AlarmName":"a","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:a","NewStateValue":"ALARM"}`, "alarm message has no StateChangeTime", false},
		{"bad time", `{"AlarmName":"a","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:a","NewStateValue":"ALARM","StateChangeTime":"yesterday"}`, `time "yesterday" is not an ISO 8601 timestamp`, false},
		{"no region", `{"AlarmName":"a","NewStateValue":"ALARM","StateChangeTime":"2026-03-19T14:00:00Z","Trigger":{"MetricName":"Errors","Namespace":"AWS/Lambda"}}`, "raw notification has no region", false},
		{"unknown region name", `{"AlarmName":"a","Region":"Atlantis (North)","NewStateValue":"ALARM","StateChangeTime":"2026-03-19T14:00:00Z"}`, `region "Atlantis (North)" is neither a region code nor a known region name`, false},
		{"wrong dimensions type", `{"AlarmName":"a","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:a","NewStateValue":"ALARM","StateChangeTime":"2026-03-19T14:00:00Z","Trigger":{"Dimensions":"FunctionName=x"}}`, "dimensions list", false},
		{"composite with broken reasonData", `{"detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch","region":"us-east-1","detail":{"alarmName":"c","state":{"value":"ALARM","reasonData":"{not json","timestamp":"2026-03-19T14:00:00.000+0000"},"configuration":{"alarmRule":"ALARM(a)"}}}`, "state.reasonData", false},
		{"plain chat text", "deploy finished, all green", "text is neither JSON, a CloudWatch alarm e-mail, nor a chat notification", true},
		{"e-mail without name", "Alarm Details:\n- State Change: OK -> ALARM\n", "names no alarm", false},
		{"e-mail with bad dimensions", emailWith("- Dimensions:                          FunctionName=checkout"), `dimensions "FunctionName=checkout": want [Name = value, ...]`, false},
		{"e-mail with redacted dimension", emailWith("- Dimensions:                          [InstanceId]"), `dimension "InstanceId" has no value`, false},
		{"e-mail in another zone", strings.Replace(emailWith(""), "14:00:00 UTC", "14:00:00 CET", -1), "is not in UTC", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alarm, err := Parse([]byte(tt.input))
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want an error containing %q", alarm, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if got := errors.Is(err, ErrNotAlarm); got != tt.notAlarm {
				t.Errorf("errors.Is(err, ErrNotAlarm) = %v, want %v (error %q)", got, tt.notAlarm, err)
			}
			if alarm.Name != "" || alarm.Delivery != "" {
				t.Errorf("an error came with a partly filled alarm: %+v", alarm)
			}
		})
	}
}

// emailWith is a minimal metric-alarm e-mail; extra replaces its Dimensions line.
func emailWith(dimensionsLine string) string {
	lines := []string{
		`You are receiving this email because your Amazon CloudWatch Alarm "checkout-errors" in the US East (N. Virginia) region has entered the ALARM state, because "r" at "Thursday 19 March, 2026 14:00:00 UTC".`,
		"Alarm Details:",
		"- Name:                       checkout-errors",
		"- State Change:               OK -> ALARM",
		"- Timestamp:                  Thursday 19 March, 2026 14:00:00 UTC",
		"- Alarm Arn:                  arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-errors",
		"Monitored Metric:",
		"- MetricNamespace:                     AWS/Lambda",
		"- MetricName:                          Errors",
		"- Dimensions:                          [FunctionName = checkout]",
	}
	if dimensionsLine != "" {
		lines[len(lines)-1] = dimensionsLine
	}
	return strings.Join(lines, "\n")
}

func TestParseIncomplete(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		delivery investigation.Delivery
		missing  string
		want     Ref
	}{
		{
			name:     "alarm message without Trigger or AlarmRule",
			input:    `{"AlarmName":"a","AlarmArn":"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a","NewStateValue":"ALARM","StateChangeTime":"2026-03-19T14:00:00.000+0000"}`,
			delivery: investigation.DeliveryRaw,
			missing:  "both Trigger and AlarmRule",
			want:     Ref{Name: "a", Region: "eu-west-1", Account: "123456789012", State: investigation.StateAlarm, Time: time.Date(2026, 3, 19, 14, 0, 0, 0, time.UTC)},
		},
		{
			name:     "same, inside an SNS envelope",
			input:    `{"Type":"Notification","TopicArn":"t","Message":"{\"AlarmName\":\"a\",\"AlarmArn\":\"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a\",\"NewStateValue\":\"OK\",\"StateChangeTime\":\"2026-03-19T14:00:00.000+0000\"}"}`,
			delivery: investigation.DeliverySNSEnvelope,
			missing:  "both Trigger and AlarmRule",
			want:     Ref{Name: "a", Region: "eu-west-1", Account: "123456789012", State: investigation.StateOK, Time: time.Date(2026, 3, 19, 14, 0, 0, 0, time.UTC)},
		},
		{
			name:     "e-mail cut after its opening sentence",
			input:    `You are receiving this email because your Amazon CloudWatch Alarm "checkout-errors" in the EU (Ireland) region has entered the ALARM state, because "r" at "Thursday 19 March, 2026 14:00:00 UTC".`,
			delivery: investigation.DeliveryEmail,
			missing:  "the alarm's metrics (no Monitored Metric section)",
			want:     Ref{Name: "checkout-errors", Region: "eu-west-1", State: investigation.StateAlarm, Time: time.Date(2026, 3, 19, 14, 0, 0, 0, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.input))
			var incomplete *IncompleteError
			if !errors.As(err, &incomplete) {
				t.Fatalf("Parse error = %v, want an *IncompleteError", err)
			}
			if incomplete.Ref != tt.want {
				t.Errorf("Ref = %+v, want %+v", incomplete.Ref, tt.want)
			}
			if incomplete.Delivery != tt.delivery || incomplete.Missing != tt.missing {
				t.Errorf("Delivery, Missing = %q, %q; want %q, %q", incomplete.Delivery, incomplete.Missing, tt.delivery, tt.missing)
			}
		})
	}
}

func TestParseRepeatedRecordsAreOneNotification(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "fixtures", "sns-envelope-signingcerturl-upper.json"))
	if err != nil {
		t.Fatal(err)
	}
	record := `{"EventSource":"aws:sns","Sns":` + string(data) + `}`
	alarm, err := Parse([]byte(`{"Records":[` + record + "," + record + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	if alarm.Name != "checkout-errors" || alarm.Delivery != investigation.DeliverySNSLambda {
		t.Errorf("got %q delivered as %q, want checkout-errors as %q", alarm.Name, alarm.Delivery, investigation.DeliverySNSLambda)
	}
}

func TestParseJSONPostedInACodeBlock(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "fixtures", "sns-raw-composite.json"))
	if err != nil {
		t.Fatal(err)
	}
	posted := "```" + strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(string(data)) + "```"
	alarm, err := Parse([]byte(posted))
	if err != nil {
		t.Fatal(err)
	}
	if alarm.AlarmRule != "ALARM(checkout-errors) OR ALARM(checkout-latency-p99)" || alarm.Delivery != investigation.DeliveryRaw {
		t.Errorf("got rule %q delivered as %q", alarm.AlarmRule, alarm.Delivery)
	}
}

func TestRegionByName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"US East (N. Virginia)", "us-east-1"},
		{"EU (Ireland)", "eu-west-1"},
		{"Europe (Ireland)", "eu-west-1"},
		{"EU - Ireland", "eu-west-1"},
		{"US West - Oregon", "us-west-2"},
		{"Asia Pacific (Tokyo)", "ap-northeast-1"},
		{"South America (São Paulo)", "sa-east-1"},
		{"Canada West (Calgary)", "ca-west-1"},
		{"Middle East (UAE)", "me-central-1"},
		{"ap-southeast-7", "ap-southeast-7"},
		{"us-gov-west-1", "us-gov-west-1"},
		{"", ""},
		{"EXAMPLE", ""},
		{"US East", ""},
	}
	for _, tt := range tests {
		got, ok := regionByName(tt.name)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("regionByName(%q) = %q, %v; want %q", tt.name, got, ok, tt.want)
		}
	}
	for code, name := range commercialRegions {
		if !regionCode.MatchString(code) {
			t.Errorf("table key %q is not a region code", code)
		}
		if got, _ := regionByName(name); got != code {
			t.Errorf("regionByName(%q) = %q, want %q (two names fold to one key?)", name, got, code)
		}
	}
}

func TestParseAlarmARN(t *testing.T) {
	tests := []struct {
		in      string
		want    alarmARN
		wantErr string
	}{
		{in: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-errors",
			want: alarmARN{ARN: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-errors", Region: "eu-west-1", Account: "123456789012", Name: "checkout-errors"}},
		{in: "arn:aws:cloudwatch:us-east-1: 111122223333:alarm:Demo.Main",
			want: alarmARN{ARN: "arn:aws:cloudwatch:us-east-1:111122223333:alarm:Demo.Main", Region: "us-east-1", Account: "111122223333", Name: "Demo.Main"}},
		{in: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:EC2 CPU: high",
			want: alarmARN{ARN: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:EC2 CPU: high", Region: "us-east-1", Account: "123456789012", Name: "EC2 CPU: high"}},
		{in: "arn:aws-us-gov:cloudwatch:us-gov-west-1:123456789012:alarm:a",
			want: alarmARN{ARN: "arn:aws-us-gov:cloudwatch:us-gov-west-1:123456789012:alarm:a", Region: "us-gov-west-1", Account: "123456789012", Name: "a"}},
		{in: "arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE", wantErr: `region "REGION" is not a region code`},
		{in: "arn:aws:cloudwatch:us-east-1:ACCOUNT:alarm:a", wantErr: `account "ACCOUNT" is not a 12-digit account id`},
		{in: "arn:aws:sns:us-east-1:123456789012:alarm:a", wantErr: "want arn:PARTITION:cloudwatch"},
		{in: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:", wantErr: "has no alarm name"},
		{in: "arn:aws:cloudwatch:us-east-1:123456789012", wantErr: "want arn:PARTITION:cloudwatch"},
	}
	for _, tt := range tests {
		got, err := parseAlarmARN(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseAlarmARN(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseAlarmARN(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseTimes(t *testing.T) {
	want := time.Date(2023, 8, 4, 12, 56, 46, 138e6, time.UTC)
	for _, in := range []string{
		"2023-08-04T12:56:46.138+0000",
		"2023-08-04T12: 56: 46.138+0000",
		"2023-08-04T14:56:46.138+02:00",
		"2023-08-04T12:56:46.138Z",
	} {
		if got, err := parseISOTime(in); err != nil || !got.Equal(want) {
			t.Errorf("parseISOTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := parseISOTime("2019-10-02T17:04:40Z"); err != nil || !got.Equal(time.Date(2019, 10, 2, 17, 4, 40, 0, time.UTC)) {
		t.Errorf("parseISOTime without fraction = %v, %v", got, err)
	}
	for _, bad := range []string{"", "2023-08-04", "2023-08-04 12:56:46", "12:56"} {
		if _, err := parseISOTime(bad); err == nil {
			t.Errorf("parseISOTime(%q) succeeded", bad)
		}
	}

	wantEmail := time.Date(2026, 3, 19, 14, 0, 0, 0, time.UTC)
	for _, in := range []string{"Thursday 19 March, 2026 14:00:00 UTC", "Thursday  19 March, 2026   14:00:00 UTC", "Thursday 19 March, 2026 14: 00: 00 UTC"} {
		if got, err := parseEmailTime(in); err != nil || !got.Equal(wantEmail) {
			t.Errorf("parseEmailTime(%q) = %v, %v; want %v", in, got, err, wantEmail)
		}
	}
	if got, err := parseEmailTime("Monday 05 August, 2019 17:04:03 UTC"); err != nil || !got.Equal(time.Date(2019, 8, 5, 17, 4, 3, 0, time.UTC)) {
		t.Errorf("parseEmailTime with a zero-padded day = %v, %v", got, err)
	}
	for _, bad := range []string{"Thursday 19 March, 2026 14:00:00 PST", "19/03/26 14:00:00 UTC", ""} {
		if _, err := parseEmailTime(bad); err == nil {
			t.Errorf("parseEmailTime(%q) succeeded", bad)
		}
	}
}

func TestParseEmailDimensions(t *testing.T) {
	d := func(kv ...string) []investigation.Dimension {
		var out []investigation.Dimension
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, investigation.Dimension{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	tests := []struct {
		in      string
		want    []investigation.Dimension
		wantErr bool
	}{
		{"", nil, false},
		{"[InstanceId = i-0b41c232eabc69685]", d("InstanceId", "i-0b41c232eabc69685"), false},
		{"[FunctionName = checkout, Resource = checkout:live]", d("FunctionName", "checkout", "Resource", "checkout:live"), false},
		{"[TargetGroup = targetgroup/web/1] [LoadBalancer = app/web/2]", d("TargetGroup", "targetgroup/web/1", "LoadBalancer", "app/web/2"), false},
		{"[Path = /a,b, Method = GET]", d("Path", "/a,b", "Method", "GET"), false},
		{"[Query = a=b]", d("Query", "a=b"), false},
		{"[InstanceId]", nil, true},
		{"[InstanceId = ]", nil, true},
		{"InstanceId = i-1", nil, true},
	}
	for _, tt := range tests {
		got, err := parseEmailDimensions(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseEmailDimensions(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("parseEmailDimensions(%q) = %v, want %v", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("parseEmailDimensions(%q)[%d] = %v, want %v", tt.in, i, got[i], tt.want[i])
			}
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"OK -&gt; ALARM", "OK -> ALARM"},
		{"a &amp;lt; b", "a &lt; b"},
		{"<https://example.com/a?b=1&amp;c=2|the console>", "the console"},
		{"<https://example.com/x>", "https://example.com/x"},
		{"<mailto:ops@example.com|ops@example.com>", "ops@example.com"},
		{"latency < 100 and > 5", "latency < 100 and > 5"},
		{"line1\r\nline2\rline3", "line1\nline2\nline3"},
		{"&gt; quoted\n&gt;&gt; nested", "quoted\nnested"},
		{"```\ncode\n```", "\n\ncode\n\n"},
		{"a\u00a0b", "a b"},
	}
	for _, tt := range tests {
		if got := plainText(tt.in); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	urls := linkTargets("see <https://a.example/x?y=1&amp;z=2|here> and https://b.example/p")
	if len(urls) != 2 || urls[0] != "https://a.example/x?y=1&z=2" || urls[1] != "https://b.example/p" {
		t.Errorf("linkTargets = %q", urls)
	}
}

func TestRefFromConsoleURL(t *testing.T) {
	tests := []struct {
		url, name, region, wantErr string
	}{
		{url: "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout%20errors", name: "checkout errors", region: "eu-west-1"},
		{url: "https://us-east-1.console.aws.amazon.com/cloudwatch/deeplink.js?region=us-east-1#alarmsV2:alarm/a%2Fb?~(alarmStateFilter~'ALARM)", name: "a/b", region: "us-east-1"},
		{url: "https://eu-central-1.console.aws.amazon.com/cloudwatch/home#alarmsV2:alarm/x", name: "x", region: "eu-central-1"},
		{url: "https://console.aws.amazon.com/cloudwatch/home?region=ap-south-1#alarm:alarmFilter=ANY;name=cpu%20high", name: "cpu high", region: "ap-south-1"},
		{url: "https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#s=Alarms&alarm=Alarm%3A%20Network%20In", name: "Alarm: Network In", region: "us-west-2"},
		{url: "https://console.aws.amazon.com/cloudwatch/home#alarmsV2:alarm/x", wantErr: "no region code"},
		{url: "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=main", wantErr: "does not point at an alarm"},
		{url: "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/", wantErr: "names no alarm"},
		{url: "https://console.aws.amazon.com/ec2/home?region=eu-west-1#alarmsV2:alarm/x", wantErr: "not a CloudWatch console link"},
		{url: "https://example.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/x", wantErr: "not an AWS console link"},
	}
	for _, tt := range tests {
		ref, err := refFromConsoleURL(tt.url)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("refFromConsoleURL(%q) error = %v, want %q", tt.url, err, tt.wantErr)
			}
			continue
		}
		if err != nil || ref.Name != tt.name || ref.Region != tt.region {
			t.Errorf("refFromConsoleURL(%q) = %+v, %v; want %q in %q", tt.url, ref, err, tt.name, tt.region)
		}
	}
}

func TestParseChatbot(t *testing.T) {
	tests := []struct {
		name, text string
		want       Ref
		wantErr    string
	}{
		{
			name: "sentence and link, no ARN",
			text: "The alarm *api-5xx* changed state to ALARM\n<https://console.aws.amazon.com/cloudwatch/home?region=us-east-2#alarmsV2:alarm/api-5xx|View in console>",
			want: Ref{Name: "api-5xx", Region: "us-east-2", State: investigation.StateAlarm},
		},
		{
			name: "ARN only",
			text: "Alarm arn:aws:cloudwatch:eu-north-1:123456789012:alarm:disk-full is OK again, State: OK",
			want: Ref{Name: "disk-full", Region: "eu-north-1", Account: "123456789012", State: investigation.StateOK},
		},
		{
			name: "e-mail style time",
			text: "CloudWatch Alarm | queue-age | Europe (London) | Account: 123456789012\nat Thursday 19 March, 2026 14:00:00 UTC",
			want: Ref{Name: "queue-age", Region: "eu-west-2", Account: "123456789012", Time: time.Date(2026, 3, 19, 14, 0, 0, 0, time.UTC)},
		},
		{name: "sentence without region", text: "The alarm api-5xx changed state to ALARM", wantErr: "names no region"},
		{name: "title with unknown region", text: "CloudWatch Alarm | q | Atlantis | Account: 123456789012", wantErr: `region "Atlantis"`},
		{name: "nothing", text: "lunch?", wantErr: "no CloudWatch alarm console link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseChatbot(tt.text)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseChatbot = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestEmailPresentations checks that the ways a chat client or a mail
// reader re-presents the same e-mail all read as the same alarm.
func TestEmailPresentations(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "fixtures", "email-crlf-multiple-dimensions.txt"))
	if err != nil {
		t.Fatal(err)
	}
	original := string(data)
	want, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	slackEscape := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	variants := map[string]string{
		"lf line ends":   strings.ReplaceAll(original, "\r\n", "\n"),
		"bullets":        strings.ReplaceAll(original, "\r\n- ", "\r\n• "),
		"tab padding":    regexpReplace(original, `: {2,}`, ":\t\t"),
		"slack escaped":  slackEscape.Replace(original),
		"code block":     "```\n" + slackEscape.Replace(original) + "\n```",
		"block quote":    "&gt; " + strings.ReplaceAll(slackEscape.Replace(original), "\r\n", "\n&gt; "),
		"bold labels":    regexpReplace(original, `(?m)^- ([A-Za-z ]+):`, "- *$1:*"),
		"flattened":      strings.Join(strings.Fields(original), " "),
		"linked console": regexpReplace(original, `(https://\S+)`, "<$1|View this alarm>"),
	}
	for name, text := range variants {
		t.Run(name, func(t *testing.T) {
			got, err := Parse([]byte(text))
			if err != nil {
				t.Fatal(err)
			}
			if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
				t.Errorf("got  %s\nwant %s", g, w)
			}
		})
	}
}

func regexpReplace(s, pattern, repl string) string {
	return regexp.MustCompile(pattern).ReplaceAllString(s, repl)
}

package blocks

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// Links to where to look, each built from ids the report holds (a region,
// an alarm's or a resource's name, a log group) and each checked against
// the form of the console page it names; data text never becomes a link.

var (
	regionForm    = regexp.MustCompile(`^[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}$`)
	alarmNameForm = regexp.MustCompile(`^[A-Za-z0-9 _.,:/#()+=@-]{1,255}$`)
	resourceID    = regexp.MustCompile(`^[A-Za-z0-9_.:/+=@-]{1,256}$`)
	logGroupName  = regexp.MustCompile(`^[A-Za-z0-9_./#-]{1,512}$`)
)

func consoleBase(region, service string) string {
	return fmt.Sprintf("https://%s.console.aws.amazon.com/%s/home?region=%s", region, service, region)
}

// AlarmConsoleLink is the alarm's page in the CloudWatch console.
func AlarmConsoleLink(a investigation.AlarmSummary) (string, bool) {
	region := a.Region
	if arn, ok := investigation.ParseAlarmARN(a.ARN); ok && region == "" {
		region = arn.Region
	}
	if !regionForm.MatchString(region) || !alarmNameForm.MatchString(a.Name) {
		return "", false
	}
	return consoleBase(region, "cloudwatch") + "#alarmsV2:alarm/" + url.PathEscape(a.Name), true
}

// resourcePages are the console pages of the resource types whose page an
// id alone names.
var resourcePages = map[string]func(region, id string) string{
	"AWS::Lambda::Function": func(r, id string) string { return consoleBase(r, "lambda") + "#/functions/" + url.PathEscape(id) },
	"AWS::IAM::Role": func(_, id string) string {
		return "https://us-east-1.console.aws.amazon.com/iam/home#/roles/details/" + url.PathEscape(id)
	},
	"AWS::EC2::SecurityGroup": func(r, id string) string {
		return consoleBase(r, "ec2") + "#SecurityGroup:groupId=" + url.QueryEscape(id)
	},
	"AWS::EC2::Instance": func(r, id string) string {
		return consoleBase(r, "ec2") + "#InstanceDetails:instanceId=" + url.QueryEscape(id)
	},
	"AWS::RDS::DBInstance": func(r, id string) string {
		return consoleBase(r, "rds") + "#database:id=" + url.QueryEscape(id) + ";is-cluster=false"
	},
	"AWS::RDS::DBCluster": func(r, id string) string {
		return consoleBase(r, "rds") + "#database:id=" + url.QueryEscape(id) + ";is-cluster=true"
	},
	"AWS::DynamoDB::Table": func(r, id string) string { return consoleBase(r, "dynamodbv2") + "#table?name=" + url.QueryEscape(id) },
	"AWS::KMS::Key":        func(r, id string) string { return consoleBase(r, "kms") + "#/kms/keys/" + url.PathEscape(id) },
	"AWS::AutoScaling::AutoScalingGroup": func(r, id string) string {
		return consoleBase(r, "ec2") + "#AutoScalingGroupDetails:id=" + url.QueryEscape(id)
	},
}

// ResourceConsoleLink is the console page of a cause's resource, in the
// region its events were recorded in.
func ResourceConsoleLink(c investigation.Candidate, alarmRegion string) (string, bool) {
	page, ok := resourcePages[c.Resource.Type]
	id := ShortName(c.Resource.ID)
	if !ok || !resourceID.MatchString(id) {
		return "", false
	}
	region := alarmRegion
	if c.Resource.Type != "AWS::IAM::Role" {
		for _, e := range c.Events {
			if e.Region != "" && e.Region != "us-east-1" || region == "" {
				region = e.Region
				break
			}
		}
	}
	if !regionForm.MatchString(region) {
		region = "us-east-1"
	}
	return page(region, id), true
}

// ErrorQuery is the Logs Insights query the links open: the error lines,
// newest first.
const ErrorQuery = "fields @timestamp, @message, @logStream\n| filter @message like /(?i)(error|exception|denied|timed? ?out|fail)/\n| sort @timestamp desc\n| limit 200"

// LogsInsightsLink opens Logs Insights on a log group with ErrorQuery over
// [start, end], in the console's own encoding of its query state.
func LogsInsightsLink(region, group string, start, end time.Time) (string, bool) {
	if !regionForm.MatchString(region) || !logGroupName.MatchString(group) || start.IsZero() || !end.After(start) {
		return "", false
	}
	v := func(s string) string { return strings.ReplaceAll(uriComponent(s), "%", "*") }
	detail := "~(end~'" + v(end.UTC().Format("2006-01-02T15:04:05.000Z")) +
		"~start~'" + v(start.UTC().Format("2006-01-02T15:04:05.000Z")) +
		"~timeType~'ABSOLUTE~tz~'UTC~editorString~'" + v(ErrorQuery) +
		"~source~(~'" + v(group) + "))"
	frag := strings.ReplaceAll(uriComponent("?queryDetail="+detail), "%", "$")
	return consoleBase(region, "cloudwatch") + "#logsV2:logs-insights" + frag, true
}

// uriComponent escapes s as JavaScript's encodeURIComponent does, which is
// what the console decodes its state with.
func uriComponent(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-_.!~*'()", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// builtLink is the form of the links this package builds: https, a console
// host, one of the services above, nothing Slack would read as markup; or
// a Slack thread (ThreadLink).
var builtLink = regexp.MustCompile(`^https://(?:[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}\.)?console\.aws\.amazon\.com/(?:cloudwatch|lambda|iam|ec2|rds|dynamodbv2|kms)/home(?:\?region=[a-z0-9-]+)?#[^\s<>|"]*$|^https://slack\.com/archives/[CGD][A-Z0-9]{2,20}/p[0-9]{7,18}$`)

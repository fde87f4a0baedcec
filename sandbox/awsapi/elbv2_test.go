package awsapi_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func TestELBv2Describes(t *testing.T) {
	a, cfg := invServe(t, invDir)
	client := elbv2.NewFromConfig(cfg)
	ctx := invCtx(t)

	tgTests := []struct {
		name     string
		in       elbv2.DescribeTargetGroupsInput
		want     string
		wantCode string
	}{
		{"by arn", elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{invWebTG}}, "web-tg HTTP:80 /health lbs=[" + invLB + "]", ""},
		{"by name", elbv2.DescribeTargetGroupsInput{Names: []string{"api-tg"}}, "api-tg HTTP:8080  lbs=[" + invLB + "]", ""},
		{"by load balancer", elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(invLB)},
			"web-tg HTTP:80 /health lbs=[" + invLB + "]\napi-tg HTTP:8080  lbs=[" + invLB + "]\nfn-tg :0  lbs=[" + invLB + "]", ""},
		{"missing arn", elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{invWebTG + "0"}}, "", "TargetGroupNotFound"},
		{"missing load balancer", elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(invLB + "0")}, "", "LoadBalancerNotFound"},
		{"two selectors", elbv2.DescribeTargetGroupsInput{Names: []string{"web-tg"}, LoadBalancerArn: aws.String(invLB)}, "", "ValidationError"},
		{"page size too large", elbv2.DescribeTargetGroupsInput{PageSize: aws.Int32(401)}, "", "ValidationError"},
	}
	for _, tt := range tgTests {
		t.Run("target groups/"+tt.name, func(t *testing.T) {
			out, err := client.DescribeTargetGroups(ctx, &tt.in)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			var lines []string
			for _, tg := range out.TargetGroups {
				lines = append(lines, fmt.Sprintf("%s %s:%d %s lbs=%v", aws.ToString(tg.TargetGroupName), tg.Protocol, aws.ToInt32(tg.Port), aws.ToString(tg.HealthCheckPath), tg.LoadBalancerArns))
			}
			if got := strings.Join(lines, "\n"); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	var tgNotFound *elbtypes.TargetGroupNotFoundException
	if _, err := client.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{"ghost"}}); !errors.As(err, &tgNotFound) {
		t.Errorf("missing name: got %T %v, want the modeled exception", err, err)
	}

	t.Run("paging", func(t *testing.T) {
		before := a.Calls()["elasticloadbalancing:DescribeTargetGroups"]
		pages := elbv2.NewDescribeTargetGroupsPaginator(client, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(invLB), PageSize: aws.Int32(2)})
		n := 0
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n += len(page.TargetGroups)
		}
		if calls := a.Calls()["elasticloadbalancing:DescribeTargetGroups"] - before; n != 3 || calls != 2 {
			t.Errorf("read %d groups in %d calls, want 3 in 2", n, calls)
		}
	})

	healthTests := []struct {
		name     string
		in       elbv2.DescribeTargetHealthInput
		want     string
		wantCode string
	}{
		{"registered", elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(invWebTG)},
			"i-0abc1234def567890:80 unhealthy Target.ResponseCodeMismatch\ni-0def5678abc123456:80 healthy ", ""},
		{"one target asked, one unknown", elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(invWebTG),
			Targets: []elbtypes.TargetDescription{{Id: aws.String("i-0def5678abc123456")}, {Id: aws.String("i-0999")}}},
			"i-0def5678abc123456:80 healthy \ni-0999:0 unused Target.NotRegistered", ""},
		{"lambda target from relationships", elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(invFnTG)},
			"arn:aws:lambda:eu-west-1:123456789012:function:checkout:0  ", ""},
		{"missing group", elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(invAPITG + "0")}, "", "TargetGroupNotFound"},
	}
	for _, tt := range healthTests {
		t.Run("health/"+tt.name, func(t *testing.T) {
			out, err := client.DescribeTargetHealth(ctx, &tt.in)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			var lines []string
			for _, d := range out.TargetHealthDescriptions {
				state, reason := "", ""
				if d.TargetHealth != nil {
					state, reason = string(d.TargetHealth.State), string(d.TargetHealth.Reason)
				}
				lines = append(lines, fmt.Sprintf("%s:%d %s %s", aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port), state, reason))
			}
			if got := strings.Join(lines, "\n"); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}

	lbTests := []struct {
		name     string
		in       elbv2.DescribeLoadBalancersInput
		wantCode string
	}{
		{"by arn", elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{invLB}}, ""},
		{"by name", elbv2.DescribeLoadBalancersInput{Names: []string{"web"}}, ""},
		{"missing", elbv2.DescribeLoadBalancersInput{Names: []string{"ghost"}}, "LoadBalancerNotFound"},
	}
	for _, tt := range lbTests {
		t.Run("load balancers/"+tt.name, func(t *testing.T) {
			out, err := client.DescribeLoadBalancers(ctx, &tt.in)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			lb := out.LoadBalancers[0]
			got := fmt.Sprintf("%s %s %s %v %s %s %s", aws.ToString(lb.LoadBalancerName), lb.Type, lb.State.Code, lb.SecurityGroups,
				aws.ToString(lb.DNSName), aws.ToString(lb.AvailabilityZones[0].SubnetId), aws.ToTime(lb.CreatedTime).Format(time.RFC3339))
			want := "web application active [sg-0fedcba9876543210] web-1234567890.eu-west-1.elb.amazonaws.com subnet-0a1b2c3d 2023-01-01T00:00:00Z"
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

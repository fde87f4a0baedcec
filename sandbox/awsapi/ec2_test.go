package awsapi_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestEC2Describes(t *testing.T) {
	_, cfg := invServe(t, invDir)
	client := ec2.NewFromConfig(cfg)
	ctx := invCtx(t)

	out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-0abc1234def567890"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("reservations = %+v", out.Reservations)
	}
	in := out.Reservations[0].Instances[0]
	got := fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%s|%s|%v",
		aws.ToString(in.InstanceId), in.State.Name, aws.ToString(in.SubnetId), aws.ToString(in.SecurityGroups[0].GroupId),
		aws.ToString(in.IamInstanceProfile.Arn), aws.ToString(in.BlockDeviceMappings[0].DeviceName),
		aws.ToString(in.BlockDeviceMappings[0].Ebs.VolumeId), aws.ToTime(in.LaunchTime).Format(time.RFC3339), in.InstanceType, aws.ToString(out.Reservations[0].OwnerId))
	want := "i-0abc1234def567890|running|subnet-0a1b2c3d|sg-0bbbb3333cccc4444|arn:aws:iam::123456789012:instance-profile/web-profile|/dev/xvda|vol-0123456789abcdef0|2024-04-01T10:00:00Z|t3.micro|123456789012"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	instanceTests := []struct {
		name     string
		in       ec2.DescribeInstancesInput
		wantIDs  string
		wantCode string
	}{
		{"all", ec2.DescribeInstancesInput{}, "i-0abc1234def567890,i-0def5678abc123456", ""},
		{"relationships fill", ec2.DescribeInstancesInput{Filters: []invFilter{{Name: aws.String("instance.group-id"), Values: []string{"sg-0bbbb3333cccc4444"}}, {Name: aws.String("subnet-id"), Values: []string{"subnet-0a1b2c3d"}}}}, "i-0abc1234def567890,i-0def5678abc123456", ""},
		{"tag wildcard", ec2.DescribeInstancesInput{Filters: []invFilter{{Name: aws.String("tag:Name"), Values: []string{"web-*"}}}}, "i-0abc1234def567890", ""},
		{"unknown filter", ec2.DescribeInstancesInput{Filters: []invFilter{{Name: aws.String("flavour"), Values: []string{"x"}}}}, "", "InvalidParameterValue"},
		{"missing id", ec2.DescribeInstancesInput{InstanceIds: []string{"i-0abc1234def567890", "i-00000000000000000"}}, "", "InvalidInstanceID.NotFound"},
		{"max results beside ids", ec2.DescribeInstancesInput{InstanceIds: []string{"i-0abc1234def567890"}, MaxResults: aws.Int32(5)}, "", "InvalidParameterCombination"},
		{"max results too small", ec2.DescribeInstancesInput{MaxResults: aws.Int32(4)}, "", "InvalidParameterValue"},
		{"forged token", ec2.DescribeInstancesInput{NextToken: aws.String("Zm9yZ2Vk")}, "", "InvalidParameterValue"},
	}
	for _, tt := range instanceTests {
		t.Run("instances/"+tt.name, func(t *testing.T) {
			out, err := client.DescribeInstances(ctx, &tt.in)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			var ids []string
			for _, r := range out.Reservations {
				for _, in := range r.Instances {
					ids = append(ids, aws.ToString(in.InstanceId))
				}
			}
			if strings.Join(ids, ",") != tt.wantIDs {
				t.Errorf("ids = %v, want %s", ids, tt.wantIDs)
			}
		})
	}

	sgs, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-0123456789abcdef0", "sg-0fedcba9876543210"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sgs.SecurityGroups) != 2 {
		t.Fatalf("groups = %d", len(sgs.SecurityGroups))
	}
	lambdaSG, albSG := sgs.SecurityGroups[0], sgs.SecurityGroups[1]
	egress := lambdaSG.IpPermissionsEgress
	if len(egress) != 2 || aws.ToString(egress[0].UserIdGroupPairs[0].GroupId) != "sg-0aaaabbbbccccdddd" ||
		aws.ToInt32(egress[0].FromPort) != 5432 || aws.ToString(egress[1].IpRanges[0].CidrIp) != "0.0.0.0/0" {
		t.Errorf("egress rules = %+v", egress)
	}
	if aws.ToString(albSG.GroupName) != "web-alb" || aws.ToString(albSG.IpPermissions[0].IpRanges[0].Description) != "HTTPS from anywhere" ||
		aws.ToString(albSG.OwnerId) != "123456789012" || aws.ToString(albSG.Tags[0].Value) != "web" {
		t.Errorf("web-alb = %+v", albSG)
	}
	_, err = client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-00000000000000000"}})
	if got := invCode(err); got != "InvalidGroup.NotFound" {
		t.Errorf("missing group: code %q (%v)", got, err)
	}
	byName, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []invFilter{{Name: aws.String("group-name"), Values: []string{"orders-db"}}}})
	if err != nil || len(byName.SecurityGroups) != 1 || aws.ToString(byName.SecurityGroups[0].GroupId) != "sg-0aaaabbbbccccdddd" {
		t.Errorf("group-name filter: %+v %v", byName, err)
	}
}

type invFilter = ec2types.Filter

// TestEC2Paging pages through more instances than one page holds, with the
// SDK's own paginator.
func TestEC2Paging(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"scenario.json", "alarm.json"} {
		b, err := os.ReadFile(filepath.Join(invDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "trail"), 0o700); err != nil {
		t.Fatal(err)
	}
	var items []string
	for i := range 12 {
		items = append(items, fmt.Sprintf(`{"type":"AWS::EC2::Instance","id":"i-%017d"}`, i))
	}
	if err := os.WriteFile(filepath.Join(dir, "topology.json"), []byte(`{"resources":[`+strings.Join(items, ",")+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	a, cfg := invServe(t, dir)
	pages := ec2.NewDescribeInstancesPaginator(ec2.NewFromConfig(cfg), &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	seen := map[string]bool{}
	for pages.HasMorePages() {
		page, err := pages.NextPage(invCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				seen[aws.ToString(in.InstanceId)] = true
			}
		}
	}
	if len(seen) != 12 || a.Calls()["ec2:DescribeInstances"] != 3 {
		t.Errorf("read %d instances in %d calls, want 12 in 3", len(seen), a.Calls()["ec2:DescribeInstances"])
	}
}

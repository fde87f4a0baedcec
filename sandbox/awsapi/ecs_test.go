package awsapi_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

func TestRDSDescribeDBInstances(t *testing.T) {
	_, cfg := invServe(t, invDir)
	client := rds.NewFromConfig(cfg)
	ctx := invCtx(t)

	for _, ref := range []string{"orders-db", "arn:aws:rds:eu-west-1:123456789012:db:orders-db"} {
		t.Run(ref, func(t *testing.T) {
			out, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(ref)})
			if err != nil {
				t.Fatal(err)
			}
			db := out.DBInstances[0]
			got := fmt.Sprintf("%s %s %s %s %s %s %d %v %s",
				aws.ToString(db.DBInstanceIdentifier), aws.ToString(db.VpcSecurityGroups[0].VpcSecurityGroupId),
				aws.ToString(db.DBParameterGroups[0].DBParameterGroupName), aws.ToString(db.KmsKeyId),
				aws.ToString(db.DBSubnetGroup.DBSubnetGroupName), aws.ToString(db.DBSubnetGroup.Subnets[0].SubnetAvailabilityZone.Name),
				aws.ToInt32(db.Endpoint.Port), aws.ToBool(db.StorageEncrypted), aws.ToString(db.MonitoringRoleArn))
			want := "orders-db sg-0aaaabbbbccccdddd orders-pg15 arn:aws:kms:eu-west-1:123456789012:key/9876fedc-ba98-7654-3210-fedcba987654 orders-subnets eu-west-1a 5432 true arn:aws:iam::123456789012:role/rds-monitoring-role"
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
	tests := []struct {
		name     string
		in       rds.DescribeDBInstancesInput
		wantN    int
		wantCode string
	}{
		{"all", rds.DescribeDBInstancesInput{}, 1, ""},
		{"engine filter", rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: aws.String("engine"), Values: []string{"mysql"}}}}, 0, ""},
		{"unknown filter", rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: aws.String("colour"), Values: []string{"x"}}}}, 0, "InvalidParameterValue"},
		{"max records too small", rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(5)}, 0, "InvalidParameterValue"},
		{"missing", rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("ghost")}, 0, "DBInstanceNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.DescribeDBInstances(ctx, &tt.in)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err == nil && len(out.DBInstances) != tt.wantN {
				t.Errorf("instances = %d, want %d", len(out.DBInstances), tt.wantN)
			}
		})
	}
	var nf *rdstypes.DBInstanceNotFoundFault
	if _, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("ghost")}); !errors.As(err, &nf) {
		t.Errorf("missing: got %T %v, want the modeled fault", err, err)
	}
}

func TestECSDescribes(t *testing.T) {
	_, cfg := invServe(t, invDir)
	client := ecs.NewFromConfig(cfg)
	ctx := invCtx(t)

	out, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"api", "arn:aws:ecs:eu-west-1:123456789012:service/prod/ghost"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Services) != 1 || len(out.Failures) != 1 {
		t.Fatalf("services %d failures %d", len(out.Services), len(out.Failures))
	}
	svc := out.Services[0]
	got := fmt.Sprintf("%s %s %s %s %v %d/%d %s %s",
		aws.ToString(svc.ServiceArn), aws.ToString(svc.TaskDefinition), aws.ToString(svc.LoadBalancers[0].TargetGroupArn),
		aws.ToString(svc.ClusterArn), svc.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups, svc.RunningCount, svc.DesiredCount,
		aws.ToTime(svc.CreatedAt).Format(time.RFC3339), aws.ToTime(svc.Deployments[0].CreatedAt).Format(time.RFC3339))
	want := "arn:aws:ecs:eu-west-1:123456789012:service/prod/api arn:aws:ecs:eu-west-1:123456789012:task-definition/api:42 " + invAPITG +
		" arn:aws:ecs:eu-west-1:123456789012:cluster/prod [sg-0eeee1111ffff2222] 1/3 2023-02-01T00:00:00Z 2024-05-01T10:40:00Z"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if f := out.Failures[0]; aws.ToString(f.Reason) != "MISSING" || aws.ToString(f.Arn) != "arn:aws:ecs:eu-west-1:123456789012:service/prod/ghost" {
		t.Errorf("failure = %+v", f)
	}

	serviceErrors := []struct {
		name     string
		in       ecs.DescribeServicesInput
		wantCode string
	}{
		{"known empty cluster", ecs.DescribeServicesInput{Cluster: aws.String("arn:aws:ecs:eu-west-1:123456789012:cluster/staging"), Services: []string{"api"}}, ""},
		{"missing cluster", ecs.DescribeServicesInput{Cluster: aws.String("ghost"), Services: []string{"api"}}, "ClusterNotFoundException"},
		{"eleven services", ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")}, "InvalidParameterException"},
	}
	for _, tt := range serviceErrors {
		t.Run("services/"+tt.name, func(t *testing.T) {
			_, err := client.DescribeServices(ctx, &tt.in)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
		})
	}
	var clusterNF *ecstypes.ClusterNotFoundException
	if _, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("ghost"), Services: []string{"api"}}); !errors.As(err, &clusterNF) {
		t.Errorf("missing cluster: got %T, want the modeled exception", err)
	}

	tdTests := []struct {
		name, ref, wantRevision string
		wantCode                string
	}{
		{"family is the latest active revision", "api", "42", ""},
		{"family:revision", "api:41", "41", ""},
		{"arn", "arn:aws:ecs:eu-west-1:123456789012:task-definition/api:42", "42", ""},
		{"inactive revision by number", "api:43", "43", ""},
		{"missing", "web:1", "", "ClientException"},
	}
	for _, tt := range tdTests {
		t.Run("task definition/"+tt.name, func(t *testing.T) {
			out, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(tt.ref)})
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			if got := fmt.Sprint(out.TaskDefinition.Revision); got != tt.wantRevision {
				t.Errorf("revision = %s, want %s", got, tt.wantRevision)
			}
		})
	}
	td, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("api")})
	if err != nil {
		t.Fatal(err)
	}
	def := td.TaskDefinition
	c := def.ContainerDefinitions[0]
	got = fmt.Sprintf("%s %s %s %s %s", aws.ToString(def.TaskRoleArn), aws.ToString(def.ExecutionRoleArn), c.LogConfiguration.LogDriver,
		c.LogConfiguration.Options["awslogs-group"], def.NetworkMode)
	if want := "arn:aws:iam::123456789012:role/api-task arn:aws:iam::123456789012:role/ecsTaskExecutionRole awslogs /ecs/api awsvpc"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

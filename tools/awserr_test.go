package tools_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/tools"
)

// sdkError builds an error shaped as SDK clients return them.
func sdkError(service, op string, status int, code string) error {
	var err error = &smithy.GenericAPIError{Code: code, Message: "from the service"}
	if code == "" {
		err = errors.New("no error code")
	}
	if status > 0 {
		err = &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}
	}
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: err}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		reason     investigation.Reason
		op         string
		permission string
		notFound   bool
	}{
		{"throttling", sdkError("CloudTrail", "LookupEvents", 400, "ThrottlingException"), investigation.ReasonThrottled, "cloudtrail:LookupEvents", "", false},
		{"retries exhausted on throttling", &retry.MaxAttemptsError{Attempt: 3, Err: sdkError("CloudWatch", "DescribeAlarms", 400, "Throttling")}, investigation.ReasonThrottled, "cloudwatch:DescribeAlarms", "", false},
		{"EC2's throttling", sdkError("EC2", "DescribeInstances", 503, "RequestLimitExceeded"), investigation.ReasonThrottled, "ec2:DescribeInstances", "", false},
		{"429 without a code", sdkError("Lambda", "GetFunctionConfiguration", 429, ""), investigation.ReasonThrottled, "lambda:GetFunctionConfiguration", "", false},
		{"access denied", sdkError("CloudWatch Logs", "StartQuery", 400, "AccessDeniedException"), investigation.ReasonAccessDenied, "logs:StartQuery", "logs:StartQuery", false},
		{"IAM's access denied", sdkError("IAM", "GetRole", 403, "AccessDenied"), investigation.ReasonAccessDenied, "iam:GetRole", "iam:GetRole", false},
		{"EC2's unauthorized", sdkError("EC2", "DescribeSecurityGroups", 403, "UnauthorizedOperation"), investigation.ReasonAccessDenied, "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroups", false},
		{"ELB's prefix", sdkError("Elastic Load Balancing v2", "DescribeTargetHealth", 403, "AccessDenied"), investigation.ReasonAccessDenied, "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTargetHealth", false},
		{"Converse needs InvokeModel", sdkError("Bedrock Runtime", "Converse", 403, "AccessDeniedException"), investigation.ReasonAccessDenied, "bedrock:Converse", "bedrock:InvokeModel", false},
		{"expired credentials name no permission", sdkError("CloudTrail", "LookupEvents", 400, "ExpiredTokenException"), investigation.ReasonAccessDenied, "cloudtrail:LookupEvents", "", false},
		{"403 without a code", sdkError("Config Service", "GetResourceConfigHistory", 403, ""), investigation.ReasonAccessDenied, "config:GetResourceConfigHistory", "config:GetResourceConfigHistory", false},
		{"IAM's no such entity", sdkError("IAM", "GetPolicy", 404, "NoSuchEntity"), investigation.ReasonNotFound, "iam:GetPolicy", "", true},
		{"logs' resource not found", sdkError("CloudWatch Logs", "FilterLogEvents", 400, "ResourceNotFoundException"), investigation.ReasonNotFound, "logs:FilterLogEvents", "", true},
		{"RDS's not found", sdkError("RDS", "DescribeDBInstances", 404, "DBInstanceNotFound"), investigation.ReasonNotFound, "rds:DescribeDBInstances", "", true},
		{"EC2's dotted not found", sdkError("EC2", "DescribeInstances", 400, "InvalidInstanceID.NotFound"), investigation.ReasonNotFound, "ec2:DescribeInstances", "", true},
		{"Config has no item", sdkError("Config Service", "GetResourceConfigHistory", 400, "ResourceNotDiscoveredException"), investigation.ReasonNotFound, "config:GetResourceConfigHistory", "", true},
		{"SQS's missing queue", sdkError("SQS", "GetQueueUrl", 400, "AWS.SimpleQueueService.NonExistentQueue"), investigation.ReasonNotFound, "sqs:GetQueueUrl", "", true},
		{"service failure", sdkError("ECS", "DescribeServices", 500, "ServerException"), investigation.ReasonUnavailable, "ecs:DescribeServices", "", false},
		{"unavailable", sdkError("CloudTrail", "LookupEvents", 503, "ServiceUnavailable"), investigation.ReasonUnavailable, "cloudtrail:LookupEvents", "", false},
		{"validation", sdkError("CloudTrail", "LookupEvents", 400, "InvalidLookupAttributesException"), investigation.ReasonInvalid, "cloudtrail:LookupEvents", "", false},
		{"request timeout code", sdkError("IAM", "GetRole", 400, "RequestTimeout"), investigation.ReasonTimeout, "iam:GetRole", "", false},
		{"deadline", fmt.Errorf("lookup: %w", context.DeadlineExceeded), investigation.ReasonTimeout, "", "", false},
		{"canceled", &smithy.CanceledError{Err: context.Canceled}, investigation.ReasonCanceled, "", "", false},
		{"refused connection", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, investigation.ReasonUnavailable, "", "", false},
		{"client-side validation", &smithy.OperationError{ServiceID: "IAM", OperationName: "GetRole", Err: smithy.InvalidParamsError{Context: "GetRoleInput"}}, investigation.ReasonInvalid, "iam:GetRole", "", false},
		{"anything else", errors.New("boom"), investigation.ReasonUnknown, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tools.Wrap("", "doing the thing", tt.err)
			var apiErr *tools.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("Wrap returned %T", err)
			}
			if apiErr.Reason != tt.reason || apiErr.Op != tt.op || apiErr.Permission != tt.permission {
				t.Fatalf("reason %s op %q permission %q; want %s %q %q", apiErr.Reason, apiErr.Op, apiErr.Permission, tt.reason, tt.op, tt.permission)
			}
			if errors.Is(err, investigation.ErrUnknownResource) != tt.notFound {
				t.Fatalf("errors.Is(ErrUnknownResource) = %v", !tt.notFound)
			}
			if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), "doing the thing") || investigation.ReasonOf(err) != tt.reason {
				t.Fatalf("%q does not wrap the cause with its context", err)
			}
			if tt.permission != "" && !strings.Contains(err.Error(), tt.permission) {
				t.Fatalf("%q does not name the permission", err)
			}
			want := tt.reason == investigation.ReasonThrottled || tt.reason == investigation.ReasonTimeout || tt.reason == investigation.ReasonUnavailable
			if apiErr.Retryable() != want {
				t.Fatalf("Retryable() = %v", apiErr.Retryable())
			}
		})
	}
	if tools.Wrap("x:Y", "", nil) != nil || investigation.ReasonOf(nil) != "" {
		t.Fatal("nil must stay nil")
	}
}

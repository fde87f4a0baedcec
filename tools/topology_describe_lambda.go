package tools

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// LambdaFunction is a function's configuration.
type LambdaFunction struct {
	Name             string   `json:"name"`
	ARN              string   `json:"arn,omitempty"`
	Runtime          string   `json:"runtime,omitempty"`
	Handler          string   `json:"handler,omitempty"`
	Role             string   `json:"role,omitempty"`
	KMSKeyARN        string   `json:"kms_key_arn,omitempty"`
	MemoryMB         int32    `json:"memory_mb,omitempty"`
	TimeoutSeconds   int32    `json:"timeout_seconds,omitempty"`
	State            string   `json:"state,omitempty"`
	LastUpdateStatus string   `json:"last_update_status,omitempty"`
	LastModified     string   `json:"last_modified,omitempty"`
	Version          string   `json:"version,omitempty"`
	VpcID            string   `json:"vpc_id,omitempty"`
	SubnetIDs        []string `json:"subnet_ids,omitempty"`
	SecurityGroupIDs []string `json:"security_group_ids,omitempty"`
	Layers           []string `json:"layers,omitempty"`
	// EnvironmentVariables names the variables; their values are left out,
	// since they often hold secrets.
	EnvironmentVariables []string `json:"environment_variable_names,omitempty"`
	LogGroup             string   `json:"log_group,omitempty"`
	DeadLetterTarget     string   `json:"dead_letter_target,omitempty"`
	// envRefs are the resources the environment's values name; the values
	// themselves are not kept.
	envRefs []envRef
}

// lambdaRegion points one call at region; "" keeps the client's own.
func lambdaRegion(region string) func(*lambda.Options) {
	return func(o *lambda.Options) {
		if region != "" {
			o.Region = region
		}
	}
}

// Function reads a Lambda function's configuration by name, ARN or name:qualifier.
func (v *Inventory) Function(ctx context.Context, region, function string) (LambdaFunction, error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	out, err := v.lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(function)}, lambdaRegion(region))
	if err != nil {
		return LambdaFunction{}, Wrap(OpGetFunctionConfiguration, "get configuration of function "+function, err)
	}
	return summarizeFunction(out), nil
}

func summarizeFunction(out *lambda.GetFunctionConfigurationOutput) LambdaFunction {
	fn := LambdaFunction{
		Name:             aws.ToString(out.FunctionName),
		ARN:              aws.ToString(out.FunctionArn),
		Runtime:          string(out.Runtime),
		Handler:          aws.ToString(out.Handler),
		Role:             aws.ToString(out.Role),
		KMSKeyARN:        aws.ToString(out.KMSKeyArn),
		MemoryMB:         aws.ToInt32(out.MemorySize),
		TimeoutSeconds:   aws.ToInt32(out.Timeout),
		State:            string(out.State),
		LastUpdateStatus: string(out.LastUpdateStatus),
		LastModified:     aws.ToString(out.LastModified),
		Version:          aws.ToString(out.Version),
	}
	if vpc := out.VpcConfig; vpc != nil {
		fn.VpcID = aws.ToString(vpc.VpcId)
		fn.SubnetIDs = vpc.SubnetIds
		fn.SecurityGroupIDs = vpc.SecurityGroupIds
	}
	for _, l := range out.Layers {
		fn.Layers = append(fn.Layers, aws.ToString(l.Arn))
	}
	if out.Environment != nil {
		fn.EnvironmentVariables = sortedKeys(out.Environment.Variables)
		fn.envRefs = environmentRefs(out.Environment.Variables)
	}
	if out.LoggingConfig != nil {
		fn.LogGroup = aws.ToString(out.LoggingConfig.LogGroup)
	}
	if out.DeadLetterConfig != nil {
		fn.DeadLetterTarget = aws.ToString(out.DeadLetterConfig.TargetArn)
	}
	return fn
}

func sortedKeys(m map[string]string) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

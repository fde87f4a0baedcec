// Package awsapi emulates the AWS APIs Trailhound reads (CloudTrail,
// CloudWatch, CloudWatch Logs, IAM, Config and the services' own describes,
// SNS, SQS, Bedrock Runtime) from a scenario (DESIGN §5), over their real
// wire protocols: the unmodified SDK clients of the demo, the triage and eval
// commands and the tests run against it. Scenarios are read through
// investigation/scenario only.
package awsapi

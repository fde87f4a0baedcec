// Package tools holds the adapters that read AWS for the engine, the agent's
// registry and the bot, on aws-sdk-go-v2, and the file-backed trail that
// stands in for CloudTrail offline. It is, with the Bedrock adapter, the only
// package that imports the SDK.
//
// Each AWS service has its own file (cloudtrail.go, alarms.go and
// metricdata.go for CloudWatch, logs.go, iam.go, sqs.go, sns.go; AWS Config
// and the describes of Lambda, EC2, ELBv2, RDS and ECS serve the topology in
// topology_*.go). What every client shares sits beside them: loading the
// configuration (awsconfig.go, aws.go), request observation (observe.go:
// per-triage call counts and budgets, the process's request metric), pacing
// (pace.go) and the mapping of SDK errors to the domain's reasons (awserr.go).
package tools

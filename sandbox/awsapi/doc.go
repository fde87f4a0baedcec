// Package awsapi emulates the AWS APIs Trailhound reads (CloudTrail,
// CloudWatch, CloudWatch Logs, IAM, Config and the services' own describes
// and status feeds, SNS, SQS, Auto Scaling, Bedrock Runtime) from a scenario
// (DESIGN §5), over every wire protocol a current SDK or AWS CLI may send to
// the real endpoint (CloudWatch: Smithy RPC v2 CBOR, JSON 1.0 and query; SQS:
// JSON 1.0 and query): the unmodified SDK clients of the demo, the triage and
// eval commands, the tests and the AWS CLI run against it. The services
// answer from one model of the account, so IAM, Config and the describes
// agree. Scenarios are read through investigation/scenario only.
//
// A scenario of several accounts (scenario.json "accounts") gets one such
// model per account, holding only that account's trail records, resources,
// roles, log groups and alarms. The scenario's static credentials open its
// "account"; STS AssumeRole into another account's TrailhoundReadOnly role
// issues temporary keys that open that account (AccessDenied when it has no
// member role or is not in the organization), and every request is answered
// from the model of the account its key opens. Organizations ListAccounts
// answers the home account with "accounts".
package awsapi

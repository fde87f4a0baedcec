// Package scenarios holds the scenario corpus; as Go, only the scenarios
// `trailhound demo` plays, built into the binary so the demo runs from any
// folder and in the container.
package scenarios

import "embed"

// Demo holds the demo's scenario folders.
//
//go:embed 001-lambda-role-policy-detached 004-lambda-code-deploy-regression 008-targetgroup-unhealthy-sg-ingress-revoked 021-composite-ingest-kms-key-pending-deletion 030-blind-runtime-carrier-timeouts
var Demo embed.FS

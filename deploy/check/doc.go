// Package check tests Trailhound's deploy kit: the Helm chart, the ECS
// Fargate template, the SNS-to-SQS template, the member-account role template
// and the IAM policy under deploy/.
//
// It is a module of its own so that the product's module does not carry the
// Helm and Kubernetes dependencies the checks need. Run it from this folder:
// go test ./...
package check

import (
	"os"
	"path/filepath"
)

// RepoRoot is the repository's root, relative to this package's folder
// (deploy/check), where go test runs.
const RepoRoot = "../.."

// ReadRepoFile reads a file named by its path from the repository's root.
func ReadRepoFile(path string) ([]byte, error) {
	return os.ReadFile(filepath.Join(RepoRoot, filepath.FromSlash(path)))
}

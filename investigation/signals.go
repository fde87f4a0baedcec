package investigation

// ErrorKind classifies an error line in a workload's logs by what could have
// caused it, so a change can be corroborated by errors of its own kind.
type ErrorKind string

const (
	ErrAccessDenied ErrorKind = "access_denied" // authorization refused by IAM or a resource policy
	ErrNetwork      ErrorKind = "network"       // connect timeouts, refused or reset connections, unreachable hosts
	ErrThrottled    ErrorKind = "throttled"     // rate or concurrency limits
	ErrKMS          ErrorKind = "kms"           // a key disabled, pending deletion or unusable
	ErrNotFound     ErrorKind = "not_found"     // a resource the code uses is gone
	ErrAuth         ErrorKind = "auth"          // credentials rejected: passwords, tokens, secrets
	ErrDNS          ErrorKind = "dns"           // names that no longer resolve
	ErrConfig       ErrorKind = "config"        // missing or invalid settings
	ErrExhaustion   ErrorKind = "exhaustion"    // out of memory, time limits, full disks
	ErrUnavailable  ErrorKind = "unavailable"   // upstream 5xx, no healthy targets
	ErrApplication  ErrorKind = "application"   // the code's own exceptions
)

// Package scenario is the scenario format (DESIGN §5): one incident as a
// folder of files — the alarm, the trail and what the AWS APIs would answer
// about the account at the time — with the right answer beside it. The
// sandbox serves scenarios, eval grades reports against them and the
// corrections writer records new ones, all through Load and Write.
package scenario

import (
	"encoding/json"
	"time"
)

// Scenario is one scenario folder, read whole.
type Scenario struct {
	Dir     string // where Load read it from; Write ignores it
	Meta    Meta
	Alarm   []byte // the notification exactly as delivered (alarm.json or alarm.txt)
	Expect  *Expect
	TrailIn string // the trail/ folder of Dir, for readers that walk it
	// Trail holds the files of trail/, so that Write can reproduce them.
	Trail []TrailFile

	Topology TopologyFile
	Logs     LogsFile
	IAM      IAMFile
	Alarms   json.RawMessage // DescribeAlarms-shaped alarms, as the file holds them
	Model    ModelFile
	Feeds    *FeedsFile   // nil without feeds.json
	Metrics  *MetricsFile // nil without metrics.json
	// Trails is the accounts' CloudTrail setup; nil without trails.json,
	// which means every account has a multi-region management-events trail.
	Trails *TrailsFile
}

// TrailFile is one CloudTrail file of trail/, byte for byte (gzipped or not).
type TrailFile struct {
	Name string // path relative to trail/, slash-separated
	Data []byte
}

// Meta is scenario.json.
type Meta struct {
	Title string `json:"title"`
	// Account holds the credentials Trailhound runs with.
	Account string    `json:"account"`
	Region  string    `json:"region"`
	Now     time.Time `json:"now"`
	// Accounts is the organization as ListAccounts answers it; empty for a
	// scenario of one account.
	Accounts []Account `json:"accounts,omitempty"`
	// AllowedAccounts is the operator's allowlist; empty allows every
	// account of Accounts.
	AllowedAccounts []string `json:"allowed_accounts,omitempty"`
}

// Account is one account of the organization.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// MemberRole false means the read-only role is missing or does not
	// trust the caller, so AssumeRole into the account is denied. Absent
	// means true; HasMemberRole reads it.
	MemberRole *bool `json:"member_role,omitempty"`
}

// HasMemberRole reports whether Trailhound's role can be assumed in a.
func (a Account) HasMemberRole() bool { return a.MemberRole == nil || *a.MemberRole }

// Expect is expect.json: the right answer.
type Expect struct {
	Cause     []string `json:"cause"`
	Category  string   `json:"category"`
	BlindSpot string   `json:"blind_spot"`
	Notes     string   `json:"notes"`
	// PreviousValues are the values a revert would restore (an old timeout,
	// the former image tag, …); rank 1's next step should name one of them.
	PreviousValues []string `json:"previous_values,omitempty"`
	// CoverageGap is a gap in trail coverage the report must state beside
	// the cause: "no_trail", "region_not_covered", "data_events_off" or
	// "logging_stopped".
	CoverageGap string `json:"coverage_gap,omitempty"`
}

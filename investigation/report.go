package investigation

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Confidence grades a claim.
type Confidence string

const (
	ConfidenceHigh   Confidence = "high"
	ConfidenceMedium Confidence = "medium"
	ConfidenceLow    Confidence = "low"
)

// Category groups change kinds by what they touch.
type Category string

// The categories of the change catalogue. Scenarios' expect.json use the same words.
const (
	CategoryIAM           Category = "iam"            // roles, policies, users, trust
	CategoryNetwork       Category = "network"        // security groups, NACLs, routes, endpoints, NAT
	CategoryDeployment    Category = "deployment"     // new code or stack versions
	CategoryConfig        Category = "config"         // a resource's settings
	CategoryCapacity      Category = "capacity"       // counts, sizes, concurrency, throughput
	CategoryDatabase      Category = "database"       // RDS, DynamoDB, ElastiCache changes
	CategoryStorage       Category = "storage"        // S3 policies and settings, EBS
	CategoryEncryption    Category = "encryption"     // KMS keys, grants, key policies
	CategoryDNS           Category = "dns"            // Route 53 records and zones
	CategoryLoadBalancing Category = "load_balancing" // listeners, rules, target groups, targets
	CategorySecrets       Category = "secrets"        // Secrets Manager, SSM parameters
	CategoryMessaging     Category = "messaging"      // SQS, SNS, EventBridge
	CategoryAPI           Category = "api"            // API Gateway
	CategoryCDN           Category = "cdn"            // CloudFront
	CategoryKubernetes    Category = "kubernetes"     // EKS
	CategoryObservability Category = "observability"  // logging and alarms
	CategoryTagging       Category = "tagging"        // metadata only
)

// BlindSpotKind names what the trail cannot show.
type BlindSpotKind string

const (
	BlindApplication BlindSpotKind = "application"  // deploys and config outside AWS APIs
	BlindNetwork     BlindSpotKind = "network"      // reachability, packet loss, third parties
	BlindRuntime     BlindSpotKind = "runtime"      // errors inside the workload
	BlindDeliveryLag BlindSpotKind = "delivery_lag" // CloudTrail has not delivered the last minutes yet
	BlindUnscoped    BlindSpotKind = "unscoped"     // the alarm names no resource the engine knows
	BlindTrail       BlindSpotKind = "trail"        // the trail setup does not record what would show the cause
	BlindAccount     BlindSpotKind = "account"      // an account Trailhound may not or cannot read
)

// Report is the outcome of a triage (DESIGN §4).
type Report struct {
	Alarm       AlarmSummary `json:"alarm"`
	Window      Window       `json:"window"`
	Candidates  []Candidate  `json:"candidates"`
	Explanation Explanation  `json:"explanation"`
	BlindSpots  []BlindSpot  `json:"blind_spots"`
	// CoverageGaps is what the account's trail setup kept from the walk.
	CoverageGaps []CoverageGap `json:"coverage_gaps,omitempty"`
	Notes        []string      `json:"notes,omitempty"`
	AI           AIStatus      `json:"ai"`
	Stats        Stats         `json:"stats"`
	ArtifactID   string        `json:"artifact_id"`
	// AccountNames names the accounts the report speaks of, by id, when
	// the organization's account list could be read.
	AccountNames map[string]string `json:"account_names,omitempty"`
}

// AccountLabel is "name (id)" when the account's name is known, else the id.
func (r *Report) AccountLabel(id string) string { return AccountLabel(r.AccountNames, id) }

// AccountLabel is "name (id)" when names knows the account, else the id.
func AccountLabel(names map[string]string, id string) string {
	if name := names[id]; name != "" && id != "" {
		return name + " (" + id + ")"
	}
	return id
}

// Accounts lists the accounts the report speaks of: the alarm's, its
// resources' and its events', without repeats.
func (r *Report) Accounts() []string {
	var out []string
	seen := map[string]bool{}
	add := func(a string) {
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	add(r.Alarm.Account)
	for _, res := range r.Alarm.Resources {
		add(res.Account)
	}
	for _, c := range r.Candidates {
		for _, e := range c.Events {
			add(e.Account)
		}
	}
	return out
}

// PortalLink is link opened through an IAM Identity Center access portal,
// signed in to account with the permission set role: the portal's console
// deep link.
func PortalLink(startURL, role, account, link string) string {
	return strings.TrimRight(startURL, "/") + "/#/console?account_id=" + url.QueryEscape(account) +
		"&role_name=" + url.QueryEscape(role) + "&destination=" + url.QueryEscape(link)
}

// AlarmSummary is the alarm as the report states it.
type AlarmSummary struct {
	Name            string     `json:"name"`
	ARN             string     `json:"arn"`
	Account         string     `json:"account"`
	Region          string     `json:"region"`
	State           State      `json:"state"`
	StateChangeTime time.Time  `json:"state_change_time"`
	Reason          string     `json:"reason"`
	Resources       []Resource `json:"resources"`
	// Comparison and Threshold are the alarm's, from the notification or
	// DescribeAlarms; Comparison is "" when neither said.
	Comparison        string  `json:"comparison,omitempty"`
	Threshold         float64 `json:"threshold,omitempty"`
	EvaluationPeriods int     `json:"evaluation_periods,omitempty"`
}

// Window is the span of trail that was walked.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Candidate is a change (one or a few related events) ranked as a possible cause.
type Candidate struct {
	Rank       int            `json:"rank"`
	Summary    string         `json:"summary"`
	Category   Category       `json:"category"`
	Confidence Confidence     `json:"confidence"`
	Score      float64        `json:"score"`
	Layer      int            `json:"layer"`
	Resource   ResourceRef    `json:"resource"`
	Events     []EventRef     `json:"events"`
	Claims     []Claim        `json:"claims"`
	Breakdown  ScoreBreakdown `json:"score_breakdown"`
	NextStep   string         `json:"next_step"`
	// LogGroups are the log groups whose errors corroborate the cause.
	LogGroups []string `json:"log_groups,omitempty"`
	// Errors is the episode of error lines that corroborates the cause;
	// nil when no log errors tie to it.
	Errors *ErrorEpisode `json:"errors,omitempty"`
}

// ErrorEpisode is a run of error lines of one kind in the workload's logs:
// when it began, the latest line read, and how many lines it held.
type ErrorEpisode struct {
	Kind  ErrorKind `json:"kind"`
	Group string    `json:"group"` // the log group of its first line
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	Lines int       `json:"lines"`
}

// ResourceRef names a resource briefly.
type ResourceRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// EventRef is a CloudTrail event as the report cites it.
type EventRef struct {
	EventID     string    `json:"event_id"`
	EventName   string    `json:"event_name"`
	EventSource string    `json:"event_source"`
	EventTime   time.Time `json:"event_time"`
	Actor       string    `json:"actor"`
	// Via is how the actor made the call (console, human, automation,
	// service); "" when unknown.
	Via    ActorKind `json:"via,omitempty"`
	Region string    `json:"region"`
	// Account recorded the event when it is not the alarm's account.
	Account string `json:"account,omitempty"`
	Link    string `json:"link"`
}

// Claim is one statement of a candidate with its own confidence and evidence.
type Claim struct {
	Text       string     `json:"text"`
	Confidence Confidence `json:"confidence"`
	EventIDs   []string   `json:"event_ids"`
}

// ScoreBreakdown is each weighted component of a candidate's score; they add up to Score.
type ScoreBreakdown struct {
	Time          float64 `json:"time"`
	Layer         float64 `json:"layer"`
	Kind          float64 `json:"kind"`
	Corroboration float64 `json:"corroboration"`
	Actor         float64 `json:"actor"`
}

// Total is the sum of the components.
func (b ScoreBreakdown) Total() float64 {
	return b.Time + b.Layer + b.Kind + b.Corroboration + b.Actor
}

// Explanation is the two paragraphs: facts, then the inference.
type Explanation struct {
	WhatChanged string `json:"what_changed"`
	Why         string `json:"why"`
}

// BlindSpot is something the trail cannot show, and where to look instead.
type BlindSpot struct {
	Kind        BlindSpotKind `json:"kind"`
	Note        string        `json:"note"`
	WhereToLook string        `json:"where_to_look"`
}

// AIStatus says whether the model took part and what it cost.
type AIStatus struct {
	Used          bool   `json:"used"`
	Model         string `json:"model"`
	ReasonUnused  string `json:"reason_unused"`
	InputTokens   int    `json:"input_tokens"`
	OutputTokens  int    `json:"output_tokens"`
	ToolCalls     int    `json:"tool_calls"`
	DroppedClaims int    `json:"dropped_claims"`
}

// Stats is what the triage cost.
type Stats struct {
	APICalls      map[string]int `json:"api_calls"`
	EventsScanned int            `json:"events_scanned"`
	// ResourcesWalked is how many resources the walk looked up: the minimum
	// number of LookupEvents calls the scope needs.
	ResourcesWalked int   `json:"resources_walked"`
	DurationMS      int64 `json:"duration_ms"`
	Truncated       bool  `json:"truncated"`
	// Throttled counts the requests the service refused for their rate,
	// when the one answering says (the sandbox does).
	Throttled int `json:"throttled,omitempty"`
}

// Plural writes "1 line" / "3 lines": a count and its noun, agreed.
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// EventLink is the CloudTrail console page of one event.
func EventLink(region, eventID string) string {
	return fmt.Sprintf("https://%s.console.aws.amazon.com/cloudtrailv2/home?region=%s#/events/%s", region, region, eventID)
}

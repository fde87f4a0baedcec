package awsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
)

// MemberRoleName is the read-only role every member account of a scenario
// holds for Trailhound, unless the scenario says it has none.
const MemberRoleName = "TrailhoundReadOnly"

// organization is the accounts of a scenario and the credentials that lead
// into them. A scenario of one account has an organization of one, whose
// world answers every request, as before accounts existed.
type organization struct {
	home   string   // the account of the static credentials
	ids    []string // every account with a world, home first
	names  map[string]string
	member map[string]bool
	// alarmAccount owns the alarm, its log groups by default and its
	// metrics; workload owns the resources of the alarm's metric.
	alarmAccount string
	workload     string
	worlds       map[string]*Emulator
	sts          *stsService
	orgs         http.Handler

	mu   sync.Mutex
	keys map[string]issuedKey // temporary access key → what it opens
}

// issuedKey is a temporary credential AssumeRole handed out.
type issuedKey struct {
	account, role, session string
	expires                time.Time
}

func newOrganization(sc *scenario.Scenario) *organization {
	o := &organization{home: sc.Meta.Account, names: map[string]string{}, member: map[string]bool{},
		worlds: map[string]*Emulator{}, keys: map[string]issuedKey{}}
	o.ids = append(o.ids, o.home)
	o.member[o.home] = true
	for _, acct := range sc.Meta.Accounts {
		if acct.ID == "" {
			continue
		}
		if _, dup := o.names[acct.ID]; !dup && acct.ID != o.home {
			o.ids = append(o.ids, acct.ID)
		}
		o.names[acct.ID] = acct.Name
		o.member[acct.ID] = acct.HasMemberRole()
	}
	o.alarmAccount, o.workload = scenarioAlarmAccounts(sc)
	o.sts = &stsService{org: o}
	o.orgs = o.organizationsHandler()
	return o
}

// multi reports whether the scenario holds several accounts.
func (o *organization) multi() bool { return len(o.ids) > 1 }

// all lists every world, root alone for one account.
func (o *organization) all(root *Emulator) []*Emulator {
	if !o.multi() {
		return []*Emulator{root}
	}
	out := make([]*Emulator, 0, len(o.ids))
	for _, id := range o.ids {
		out = append(out, o.worlds[id])
	}
	return out
}

// handler serves the services that answer for the whole organization.
func (o *organization) handler(service string) http.Handler {
	switch service {
	case "sts":
		return o.sts.handler()
	case "organizations":
		return o.orgs
	}
	return nil
}

var accessKeyOf = regexp.MustCompile(`Credential=([^/]+)/`)

// requestKey is the access key a request was signed with; "" unsigned.
func requestKey(r *http.Request) string {
	if m := accessKeyOf.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1]
	}
	return ""
}

// account maps an access key to its account: a key AssumeRole issued opens
// its role's account until it expires; any other key is the static
// credentials of the home account, except a temporary one (ASIA…) the
// organization's STS never issued.
func (o *organization) account(key string, now time.Time) (string, *apiError) {
	o.mu.Lock()
	k, issued := o.keys[key]
	o.mu.Unlock()
	switch {
	case !issued && strings.HasPrefix(key, temporaryKeyPrefix) && o.multi():
		// An organization's temporary keys come from its STS only; a
		// scenario of one account takes any key, as it always has.
		return "", &apiError{status: http.StatusForbidden, code: "InvalidClientTokenId", msg: "The security token included in the request is invalid."}
	case !issued:
		return o.home, nil
	case !now.Before(k.expires):
		return "", &apiError{status: http.StatusForbidden, code: "ExpiredToken", msg: "The security token included in the request is expired"}
	}
	return k.account, nil
}

type authErrorKey struct{}

// authError is the refusal the credentials of r earned, answered by the
// service in its own protocol.
func authError(r *http.Request) *apiError {
	e, _ := r.Context().Value(authErrorKey{}).(*apiError)
	return e
}

// worldOf is the world of the account r's credentials open.
func (o *organization) worldOf(root *Emulator, r *http.Request) (*Emulator, *http.Request) {
	acct, err := o.account(requestKey(r), arrival(r))
	if err != nil {
		return root, r.WithContext(context.WithValue(r.Context(), authErrorKey{}, err))
	}
	if w, ok := o.worlds[acct]; ok {
		return w, r
	}
	return root, r
}

// eventsOf keeps the trail records account received: CloudTrail delivers a
// record to the account in its recipientAccountId (the home account's when
// the record does not say).
func (o *organization) eventsOf(events []investigation.Event, account string) []investigation.Event {
	var out []investigation.Event
	for _, e := range events {
		if ownerOr(e.Account, o.home) == account {
			out = append(out, e)
		}
	}
	return out
}

func ownerOr(account, def string) string {
	if account == "" {
		return def
	}
	return account
}

// arnAccount is the account an ARN names, or def.
func arnAccount(arn, def string) string {
	a, ok := investigation.ParseARN(arn)
	if !ok || a.Account == "" || a.Account == "aws" {
		return def
	}
	return a.Account
}

// view is sc as account sees it: its trail records, topology resources,
// IAM roles and policies, log groups, alarms and status feeds only.
func (o *organization) view(sc *scenario.Scenario, account string) (*scenario.Scenario, error) {
	v := *sc
	v.Meta.Account = account
	v.Topology.Resources = nil
	for _, it := range sc.Topology.Resources {
		if arnAccount(it.ARN, o.home) == account {
			v.Topology.Resources = append(v.Topology.Resources, it)
		}
	}
	v.IAM = scenario.IAMFile{}
	for _, r := range sc.IAM.Roles {
		if arnAccount(r.ARN, o.home) == account {
			v.IAM.Roles = append(v.IAM.Roles, r)
		}
	}
	for _, p := range sc.IAM.Policies {
		if arnAccount(p.ARN, o.home) == account {
			v.IAM.Policies = append(v.IAM.Policies, p)
		}
	}
	v.Logs = scenario.LogsFile{}
	for _, g := range sc.Logs.Groups {
		if ownerOr(g.Account, o.alarmAccount) == account {
			v.Logs.Groups = append(v.Logs.Groups, g)
		}
	}
	if account != o.alarmAccount {
		v.Alarm = nil
	}
	alarms, err := alarmsOf(sc.Alarms, account, o.alarmAccount)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: alarms.json: %w", sc.Dir, err)
	}
	v.Alarms = alarms
	if sc.Feeds != nil {
		v.Feeds = o.feedsOf(sc.Feeds, account)
	}
	if account != o.alarmAccount && account != o.workload {
		v.Metrics = nil
	}
	return &v, nil
}

// alarmsOf keeps the alarms of alarms.json whose ARN names account (the
// alarm's account for those without one), and the history of those kept.
func alarmsOf(raw json.RawMessage, account, alarmAccount string) (json.RawMessage, error) {
	if len(raw) == 0 {
		return raw, nil
	}
	var doc map[string][]map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	kept := map[string]bool{}
	for _, member := range []string{"MetricAlarms", "CompositeAlarms"} {
		out := []map[string]any{}
		for _, al := range doc[member] {
			arn, _ := al["AlarmArn"].(string)
			if arnAccount(arn, alarmAccount) == account {
				out = append(out, al)
				name, _ := al["AlarmName"].(string)
				kept[name] = true
			}
		}
		if _, ok := doc[member]; ok {
			doc[member] = out
		}
	}
	if h, ok := doc["AlarmHistory"]; ok {
		out := []map[string]any{}
		for _, item := range h {
			name, _ := item["AlarmName"].(string)
			if kept[name] || account == alarmAccount {
				out = append(out, item)
			}
		}
		doc["AlarmHistory"] = out
	}
	return json.Marshal(doc)
}

var anyARNAccount = regexp.MustCompile(`arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):`)

// feedsOf keeps the status-feed entries of account: those whose first ARN
// names it, and those without an ARN in the workload's account.
func (o *organization) feedsOf(f *scenario.FeedsFile, account string) *scenario.FeedsFile {
	keep := func(in []json.RawMessage) []json.RawMessage {
		var out []json.RawMessage
		for _, raw := range in {
			owner := o.workload
			if m := anyARNAccount.FindSubmatch(raw); m != nil {
				owner = string(m[1])
			}
			if owner == account {
				out = append(out, raw)
			}
		}
		return out
	}
	return &scenario.FeedsFile{ECSServices: keep(f.ECSServices), ECSTasks: keep(f.ECSTasks),
		TargetHealth: keep(f.TargetHealth), RDSEvents: keep(f.RDSEvents),
		AutoScalingActivities: keep(f.AutoScalingActivities), LambdaFunctions: keep(f.LambdaFunctions)}
}

// scenarioAlarmAccounts reads the alarm's account from its ARN and its
// resources' from the first metric that names another (cross-account
// observability); both default to the home account.
func scenarioAlarmAccounts(sc *scenario.Scenario) (alarm, workload string) {
	alarm = sc.Meta.Account
	obj, _, ok := cwScenarioAlarm(sc.Alarm)
	if !ok {
		return alarm, alarm
	}
	arn, _ := obj["AlarmArn"].(string)
	alarm = arnAccount(arn, alarm)
	workload = alarm
	metrics, _ := obj["Metrics"].([]any)
	for _, m := range metrics {
		q, _ := m.(map[string]any)
		if id, _ := q["AccountId"].(string); id != "" {
			return alarm, id
		}
	}
	return alarm, workload
}

// Request is one request as the sandbox saw it: the access key it was
// signed with and the account that key opened.
type Request struct {
	AccessKey string
	Account   string
	Operation string // "cloudtrail:LookupEvents"
	Region    string
	Body      string    // the request body, cut at maxRecordedBody
	Arrival   time.Time // when it reached the sandbox, as rate limits count
	// Refused is the error code the sandbox answered before serving it
	// (ThrottlingException, ExpiredToken, an injected fault); "" if served.
	Refused string
}

const maxRecordedBody = 2048

func (a *Emulator) requestOf(r *http.Request, op string, body []byte) Request {
	if len(body) > maxRecordedBody {
		body = body[:maxRecordedBody]
	}
	return Request{AccessKey: requestKey(r), Account: a.sc.Meta.Account, Operation: op,
		Region: a.requestRegion(r), Body: string(body), Arrival: arrival(r)}
}

// RecordRequests turns on (or off) keeping every request, for tests that
// check which credentials each read was signed with.
func (a *Emulator) RecordRequests(on bool) {
	a.ctl.mu.Lock()
	defer a.ctl.mu.Unlock()
	a.ctl.record = on
}

// Requests returns the requests recorded since RecordRequests, in arrival order.
func (a *Emulator) Requests() []Request {
	a.ctl.mu.Lock()
	defer a.ctl.mu.Unlock()
	return append([]Request(nil), a.ctl.requests...)
}

// AssumeRoleCalls counts the AssumeRole requests per role account, refused
// ones included.
func (a *Emulator) AssumeRoleCalls() map[string]int {
	return a.org.sts.counts()
}

// accountsSorted lists the organization's accounts by id.
func (o *organization) accountsSorted() []string {
	out := append([]string(nil), o.ids...)
	sort.Strings(out)
	return out
}

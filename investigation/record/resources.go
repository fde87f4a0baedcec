package record

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// Resources derives a record's resources the way LookupEvents reports them:
// each a ResourceType (AWS::Service::Type) and a ResourceName a
// ResourceName lookup matches.
//
// CloudTrail's own resources[] field is used when present (S3, KMS, SSM and
// STS records carry it). The rest come from the identifier parameters of
// requestParameters and responseElements (serviceEventDetails and
// additionalEventData for service events), per event source
// (sourceKeys), plus two general rules: a key ending in "Id"/"Ids" whose value
// is an EC2 id ("sg-…", "i-…") names that EC2 resource, and an ARN in the
// request — or under an "…Arn" key of the response — names the resource the
// ARN describes. Responses echo the configuration of what the call touched
// (a function's role, a database's parameter group), so from them only
// resources of a type the request named, or that the event name speaks of
// (the instance of RunInstances), are taken. A resource given as an ARN is
// listed under both the ARN and its short name (a Lambda function name, a
// bucket, a target group's "targetgroup/NAME/ID"), since lookups use either.
func Resources(raw []byte) ([]investigation.EventResource, error) {
	r, err := decodeRecord(raw)
	if err != nil {
		return nil, err
	}
	return resourcesOf(r), nil
}

// maxWalkDepth bounds the descent into parameters; CloudTrail's deepest
// identifier paths (RunInstances responses) are about eight levels down.
const maxWalkDepth = 16

// containerKeys hold list items in EC2's XML-derived JSON ("instancesSet":
// {"items": […]}) and SOAP-style wrappers; they do not name anything.
var containerKeys = map[string]bool{"items": true, "item": true, "member": true}

type collector struct {
	eventName string // without API-version suffix
	source    string
	rules     map[string]keyRule
	// inResponse is set while walking responseElements, which echo the
	// configuration of what the call touched: there only resources of a
	// type the request named, or that the event name speaks of, count.
	inResponse bool
	named      map[string]bool // types found outside the response
	out        []investigation.EventResource
	seen       map[investigation.EventResource]bool
	// decoded walks parameters as encoding/json decodes them, the
	// reference walkRaw is held to.
	decoded bool
}

func resourcesOf(r rawRecord) []investigation.EventResource {
	return collectResources(r, false)
}

func collectResources(r rawRecord, decoded bool) []investigation.EventResource {
	c := &collector{
		decoded:   decoded,
		eventName: stripAPIVersion(r.EventName),
		source:    r.EventSource,
		rules:     sourceKeys[r.EventSource],
		named:     map[string]bool{},
		seen:      map[investigation.EventResource]bool{},
	}
	c.fromResourcesField(r.Resources)
	c.walkJSON(r.RequestParameters, true)
	// Service events (AwsServiceEvent: a secret's scheduled deletion, a
	// snapshot shared in) have no request; what they act on is in
	// serviceEventDetails or additionalEventData. For API calls
	// additionalEventData holds transport details (the VPC endpoint used,
	// signature version), not resources.
	c.walkJSON(r.ServiceEventDetails, true)
	if r.EventType == "AwsServiceEvent" {
		c.walkJSON(r.AdditionalEventData, true)
	}
	c.inResponse = true
	c.walkJSON(r.ResponseElements, false)
	return c.out
}

func (c *collector) add(typ, name string) {
	name = strings.TrimSpace(name)
	if typ == "" || name == "" {
		return
	}
	if c.inResponse && !c.named[typ] && !c.eventSpeaksOf(typ) {
		return
	}
	c.named[typ] = true
	res := investigation.EventResource{Type: typ, Name: name}
	if c.seen[res] {
		return
	}
	c.seen[res] = true
	c.out = append(c.out, res)
}

// typeNouns are the words event names use for types whose CloudFormation
// name differs ("RegisterImage" makes an AWS::EC2::Ami).
var typeNouns = map[string]string{"Ami": "image", "EIP": "address"}

// eventSpeaksOf reports whether the event name names typ's kind of resource
// ("RunInstances" an AWS::EC2::Instance, "CreateVpc" an AWS::EC2::VPC).
func (c *collector) eventSpeaksOf(typ string) bool {
	kind := typ[strings.LastIndex(typ, "::")+2:]
	if n, ok := typeNouns[kind]; ok {
		kind = n
	}
	return strings.Contains(strings.ToLower(c.eventName), strings.ToLower(kind))
}

// addARN adds what an ARN names; fallback is the type used when the ARN's
// own type is not known. It reports whether s was an ARN.
func (c *collector) addARN(s, fallback string) bool {
	if !strings.HasPrefix(s, "arn:") {
		return false
	}
	typ, names, ok := arnResources(s)
	if !ok {
		c.add(fallback, s)
		return true
	}
	for _, n := range names {
		c.add(typ, n)
	}
	return true
}

// fromResourcesField reads CloudTrail's resources[] list. Entries carry an
// ARN and usually a type; some (SSM parameters, ECR repositories) only the
// ARN, whose type is then derived.
func (c *collector) fromResourcesField(raw json.RawMessage) {
	if isJSONNull(raw) {
		return
	}
	var entries []json.RawMessage
	if json.Unmarshal(raw, &entries) != nil {
		return
	}
	for _, e := range entries {
		var entry struct {
			ARN  string `json:"ARN"`
			Type string `json:"type"`
		}
		if json.Unmarshal(e, &entry) != nil || entry.ARN == "" {
			continue
		}
		typ, names, ok := arnResources(entry.ARN)
		if entry.Type != "" {
			typ = entry.Type
		}
		if !ok {
			names = []string{entry.ARN}
		}
		for _, n := range names {
			c.add(typ, n)
		}
	}
}

func (c *collector) walkJSON(raw json.RawMessage, request bool) {
	switch {
	case isJSONNull(raw):
	case !c.decoded && walkable(raw):
		c.walkRaw(raw, "", "", 0, request)
	default:
		c.walkDecoded(raw, request)
	}
}

// walk visits every string under v. key is the lower-cased key holding v,
// owner the key holding the object that holds it, so "iamInstanceProfile":
// {"name": …} is seen as "iaminstanceprofile.name". List containers are
// transparent: "instancesSet": {"items": [{"instanceId": …}]} is seen as
// "instancesset.instanceid".
func (c *collector) walk(v any, key, owner string, depth int, request bool) {
	if depth > maxWalkDepth {
		return
	}
	switch t := v.(type) {
	case string:
		c.value(key, owner, t, request)
	case []any:
		for _, item := range t {
			c.walk(item, key, owner, depth+1, request)
		}
	case map[string]any:
		// EC2's newer APIs wrap scalars: {"tag": 1, "content": "fl-0123…"}.
		if s, ok := t["content"].(string); ok && len(t) <= 2 {
			c.value(key, owner, s, request)
			return
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			lk := strings.ToLower(k)
			switch {
			case skippedSubtrees[lk]:
			case containerKeys[lk]:
				// {"flowLogIdSet": {"item": "fl-…"}} reads as flowLogIdSet.
				c.walk(t[k], key, owner, depth+1, request)
			default:
				c.walk(t[k], lk, key, depth+1, request)
			}
		}
	}
}

// value classifies one string parameter.
func (c *collector) value(key, owner, s string, request bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 2048 {
		return
	}
	// Some services record path parameters URL-encoded ("arn%3Aaws%3Aiam…").
	if strings.HasPrefix(s, "arn%3A") {
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
	}
	rule, ok := c.rules[owner+"."+key]
	if !ok {
		rule, ok = c.rules[key]
	}
	if ok && c.apply(rule, s) {
		return
	}
	if isIDKey(key) && (request || c.source == "ec2.amazonaws.com") {
		if typ := ec2IDType(s); typ != "" {
			c.add(typ, s)
			return
		}
	}
	// ARNs in a request name what the call acts on or attaches; responses
	// echo much configuration, so only their "…Arn" keys count.
	if request || strings.HasSuffix(key, "arn") || strings.HasSuffix(key, "arns") {
		if typ, names, ok := arnResources(s); ok {
			for _, n := range names {
				c.add(typ, n)
			}
		}
	}
}

// apply adds the resource rule names in s; false means the rule did not
// apply (its type depends on a noun the event name lacks, or s is not an
// EC2 id) and the general rules should be tried.
func (c *collector) apply(rule keyRule, s string) bool {
	typ := rule.typ
	for _, n := range rule.byNoun {
		if strings.Contains(c.eventName, n.word) {
			typ = n.typ
			break
		}
	}
	switch rule.form {
	case formEC2ID:
		t := ec2IDType(s)
		if t == "" {
			return false
		}
		c.add(t, s)
		return true
	case formLambdaFunction:
		c.lambdaFunction(s)
		return true
	}
	if typ == "" {
		return false
	}
	switch rule.form {
	case formQueueURL:
		c.add(typ, s)
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			c.add(typ, arnTail(strings.TrimSuffix(u.Path, "/")))
		}
	case formHostedZone:
		if strings.HasPrefix(s, "/change/") {
			return true
		}
		c.add(typ, strings.TrimPrefix(s, "/hostedzone/"))
	case formKMSKey:
		switch {
		case c.addARN(s, typ):
		case strings.HasPrefix(s, "alias/"):
			c.add("AWS::KMS::Alias", s)
		default:
			c.add("AWS::KMS::Key", s)
		}
	default:
		if !c.addARN(s, typ) {
			c.add(typ, s)
		}
	}
	return true
}

// lambdaFunction records a Lambda FunctionName parameter as given and, when
// it is an ARN, a partial ARN ("123456789012:function:name") or carries a
// qualifier ("name:alias"), also the bare function name.
func (c *collector) lambdaFunction(s string) {
	const typ = "AWS::Lambda::Function"
	c.add(typ, s)
	if c.addARN(s, typ) {
		return
	}
	rest := s
	if _, after, ok := strings.Cut(s, ":function:"); ok {
		rest = after
	}
	fn, _, _ := strings.Cut(rest, ":")
	c.add(typ, fn)
}

// isIDKey reports keys whose values are identifiers: "groupId",
// "securityGroupIds", "flowLogIdSet", and the subnet/security-group lists of
// load balancers and tasks.
func isIDKey(k string) bool {
	return strings.HasSuffix(k, "id") || strings.HasSuffix(k, "ids") || strings.HasSuffix(k, "idset") ||
		k == "subnets" || k == "securitygroups"
}

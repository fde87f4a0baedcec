package tools

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/record"
)

// maxRefDepth bounds the descent into a configuration document; AWS
// Config's deepest (a distribution's origins, a listener's actions) are
// about six levels down.
const maxRefDepth = 12

// keyID is a KMS key id (a UUID, or a multi-Region key's mrk- form).
var keyID = regexp.MustCompile(`^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)

// configRefs reads the resources a configuration document names, whatever
// the type: an ARN of a known type (a queue's dead-letter queue, a
// dead-letter queue's source queues, a listener's target groups, an event
// source mapping's stream, a secret's rotation function), an EC2 id (a
// security group a rule references, a subnet's route table, a VPC's DHCP
// options), a KMS key id under a key that speaks of KMS, a queue URL.
// JSON held in a string (SQS's RedrivePolicy) is read too. One general
// reading instead of a field list per type: a reference is a dependency
// whichever field holds it.
func configRefs(conf json.RawMessage) []envRef {
	var doc any
	if len(conf) == 0 || json.Unmarshal(conf, &doc) != nil {
		return nil
	}
	var out []envRef
	walkRefs(doc, "", 0, &out)
	return out
}

func walkRefs(v any, key string, depth int, out *[]envRef) {
	if depth > maxRefDepth {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			walkRefs(x[k], k, depth+1, out)
		}
	case []any:
		for _, item := range x {
			walkRefs(item, key, depth+1, out)
		}
	case string:
		if ref, ok := valueRef(key, strings.TrimSpace(x)); ok {
			ref.Variable = key
			*out = append(*out, ref)
			return
		}
		if strings.HasPrefix(x, "{") || strings.HasPrefix(x, "[") {
			var inner any
			if json.Unmarshal([]byte(x), &inner) == nil {
				walkRefs(inner, key, depth+1, out)
			}
		}
	}
}

// valueRef reads one configuration value as a resource reference.
func valueRef(key, value string) (envRef, bool) {
	if typ, names, ok := record.ARNResource(value); ok {
		return envRef{Type: typ, ID: names[len(names)-1], ARN: value}, true
	}
	if typ := record.EC2IDType(value); typ != "" {
		return envRef{Type: typ, ID: value}, true
	}
	if keyID.MatchString(value) && strings.Contains(strings.ToLower(key), "kms") {
		return envRef{Type: investigation.TypeKMSKey, ID: value}, true
	}
	if strings.HasPrefix(value, "https://sqs.") {
		return hostRef(mustURL(value))
	}
	return envRef{}, false
}

// configuration adds what r's configuration names, leaving out r itself
// (its own ARN is in it) and AWS-managed keys (alias/aws/…, which only AWS
// changes).
func (s *depSet) configuration(r investigation.Resource, itemARN string, refs []envRef) {
	for _, ref := range refs {
		if ref.ARN != "" && (ref.ARN == itemARN || ref.ARN == r.ARN || ref.ARN == r.ID) {
			continue
		}
		if ref.Type == r.Type && (ref.ID == r.ID || ref.ID == lastPathSegment(r.ID)) {
			continue
		}
		s.add(ref.Type, ref.ID, ref.ARN, "named in its configuration ("+ref.Variable+")")
	}
}

// lastPathSegment is the name at the end of a URL or path.
func lastPathSegment(s string) string { return s[strings.LastIndex(s, "/")+1:] }

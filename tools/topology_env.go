package tools

import (
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/record"
)

// envRef is a resource an environment value names. Only these references
// are kept from a workload's environment: the values themselves may be
// secret and never leave the summary.
type envRef struct {
	Type, ID, ARN, Variable string
}

// envKeyTypes maps words in a variable's name to the resource type a plain
// (non-ARN) value then names: TABLE_NAME=orders is a DynamoDB table, a
// DB_SECRET=prod/db a secret. Most specific first.
var envKeyTypes = []struct{ word, typ string }{
	{"SECRET", "AWS::SecretsManager::Secret"},
	{"PARAM", "AWS::SSM::Parameter"},
	{"SSM", "AWS::SSM::Parameter"},
	{"TABLE", investigation.TypeDynamoDBTable},
	{"QUEUE", investigation.TypeSQSQueue},
	{"BUCKET", investigation.TypeS3Bucket},
	{"TOPIC", investigation.TypeSNSTopic},
}

// plainName is what a resource name looks like: no spaces, no scheme, not
// a number or a flag value.
var plainName = regexp.MustCompile(`^[A-Za-z0-9/_.:+=@-]{3,512}$`)

// awsHost reads the resources behind AWS service endpoints that name them:
// an RDS or ElastiCache endpoint starts with the instance or cluster id.
var awsHost = []struct {
	suffix, typ string
}{
	{".rds.amazonaws.com", investigation.TypeRDSInstance},
	{".cache.amazonaws.com", investigation.TypeReplicationGroup},
}

// environmentRefs reads the resources a workload's environment names: any
// ARN of a known type, an SQS queue URL, an RDS or ElastiCache endpoint,
// and a plain name under a variable whose name says what it is.
func environmentRefs(vars map[string]string) []envRef {
	keys := make([]string, 0, len(vars))
	for key := range vars {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	var out []envRef
	for _, key := range keys {
		value := strings.TrimSpace(vars[key])
		if ref, ok := envValueRef(key, value); ok {
			ref.Variable = key
			out = append(out, ref)
		}
	}
	return out
}

func envValueRef(key, value string) (envRef, bool) {
	if typ, names, ok := record.ARNResource(value); ok {
		return envRef{Type: typ, ID: names[len(names)-1], ARN: value}, true
	}
	if u, err := url.Parse(value); err == nil && u.Host != "" {
		return hostRef(u)
	}
	if host, _, found := strings.Cut(value, ":"); found || strings.Count(value, ".") >= 3 {
		if ref, ok := hostRef(&url.URL{Host: host}); ok {
			return ref, true
		}
	}
	if !plainName.MatchString(value) {
		return envRef{}, false
	}
	upper := strings.ToUpper(key)
	for _, k := range envKeyTypes {
		if strings.Contains(upper, k.word) {
			return envRef{Type: k.typ, ID: value}, true
		}
	}
	return envRef{}, false
}

// hostRef reads a queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)
// or an endpoint of awsHost.
func hostRef(u *url.URL) (envRef, bool) {
	host := u.Hostname()
	if strings.HasPrefix(host, "sqs.") && strings.HasSuffix(host, ".amazonaws.com") {
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		region := strings.TrimSuffix(strings.TrimPrefix(host, "sqs."), ".amazonaws.com")
		if len(parts) == 2 && parts[1] != "" {
			return envRef{Type: investigation.TypeSQSQueue, ID: parts[1],
				ARN: investigation.NewARN("sqs", region, parts[0], parts[1])}, true
		}
	}
	for _, h := range awsHost {
		if strings.HasSuffix(host, h.suffix) {
			id, rest, _ := strings.Cut(host, ".")
			typ := h.typ
			if h.typ == investigation.TypeRDSInstance && strings.HasPrefix(rest, "cluster-") {
				typ = investigation.TypeRDSCluster // a cluster's writer or reader endpoint
			}
			return envRef{Type: typ, ID: id}, true
		}
	}
	return envRef{}, false
}

// environment adds the resources a workload's environment names.
func (s *depSet) environment(refs []envRef) {
	for _, r := range refs {
		s.add(r.Type, r.ID, r.ARN, "named by environment variable "+r.Variable)
	}
}

// mustURL parses s, an empty URL when it is not one.
func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		return &url.URL{}
	}
	return u
}

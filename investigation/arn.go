package investigation

import (
	"fmt"
	"strings"
)

// ARN is an Amazon Resource Name split into its fields:
// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE. Region and account are
// empty for global resources (S3 buckets, IAM).
type ARN struct {
	Partition string
	Service   string
	Region    string
	Account   string
	Resource  string // everything after the account, e.g. "function:checkout"
}

// ParseARN splits s; ok is false when s is not an ARN with a partition, a
// service and a resource.
func ParseARN(s string) (ARN, bool) {
	rest, found := strings.CutPrefix(s, "arn:")
	if !found {
		return ARN{}, false
	}
	parts := strings.SplitN(rest, ":", 5)
	if len(parts) != 5 || parts[0] == "" || parts[1] == "" || parts[4] == "" {
		return ARN{}, false
	}
	return ARN{Partition: parts[0], Service: parts[1], Region: parts[2], Account: parts[3], Resource: parts[4]}, true
}

// String is the ARN in its usual form.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// ResourceType splits the resource on its first "/" or ":" and returns the
// part before it ("function" of "function:name:alias"), "" when there is none.
func (a ARN) ResourceType() string {
	typ, _ := a.splitResource()
	return typ
}

// ResourceID is the resource after its type ("name:alias" of
// "function:name:alias"), or the whole resource when it has no type.
func (a ARN) ResourceID() string {
	_, id := a.splitResource()
	return id
}

func (a ARN) splitResource() (typ, id string) {
	i := strings.IndexAny(a.Resource, "/:")
	if i < 0 {
		return "", a.Resource
	}
	return a.Resource[:i], a.Resource[i+1:]
}

// partitions maps region prefixes to their partition, most specific first:
// "us-isob-" must be tried before "us-iso-".
var partitions = []struct{ prefix, partition string }{
	{"cn-", "aws-cn"},
	{"us-gov-", "aws-us-gov"},
	{"us-isob-", "aws-iso-b"},
	{"us-iso-", "aws-iso"},
	{"eu-isoe-", "aws-iso-e"},
	{"us-isof-", "aws-iso-f"},
}

// PartitionOf is the ARN partition region belongs to; "" for no region.
func PartitionOf(region string) string {
	if region == "" {
		return ""
	}
	for _, p := range partitions {
		if strings.HasPrefix(region, p.prefix) {
			return p.partition
		}
	}
	return "aws"
}

// NewARN builds the ARN of a resource in region, in the region's partition.
func NewARN(service, region, account, resource string) string {
	return ARN{Partition: PartitionOf(region), Service: service, Region: region, Account: account, Resource: resource}.String()
}

// AlarmARN is a CloudWatch alarm's ARN, arn:PARTITION:cloudwatch:REGION:ACCOUNT:alarm:NAME.
// The name may itself hold colons.
type AlarmARN struct {
	Partition, Region, Account, Name string
}

// ParseAlarmARN reads an alarm ARN; ok is false for anything else.
func ParseAlarmARN(s string) (AlarmARN, bool) {
	a, ok := ParseARN(s)
	if !ok || a.Service != "cloudwatch" {
		return AlarmARN{}, false
	}
	name, found := strings.CutPrefix(a.Resource, "alarm:")
	if !found || name == "" {
		return AlarmARN{}, false
	}
	return AlarmARN{Partition: a.Partition, Region: a.Region, Account: a.Account, Name: name}, true
}

// String is the alarm's ARN.
func (a AlarmARN) String() string {
	return fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:%s", a.Partition, a.Region, a.Account, a.Name)
}

// RoleName accepts an IAM role name or ARN (arn:aws:iam::1:role/path/name)
// and returns the name.
func RoleName(nameOrARN string) string {
	if a, ok := ParseARN(nameOrARN); ok && a.Service == "iam" {
		if res, found := strings.CutPrefix(a.Resource, "role/"); found {
			return res[strings.LastIndex(res, "/")+1:]
		}
	}
	return nameOrARN
}

// Identity is the alarm's canonical identity, the key every notification of
// it agrees on: its ARN, built from name, region and account when the
// notification did not carry one (older e-mails). "" when neither is there.
func (a Alarm) Identity() string {
	if a.ARN != "" {
		return a.ARN
	}
	if a.Name == "" || a.Region == "" || !isAccountID(a.Account) {
		return ""
	}
	return AlarmARN{Partition: PartitionOf(a.Region), Region: a.Region, Account: a.Account, Name: a.Name}.String()
}

// isAccountID reports whether s is a 12-digit AWS account id.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

package catalogue

import (
	"encoding/json"

	"github.com/trailhound/trailhound/investigation"
)

// attributeKind is what setting one attribute of a queue, topic or
// subscription can do: the same call (SetQueueAttributes) turns long polling
// on or replaces the access policy, and only the attribute says which.
type attributeKind struct {
	weight float64
	// kinds are the errors it produces; nil keeps the category's.
	kinds []investigation.ErrorKind
}

var (
	denied     = []investigation.ErrorKind{investigation.ErrAccessDenied}
	keyErrors  = []investigation.ErrorKind{investigation.ErrKMS, investigation.ErrAccessDenied}
	parsing    = []investigation.ErrorKind{investigation.ErrApplication, investigation.ErrConfig}
	throughput = []investigation.ErrorKind{investigation.ErrThrottled}
	none       = []investigation.ErrorKind{}
)

// messagingAttributes lists the attributes of SQS queues and SNS topics and
// subscriptions by what they govern. Long polling (ReceiveMessageWaitTimeSeconds)
// only changes how long an empty receive waits: it neither loses, delays nor
// refuses a message. A display name or a delivery-status log only changes
// what is shown or recorded. A filter policy silently drops what it does not
// match, a policy refuses, a key can be unusable.
var messagingAttributes = map[string]attributeKind{
	"Policy":                        {weightReplacing, denied},
	"RedriveAllowPolicy":            {weightRisky, denied},
	"RedrivePolicy":                 {weightRisky, nil},
	"KmsMasterKeyId":                {weightRisky, keyErrors},
	"SqsManagedSseEnabled":          {weightRisky, keyErrors},
	"KmsDataKeyReusePeriodSeconds":  {weightPeripheral, none},
	"VisibilityTimeout":             {weightRisky, nil},
	"MessageRetentionPeriod":        {weightRisky, nil},
	"DelaySeconds":                  {weightRisky, nil},
	"MaximumMessageSize":            {weightRisky, []investigation.ErrorKind{investigation.ErrConfig}},
	"ReceiveMessageWaitTimeSeconds": {weightPeripheral, none},
	"DeduplicationScope":            {weightRisky, throughput},
	"FifoThroughputLimit":           {weightRisky, throughput},
	"ContentBasedDeduplication":     {weightRisky, nil},
	"DisplayName":                   {weightMetadata, none},
	"TracingConfig":                 {weightPeripheral, none},
	"DeliveryPolicy":                {weightRisky, nil},
	"SignatureVersion":              {weightRisky, parsing},
	"FilterPolicy":                  {weightReplacing, nil},
	"FilterPolicyScope":             {weightReplacing, nil},
	"RawMessageDelivery":            {weightRisky, parsing},
	"SubscriptionRoleArn":           {weightRisky, denied},
}

// setsAttributes are the calls whose request names the attributes they set:
// SQS's map of attributes, SNS's one attributeName.
var setsAttributes = map[catalogueKey]bool{
	{srcSQS, "SetQueueAttributes"}:        true,
	{srcSNS, "SetTopicAttributes"}:        true,
	{srcSNS, "SetSubscriptionAttributes"}: true,
}

// byAttributes weighs an attribute-setting call by the attributes it set:
// the most dangerous of them, and the errors any of them produces. A call
// naming an attribute the table does not know keeps the catalogued kind.
func byAttributes(k ChangeKind, req map[string]json.RawMessage) ChangeKind {
	if !setsAttributes[catalogueKey{k.Source, k.Name}] {
		return k
	}
	var names []string
	var set map[string]json.RawMessage
	if json.Unmarshal(req["attributes"], &set) == nil {
		for n := range set {
			names = append(names, n)
		}
	}
	var one string
	if json.Unmarshal(req["attributeName"], &one) == nil && one != "" {
		names = append(names, one)
	}
	if len(names) == 0 {
		return k
	}
	weight, kinds, own := 0.0, []investigation.ErrorKind{}, true
	for _, n := range names {
		a, ok := messagingAttributes[n]
		if !ok {
			return k
		}
		weight = max(weight, a.weight)
		if a.kinds == nil {
			own = false
		}
		kinds = append(kinds, a.kinds...)
	}
	k.Weight = weight
	switch {
	case own && len(kinds) == 0:
		k.NoSymptoms = true
	case own:
		k.SymptomKinds = kinds
	}
	return k
}

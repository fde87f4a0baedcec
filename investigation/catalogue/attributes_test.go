package catalogue

import (
	"encoding/json"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

// TestAttributesDecideTheKind: which attribute a Set*Attributes call set
// decides what it can break.
func TestAttributesDecideTheKind(t *testing.T) {
	for _, tc := range []struct {
		source, name, request string
		weight                float64
		produces              investigation.ErrorKind
		harmless              bool
	}{
		{srcSQS, "SetQueueAttributes", `{"queueUrl":"q","attributes":{"ReceiveMessageWaitTimeSeconds":"20"}}`, weightPeripheral, "", true},
		{srcSQS, "SetQueueAttributes", `{"queueUrl":"q","attributes":{"Policy":"{}"}}`, weightReplacing, investigation.ErrAccessDenied, false},
		{srcSQS, "SetQueueAttributes", `{"queueUrl":"q","attributes":{"Policy":"{}","ReceiveMessageWaitTimeSeconds":"20"}}`, weightReplacing, investigation.ErrAccessDenied, false},
		{srcSQS, "SetQueueAttributes", `{"queueUrl":"q","attributes":{"KmsMasterKeyId":"k"}}`, weightRisky, investigation.ErrKMS, false},
		{srcSNS, "SetTopicAttributes", `{"topicArn":"t","attributeName":"DisplayName","attributeValue":"x"}`, weightMetadata, "", true},
		{srcSNS, "SetSubscriptionAttributes", `{"subscriptionArn":"s","attributeName":"RawMessageDelivery","attributeValue":"true"}`, weightRisky, investigation.ErrApplication, false},
		{srcSNS, "SetSubscriptionAttributes", `{"subscriptionArn":"s","attributeName":"FilterPolicy","attributeValue":"{}"}`, weightReplacing, "", false},
	} {
		k := KindOfEvent(investigation.Event{Source: tc.source, Name: tc.name, RequestJSON: json.RawMessage(tc.request)})
		if k.Weight != tc.weight || k.NoSymptoms != tc.harmless || (tc.produces != "" && !k.Produces(tc.produces)) {
			t.Errorf("%s %s: weight %v harmless %v symptoms %v; want %v %v %q", tc.name, tc.request, k.Weight, k.NoSymptoms, k.Symptoms(), tc.weight, tc.harmless, tc.produces)
		}
	}
}

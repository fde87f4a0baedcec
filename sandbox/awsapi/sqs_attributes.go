package awsapi

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// SQS GetQueueAttributes and ListDeadLetterSourceQueues. The queues of
// topology.json exist in the sandbox's SQS (so GetQueueUrl finds them) with
// the attributes their configuration records, which AWS Config keeps in
// GetQueueAttributes' own names and string values; what it leaves out takes
// SQS's defaults.

// sqsDefaultAttributes are a new standard queue's attributes.
var sqsDefaultAttributes = map[string]string{
	"VisibilityTimeout":             "30",
	"MaximumMessageSize":            "262144",
	"MessageRetentionPeriod":        "345600",
	"DelaySeconds":                  "0",
	"ReceiveMessageWaitTimeSeconds": "0",
	"SqsManagedSseEnabled":          "true",
}

// sqsQueueConfigs reads the attributes of topology.json's queues by name.
func sqsQueueConfigs(sc *scenario.Scenario) map[string]map[string]string {
	out := map[string]map[string]string{}
	for i := range sc.Topology.Resources {
		it := &sc.Topology.Resources[i]
		if it.Type != "AWS::SQS::Queue" {
			continue
		}
		name := orDefault(it.Name, it.ID[strings.LastIndex(it.ID, "/")+1:])
		attrs := map[string]string{}
		var raw map[string]any
		if conf, err := configurationText(it); err == nil && conf != "" && json.Unmarshal([]byte(conf), &raw) == nil {
			for k, v := range raw {
				if s, ok := v.(string); ok {
					attrs[k] = s
				} else if b, err := json.Marshal(v); err == nil {
					attrs[k] = string(b) // a policy recorded as an object: SQS answers its text
				}
			}
		}
		if it.ARN != "" {
			attrs["QueueArn"] = it.ARN
		}
		delete(attrs, "QueueUrl") // not an attribute; GetQueueUrl answers it
		out[name] = attrs
	}
	return out
}

func (a *Emulator) queueAttributes(r *http.Request, q *queue) map[string]string {
	attrs := map[string]string{}
	for k, v := range sqsDefaultAttributes {
		attrs[k] = v
	}
	for k, v := range a.queueConfigs[q.name] {
		attrs[k] = v
	}
	if attrs["QueueArn"] == "" {
		attrs["QueueArn"] = "arn:aws:sqs:" + a.requestRegion(r) + ":" + a.sc.Meta.Account + ":" + q.name
	}
	created := strconv.FormatInt(a.sc.Meta.Now.Add(-configUnchangedAge).Unix(), 10)
	attrs["CreatedTimestamp"] = orDefault(attrs["CreatedTimestamp"], created)
	attrs["LastModifiedTimestamp"] = orDefault(attrs["LastModifiedTimestamp"], created)
	visible, inFlight, delayed := a.state.sqs.counts(q)
	attrs["ApproximateNumberOfMessages"] = strconv.Itoa(visible)
	attrs["ApproximateNumberOfMessagesNotVisible"] = strconv.Itoa(inFlight)
	attrs["ApproximateNumberOfMessagesDelayed"] = strconv.Itoa(delayed)
	return attrs
}

func (a *Emulator) getQueueAttributes(r *http.Request, body []byte) (any, *apiError) {
	var in struct {
		QueueURL       string   `json:"QueueUrl"`
		AttributeNames []string `json:"AttributeNames"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	q, apiErr := a.state.sqs.queueFromURL(in.QueueURL)
	if apiErr != nil {
		return nil, apiErr
	}
	all := a.queueAttributes(r, q)
	out := map[string]string{}
	for _, name := range in.AttributeNames {
		if name == "All" {
			out = all
			break
		}
		if v, ok := all[name]; ok {
			out[name] = v
		}
	}
	if len(out) == 0 {
		return map[string]any{}, nil
	}
	return map[string]any{"Attributes": out}, nil
}

func (a *Emulator) listDeadLetterSourceQueues(r *http.Request, body []byte) (any, *apiError) {
	var in struct {
		QueueURL string `json:"QueueUrl"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	q, apiErr := a.state.sqs.queueFromURL(in.QueueURL)
	if apiErr != nil {
		return nil, apiErr
	}
	target := a.queueAttributes(r, q)["QueueArn"]
	var urls []string
	for name, attrs := range a.queueConfigs {
		var redrive struct {
			DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		}
		if json.Unmarshal([]byte(attrs["RedrivePolicy"]), &redrive) == nil && redrive.DeadLetterTargetArn == target {
			urls = append(urls, queueURL(r, a.sc.Meta.Account, name))
		}
	}
	sort.Strings(urls)
	if urls == nil {
		urls = []string{}
	}
	return map[string]any{"queueUrls": urls}, nil
}

// counts is how many of q's messages are visible, in flight (received, not
// yet visible again) and delayed (never received, not yet visible) now.
func (s *sqsState) counts(q *queue) (visible, inFlight, delayed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for _, m := range q.messages {
		switch {
		case !m.visibleAt.After(now):
			visible++
		case m.receiveCount > 0:
			inFlight++
		default:
			delayed++
		}
	}
	return visible, inFlight, delayed
}

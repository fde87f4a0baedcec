package awsapi

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// snsState holds the sandbox's topics and their SQS subscriptions.
type snsState struct {
	region, account string
	queues          *sqsState

	mu     sync.Mutex
	topics map[string][]snsSubscription // topic ARN → subscriptions
}

type snsSubscription struct {
	arn   string
	queue string
	raw   bool // RawMessageDelivery: the message alone, without the envelope
}

// newSNSState creates the alarm topic, and the topic the scenario's alarm
// notification names, both delivering to the alarm queue.
func newSNSState(sc *scenario.Scenario, queues *sqsState) *snsState {
	s := &snsState{region: sc.Meta.Region, account: sc.Meta.Account, queues: queues, topics: map[string][]snsSubscription{}}
	s.subscribe(fmt.Sprintf("arn:aws:sns:%s:%s:%s", sc.Meta.Region, sc.Meta.Account, AlarmQueue), AlarmQueue, false)
	if arn := notificationTopic(sc.Alarm); arn != "" {
		s.subscribe(arn, AlarmQueue, false)
	}
	return s
}

// notificationTopic reads the topic ARN of an SNS-delivered alarm, in the
// HTTP/SQS envelope or the Lambda Records form.
func notificationTopic(alarm []byte) string {
	var n struct {
		TopicArn string
		Records  []struct {
			Sns struct{ TopicArn string }
		}
	}
	if json.Unmarshal(alarm, &n) != nil {
		return ""
	}
	if strings.HasPrefix(n.TopicArn, "arn:") {
		return n.TopicArn
	}
	if len(n.Records) > 0 && strings.HasPrefix(n.Records[0].Sns.TopicArn, "arn:") {
		return n.Records[0].Sns.TopicArn
	}
	return ""
}

func (s *snsState) subscribe(topicARN, queueName string, raw bool) {
	s.queues.create(queueName)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range s.topics[topicARN] {
		if sub.queue == queueName && sub.raw == raw {
			return
		}
	}
	s.topics[topicARN] = append(s.topics[topicARN], snsSubscription{arn: topicARN + ":" + newUUID(), queue: queueName, raw: raw})
}

// Subscribe delivers what is published to topicARN into queueName (created if
// needed), wrapped in the SNS envelope or, with raw, as the bare message.
func (a *Emulator) Subscribe(topicARN, queueName string, raw bool) {
	a.state.sns.subscribe(topicARN, queueName, raw)
}

// AlarmTopicARN is the ARN of the sandbox's alarm topic.
func (a *Emulator) AlarmTopicARN() string {
	return fmt.Sprintf("arn:aws:sns:%s:%s:%s", a.sc.Meta.Region, a.sc.Meta.Account, AlarmQueue)
}

// snsEnvelope is the JSON SNS delivers to an SQS queue, fields in its order.
type snsEnvelope struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject,omitempty"`
	Message          string `json:"Message"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
	UnsubscribeURL   string `json:"UnsubscribeURL"`
}

const snsNamespace = "http://sns.amazonaws.com/doc/2010-03-31/"

// serveSNS answers the awsQuery protocol: a form-encoded POST naming the Action.
func (a *Emulator) serveSNS(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	if err := r.ParseForm(); err != nil {
		writeQueryError(w, http.StatusBadRequest, "InvalidParameter", "cannot read the request: "+err.Error())
		return
	}
	action := r.PostForm.Get("Action")
	if action != "Publish" {
		writeQueryError(w, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("The action %s is not valid for this web service.", action))
		return
	}
	if !a.begin(w, r, "sns:Publish", writeQueryError) {
		return
	}
	topic := r.PostForm.Get("TopicArn")
	if topic == "" {
		topic = r.PostForm.Get("TargetArn") // the other name Publish takes a topic by
	}
	id, apiErr := a.publish(topic, r.PostForm.Get("Subject"), r.PostForm.Get("Message"), r.PostForm.Get("MessageStructure"))
	if apiErr != nil {
		writeQueryError(w, apiErr.status, apiErr.code, apiErr.msg)
		return
	}
	type result struct {
		XMLName   xml.Name `xml:"PublishResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		MessageID string   `xml:"PublishResult>MessageId"`
		RequestID string   `xml:"ResponseMetadata>RequestId"`
	}
	writeXML(w, http.StatusOK, result{Xmlns: snsNamespace, MessageID: id, RequestID: newUUID()})
}

// maxSNSMessageBytes is the largest message SNS accepts.
const maxSNSMessageBytes = 256 * 1024

func (a *Emulator) publish(topicARN, subject, message, structure string) (string, *apiError) {
	s := a.state.sns
	switch {
	case topicARN == "":
		return "", clientError("InvalidParameter", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
	case message == "":
		return "", clientError("InvalidParameter", "Invalid parameter: Empty message")
	case len(message) > maxSNSMessageBytes:
		return "", clientError("InvalidParameter", "Invalid parameter: Message too long")
	case len(subject) > 100:
		return "", clientError("InvalidParameter", "Invalid parameter: Subject")
	}
	if structure == "json" {
		var perProtocol map[string]string
		if err := json.Unmarshal([]byte(message), &perProtocol); err != nil || perProtocol["default"] == "" {
			return "", clientError("InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body")
		}
		message = perProtocol["default"]
		if m, ok := perProtocol["sqs"]; ok {
			message = m
		}
	}
	s.mu.Lock()
	subs, ok := s.topics[topicARN]
	s.mu.Unlock()
	if !ok {
		return "", &apiError{status: http.StatusNotFound, code: "NotFound", msg: "Topic does not exist"}
	}
	id := newUUID()
	for _, sub := range subs {
		body := message
		if !sub.raw {
			env, err := s.envelope(id, topicARN, sub.arn, subject, message)
			if err != nil {
				return "", &apiError{status: http.StatusInternalServerError, code: "InternalError", msg: err.Error()}
			}
			body = env
		}
		q, apiErr := s.queues.queueFromURL("/" + s.account + "/" + sub.queue)
		if apiErr != nil {
			return "", apiErr
		}
		s.queues.send(q, body, 0)
	}
	return id, nil
}

// envelope wraps message as SNS does for SQS subscribers. The signature is
// random bytes of a real signature's length: the sandbox holds no SNS
// signing key, so verifiers must not be pointed at it.
func (s *snsState) envelope(id, topicARN, subscriptionARN, subject, message string) (string, error) {
	sig := make([]byte, 256)
	_, _ = rand.Read(sig)
	env := snsEnvelope{
		Type:             "Notification",
		MessageID:        id,
		TopicArn:         topicARN,
		Subject:          subject,
		Message:          message,
		Timestamp:        time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		SignatureVersion: "1",
		Signature:        base64.StdEncoding.EncodeToString(sig),
		SigningCertURL:   fmt.Sprintf("https://sns.%s.amazonaws.com/SimpleNotificationService-%s.pem", s.region, strings.ReplaceAll(newUUID(), "-", "")),
		UnsubscribeURL:   fmt.Sprintf("https://sns.%s.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=%s", s.region, subscriptionARN),
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // SNS writes <, > and & as they are
	if err := enc.Encode(env); err != nil {
		return "", fmt.Errorf("encode SNS envelope: %w", err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// writeQueryError answers an awsQuery error document.
func writeQueryError(w http.ResponseWriter, status int, code, msg string) {
	type errorResponse struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Type      string   `xml:"Error>Type"`
		Code      string   `xml:"Error>Code"`
		Message   string   `xml:"Error>Message"`
		RequestID string   `xml:"RequestId"`
	}
	fault := "Sender"
	if status >= 500 {
		fault = "Receiver"
	}
	writeXML(w, status, errorResponse{Xmlns: snsNamespace, Type: fault, Code: code, Message: msg, RequestID: newUUID()})
}

func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, "sandbox: encode XML: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}

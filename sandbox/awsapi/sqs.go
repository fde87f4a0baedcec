package awsapi

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AlarmQueue is the queue every sandbox has, subscribed to the alarm topics:
// the demo feeds alarms through it as SNS → SQS delivers them.
const AlarmQueue = "trailhound-alarms"

// SQS limits the sandbox enforces as the real service does.
const (
	maxWaitSeconds        = 20
	maxReceiveMessages    = 10
	maxVisibilitySeconds  = 12 * 60 * 60
	defaultVisibility     = 30 * time.Second
	maxMessageBytes       = 256 * 1024
	receiptHandleEncoding = "rh1:"
)

// sqsState holds the sandbox's standard queues.
type sqsState struct {
	account string

	mu     sync.Mutex
	queues map[string]*queue
}

type queue struct {
	name string
	// changed is closed and replaced whenever a message becomes receivable,
	// waking long polls.
	changed  chan struct{}
	messages []*queuedMessage // in send order
}

type queuedMessage struct {
	id            string
	body          string
	sentAt        time.Time
	visibleAt     time.Time
	receiveCount  int
	firstReceived time.Time
	receipt       string // the handle of the latest receive; older ones still delete
}

func newSQSState(account string) *sqsState {
	s := &sqsState{account: account, queues: map[string]*queue{}}
	s.create(AlarmQueue)
	return s
}

// create adds an empty queue; an existing one is kept.
func (s *sqsState) create(name string) *queue {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q, ok := s.queues[name]; ok {
		return q
	}
	q := &queue{name: name, changed: make(chan struct{})}
	s.queues[name] = q
	return q
}

// CreateQueue adds a standard queue to the sandbox, for subscriptions and
// tests beyond the alarm queue.
func (a *Emulator) CreateQueue(name string) { a.state.sqs.create(name) }

// queueFromURL finds the queue a QueueUrl names: http://host/account/name.
func (s *sqsState) queueFromURL(raw string) (*queue, *apiError) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, clientError("InvalidAddress", "The address %s is not valid for this endpoint.", raw)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || parts[0] != s.account {
		return nil, clientError("QueueDoesNotExist", "The specified queue does not exist.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.queues[parts[1]]
	if !ok {
		return nil, clientError("QueueDoesNotExist", "The specified queue does not exist.")
	}
	return q, nil
}

// send appends a message and wakes the long polls waiting on q.
func (s *sqsState) send(q *queue, body string, delay time.Duration) *queuedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	m := &queuedMessage{id: newUUID(), body: body, sentAt: now, visibleAt: now.Add(delay)}
	q.messages = append(q.messages, m)
	close(q.changed)
	q.changed = make(chan struct{})
	return m
}

func queueURL(r *http.Request, account, name string) string {
	return "http://" + r.Host + "/" + account + "/" + name
}

func (a *Emulator) getQueueURL(r *http.Request, body []byte) (any, *apiError) {
	var in struct {
		QueueName              string `json:"QueueName"`
		QueueOwnerAWSAccountID string `json:"QueueOwnerAWSAccountId"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	s := a.state.sqs
	s.mu.Lock()
	_, ok := s.queues[in.QueueName]
	s.mu.Unlock()
	if !ok || in.QueueOwnerAWSAccountID != "" && in.QueueOwnerAWSAccountID != s.account {
		return nil, clientError("QueueDoesNotExist", "The specified queue does not exist.")
	}
	return map[string]string{"QueueUrl": queueURL(r, s.account, in.QueueName)}, nil
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (a *Emulator) sendMessage(_ *http.Request, body []byte) (any, *apiError) {
	var in struct {
		QueueURL     string `json:"QueueUrl"`
		MessageBody  string `json:"MessageBody"`
		DelaySeconds int    `json:"DelaySeconds"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	q, apiErr := a.state.sqs.queueFromURL(in.QueueURL)
	if apiErr != nil {
		return nil, apiErr
	}
	switch {
	case in.MessageBody == "":
		return nil, clientError("MissingParameter", "The request must contain the parameter MessageBody.")
	case len(in.MessageBody) > maxMessageBytes:
		return nil, clientError("InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", maxMessageBytes)
	case in.DelaySeconds < 0 || in.DelaySeconds > 900:
		return nil, clientError("InvalidParameterValue", "Value %d for parameter DelaySeconds is invalid. Reason: must be between 0 and 900.", in.DelaySeconds)
	}
	m := a.state.sqs.send(q, in.MessageBody, time.Duration(in.DelaySeconds)*time.Second)
	return map[string]string{"MessageId": m.id, "MD5OfMessageBody": md5Hex(m.body)}, nil
}

type receiveMessageInput struct {
	QueueURL                    string   `json:"QueueUrl"`
	MaxNumberOfMessages         *int     `json:"MaxNumberOfMessages"`
	WaitTimeSeconds             *int     `json:"WaitTimeSeconds"`
	VisibilityTimeout           *int     `json:"VisibilityTimeout"`
	AttributeNames              []string `json:"AttributeNames"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames"`
}

type sqsMessage struct {
	MessageID     string            `json:"MessageId"`
	ReceiptHandle string            `json:"ReceiptHandle"`
	MD5OfBody     string            `json:"MD5OfBody"`
	Body          string            `json:"Body"`
	Attributes    map[string]string `json:"Attributes,omitempty"`
}

func (a *Emulator) receiveMessage(r *http.Request, body []byte) (any, *apiError) {
	var in receiveMessageInput
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	q, apiErr := a.state.sqs.queueFromURL(in.QueueURL)
	if apiErr != nil {
		return nil, apiErr
	}
	count, wait, visibility := 1, 0, defaultVisibility
	if in.MaxNumberOfMessages != nil {
		if count = *in.MaxNumberOfMessages; count < 1 || count > maxReceiveMessages {
			return nil, clientError("InvalidParameterValue", "Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and %d, if provided.", count, maxReceiveMessages)
		}
	}
	if in.WaitTimeSeconds != nil {
		if wait = *in.WaitTimeSeconds; wait < 0 || wait > maxWaitSeconds {
			return nil, clientError("InvalidParameterValue", "Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= %d, if provided.", wait, maxWaitSeconds)
		}
	}
	if in.VisibilityTimeout != nil {
		v := *in.VisibilityTimeout
		if v < 0 || v > maxVisibilitySeconds {
			return nil, clientError("InvalidParameterValue", "Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= %d, if provided.", v, maxVisibilitySeconds)
		}
		visibility = time.Duration(v) * time.Second
	}
	attrs := wantedAttributes(append(in.AttributeNames, in.MessageSystemAttributeNames...))

	deadline := time.NewTimer(time.Duration(wait) * time.Second)
	defer deadline.Stop()
	for {
		msgs, wake, nextVisible := a.state.sqs.take(q, count, visibility, attrs)
		if len(msgs) > 0 || wait == 0 {
			return map[string]any{"Messages": msgs}, nil
		}
		// Sleep until a send, a message turning visible again, the end of
		// the long poll or the client hanging up, whichever comes first.
		var visible <-chan time.Time
		var visibleTimer *time.Timer
		if !nextVisible.IsZero() {
			visibleTimer = time.NewTimer(time.Until(nextVisible))
			visible = visibleTimer.C
		}
		done := false
		select {
		case <-wake:
		case <-visible:
		case <-deadline.C:
			done = true
		case <-r.Context().Done():
			done = true
		}
		if visibleTimer != nil {
			visibleTimer.Stop()
		}
		if done {
			return map[string]any{"Messages": []sqsMessage{}}, nil
		}
	}
}

// wantedAttributes returns the system attributes asked for ("All" is every one).
func wantedAttributes(names []string) map[string]bool {
	want := map[string]bool{}
	for _, n := range names {
		if n == "All" {
			for _, a := range []string{"ApproximateReceiveCount", "SentTimestamp", "ApproximateFirstReceiveTimestamp", "SenderId"} {
				want[a] = true
			}
			continue
		}
		want[n] = true
	}
	return want
}

// take receives up to count visible messages, hiding them for visibility. When
// none is visible it returns the channel a send closes and when the next
// hidden message turns visible.
func (s *sqsState) take(q *queue, count int, visibility time.Duration, attrs map[string]bool) ([]sqsMessage, <-chan struct{}, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	var out []sqsMessage
	var nextVisible time.Time
	for _, m := range q.messages {
		if m.visibleAt.After(now) {
			if nextVisible.IsZero() || m.visibleAt.Before(nextVisible) {
				nextVisible = m.visibleAt
			}
			continue
		}
		if len(out) == count {
			break
		}
		m.receiveCount++
		if m.firstReceived.IsZero() {
			m.firstReceived = now
		}
		m.visibleAt = now.Add(visibility)
		m.receipt = encodeReceipt(q.name, m.id, m.receiveCount)
		msg := sqsMessage{MessageID: m.id, ReceiptHandle: m.receipt, MD5OfBody: md5Hex(m.body), Body: m.body}
		if len(attrs) > 0 {
			msg.Attributes = map[string]string{}
			values := map[string]string{
				"ApproximateReceiveCount":          strconv.Itoa(m.receiveCount),
				"SentTimestamp":                    strconv.FormatInt(m.sentAt.UnixMilli(), 10),
				"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstReceived.UnixMilli(), 10),
				"SenderId":                         s.account,
			}
			for k, v := range values {
				if attrs[k] {
					msg.Attributes[k] = v
				}
			}
		}
		out = append(out, msg)
	}
	if out == nil {
		out = []sqsMessage{}
	}
	return out, q.changed, nextVisible
}

// Receipt handles name the queue, the message and the receive they came from.
func encodeReceipt(queueName, id string, receive int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(receiptHandleEncoding + queueName + "/" + id + "/" + strconv.Itoa(receive)))
}

func decodeReceipt(handle string) (queueName, id string, receive int, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(handle)
	if err != nil || !strings.HasPrefix(string(raw), receiptHandleEncoding) {
		return "", "", 0, false
	}
	parts := strings.Split(strings.TrimPrefix(string(raw), receiptHandleEncoding), "/")
	if len(parts) != 3 {
		return "", "", 0, false
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil {
		return "", "", 0, false
	}
	return parts[0], parts[1], n, true
}

// findByReceipt returns the message a receipt handle points to, nil when it
// was deleted already (which SQS does not treat as an error).
func (s *sqsState) findByReceipt(q *queue, handle string) (*queuedMessage, int, *apiError) {
	name, id, receive, ok := decodeReceipt(handle)
	if !ok || name != q.name {
		return nil, 0, clientError("ReceiptHandleIsInvalid", "The input receipt handle %q is not a valid receipt handle.", handle)
	}
	for _, m := range q.messages {
		if m.id == id {
			return m, receive, nil
		}
	}
	return nil, receive, nil
}

func (a *Emulator) deleteMessage(_ *http.Request, body []byte) (any, *apiError) {
	var in struct {
		QueueURL      string `json:"QueueUrl"`
		ReceiptHandle string `json:"ReceiptHandle"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	s := a.state.sqs
	q, apiErr := s.queueFromURL(in.QueueURL)
	if apiErr != nil {
		return nil, apiErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, _, apiErr := s.findByReceipt(q, in.ReceiptHandle)
	if apiErr != nil {
		return nil, apiErr
	}
	if m != nil {
		kept := q.messages[:0]
		for _, other := range q.messages {
			if other != m {
				kept = append(kept, other)
			}
		}
		q.messages = kept
	}
	return struct{}{}, nil
}

func (a *Emulator) changeMessageVisibility(_ *http.Request, body []byte) (any, *apiError) {
	var in struct {
		QueueURL          string `json:"QueueUrl"`
		ReceiptHandle     string `json:"ReceiptHandle"`
		VisibilityTimeout *int   `json:"VisibilityTimeout"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	if in.VisibilityTimeout == nil || *in.VisibilityTimeout < 0 || *in.VisibilityTimeout > maxVisibilitySeconds {
		return nil, clientError("InvalidParameterValue", "VisibilityTimeout must be between 0 and %d seconds.", maxVisibilitySeconds)
	}
	s := a.state.sqs
	q, apiErr := s.queueFromURL(in.QueueURL)
	if apiErr != nil {
		return nil, apiErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, receive, apiErr := s.findByReceipt(q, in.ReceiptHandle)
	if apiErr != nil {
		return nil, apiErr
	}
	now := time.Now()
	if m == nil || receive != m.receiveCount || !m.visibleAt.After(now) {
		return nil, clientError("MessageNotInflight", "Message %s is not in flight.", messageIDOf(in.ReceiptHandle))
	}
	m.visibleAt = now.Add(time.Duration(*in.VisibilityTimeout) * time.Second)
	if *in.VisibilityTimeout == 0 {
		close(q.changed)
		q.changed = make(chan struct{})
	}
	return struct{}{}, nil
}

func messageIDOf(handle string) string {
	_, id, _, _ := decodeReceipt(handle)
	return id
}

// QueueMessages returns the bodies of the messages still in queue name, for
// tests and the demo to check what was delivered and not yet deleted.
func (a *Emulator) QueueMessages(name string) ([]string, error) {
	s := a.state.sqs
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.queues[name]
	if !ok {
		return nil, fmt.Errorf("sandbox: no queue %q", name)
	}
	out := make([]string, 0, len(q.messages))
	for _, m := range q.messages {
		out = append(out, m.body)
	}
	return out, nil
}

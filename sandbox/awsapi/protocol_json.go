package awsapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// awsState is the mutable part of the sandbox: rate windows, the trail
// index, log groups, Logs Insights queries, queues and topics.
type awsState struct {
	rates *rateWindows
	trail *trailState
	logs  *logsState
	sqs   *sqsState
	sns   *snsState
}

func newAWSState(sc *scenario.Scenario, trail *trailState) (*awsState, error) {
	logs, err := newLogsState(sc)
	if err != nil {
		return nil, err
	}
	queues := newSQSState(sc.Meta.Account)
	return &awsState{
		rates: newRateWindows(),
		trail: trail,
		logs:  logs,
		sqs:   queues,
		sns:   newSNSState(sc, queues),
	}, nil
}

// allow reports whether op may proceed under its real rate limit, counted per
// account and region as AWS counts it, and records the request when it may.
func (s *awsState) allow(op, account, region string, now time.Time) bool {
	limit, ok := rateLimits[op]
	if !ok {
		limit = defaultRateLimit
	}
	return s.rates.allow(op+"|"+account+"|"+region, limit, now)
}

// rateLimits are the documented per-account, per-region request rates of
// the operations whose limit shapes how a client must call them.
var rateLimits = map[string]int{
	"cloudtrail:LookupEvents": 2, // per second, not adjustable
}

// defaultRateLimit is generous: enough that only a runaway loop trips it.
const defaultRateLimit = 50

// rateWindows enforces "at most n requests in any one-second window", the
// strictest reading of a per-second limit: a client that passes it passes a
// token bucket too.
type rateWindows struct {
	mu      sync.Mutex
	arrived map[string][]time.Time // accepted requests of the last second, oldest first
}

func newRateWindows() *rateWindows { return &rateWindows{arrived: map[string][]time.Time{}} }

func (w *rateWindows) allow(key string, perSecond int, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	times := w.arrived[key]
	cut := 0
	for cut < len(times) && now.Sub(times[cut]) >= time.Second {
		cut++
	}
	times = times[cut:]
	if len(times) >= perSecond {
		w.arrived[key] = times
		return false
	}
	w.arrived[key] = append(times, now)
	return true
}

// mountJSONServices mounts CloudTrail, CloudWatch Logs, SQS and SNS.
func (a *Emulator) mountJSONServices() {
	a.services["cloudtrail"] = &jsonService{
		a: a, service: "cloudtrail", version: "1.1",
		ops: map[string]jsonOp{
			"LookupEvents":      a.lookupEvents,
			"DescribeTrails":    a.describeTrails,
			"GetTrailStatus":    a.getTrailStatus,
			"GetEventSelectors": a.getEventSelectors,
			"ListTrails":        a.listTrails,
		},
	}
	a.services["logs"] = &jsonService{
		a: a, service: "logs", version: "1.1",
		ops: map[string]jsonOp{
			"FilterLogEvents":   a.filterLogEvents,
			"DescribeLogGroups": a.describeLogGroups,
			"StartQuery":        a.startQuery,
			"GetQueryResults":   a.getQueryResults,
			"StopQuery":         a.stopQuery,
		},
	}
	a.services["sqs"] = sqsOverQuery{&jsonService{
		a: a, service: "sqs", version: "1.0", queryCompatible: true,
		ops: map[string]jsonOp{
			"GetQueueUrl":                a.getQueueURL,
			"SendMessage":                a.sendMessage,
			"ReceiveMessage":             a.receiveMessage,
			"DeleteMessage":              a.deleteMessage,
			"ChangeMessageVisibility":    a.changeMessageVisibility,
			"GetQueueAttributes":         a.getQueueAttributes,
			"ListDeadLetterSourceQueues": a.listDeadLetterSourceQueues,
		},
	}}
	a.mountSNS()
}

// jsonOp answers one awsJson operation: the output to encode, or an error.
type jsonOp func(r *http.Request, body []byte) (any, *apiError)

// apiError is an error answer in AWS terms.
type apiError struct {
	status int
	code   string
	msg    string
}

func clientError(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, msg: fmt.Sprintf(format, args...)}
}

// jsonService serves an awsJson 1.0 or 1.1 service: POST /, the operation in
// X-Amz-Target, JSON in and out.
type jsonService struct {
	a       *Emulator
	service string // signing name, also the prefix of operation keys
	version string // "1.0" or "1.1"
	// queryCompatible services (SQS) also answer the awsQuery error code in
	// X-Amzn-Query-Error, which the SDK prefers for those services.
	queryCompatible bool
	ops             map[string]jsonOp
}

// maxRequestBody bounds what the sandbox reads of a request; real APIs cap
// payloads well below it.
const maxRequestBody = 8 << 20

func (s *jsonService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	name := target[strings.LastIndex(target, ".")+1:]
	op, ok := s.ops[name]
	if r.Method != http.MethodPost || !ok {
		s.writeError(w, http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("sandbox %s does not serve %q", s.service, target))
		return
	}
	if !s.a.begin(w, r, s.service+":"+name, s.writeError) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "SerializationException", "read request body: "+err.Error())
		return
	}
	out, apiErr := op(r, body)
	if apiErr != nil {
		s.writeError(w, apiErr.status, apiErr.code, apiErr.msg)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "InternalFailure", "encode response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-"+s.version)
	w.Header().Set("X-Amzn-Requestid", newUUID())
	_, _ = w.Write(b)
}

// writeError answers an awsJson error: the code in X-Amzn-Errortype and in
// the body's __type, which the SDK's deserializers read in that order.
func (s *jsonService) writeError(w http.ResponseWriter, status int, code, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-"+s.version)
	h.Set("X-Amzn-Requestid", newUUID())
	h.Set("X-Amzn-Errortype", code)
	if s.queryCompatible {
		fault := "Sender"
		if status >= 500 {
			fault = "Receiver"
		}
		h.Set("X-Amzn-Query-Error", queryErrorCode(code)+";"+fault)
	}
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	_, _ = w.Write(b)
}

// queryErrorCode is the awsQuery code SQS answers beside its JSON error type.
func queryErrorCode(code string) string {
	switch code {
	case "QueueDoesNotExist":
		return "AWS.SimpleQueueService.NonExistentQueue"
	case "MessageNotInflight":
		return "AWS.SimpleQueueService.MessageNotInflight"
	case "ThrottlingException":
		return "RequestThrottled"
	case "AccessDeniedException":
		return "AccessDenied"
	}
	return code
}

// decodeJSON reads an operation's input, answering SerializationException as
// the real services do for a body that is not the expected JSON.
func decodeJSON(body []byte, into any) *apiError {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, into); err != nil {
		return clientError("SerializationException", "cannot read the request: %v", err)
	}
	return nil
}

// newUUID returns a random RFC 9562 version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// epochSeconds is an awsJson timestamp: seconds since the epoch, fractions allowed.
type epochSeconds float64

func (e epochSeconds) time() time.Time {
	sec := float64(e)
	whole := int64(sec)
	return time.Unix(whole, int64((sec-float64(whole))*1e9)).UTC()
}

func toEpochSeconds(t time.Time) epochSeconds {
	return epochSeconds(float64(t.UnixMilli()) / 1000)
}

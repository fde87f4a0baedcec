// Package record reads CloudTrail records as CloudTrail writes them — the
// entries of the log files delivered to S3, or the CloudTrailEvent string of a
// LookupEvents result — and answers LookupEvents-style queries over them in
// memory, for the file-backed trail and the sandbox.
//
// Records are taken as found in the wild: field types vary between producers
// (readOnly as a string, sessionCredentialFromConsole as a bool or a string,
// userIdentity keys in lower case, re-serialised timestamps), so every field is
// read leniently and a record is refused only when it lacks what identifies
// it: eventTime, eventName and eventSource.
package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unique"

	"github.com/trailhound/trailhound/investigation"
)

// rawRecord holds the fields of a CloudTrail record this package reads.
// encoding/json matches keys case-insensitively, which also covers producers
// that lower-case them.
type rawRecord struct {
	EventID                      string          `json:"eventID"`
	EventName                    string          `json:"eventName"`
	EventSource                  string          `json:"eventSource"`
	EventTime                    string          `json:"eventTime"`
	EventType                    string          `json:"eventType"`
	AWSRegion                    string          `json:"awsRegion"`
	RecipientAccountID           string          `json:"recipientAccountId"`
	SourceIPAddress              string          `json:"sourceIPAddress"`
	UserAgent                    string          `json:"userAgent"`
	UserIdentity                 identity        `json:"userIdentity"`
	ReadOnly                     json.RawMessage `json:"readOnly"`
	SessionCredentialFromConsole json.RawMessage `json:"sessionCredentialFromConsole"`
	ErrorCode                    string          `json:"errorCode"`
	ErrorMessage                 string          `json:"errorMessage"`
	RequestParameters            json.RawMessage `json:"requestParameters"`
	ResponseElements             json.RawMessage `json:"responseElements"`
	Resources                    json.RawMessage `json:"resources"`
	ServiceEventDetails          json.RawMessage `json:"serviceEventDetails"`
	AdditionalEventData          json.RawMessage `json:"additionalEventData"`
}

// identity is a record's userIdentity block.
type identity struct {
	Type           string `json:"type"`
	PrincipalID    string `json:"principalId"`
	ARN            string `json:"arn"`
	AccountID      string `json:"accountId"`
	AccessKeyID    string `json:"accessKeyId"`
	UserName       string `json:"userName"`
	InvokedBy      string `json:"invokedBy"`
	SessionContext struct {
		SessionIssuer struct {
			ARN      string `json:"arn"`
			UserName string `json:"userName"`
		} `json:"sessionIssuer"`
	} `json:"sessionContext"`
	OnBehalfOf struct {
		UserID string `json:"userId"`
	} `json:"onBehalfOf"`
}

// decodeRecord unmarshals one record. A field of an unexpected JSON type is
// left empty rather than failing the record: encoding/json reports such
// mismatches after filling every other field.
func decodeRecord(raw []byte) (rawRecord, error) {
	if r, ok := decodeTopLevel(raw); ok {
		return r, nil
	}
	var r rawRecord
	err := json.Unmarshal(raw, &r)
	var typeErr *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &typeErr) {
		return rawRecord{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if typeErr != nil && typeErr.Field == "" {
		return rawRecord{}, fmt.Errorf("not a JSON object but a %s", typeErr.Value)
	}
	return r, nil
}

// Parse turns one CloudTrail record (an S3 log file entry, or LookupEvents'
// CloudTrailEvent string) into an Event. The record's bytes are copied into
// Event.Raw.
func Parse(raw []byte) (investigation.Event, error) {
	return parse(bytes.Clone(raw))
}

// parse is Parse without the defensive copy, for callers that own raw.
func parse(raw []byte) (investigation.Event, error) {
	r, err := decodeRecord(raw)
	if err != nil {
		return investigation.Event{}, err
	}
	if err := r.validate(); err != nil {
		return investigation.Event{}, err
	}
	at, err := parseEventTime(r.EventTime)
	if err != nil {
		return investigation.Event{}, err
	}
	e := investigation.Event{
		ID:        r.EventID,
		Name:      r.EventName,
		Source:    r.EventSource,
		Time:      at,
		Region:    r.AWSRegion,
		Account:   r.RecipientAccountID,
		Actor:     actorOf(r),
		UserAgent: r.UserAgent,
		SourceIP:  r.SourceIPAddress,
		ReadOnly:  readOnlyOf(r),
		ErrorCode: r.ErrorCode,
		ErrorMsg:  r.ErrorMessage,
		Resources: resourcesOf(r),
		Raw:       raw,
	}
	if e.ID == "" {
		e.ID = contentID(raw)
	}
	if e.Account == "" {
		e.Account = r.UserIdentity.AccountID
	}
	if !isJSONNull(r.RequestParameters) {
		e.RequestJSON = r.RequestParameters
	}
	intern(&e)
	return e, nil
}

// intern makes the event's repeated strings (names, sources, regions,
// accounts, actors, agents) share one copy with every other event's: a
// trail repeats them on most records, and a reader holding a large window
// would otherwise hold each of them once per record.
func intern(e *investigation.Event) {
	for _, p := range []*string{&e.Name, &e.Source, &e.Region, &e.Account, &e.Actor.Name, &e.Actor.ARN,
		&e.UserAgent, &e.SourceIP, &e.ErrorCode, &e.ErrorMsg} {
		*p = unique.Make(*p).Value()
	}
	for i := range e.Resources {
		r := &e.Resources[i]
		r.Type, r.Name = unique.Make(r.Type).Value(), unique.Make(r.Name).Value()
	}
}

// validate checks the fields that identify a record.
func (r rawRecord) validate() error {
	var missing []string
	if r.EventTime == "" {
		missing = append(missing, "eventTime")
	}
	if r.EventName == "" {
		missing = append(missing, "eventName")
	}
	if r.EventSource == "" {
		missing = append(missing, "eventSource")
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	// CloudTrail names the service by its endpoint host. Lambda event
	// payloads (S3 notifications, SNS) also carry eventSource/eventName, but
	// as "aws:s3"-style identifiers: they are not CloudTrail records.
	if !strings.Contains(r.EventSource, ".") || strings.ContainsAny(r.EventSource, ": /") {
		return fmt.Errorf("eventSource %q is not an AWS service endpoint", r.EventSource)
	}
	return nil
}

// eventTimeLayouts are the forms eventTime is found in: CloudTrail writes RFC
// 3339 UTC; pipelines that re-serialise records (Athena, SIEM exports) write
// the space-separated UTC form.
var eventTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

func parseEventTime(s string) (time.Time, error) {
	for _, layout := range eventTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("eventTime %q is not a timestamp", s)
}

// contentID derives a stable, UUID-shaped id for a record that has no
// eventID, so that deduplication and lookups by id still work on hand-made
// or truncated records.
func contentID(raw []byte) string {
	sum := sha256.Sum256(raw)
	sum[6] = sum[6]&0x0f | 0x50 // name-based, in the manner of RFC 9562 version 5
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

func isJSONNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// jsonBool reads a flag CloudTrail writes as a bool but other producers write
// as a string. ok is false when the field is absent or unreadable.
func jsonBool(raw json.RawMessage) (value, ok bool) {
	t := bytes.TrimSpace(raw)
	switch {
	case bytes.Equal(t, []byte("true")), bytes.EqualFold(t, []byte(`"true"`)):
		return true, true
	case bytes.Equal(t, []byte("false")), bytes.EqualFold(t, []byte(`"false"`)):
		return false, true
	}
	return false, false
}

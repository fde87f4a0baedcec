package awsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/record"
)

// trailState is the scenario's trail, indexed for LookupEvents.
type trailState struct {
	index    *record.Index
	rejected []record.Rejected
}

// TrailRejected lists the trail files, or parts of them, the sandbox could
// not read, and why: LookupEvents answers without them.
func (a *Emulator) TrailRejected() []record.Rejected {
	return append([]record.Rejected(nil), a.state.trail.rejected...)
}

type lookupAttribute struct {
	AttributeKey   string `json:"AttributeKey"`
	AttributeValue string `json:"AttributeValue"`
}

type lookupEventsInput struct {
	LookupAttributes []lookupAttribute `json:"LookupAttributes"`
	StartTime        *epochSeconds     `json:"StartTime"`
	EndTime          *epochSeconds     `json:"EndTime"`
	EventCategory    string            `json:"EventCategory"`
	MaxResults       *int              `json:"MaxResults"`
	NextToken        string            `json:"NextToken"`
}

type lookupResource struct {
	ResourceType string `json:"ResourceType,omitempty"`
	ResourceName string `json:"ResourceName,omitempty"`
}

type lookupEvent struct {
	EventID         string           `json:"EventId"`
	EventName       string           `json:"EventName"`
	ReadOnly        string           `json:"ReadOnly"`
	AccessKeyID     string           `json:"AccessKeyId,omitempty"`
	EventTime       epochSeconds     `json:"EventTime"`
	EventSource     string           `json:"EventSource"`
	Username        string           `json:"Username,omitempty"`
	Resources       []lookupResource `json:"Resources"`
	CloudTrailEvent string           `json:"CloudTrailEvent"`
}

type lookupEventsOutput struct {
	Events    []lookupEvent `json:"Events"`
	NextToken string        `json:"NextToken,omitempty"`
}

// maxLookupResults is LookupEvents' largest and default page.
const maxLookupResults = 50

// lookupEvents answers CloudTrail LookupEvents as the real API does: at most
// one lookup attribute, an inclusive time window, pages of at most 50 newest
// first, tokens bound to the query that issued them, and only the events of
// the region the request was signed for.
func (a *Emulator) lookupEvents(r *http.Request, body []byte) (any, *apiError) {
	var in lookupEventsInput
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	q := investigation.Lookup{Region: a.requestRegion(r)}
	switch len(in.LookupAttributes) {
	case 0:
	case 1:
		q.Key, q.Value = in.LookupAttributes[0].AttributeKey, in.LookupAttributes[0].AttributeValue
	default:
		return nil, clientError("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
	}
	if in.StartTime != nil {
		q.Start = in.StartTime.time()
	}
	if in.EndTime != nil {
		q.End = in.EndTime.time()
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.End.Before(q.Start) {
		return nil, clientError("InvalidTimeRangeException", "Start time must be before end time.")
	}
	if err := record.CheckLookup(q); err != nil {
		return nil, clientError("InvalidLookupAttributesException", "%v", err)
	}
	limit := maxLookupResults
	if in.MaxResults != nil {
		if limit = *in.MaxResults; limit < 1 || limit > maxLookupResults {
			return nil, clientError("InvalidMaxResultsException", "MaxResults must be between 1 and %d.", maxLookupResults)
		}
	}
	switch in.EventCategory {
	case "":
	case "insight":
		// The sandbox trail holds management events only.
		return lookupEventsOutput{Events: []lookupEvent{}}, nil
	default:
		return nil, clientError("InvalidEventCategoryException", "Event category %q is not valid.", in.EventCategory)
	}

	params := fmt.Sprintf("%s|%s=%s|%s|%s|%d|%s", q.Region, q.Key, q.Value, q.Start, q.End, limit, in.EventCategory)
	offset := 0
	if in.NextToken != "" {
		var ok bool
		if offset, ok = decodeOffsetToken(in.NextToken, params); !ok {
			return nil, clientError("InvalidNextTokenException", "Invalid NextToken: it was not issued for these lookup parameters.")
		}
	}
	matches := a.state.trail.index.Lookup(q)
	out := lookupEventsOutput{Events: make([]lookupEvent, 0, limit)}
	end := min(offset+limit, len(matches))
	for _, e := range matches[min(offset, end):end] {
		out.Events = append(out.Events, toLookupEvent(e))
	}
	if end < len(matches) {
		out.NextToken = encodeOffsetToken(end, params)
	}
	return out, nil
}

func toLookupEvent(e investigation.Event) lookupEvent {
	var ident struct {
		UserIdentity userIdentity `json:"userIdentity"`
	}
	_ = json.Unmarshal(e.Raw, &ident) // a record the parser accepted; missing fields stay empty
	raw := e.Raw
	var compact bytes.Buffer
	if json.Compact(&compact, e.Raw) == nil {
		raw = compact.Bytes()
	}
	le := lookupEvent{
		EventID:         e.ID,
		EventName:       e.Name,
		ReadOnly:        strconv.FormatBool(e.ReadOnly),
		AccessKeyID:     ident.UserIdentity.AccessKeyID,
		EventTime:       toEpochSeconds(e.Time),
		EventSource:     e.Source,
		Username:        ident.UserIdentity.lookupUsername(),
		Resources:       make([]lookupResource, 0, len(e.Resources)),
		CloudTrailEvent: string(raw),
	}
	for _, res := range e.Resources {
		le.Resources = append(le.Resources, lookupResource{ResourceType: res.Type, ResourceName: res.Name})
	}
	return le
}

// userIdentity holds what LookupEvents reports of a record's caller.
type userIdentity struct {
	Type        string `json:"type"`
	ARN         string `json:"arn"`
	PrincipalID string `json:"principalId"`
	UserName    string `json:"userName"`
	AccessKeyID string `json:"accessKeyId"`
}

// lookupUsername is the Username LookupEvents reports: the IAM user name,
// the session name of an assumed role, "root", the federated user's name,
// nothing for AWS services.
func (id userIdentity) lookupUsername() string {
	tail := id.ARN[strings.LastIndex(id.ARN, "/")+1:]
	switch id.Type {
	case "Root":
		return "root"
	case "AWSService":
		return ""
	case "AssumedRole":
		if _, rest, ok := strings.Cut(id.ARN, ":assumed-role/"); ok {
			if _, session, ok := strings.Cut(rest, "/"); ok {
				return session
			}
		}
		_, session, _ := strings.Cut(id.PrincipalID, ":")
		return session
	case "FederatedUser":
		return tail
	}
	if id.UserName != "" {
		return id.UserName
	}
	return tail
}

package tools

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/record"
)

// OpLookupEvents is the call-counter key of CloudTrail LookupEvents.
const OpLookupEvents = "cloudtrail:LookupEvents"

// lookupPageSize is LookupEvents' largest page.
const lookupPageSize = 50

// CloudTrailOptions bound and pace the lookups of a CloudTrail trail.
type CloudTrailOptions struct {
	// Account keys the pacer with the region. Empty is fine when every
	// client of the pacer uses the same credentials' account.
	Account string
	// Pacer spaces the requests; share one across every CloudTrail client of
	// the process. Nil gets a pacer of this trail's own.
	Pacer *Pacer
	// MaxEvents bounds the events read per lookup when Lookup.MaxEvents is
	// zero. Default 500 (ten pages).
	MaxEvents int
	// Timeout bounds one lookup, paging and pacing included. Default 60 s.
	Timeout time.Duration
}

// CloudTrail answers investigation.Trail with LookupEvents: one attribute per
// call (the API takes one), pages of 50 newest first, every request paced.
//
// A triage's call budget is the cap for OpLookupEvents of the CallCounter in
// the lookup's context (see WithCallCounter): paging stops, with More set,
// once it is spent.
type CloudTrail struct {
	opts    CloudTrailOptions
	clients *regionalClients[*cloudtrail.Client]
}

// NewCloudTrail builds the trail from a configuration loaded by LoadAWSConfig.
func NewCloudTrail(cfg aws.Config, opts CloudTrailOptions) *CloudTrail {
	if opts.Pacer == nil {
		opts.Pacer = NewLookupEventsPacer()
	}
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = 10 * lookupPageSize
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Minute
	}
	pacer, account := opts.Pacer, opts.Account
	return &CloudTrail{
		opts: opts,
		clients: newRegionalClients(cfg, func(cfg aws.Config, region string) *cloudtrail.Client {
			return cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) {
				o.Region = region
				o.APIOptions = append(o.APIOptions, pacer.APIOption(account+"/"+region))
				o.Retryer = pacer.Retryer(o.Retryer)
			})
		}),
	}
}

// Lookup pages through LookupEvents for q, newest first, until the trail runs
// out or a bound (q.MaxEvents, the call budget, the timeout) stops it. Events
// are deduplicated by id and read-only calls are dropped after the fetch, so
// the attribute stays free for the resource. On error the result still holds
// what was read before it.
func (c *CloudTrail) Lookup(ctx context.Context, q investigation.Lookup) (investigation.LookupResult, error) {
	client, region := c.clients.get(q.Region)
	maxEvents := q.MaxEvents
	if maxEvents <= 0 {
		maxEvents = c.opts.MaxEvents
	}
	budget := CallCounterFrom(ctx)
	sent := NewCallCounter(nil)
	ctx, cancel := context.WithTimeout(WithCallCounter(ctx, sent), c.opts.Timeout)
	defer cancel()

	in := &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(lookupPageSize)}
	if q.Key != "" {
		in.LookupAttributes = []cttypes.LookupAttribute{{
			AttributeKey:   cttypes.LookupAttributeKey(q.Key),
			AttributeValue: aws.String(q.Value),
		}}
	}
	if !q.Start.IsZero() {
		in.StartTime = aws.Time(q.Start)
	}
	if !q.End.IsZero() {
		in.EndTime = aws.Time(q.End)
	}

	var res investigation.LookupResult
	seen := map[string]bool{}
	read := 0
	// Each page reads at least one event or ends the trail, so maxEvents
	// also bounds the pages; the extra page covers an empty last one.
	for page := 0; page <= maxEvents/lookupPageSize+1; page++ {
		if budget != nil && budget.Remaining(OpLookupEvents) == 0 {
			break
		}
		out, err := client.LookupEvents(ctx, in)
		res.Calls = sent.Counts()[OpLookupEvents]
		if err != nil {
			return res, Wrap(OpLookupEvents, fmt.Sprintf("lookup %s=%s in %s", q.Key, q.Value, region), err)
		}
		for _, e := range out.Events {
			read++
			ev := eventFromLookup(e, region)
			if ev.ID == "" || seen[ev.ID] || ev.ReadOnly {
				continue
			}
			seen[ev.ID] = true
			res.Events = append(res.Events, ev)
		}
		if out.NextToken == nil || *out.NextToken == "" {
			return res, nil
		}
		if read >= maxEvents {
			break
		}
		in.NextToken = out.NextToken
	}
	// A bound stopped paging while the trail still had a next page.
	res.More = true
	return res, nil
}

// eventFromLookup reads one LookupEvents result: the record for everything it
// holds, but the resources as the API lists them, since those are what a
// ResourceName lookup matched. A record that does not parse still yields the
// fields the API reports beside it.
func eventFromLookup(e cttypes.Event, region string) investigation.Event {
	ev, err := record.Parse([]byte(aws.ToString(e.CloudTrailEvent)))
	if err != nil {
		ev = investigation.Event{
			ID:     aws.ToString(e.EventId),
			Name:   aws.ToString(e.EventName),
			Source: aws.ToString(e.EventSource),
			Time:   aws.ToTime(e.EventTime),
			Actor:  investigation.Actor{Name: aws.ToString(e.Username), Kind: investigation.ActorUnknown},
		}
	}
	if id := aws.ToString(e.EventId); id != "" {
		ev.ID = id
	}
	switch aws.ToString(e.ReadOnly) {
	case "true":
		ev.ReadOnly = true
	case "false":
		ev.ReadOnly = false
	}
	if ev.Region == "" {
		ev.Region = region
	}
	ev.Resources = make([]investigation.EventResource, 0, len(e.Resources))
	for _, r := range e.Resources {
		ev.Resources = append(ev.Resources, investigation.EventResource{
			Type: aws.ToString(r.ResourceType),
			Name: aws.ToString(r.ResourceName),
		})
	}
	return ev
}

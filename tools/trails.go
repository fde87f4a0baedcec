package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/trailhound/trailhound/investigation"
)

// Call-counter keys of the trail-setup reads.
const (
	OpListTrails        = "cloudtrail:ListTrails"
	OpDescribeTrails    = "cloudtrail:DescribeTrails"
	OpGetTrailStatus    = "cloudtrail:GetTrailStatus"
	OpGetEventSelectors = "cloudtrail:GetEventSelectors"
)

// Bounds of one trail-setup read. CloudTrail allows five trails per region,
// so an account rarely has more than a handful in all.
const (
	maxTrails          = 20
	maxTrailListPages  = 5
	trailSetupTimeout  = 20 * time.Second
	dataEventsCategory = "Data"
)

// TrailSetups reads an account's trail setup: which trails record which
// regions and events, and whether they still deliver. It implements the
// engine's TrailSetups port with the credentials' account.
type TrailSetups struct {
	clients *regionalClients[*cloudtrail.Client]
}

// NewTrailSetups builds the reader from a configuration loaded by LoadAWSConfig.
func NewTrailSetups(cfg aws.Config) *TrailSetups {
	return &TrailSetups{clients: newRegionalClients(cfg, func(cfg aws.Config, region string) *cloudtrail.Client {
		return cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.Region = region })
	})}
}

// Trails lists every trail of the account (ListTrails answers for all
// regions), describes each from its home region and reads its status and
// selectors. The credentials decide the account: account only names it in
// errors.
func (s *TrailSetups) Trails(ctx context.Context, account, region string) ([]investigation.TrailConfig, error) {
	ctx, cancel := context.WithTimeout(ctx, trailSetupTimeout)
	defer cancel()
	client, region := s.clients.get(region)
	var infos []cttypes.TrailInfo
	in := &cloudtrail.ListTrailsInput{}
	for page := 0; page < maxTrailListPages && len(infos) < maxTrails; page++ {
		out, err := client.ListTrails(ctx, in)
		if err != nil {
			return nil, Wrap(OpListTrails, fmt.Sprintf("list the trails of account %s from %s", account, region), err)
		}
		infos = append(infos, out.Trails...)
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	// The trails are read at once, each at its index: the result keeps
	// ListTrails' order and the error is the first failing trail's.
	infos = infos[:min(len(infos), maxTrails)]
	trails := make([]investigation.TrailConfig, len(infos))
	errs := make([]error, len(infos))
	inParallel(len(infos), maxReadsInFlight, func(i int) {
		trails[i], errs[i] = s.trail(ctx, infos[i])
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if len(trails) == 0 {
		return nil, nil
	}
	return trails, nil
}

// trail reads one trail from its home region, where an ARN reaches it. Its
// description, status and selectors are three independent requests, sent
// together; the error is the first of them in that order, as when they ran
// one after another.
func (s *TrailSetups) trail(ctx context.Context, info cttypes.TrailInfo) (investigation.TrailConfig, error) {
	arn := aws.ToString(info.TrailARN)
	client, _ := s.clients.get(aws.ToString(info.HomeRegion))
	var (
		d           *cloudtrail.DescribeTrailsOutput
		st          *cloudtrail.GetTrailStatusOutput
		sel         *cloudtrail.GetEventSelectorsOutput
		dErr, stErr error
		selErr      error
	)
	inParallel(3, 3, func(i int) {
		switch i {
		case 0:
			d, dErr = client.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{TrailNameList: []string{arn}})
		case 1:
			st, stErr = client.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(arn)})
		case 2:
			sel, selErr = client.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(arn)})
		}
	})
	if dErr != nil {
		return investigation.TrailConfig{}, Wrap(OpDescribeTrails, "describe trail "+arn, dErr)
	}
	t := investigation.TrailConfig{Name: aws.ToString(info.Name), ARN: arn, HomeRegion: aws.ToString(info.HomeRegion)}
	for _, tr := range d.TrailList {
		if aws.ToString(tr.TrailARN) == arn {
			t.MultiRegion = aws.ToBool(tr.IsMultiRegionTrail)
			t.Organization = aws.ToBool(tr.IsOrganizationTrail)
		}
	}
	if stErr != nil {
		return t, Wrap(OpGetTrailStatus, "read the status of trail "+arn, stErr)
	}
	t.Logging = aws.ToBool(st.IsLogging)
	t.StartedLogging = aws.ToTime(st.StartLoggingTime)
	t.StoppedLogging = aws.ToTime(st.StopLoggingTime)
	t.LatestDelivery = aws.ToTime(st.LatestDeliveryTime)
	if selErr != nil {
		return t, Wrap(OpGetEventSelectors, "read the event selectors of trail "+arn, selErr)
	}
	readSelectors(&t, sel)
	return t, nil
}

// readSelectors reads basic and advanced selectors into what the trail records.
func readSelectors(t *investigation.TrailConfig, sel *cloudtrail.GetEventSelectorsOutput) {
	for _, es := range sel.EventSelectors {
		if aws.ToBool(es.IncludeManagementEvents) {
			t.ManagementEvents = true
			t.ReadWriteType = widerReadWrite(t.ReadWriteType, string(es.ReadWriteType))
		}
		for _, dr := range es.DataResources {
			t.DataEvents = append(t.DataEvents, investigation.DataEventSelector{ResourceType: aws.ToString(dr.Type), Values: dr.Values})
		}
	}
	for _, as := range sel.AdvancedEventSelectors {
		var category, readOnly string
		var types, prefixes []string
		for _, f := range as.FieldSelectors {
			switch aws.ToString(f.Field) {
			case "eventCategory":
				category = strings.Join(f.Equals, ",")
			case "readOnly":
				readOnly = strings.Join(f.Equals, ",")
			case "resources.type":
				types = append(types, f.Equals...)
			case "resources.ARN":
				prefixes = append(prefixes, f.StartsWith...)
				prefixes = append(prefixes, f.Equals...)
			}
		}
		switch category {
		case "Management":
			rw := "All"
			switch readOnly {
			case "true":
				rw = "ReadOnly"
			case "false":
				rw = "WriteOnly"
			}
			t.ManagementEvents = true
			t.ReadWriteType = widerReadWrite(t.ReadWriteType, rw)
		case dataEventsCategory:
			for _, ty := range types {
				t.DataEvents = append(t.DataEvents, investigation.DataEventSelector{ResourceType: ty, Values: prefixes})
			}
		}
	}
}

// widerReadWrite is what two selectors record together.
func widerReadWrite(a, b string) string {
	switch {
	case a == "" || a == b:
		return b
	case b == "":
		return a
	default:
		return "All"
	}
}

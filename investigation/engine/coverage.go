package engine

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// TrailSetups reads how an account's trails are set up (DescribeTrails,
// GetTrailStatus, GetEventSelectors), so that the report can say what the
// walk could not see.
type TrailSetups interface {
	// Trails returns every trail of account, whatever its home region, with
	// its status and selectors; region is where the alarm's resource lives.
	// No trail is an empty list, not an error.
	Trails(ctx context.Context, account, region string) ([]investigation.TrailConfig, error)
}

// What CloudTrail keeps without a trail, and how gaps weigh.
const (
	// EventHistoryRetention is how far back LookupEvents reads management
	// events in each region, with or without a trail.
	EventHistoryRetention = 90 * 24 * time.Hour
	// DeliveryStalled: a trail that says it is logging but last delivered
	// longer ago than this before the symptom is not delivering.
	DeliveryStalled = 2 * time.Hour

	// Grades of confidence each gap takes off the candidates' causal claims.
	NoTrailConfidenceSteps          = 1
	RegionNotCoveredConfidenceSteps = 1
	DataEventsOffConfidenceSteps    = 1
	LoggingStoppedConfidenceSteps   = 1

	// maxTrailSetupEvents bounds the events read looking for who changed
	// the trail setup.
	maxTrailSetupEvents = 200
)

var gapConfidenceSteps = map[investigation.CoverageGapKind]int{
	investigation.GapNoTrail:          NoTrailConfidenceSteps,
	investigation.GapRegionNotCovered: RegionNotCoveredConfidenceSteps,
	investigation.GapDataEventsOff:    DataEventsOffConfidenceSteps,
	investigation.GapLoggingStopped:   LoggingStoppedConfidenceSteps,
}

// trailSetupEvents are the calls that change what a trail records; each is a
// management event and worth naming next to the gap it opened.
var trailSetupEvents = map[string]investigation.CoverageGapKind{
	"StopLogging":               investigation.GapLoggingStopped,
	"DeleteTrail":               investigation.GapNoTrail,
	"UpdateTrail":               investigation.GapRegionNotCovered,
	"PutEventSelectors":         investigation.GapDataEventsOff,
	"PutAdvancedEventSelectors": investigation.GapDataEventsOff,
}

// coverage is what the trail setup kept from the walk.
type coverage struct {
	gaps []investigation.CoverageGap
	// data is the object or invocation access the symptom involves that no
	// trail records: what only data events would show.
	data []dataAccess
}

// steps is how many grades the gaps take off a candidate's confidence.
func (c *coverage) steps() int {
	if c == nil {
		return 0
	}
	n := 0
	for _, g := range c.gaps {
		n += gapConfidenceSteps[g.Kind]
	}
	return n
}

// trailsRead is the account's trail setup, read beside the walk.
type trailsRead struct {
	trails []investigation.TrailConfig
	err    error
}

// startCoverage starts reading the trail setup of the alarm's account and
// region: it needs only the scope. Nil when no source is configured.
func (t *triage) startCoverage(ctx context.Context) func() trailsRead {
	src := t.engine.Coverage
	if src == nil {
		return nil
	}
	account, region := t.coverageScope()
	return beside(t, func() trailsRead {
		trails, err := src.Trails(ctx, account, region)
		return trailsRead{trails: trails, err: err}
	})
}

// startReadCoverage reads the trail setup of the alarm's account and region
// and the gaps it leaves, and starts the lookups that name the changes to
// the setup; the returned finish states them. It needs the logs, not the
// evidence lookups, so it may start before those, but its lookups come
// after theirs in the budget: ahead is how many of theirs may still come.
// When the budget may not hold both, it starts nothing and reports false.
func (t *triage) startReadCoverage(ctx context.Context, wait func() trailsRead, ahead int) (finish func(), started bool) {
	if wait == nil {
		return func() {}, true
	}
	account, region := t.coverageScope()
	read := wait()
	trails, err := read.trails, read.err
	if err != nil {
		return func() {
			t.note("trail setup of account %s not read, so what it leaves out is not stated: %v", account, err)
		}, true
	}
	c := &coverage{}
	c.gaps = gapsOf(trails, account, region, t.symptom)
	need := t.dataAccess()
	if d := dataEventsGap(trails, account, region, need); d != nil {
		c.gaps = append(c.gaps, *d)
	}
	if len(c.gaps) > 0 && !recordsData(trails, region, need) {
		c.data = need
	}
	for i := range c.gaps {
		c.gaps[i].ConfidenceSteps = gapConfidenceSteps[c.gaps[i].Kind]
	}
	var fx effects
	if len(c.gaps) > 0 {
		regions := setupRegions(trails, region)
		if ahead > 0 && t.lookups+ahead+len(regions) > t.lim.MaxLookups {
			return nil, false
		}
		t.nameSetupChanges(ctx, &fx, c, trails, regions)
	}
	return func() {
		fx.apply(t)
		t.coverage = c
	}, true
}

// setupRegions are the regions whose trail setup changes are read: the
// alarm's and the trails' home regions.
func setupRegions(trails []investigation.TrailConfig, region string) []string {
	regions := []string{region}
	for _, tr := range trails {
		if !slices.Contains(regions, tr.HomeRegion) && tr.HomeRegion != "" {
			regions = append(regions, tr.HomeRegion)
		}
	}
	return regions
}

// coverageScope is the account and region whose trails record the alarm's
// resource: the resource's own when it lives in another account.
func (t *triage) coverageScope() (account, region string) {
	account, region = t.alarm.Account, t.alarm.Region
	if len(t.scope.Resources) > 0 {
		r := t.scope.Resources[0]
		if r.Account != "" {
			account = r.Account
		}
		if r.Region != "" {
			region = r.Region
		}
	}
	return account, region
}

// gapsOf states the gaps in management-event coverage of region.
func gapsOf(trails []investigation.TrailConfig, account, region string, symptom time.Time) []investigation.CoverageGap {
	gap := func(kind investigation.CoverageGapKind, format string, args ...any) investigation.CoverageGap {
		return investigation.CoverageGap{Kind: kind, Account: account, Region: region, Note: fmt.Sprintf(format, args...)}
	}
	if len(trails) == 0 {
		return []investigation.CoverageGap{gap(investigation.GapNoTrail,
			"Account %s has no CloudTrail trail: the walk read the %d-day event history, which holds management events only. Anything older than %s, and every data event (S3 object reads and writes, Lambda invocations), is recorded nowhere.",
			account, days(EventHistoryRetention), symptom.Add(-EventHistoryRetention).Format("2006-01-02"))}
	}
	var covering []investigation.TrailConfig
	for _, tr := range trails {
		if tr.Records(region) {
			covering = append(covering, tr)
		}
	}
	if len(covering) == 0 {
		var names []string
		for _, tr := range trails {
			names = append(names, fmt.Sprintf("%s (single-region, %s)", tr.Name, tr.HomeRegion))
		}
		return []investigation.CoverageGap{gap(investigation.GapRegionNotCovered,
			"No trail of account %s records %s: %s. The walk read %s's %d-day event history of management events; anything older and every data event there is recorded nowhere.",
			account, region, strings.Join(names, ", "), region, days(EventHistoryRetention))}
	}
	for _, tr := range covering {
		if tr.Logging && (tr.LatestDelivery.IsZero() || symptom.Sub(tr.LatestDelivery) < DeliveryStalled) {
			return nil // one trail delivering is coverage
		}
	}
	tr := covering[0]
	if tr.Logging {
		return []investigation.CoverageGap{gap(investigation.GapLoggingStopped,
			"Trail %s says it is logging but last delivered a log file at %s, %s before the alarm: nothing since reached S3. The walk read the event history, which holds management events for %d days; data events since then are lost.",
			tr.Name, tr.LatestDelivery.UTC().Format(time.RFC3339), ago(symptom.Sub(tr.LatestDelivery)), days(EventHistoryRetention))}
	}
	since := "at an unknown time"
	if !tr.StoppedLogging.IsZero() {
		since = "at " + tr.StoppedLogging.UTC().Format(time.RFC3339)
	}
	return []investigation.CoverageGap{gap(investigation.GapLoggingStopped,
		"Trail %s stopped logging %s: nothing since was delivered to S3. The walk read the event history, which holds management events for %d days; data events since then are recorded nowhere.",
		tr.Name, since, days(EventHistoryRetention))}
}

// dataEventsGap states that the object or invocation access the symptom
// involves is recorded by no delivering trail of the region, when it is not
// already said by a gap in the trail itself.
func dataEventsGap(trails []investigation.TrailConfig, account, region string, need []dataAccess) *investigation.CoverageGap {
	if len(need) == 0 || !delivering(trails, region) || recordsData(trails, region, need) {
		return nil
	}
	var what []string
	for _, n := range need {
		what = append(what, n.describe())
	}
	return &investigation.CoverageGap{Kind: investigation.GapDataEventsOff, Account: account, Region: region,
		Note: fmt.Sprintf("The symptom involves %s, and no trail of account %s records those data events: the calls themselves (who read, wrote, deleted or invoked) are in no record, and LookupEvents never holds data events.",
			strings.Join(what, " and "), account)}
}

// delivering reports whether some trail records region and still logs.
func delivering(trails []investigation.TrailConfig, region string) bool {
	return slices.ContainsFunc(trails, func(tr investigation.TrailConfig) bool { return tr.Records(region) && tr.Logging })
}

// recordsData reports whether a delivering trail of region records every
// data event the symptom involves.
func recordsData(trails []investigation.TrailConfig, region string, need []dataAccess) bool {
	for _, n := range need {
		if !slices.ContainsFunc(trails, func(tr investigation.TrailConfig) bool {
			return tr.Records(region) && tr.Logging && tr.RecordsDataEvents(n.resourceType, n.arn)
		}) {
			return false
		}
	}
	return true
}

// nameSetupChanges looks up, in the regions of the account's trails, the
// calls that changed the trail setup since shortly before the window (or
// since the trail stopped logging) and names them with the gap they opened.
func (t *triage) nameSetupChanges(ctx context.Context, fx *effects, c *coverage, trails []investigation.TrailConfig, regions []string) {
	start := t.symptom.Add(-Layer2Window)
	for _, tr := range trails {
		if !tr.StoppedLogging.IsZero() && tr.StoppedLogging.Before(start) {
			start = tr.StoppedLogging.Add(-TimeGrace)
		}
	}
	start = later(start, t.symptom.Add(-EventHistoryRetention))
	account, _ := t.coverageScope()
	for _, r := range regions {
		if t.lookups >= t.lim.MaxLookups || ctx.Err() != nil {
			fx.note("changes to the trail setup in %s not read: the lookup budget is spent", r)
			return
		}
		// The trail setup is walked like a resource: one lookup, counted.
		t.lookups++
		wait := t.startLookup(ctx, investigation.Lookup{Region: r, Account: account,
			Key: investigation.AttrEventSource, Value: "cloudtrail.amazonaws.com", Start: start, End: t.symptom, MaxEvents: maxTrailSetupEvents})
		fx.then(func(t *triage) {
			read := wait()
			t.calls["cloudtrail:LookupEvents"] += read.res.Calls
			if read.err != nil {
				t.note("changes to the trail setup in %s not read: %v", r, read.err)
				return
			}
			for _, ev := range read.res.Events {
				kind, ok := trailSetupEvents[ev.Name]
				if !ok || ev.Failed() || ev.ReadOnly {
					continue
				}
				c.attach(kind, ev)
			}
		})
	}
}

// attach names ev on the gap it opened, or on the first gap.
func (c *coverage) attach(kind investigation.CoverageGapKind, ev investigation.Event) {
	i := slices.IndexFunc(c.gaps, func(g investigation.CoverageGap) bool { return g.Kind == kind })
	if i < 0 {
		i = 0
	}
	g := &c.gaps[i]
	if slices.Contains(g.EventIDs, ev.ID) {
		return
	}
	g.EventIDs = append(g.EventIDs, ev.ID)
	g.Note += fmt.Sprintf(" %s by %s at %s (event %s) changed what the trail records.", ev.Name, ev.Actor.Name, ev.Time.UTC().Format(time.RFC3339), ev.ID)
}

// dataAccess is object or invocation access the symptom involves: calls
// that only a trail's data events record.
type dataAccess struct {
	resourceType string // AWS::S3::Object or AWS::Lambda::Function
	arn          string // the bucket's object prefix or the function, "" when unknown
	why          string
	// content: the errors are about what an object holds or that it is
	// gone, not about access to it: a write or a delete, which are data
	// events, is the likeliest cause.
	content bool
}

func (d dataAccess) describe() string {
	what := "object access"
	if d.resourceType == investigation.TypeLambdaFunction {
		what = "function invocations"
	}
	if d.arn != "" {
		what += " on " + d.arn
	}
	return what + " (" + d.why + ")"
}

// Data event resource types of CloudTrail's selectors.
const (
	dataS3Object = "AWS::S3::Object"
	dataLambda   = investigation.TypeLambdaFunction
)

var (
	// s3RequestMetric: S3's request metrics count object-level calls.
	s3RequestMetric = regexp.MustCompile(`^(4xxErrors|5xxErrors|AllRequests|GetRequests|PutRequests|DeleteRequests|HeadRequests|PostRequests|SelectRequests|ListRequests)$`)
	// objectError: a log line about an object read or write that failed
	// because the object or the access to it is gone.
	objectError = regexp.MustCompile(`(?i)NoSuchKey|specified key does not exist|\b(GetObject|PutObject|HeadObject|DeleteObject|CopyObject)\b.{0,200}\b(AccessDenied|Forbidden|403|404|Not ?Found)\b|\b(AccessDenied|Forbidden)\b.{0,200}\bs3:(Get|Put|Delete)Object\b`)
	// invokeError: a log line about a call to invoke a function (not the
	// runtime's own "Invoke Error" prefix of any failed handler).
	invokeError = regexp.MustCompile(`(?i)lambda:InvokeFunction|\bInvokeFunction\b|calling the Invoke operation|\bLambda\.Invoke\b`)
	s3ObjectARN = regexp.MustCompile(`(?:arn:aws[a-z-]*:s3:::|s3://)([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])/[^\s"']`)
	// accessError: the object is there but the caller may not reach it.
	accessError = regexp.MustCompile(`(?i)AccessDenied|Forbidden|\b403\b|not authorized`)
)

// dataAccess reads from the alarm's metrics and the errors in the logs
// whether the symptom involves object or invocation access.
func (t *triage) dataAccess() []dataAccess {
	var out []dataAccess
	add := func(d dataAccess) {
		if !slices.ContainsFunc(out, func(o dataAccess) bool { return o.resourceType == d.resourceType && o.arn == d.arn }) {
			out = append(out, d)
		}
	}
	for _, m := range t.alarm.Metrics {
		if m.Namespace == "AWS/S3" && s3RequestMetric.MatchString(m.Name) {
			add(dataAccess{resourceType: dataS3Object, arn: bucketObjects(dimension(m, "BucketName")), why: "the alarm counts S3 " + m.Name})
		}
	}
	if t.logs == nil {
		return out
	}
	for _, o := range t.logs.sortedKinds() {
		for _, l := range o.Sample {
			object := s3ObjectARN.FindStringSubmatch(l.Message)
			switch {
			case objectError.MatchString(l.Message) || object != nil:
				arn := ""
				if object != nil {
					arn = bucketObjects(object[1])
				}
				add(dataAccess{resourceType: dataS3Object, arn: arn, why: "errors in " + l.Group + " such as " + quote(l.Message, 100),
					content: !accessError.MatchString(l.Message)})
			case invokeError.MatchString(l.Message):
				add(dataAccess{resourceType: dataLambda, arn: t.scopedFunctionARN(), why: "errors in " + l.Group + " such as " + quote(l.Message, 100)})
			}
		}
	}
	return out
}

func bucketObjects(bucket string) string {
	if bucket == "" {
		return ""
	}
	return "arn:aws:s3:::" + bucket + "/"
}

func dimension(m investigation.Metric, name string) string {
	for _, d := range m.Dimensions {
		if d.Name == name {
			return d.Value
		}
	}
	return ""
}

func (t *triage) scopedFunctionARN() string {
	for _, r := range t.scope.Resources {
		if r.Type == investigation.TypeLambdaFunction && r.ARN != "" {
			return r.ARN
		}
	}
	return ""
}

// lowerConfidence takes the gaps' grades off a candidate's confidence that it
// caused the symptom, and returns what it had before. When the errors are
// about an object's content and no trail records object writes, a change
// the errors do not name is a lead at most: the likeliest cause is a write
// or a delete nothing recorded.
func (t *triage) lowerConfidence(g *group) investigation.Confidence {
	before := g.confidence
	g.confidence = before.Lower(t.coverage.steps())
	if t.coverage.unrecordedContent() && !g.corrobName {
		g.confidence = investigation.ConfidenceLow
	}
	return before
}

// unrecordedContent reports whether the symptom is about an object's content
// and no trail records the writes that would show who changed it.
func (c *coverage) unrecordedContent() bool {
	return c != nil && slices.ContainsFunc(c.data, func(d dataAccess) bool { return d.content })
}

// loweredSentence says why a candidate's confidence is below its evidence.
func (t *triage) loweredSentence(before, after investigation.Confidence) string {
	if before == after {
		return ""
	}
	return fmt.Sprintf(" Confidence lowered from %s to %s: the trail setup leaves gaps (%s), so a cause the walk could not see is not ruled out.",
		before, after, gapKinds(t.coverage.gaps))
}

// trailSpot is the blind spot when the symptom involves calls that only data
// events record and none are: the cause may be one of those calls.
func (t *triage) trailSpot() *investigation.BlindSpot {
	c := t.coverage
	if c == nil || len(c.data) == 0 {
		return nil
	}
	var what []string
	where := []string{}
	for _, d := range c.data {
		what = append(what, d.describe())
		switch d.resourceType {
		case dataS3Object:
			where = append(where, "the bucket's S3 server access logs and object versions (ListObjectVersions shows overwrites and delete markers)")
		default:
			where = append(where, "the callers' logs and the function's invocation metrics")
		}
	}
	where = append(where, "then turn on data events for these resources in a trail")
	return &investigation.BlindSpot{Kind: investigation.BlindTrail,
		Note: fmt.Sprintf("The symptom involves %s, and those calls are data events that no trail records (%s): an object overwritten or deleted, or a caller denied or flooding, leaves nothing to walk.",
			strings.Join(what, " and "), gapKinds(c.gaps)),
		WhereToLook: strings.Join(where, "; ")}
}

func gapKinds(gaps []investigation.CoverageGap) string {
	var out []string
	for _, g := range gaps {
		out = append(out, strings.ReplaceAll(string(g.Kind), "_", " "))
	}
	return strings.Join(out, ", ")
}

func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

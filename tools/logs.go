package tools

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
	"github.com/trailhound/trailhound/investigation/engine"
)

// Call-counter keys of the CloudWatch Logs operations.
const (
	OpFilterLogEvents   = "logs:FilterLogEvents"
	OpStartQuery        = "logs:StartQuery"
	OpGetQueryResults   = "logs:GetQueryResults"
	OpStopQuery         = "logs:StopQuery"
	OpDescribeLogGroups = "logs:DescribeLogGroups"
)

// ErrorSignatureQuery is the Logs Insights query behind ErrorSignatures: per
// minute, how many lines show each error signature. The signature is the most
// specific token of the line — an exception or AWS error code, a network or
// timeout phrase — and only failing that a generic error word.
const ErrorSignatureQuery = `fields @timestamp, @message
| parse @message /(?<code>[A-Za-z][A-Za-z0-9_.]*Exception|AccessDenied|UnauthorizedOperation|not authorized to perform|Task timed out|ETIMEDOUT|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|[Cc]onnection refused|[Cc]onnection reset|[Cc]onnection timed out|i\/o timeout|no such host|Rate exceeded|Throttling|TooManyRequests|[Oo]ut of memory|OutOfMemory|Runtime exited with error|[Pp]ermission denied|[Ss]ervice [Uu]navailable|Bad Gateway|Gateway Time-?out|pending deletion)/
| parse @message /(?<generic>[A-Z][A-Za-z0-9]*Error|panic|Traceback|FATAL|ERROR|[Ee]rror)/
| fields coalesce(code, generic) as signature
| filter ispresent(signature)
| stats count(*) as errors by bin(1m), signature
| sort errors desc
| limit 1000`

// LogsOptions bound the log reads.
type LogsOptions struct {
	// MaxPages bounds FilterLogEvents pages per call. Default 10.
	MaxPages int
	// Timeout bounds one Errors call. Default 30 s.
	Timeout time.Duration
	// QueryTimeout is how long ErrorSignatures waits for its query before
	// stopping it. Default 30 s.
	QueryTimeout time.Duration
	// PollInterval spaces GetQueryResults polls. Default 1 s.
	PollInterval time.Duration
}

// Logs reads CloudWatch Logs for corroboration: error lines through
// FilterLogEvents (investigation.Logs) and error signatures per minute
// through Logs Insights. A group given as a log group ARN is read in the
// region of the ARN; a plain name in the configuration's region.
type Logs struct {
	opts    LogsOptions
	clients *regionalClients[*cloudwatchlogs.Client]
}

// NewLogs builds the reader from a configuration loaded by LoadAWSConfig.
func NewLogs(cfg aws.Config, opts LogsOptions) *Logs {
	if opts.MaxPages <= 0 {
		opts.MaxPages = 10
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = 30 * time.Second
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	return &Logs{
		opts: opts,
		clients: newRegionalClients(cfg, func(cfg aws.Config, region string) *cloudwatchlogs.Client {
			return cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.Region = region })
		}),
	}
}

// groupTarget splits a log group ARN into the identifier the API takes and
// the region to call; a plain name keeps the configuration's region.
func groupTarget(group string) (ident, region string) {
	if !strings.HasPrefix(group, "arn:") {
		return group, ""
	}
	a, _ := investigation.ParseARN(group)
	return strings.TrimSuffix(group, ":*"), a.Region
}

// DefaultLogLimit is how many lines Errors returns when the caller sets no limit.
const DefaultLogLimit = 200

// filterPageLimit is the most FilterLogEvents returns in one page.
const filterPageLimit = 10000

// Errors returns at most limit error-looking lines of group in [start, end),
// oldest first. A group that does not exist returns an error matching
// investigation.ErrUnknownResource.
func (l *Logs) Errors(ctx context.Context, group string, start, end time.Time, limit int) ([]investigation.LogLine, error) {
	if group == "" {
		return nil, errors.New("read error lines: no log group named")
	}
	if limit <= 0 {
		limit = DefaultLogLimit
	}
	ident, region := groupTarget(group)
	client, _ := l.clients.get(region)
	ctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	in := &cloudwatchlogs.FilterLogEventsInput{
		LogGroupIdentifier: aws.String(ident),
		StartTime:          aws.Int64(start.UnixMilli()),
		EndTime:            aws.Int64(end.UnixMilli() - 1), // the API's end is inclusive
		FilterPattern:      aws.String(engine.LogFilterPattern),
	}
	var lines []investigation.LogLine
	for page := 0; page < l.opts.MaxPages && len(lines) < limit; page++ {
		in.Limit = aws.Int32(int32(min(limit-len(lines), filterPageLimit)))
		out, err := client.FilterLogEvents(ctx, in)
		if err != nil {
			return lines, Wrap(OpFilterLogEvents, "read error lines of "+group, err)
		}
		for _, e := range out.Events {
			lines = append(lines, investigation.LogLine{
				Group:   group,
				Time:    time.UnixMilli(aws.ToInt64(e.Timestamp)).UTC(),
				Message: aws.ToString(e.Message),
			})
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.Before(lines[j].Time) })
	if len(lines) > limit {
		lines = lines[:limit]
	}
	return lines, nil
}

// maxLogGroupsPage is the most DescribeLogGroups returns in one page.
const maxLogGroupsPage = 50

// LogGroups returns at most limit names of region's log groups that contain
// pattern, case-insensitively: one DescribeLogGroups page, since a name that
// generic matches more groups than are worth reading anyway.
func (l *Logs) LogGroups(ctx context.Context, region, pattern string, limit int) ([]string, error) {
	if pattern == "" {
		return nil, errors.New("list log groups: no pattern")
	}
	if limit <= 0 || limit > maxLogGroupsPage {
		limit = maxLogGroupsPage
	}
	client, _ := l.clients.get(region)
	ctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	out, err := client.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{
		LogGroupNamePattern: aws.String(pattern),
		Limit:               aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, Wrap(OpDescribeLogGroups, "list log groups matching "+pattern, err)
	}
	names := make([]string, 0, len(out.LogGroups))
	for _, g := range out.LogGroups {
		names = append(names, aws.ToString(g.LogGroupName))
	}
	return names, nil
}

// insightsTimeLayout is how Logs Insights prints timestamps and bins (UTC).
const insightsTimeLayout = "2006-01-02 15:04:05.000"

// ErrorSignatures counts error signatures per minute of group in [start, end)
// with ErrorSignatureQuery, oldest minute first. A query still running after
// QueryTimeout (or when ctx ends) is stopped, and the error has
// investigation.ReasonTimeout.
func (l *Logs) ErrorSignatures(ctx context.Context, group string, start, end time.Time) ([]agent.SignatureCount, error) {
	if group == "" {
		return nil, errors.New("count error signatures: no log group named")
	}
	ident, region := groupTarget(group)
	client, _ := l.clients.get(region)
	started, err := client.StartQuery(ctx, &cloudwatchlogs.StartQueryInput{
		LogGroupIdentifiers: []string{ident},
		StartTime:           aws.Int64(start.Unix()),
		EndTime:             aws.Int64(end.Add(-time.Second).Unix()), // whole seconds, inclusive
		QueryString:         aws.String(ErrorSignatureQuery),
	})
	if err != nil {
		return nil, Wrap(OpStartQuery, "count error signatures of "+group, err)
	}
	id := aws.ToString(started.QueryId)

	deadline := time.NewTimer(l.opts.QueryTimeout)
	defer deadline.Stop()
	poll := time.NewTicker(l.opts.PollInterval)
	defer poll.Stop()
	status := logtypes.QueryStatusScheduled
	gaveUp := func() error {
		l.stop(ctx, client, id)
		return &APIError{Op: OpGetQueryResults, Reason: investigation.ReasonOf(ctx.Err()), Err: fmt.Errorf(
			"logs insights query %s on %s: %s when the caller gave up; stopped it: %w", id, group, status, ctx.Err())}
	}
	for {
		select {
		case <-ctx.Done():
			return nil, gaveUp()
		case <-deadline.C:
			l.stop(ctx, client, id)
			return nil, &APIError{Op: OpGetQueryResults, Reason: investigation.ReasonTimeout, Err: fmt.Errorf(
				"logs insights query %s on %s still %s after %s; stopped it", id, group, status, l.opts.QueryTimeout)}
		case <-poll.C:
		}
		out, err := client.GetQueryResults(ctx, &cloudwatchlogs.GetQueryResultsInput{QueryId: aws.String(id)})
		if err != nil && ctx.Err() != nil {
			return nil, gaveUp()
		}
		if err != nil {
			l.stop(ctx, client, id)
			return nil, Wrap(OpGetQueryResults, "count error signatures of "+group, err)
		}
		status = out.Status
		switch status {
		case logtypes.QueryStatusScheduled, logtypes.QueryStatusRunning:
			continue
		case logtypes.QueryStatusComplete:
			return signatureCounts(out.Results)
		case logtypes.QueryStatusTimeout:
			return nil, &APIError{Op: OpGetQueryResults, Reason: investigation.ReasonTimeout, Err: fmt.Errorf(
				"logs insights query %s on %s timed out in the service", id, group)}
		default:
			return nil, &APIError{Op: OpGetQueryResults, Reason: investigation.ReasonUnavailable, Err: fmt.Errorf(
				"logs insights query %s on %s ended %s", id, group, status)}
		}
	}
}

// stop cancels a query the caller no longer waits for, so it stops costing;
// it must run even when ctx is already done, under a short timeout of its own.
func (l *Logs) stop(ctx context.Context, client *cloudwatchlogs.Client, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	// A query that finished meanwhile cannot be stopped; nothing to undo then.
	_, _ = client.StopQuery(ctx, &cloudwatchlogs.StopQueryInput{QueryId: aws.String(id)})
}

// signatureCounts reads the rows of ErrorSignatureQuery.
func signatureCounts(rows [][]logtypes.ResultField) ([]agent.SignatureCount, error) {
	out := make([]agent.SignatureCount, 0, len(rows))
	for _, row := range rows {
		var sc agent.SignatureCount
		var err error
		for _, f := range row {
			v := aws.ToString(f.Value)
			switch aws.ToString(f.Field) {
			case "bin(1m)":
				sc.Minute, err = time.Parse(insightsTimeLayout, v)
			case "signature":
				sc.Signature = v
			case "errors":
				sc.Count, err = strconv.Atoi(v)
			}
			if err != nil {
				return nil, fmt.Errorf("read logs insights row %v: %w", row, err)
			}
		}
		if sc.Signature == "" || sc.Minute.IsZero() {
			continue
		}
		out = append(out, sc)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Minute.Equal(out[j].Minute) {
			return out[i].Minute.Before(out[j].Minute)
		}
		return out[i].Count > out[j].Count
	})
	return out, nil
}

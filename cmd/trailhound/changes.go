package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/changes"
	"github.com/trailhound/trailhound/investigation/record"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/offline"
	"github.com/trailhound/trailhound/tools"
)

// changeJSON is one change of `changes --format json`.
type changeJSON struct {
	EventID     string        `json:"event_id"`
	EventName   string        `json:"event_name"`
	EventSource string        `json:"event_source"`
	EventTime   time.Time     `json:"event_time"`
	Actor       string        `json:"actor"`
	Region      string        `json:"region"`
	Account     string        `json:"account,omitempty"`
	AccountName string        `json:"account_name,omitempty"`
	Resources   []resourceRef `json:"resources"`
	Failed      bool          `json:"failed"`
	ErrorCode   string        `json:"error_code,omitempty"`
	Link        string        `json:"link"`
}

type resourceRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type changesJSON struct {
	Window   investigation.Window `json:"window"`
	Changes  []changeJSON         `json:"changes"`
	Notes    []string             `json:"notes,omitempty"`
	Rejected []record.Rejected    `json:"rejected"`
}

// changesQuestion is `trailhound changes` as typed, and where it reads.
type changesQuestion struct {
	trailDir, scenarioDir string
	subject, region       string
	before, window        string
	zone                  *time.Location
	format                string
}

const changesSynopsis = `trailhound changes (--trail DIR | --scenario DIR) [--resource SUBJECT] [--before TIME] [--window DURATION] [--tz ZONE] [--region REGION] [--format text|json]

Lists the mutating CloudTrail calls (failed ones flagged) in the window before TIME, newest first:
the same question, read the same way, as /trailhound changes in Slack.
SUBJECT is a resource name or id, an ARN, or (with --scenario) an alarm name; ARNs and alarms
also bring the changes on what they depend on. Without --resource every call of the trail is listed.
TIME is read in --tz (default the local zone): 14:00, 2pm, yesterday 23:30, 10 minutes ago,
2026-03-19T14:00Z. Without --before it means now (the scenario's "now" with --scenario).
DURATION is 1h, 90m, 2 hours (at most 24h).`

func runChanges(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("changes", changesSynopsis, stdout, stderr)
	var q changesQuestion
	fs.StringVar(&q.trailDir, "trail", "", "folder of CloudTrail files (.json, .json.gz, any depth)")
	fs.StringVar(&q.scenarioDir, "scenario", "", "scenario folder (uses its trail/, topology, alarms and clock)")
	fs.StringVar(&q.subject, "resource", "", "only changes on this resource (name, id or ARN) or alarm, and on what it depends on")
	fs.StringVar(&q.region, "region", "", "region of resources named without an ARN (default: the scenario's, else us-east-1)")
	fs.StringVar(&q.before, "before", "", "end of the window (default: now)")
	fs.StringVar(&q.window, "window", "1h", "length of the window")
	tz := fs.String("tz", "", "time zone TIME is read in, e.g. Europe/Berlin (default: the local zone)")
	fs.StringVar(&q.format, "format", "text", "output format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := q.validate(*tz); err != nil {
		return err
	}
	out, err := answerChanges(ctx, q)
	if err != nil {
		return err
	}
	if q.format == "json" {
		// Links are made only here: a long listing is held without them.
		for i := range out.Changes {
			out.Changes[i].Link = investigation.EventLink(out.Changes[i].Region, out.Changes[i].EventID)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	writeChangesText(stdout, out, q.subject, q.zone)
	return nil
}

// validate checks the flags and reads the zone.
func (q *changesQuestion) validate(tz string) error {
	if (q.trailDir == "") == (q.scenarioDir == "") {
		return usageError("changes: give exactly one of --trail or --scenario")
	}
	if q.format != "text" && q.format != "json" {
		return usageError("changes: --format must be text or json, not %q", q.format)
	}
	q.zone = time.Local
	if tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return usageError("changes: --tz: %q is not a time zone", tz)
		}
		q.zone = loc
	}
	return nil
}

// changesSources are what a question reads: the trail's folder, and with a
// scenario its topology, alarms and clock.
type changesSources struct {
	topology investigation.Topology
	alarms   investigation.Alarms
	dir      string
	now      time.Time
	region   string
	// names are the organization's accounts by id, when it is known.
	names map[string]string
}

func openChangesSources(q changesQuestion) (changesSources, error) {
	src := changesSources{dir: q.trailDir, now: time.Now(), region: q.region}
	if q.scenarioDir != "" {
		sc, err := scenario.Load(q.scenarioDir)
		if err != nil {
			return src, err
		}
		src.dir, src.now = sc.TrailIn, sc.Meta.Now
		src.topology = offline.NewTopology(sc)
		if alarms, err := offline.NewAlarms(sc); err == nil {
			src.alarms = alarms
		}
		src.region = cmp.Or(src.region, sc.Meta.Region)
		for _, a := range sc.Meta.Accounts {
			if a.Name != "" {
				if src.names == nil {
					src.names = map[string]string{}
				}
				src.names[a.ID] = a.Name
			}
		}
	}
	src.region = cmp.Or(src.region, investigation.GlobalServiceRegion)
	return src, nil
}

// answerChanges asks the changes use case, as the Slack command does.
func answerChanges(ctx context.Context, q changesQuestion) (changesJSON, error) {
	d, err := investigation.ParseWindow(q.window)
	if err != nil {
		return changesJSON{}, usageError("changes: --window: %v", err)
	}
	src, err := openChangesSources(q)
	if err != nil {
		return changesJSON{}, err
	}
	w, err := changes.WindowOf(q.before, d, investigation.TimeReference{Now: src.now, Zone: q.zone})
	if err != nil {
		return changesJSON{}, usageError("changes: --%v", err)
	}
	out := changesJSON{Window: w, Changes: []changeJSON{}}
	if q.subject == "" {
		out.Changes, out.Rejected, err = allChanges(src.dir, w)
	} else {
		var res changes.Result
		res, out.Rejected, err = changesOn(ctx, src, q.subject, w)
		out.Notes = res.Notes
		for _, e := range res.Events {
			out.Changes = append(out.Changes, viewChange(e))
		}
	}
	if err != nil {
		return changesJSON{}, err
	}
	if out.Rejected == nil {
		out.Rejected = []record.Rejected{}
	}
	for i := range out.Changes {
		out.Changes[i].AccountName = src.names[out.Changes[i].Account]
	}
	return out, nil
}

// changesOn asks the use case about subject: an ARN, an alarm the scenario
// knows, or a resource name.
func changesOn(ctx context.Context, src changesSources, subject string, w investigation.Window) (changes.Result, []record.Rejected, error) {
	var resources []investigation.Resource
	switch {
	case strings.HasPrefix(subject, "arn:"):
		r, err := changes.ResourceFromARN(subject)
		if err != nil {
			return changes.Result{}, nil, usageError("changes: --resource: %q %v", subject, err)
		}
		resources = []investigation.Resource{r}
	case src.alarms != nil:
		if alarms, err := src.alarms.DescribeAlarms(ctx, src.region, []string{subject}); err == nil && len(alarms) == 1 && alarms[0].Name == subject {
			resources = changes.AlarmResources(ctx, alarms[0], src.alarms)
		}
	}
	if len(resources) == 0 {
		resources = []investigation.Resource{{ID: subject, Region: src.region}}
	}
	q := changes.Query{Resources: resources, Window: w}
	// Only the records the question's lookups can find are read and kept.
	names := changes.New(nil, src.topology, src.region).ResourceNames(ctx, q)
	trail, err := tools.OpenFileTrailFilter(src.dir, record.Filter{Start: w.Start, End: w.End, Names: names})
	if err != nil {
		return changes.Result{}, nil, fmt.Errorf("changes: %w", err)
	}
	res, err := changes.New(trail, src.topology, src.region).Changes(ctx, q)
	return res, trail.Rejected(), err
}

// allChanges lists every mutating call of the trail in the window, newest
// first: a question about no resource in particular. Each file's changes are
// kept as the lines they print, not as the events they came from.
func allChanges(dir string, w investigation.Window) ([]changeJSON, []record.Rejected, error) {
	var mu sync.Mutex
	var chunks [][]changeJSON
	rejected, err := record.ReadDirEach(dir, record.Filter{Start: w.Start, End: w.End, SkipReadOnly: true, NoRaw: true},
		func(events []investigation.Event) {
			rows := make([]changeJSON, len(events))
			for i, e := range events {
				rows[i] = viewChange(e)
			}
			mu.Lock()
			chunks = append(chunks, rows)
			mu.Unlock()
		})
	if err != nil {
		return nil, nil, fmt.Errorf("changes: %w", err)
	}
	n := 0
	for _, rows := range chunks {
		n += len(rows)
	}
	out := make([]changeJSON, 0, n)
	for i, rows := range chunks {
		out = append(out, rows...)
		chunks[i] = nil
	}
	// The per-file rows are garbage now: collecting them before the listing
	// is sorted and printed sets the heap's next goal at twice the listing,
	// not twice the listing and its copy.
	runtime.GC()
	// Files are read in no particular order: changes that tie on time and
	// id are ordered by all they show, so the listing never depends on it.
	slices.SortFunc(out, func(a, b changeJSON) int {
		return cmp.Or(b.EventTime.Compare(a.EventTime), strings.Compare(a.EventID, b.EventID), compareShown(a, b))
	})
	return out, rejected, nil
}

// compareShown orders two changes by everything a listing shows of them.
func compareShown(a, b changeJSON) int {
	return cmp.Or(strings.Compare(a.EventSource, b.EventSource), strings.Compare(a.EventName, b.EventName),
		strings.Compare(a.Actor, b.Actor), strings.Compare(a.Region, b.Region), strings.Compare(a.Account, b.Account),
		strings.Compare(a.ErrorCode, b.ErrorCode), cmpBool(a.Failed, b.Failed),
		slices.CompareFunc(a.Resources, b.Resources, func(x, y resourceRef) int {
			return cmp.Or(strings.Compare(x.Type, y.Type), strings.Compare(x.ID, y.ID))
		}))
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func viewChange(e investigation.Event) changeJSON {
	c := changeJSON{
		EventID: e.ID, EventName: e.Name, EventSource: e.Source, EventTime: e.Time.UTC(),
		Actor: e.Actor.Name, Region: e.Region, Account: e.Account, Failed: e.Failed(), ErrorCode: e.ErrorCode,
		Resources: make([]resourceRef, 0, len(e.Resources)),
	}
	for _, r := range e.Resources {
		c.Resources = append(c.Resources, resourceRef{Type: r.Type, ID: r.Name})
	}
	return c
}

func writeChangesText(to io.Writer, out changesJSON, resource string, zone *time.Location) {
	w := bufio.NewWriter(to) // a listing can run to hundreds of thousands of lines
	defer w.Flush()
	what := "all resources"
	if resource != "" {
		what = resource
	}
	start, end := out.Window.Start.In(zone), out.Window.End.In(zone)
	endLayout := "15:04 MST"
	if start.YearDay() != end.YearDay() || start.Year() != end.Year() {
		endLayout = "2006-01-02 15:04 MST"
	}
	fmt.Fprintf(w, "Changes on %s, %s – %s (newest first)\n\n", what, start.Format("2006-01-02 15:04"), end.Format(endLayout))
	if len(out.Changes) == 0 {
		fmt.Fprintln(w, "No mutating call in the window.")
	}
	accounts := map[string]bool{}
	named := false
	for _, c := range out.Changes {
		if c.Account != "" {
			accounts[c.Account] = true
		}
		named = named || c.AccountName != ""
	}
	for _, c := range out.Changes {
		var res []string
		for _, r := range c.Resources {
			res = append(res, r.ID)
		}
		status := ""
		if c.Failed {
			status = "  FAILED " + c.ErrorCode
		}
		// Several accounts, or an organization that names them: each
		// change says where it was made.
		if (named || len(accounts) > 1) && c.Account != "" {
			status += "  in account " + oneLine(investigation.AccountLabel(map[string]string{c.Account: c.AccountName}, c.Account), 80)
		}
		fmt.Fprintf(w, "%s  %-40s %-28s %s%s\n    %s\n", c.EventTime.In(zone).Format("15:04:05"),
			strings.TrimSuffix(c.EventSource, ".amazonaws.com")+":"+c.EventName, oneLine(c.Actor, 28),
			oneLine(strings.Join(res, ", "), 60), status, investigation.EventLink(c.Region, c.EventID))
	}
	for _, n := range out.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, r := range out.Rejected {
		fmt.Fprintf(w, "rejected %s: %s\n", r.File, r.Reason)
	}
}

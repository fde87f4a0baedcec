package catalogue

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// limit is a parameter that bounds what a workload can do (memory, time,
// capacity, concurrency). Lowering it can starve the workload; raising it
// cannot produce the starvation it guards against.
type limit struct {
	field string // dotted path in the request
	// ownOld is where the call's own response still shows the old value
	// (RDS answers a class change with the old class and the new one pending).
	ownOld string
	// prior are the paths where an earlier call on the same resource shows
	// the value then in force, in its request or response.
	prior []string
	// lowering is what lowering the limit produces.
	lowering []investigation.ErrorKind
	// excessOnly: any value above zero still serves the demand up to it and
	// throttles only the rest (concurrency, capacity, a count of tasks or
	// instances); only zero stops the work altogether.
	excessOnly bool
}

var (
	starved   = []investigation.ErrorKind{investigation.ErrExhaustion}
	throttled = []investigation.ErrorKind{investigation.ErrThrottled, investigation.ErrExhaustion, investigation.ErrUnavailable}
)

// The capacity of the first index an UpdateTable changes.
const (
	gsiRead  = "globalSecondaryIndexUpdates.0.update.provisionedThroughput.readCapacityUnits"
	gsiWrite = "globalSecondaryIndexUpdates.0.update.provisionedThroughput.writeCapacityUnits"
)

// limitSets lists, per call, the limits it can set and the request keys
// that only say which resource it targets: a call that sets nothing but
// raised limits cannot produce their symptoms.
var limitSets = map[catalogueKey]struct {
	ids    []string
	limits []limit
}{
	{srcLambda, "UpdateFunctionConfiguration"}: {[]string{"functionName", "revisionId"}, []limit{
		{field: "memorySize", prior: []string{"memorySize"}, lowering: starved},
		{field: "timeout", prior: []string{"timeout"}, lowering: starved},
		{field: "ephemeralStorage.size", prior: []string{"ephemeralStorage.size"}, lowering: starved},
	}},
	{srcLambda, "PutFunctionConcurrency"}: {[]string{"functionName"}, []limit{
		{field: "reservedConcurrentExecutions", prior: []string{"reservedConcurrentExecutions"}, lowering: throttled, excessOnly: true},
	}},
	{srcECS, "UpdateService"}: {[]string{"cluster", "service"}, []limit{
		{field: "desiredCount", prior: []string{"desiredCount", "service.desiredCount"}, lowering: throttled, excessOnly: true},
	}},
	{srcAutoScaling, "UpdateAutoScalingGroup"}: {[]string{"autoScalingGroupName"}, []limit{
		{field: "maxSize", prior: []string{"maxSize"}, lowering: throttled, excessOnly: true},
		{field: "desiredCapacity", prior: []string{"desiredCapacity"}, lowering: throttled, excessOnly: true},
		{field: "minSize", prior: []string{"minSize"}, lowering: throttled, excessOnly: true},
	}},
	{srcAutoScaling, "SetDesiredCapacity"}: {[]string{"autoScalingGroupName", "honorCooldown"}, []limit{
		{field: "desiredCapacity", prior: []string{"desiredCapacity"}, lowering: throttled, excessOnly: true},
	}},
	// UpdateTable answers while the table is UPDATING, with the capacity
	// still in force: its own response holds the old table values. An
	// index's capacity is read from the previous update of that index.
	{srcDynamoDB, "UpdateTable"}: {[]string{"tableName"}, []limit{
		{field: "provisionedThroughput.readCapacityUnits", ownOld: "tableDescription.provisionedThroughput.readCapacityUnits",
			prior: []string{"provisionedThroughput.readCapacityUnits", "tableDescription.provisionedThroughput.readCapacityUnits"}, lowering: throttled, excessOnly: true},
		{field: "provisionedThroughput.writeCapacityUnits", ownOld: "tableDescription.provisionedThroughput.writeCapacityUnits",
			prior: []string{"provisionedThroughput.writeCapacityUnits", "tableDescription.provisionedThroughput.writeCapacityUnits"}, lowering: throttled, excessOnly: true},
		{field: gsiRead, prior: []string{gsiRead}, lowering: throttled, excessOnly: true},
		{field: gsiWrite, prior: []string{gsiWrite}, lowering: throttled, excessOnly: true},
	}},
	{srcRDS, "ModifyDBInstance"}: {[]string{"dBInstanceIdentifier", "applyImmediately"}, []limit{
		{field: "dBInstanceClass", ownOld: "dBInstanceClass", prior: []string{"dBInstanceClass"}, lowering: throttled},
		{field: "allocatedStorage", ownOld: "allocatedStorage", prior: []string{"allocatedStorage"}, lowering: starved},
	}},
	{srcRDS, "ModifyDBCluster"}: {[]string{"dBClusterIdentifier", "applyImmediately"}, []limit{
		{field: "serverlessV2ScalingConfiguration.maxCapacity", ownOld: "serverlessV2ScalingConfiguration.maxCapacity", prior: []string{"serverlessV2ScalingConfiguration.maxCapacity"}, lowering: throttled},
	}},
}

// Move is one limit a change set: its new value and, when readable, the old.
type Move struct {
	Field    string
	Old, New float64
	OldKnown bool
	// Shown are the values as recorded, for reports ("db.r6g.8xlarge").
	OldShown, NewShown string
}

// Raised and Lowered say which way a move with a known old value went.
func (m Move) Raised() bool  { return m.OldKnown && m.New > m.Old }
func (m Move) Lowered() bool { return m.OldKnown && m.New < m.Old }

// Moves reads the limits a call set, with the old values its own response
// shows. It returns nil for calls that set no limit.
func Moves(ev investigation.Event) []Move {
	set, ok := limitSets[catalogueKey{ev.Source, stripAPIVersion(ev.Name)}]
	if !ok || len(ev.RequestJSON) == 0 {
		return nil
	}
	req := decode(ev.RequestJSON)
	var resp any
	var out []Move
	for _, l := range set.limits {
		shown, ok := lookupValue(req, l.field)
		if !ok {
			continue
		}
		m := Move{Field: l.field, NewShown: shown}
		m.New, ok = magnitude(shown)
		if !ok {
			continue
		}
		if l.ownOld != "" {
			if resp == nil {
				resp = responseOf(ev)
			}
			// Both services answer before the change applies, so an
			// equal value means the call re-sent one already in force.
			if old, ok := lookupValue(resp, l.ownOld); ok {
				m.setOld(old)
			}
		}
		out = append(out, m)
	}
	return out
}

// FillFrom sets the old values still unknown from an earlier call on the
// same resource, reading its request and response. It reports whether any
// was filled.
func FillFrom(moves []Move, ev investigation.Event, prev investigation.Event) bool {
	set := limitSets[catalogueKey{ev.Source, stripAPIVersion(ev.Name)}]
	var req, resp any
	filled := false
	for i := range moves {
		if moves[i].OldKnown {
			continue
		}
		for _, l := range set.limits {
			if l.field != moves[i].Field {
				continue
			}
			if req == nil {
				req, resp = decode(prev.RequestJSON), responseOf(prev)
			}
			for _, p := range l.prior {
				v, ok := lookupValue(resp, p)
				if !ok {
					v, ok = lookupValue(req, p)
				}
				if ok && moves[i].setOld(v) {
					filled = true
					break
				}
			}
		}
	}
	return filled
}

func (m *Move) setOld(shown string) bool {
	v, ok := magnitude(shown)
	if !ok {
		return false
	}
	m.Old, m.OldShown, m.OldKnown = v, shown, true
	return true
}

// ApplyDirection drops from k the symptoms that only lowering produces when
// the call set nothing but limits, raised at least one and lowered none.
func ApplyDirection(k ChangeKind, ev investigation.Event, moves []Move) ChangeKind {
	if len(moves) == 0 {
		return k
	}
	raised := false
	for _, m := range moves {
		if !m.OldKnown || m.Lowered() {
			return k
		}
		raised = raised || m.Raised()
	}
	if !raised {
		return k
	}
	set := limitSets[catalogueKey{ev.Source, stripAPIVersion(ev.Name)}]
	req, _ := decode(ev.RequestJSON).(map[string]any)
	for key := range req {
		if !onlyLimits(key, set.ids, set.limits) {
			return k // it also set something whose direction says nothing
		}
	}
	k.SymptomKinds = nil
	k.NoSymptoms = true
	return k
}

// CannotStop reports whether a call, whatever the values it replaced,
// cannot have stopped the work altogether: it set nothing but limits that
// throttle only the demand beyond them, each to a value above zero. Such a
// limit leaves the workload running up to it (reserved concurrency 20 still
// runs 20 at once); only zero stops every unit of work.
func CannotStop(ev investigation.Event, moves []Move) bool {
	if len(moves) == 0 {
		return false
	}
	set := limitSets[catalogueKey{ev.Source, stripAPIVersion(ev.Name)}]
	for _, m := range moves {
		l, ok := limitOf(set.limits, m.Field)
		if !ok || !l.excessOnly || m.New <= 0 {
			return false
		}
	}
	req, _ := decode(ev.RequestJSON).(map[string]any)
	for key := range req {
		if !onlyLimits(key, set.ids, set.limits) {
			return false // it also set something that may stop the work
		}
	}
	return true
}

func limitOf(limits []limit, field string) (limit, bool) {
	for _, l := range limits {
		if l.field == field {
			return l, true
		}
	}
	return limit{}, false
}

func onlyLimits(key string, ids []string, limits []limit) bool {
	for _, id := range ids {
		if key == id {
			return true
		}
	}
	for _, l := range limits {
		if head, _, _ := strings.Cut(l.field, "."); head == key {
			return true
		}
	}
	return false
}

func decode(raw json.RawMessage) any {
	var v any
	if len(raw) > 0 && json.Unmarshal(raw, &v) == nil {
		return v
	}
	return nil
}

func responseOf(ev investigation.Event) any {
	var rec struct {
		Response json.RawMessage `json:"responseElements"`
	}
	if len(ev.Raw) == 0 || json.Unmarshal(ev.Raw, &rec) != nil {
		return nil
	}
	return decode(rec.Response)
}

// lookupValue follows a dotted path and returns a scalar as text. A
// response may wrap the resource one level down (DBInstance, service),
// so a path that misses at the top is tried once inside each object.
func lookupValue(v any, path string) (string, bool) {
	if s, ok := follow(v, path); ok {
		return s, true
	}
	if m, ok := v.(map[string]any); ok {
		for _, inner := range m {
			if s, ok := follow(inner, path); ok {
				return s, true
			}
		}
	}
	return "", false
}

func follow(v any, path string) (string, bool) {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return "", false
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i >= len(x) {
				return "", false
			}
			v = x[i]
		default:
			return "", false
		}
	}
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case string:
		return x, x != ""
	}
	return "", false
}

// magnitude orders a limit's values: numbers as they are, instance classes
// ("db.r6g.2xlarge", "m5.large") by size within their family.
func magnitude(s string) (float64, bool) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, true
	}
	size := s[strings.LastIndexByte(s, '.')+1:]
	if n, ok := classSizes[size]; ok {
		return n, true
	}
	if head, ok := strings.CutSuffix(size, "xlarge"); ok {
		if n, err := strconv.Atoi(head); err == nil {
			return float64(n) * classSizes["xlarge"], true
		}
	}
	return 0, false
}

// classSizes are the instance sizes in the order AWS doubles them.
var classSizes = map[string]float64{"nano": 0.125, "micro": 0.25, "small": 0.5, "medium": 1, "large": 2, "xlarge": 4, "metal": 1024}

package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trailhound/trailhound/investigation"
)

// The registry is the closed list of AWS reads the Bedrock agent may call.
// Every tool is a read: a test enumerates the registry and fails on any IAM
// action that is not one, and deploy/iam-policy.json grants exactly the
// registry's actions plus the AWS adapters' own; tools' policy test reads
// the calls from the source.

// Output caps: what a tool may put into the model's context. Larger outputs
// are cut, with a note saying so.
const (
	DefaultOutputCap = 8 << 10
	eventsOutputCap  = 16 << 10
)

// DefaultToolTimeout bounds one tool call when RegistryOptions leave it zero.
const DefaultToolTimeout = 30 * time.Second

// readAction is what a read-only AWS action looks like.
var readAction = regexp.MustCompile(`^[a-z0-9-]+:((Describe|Get|List|Lookup|Filter)[A-Z][A-Za-z0-9]*|StartQuery|StopQuery|GetQueryResults)$`)

// IsReadAction reports whether an IAM action only reads: every registry
// tool's actions are, and the deployment's policy may grant others on named
// resources only.
func IsReadAction(action string) bool { return readAction.MatchString(action) }

// ErrUnknownTool is returned for a tool name outside the registry.
var ErrUnknownTool = errors.New("unknown tool")

// ErrorSignatureCounter counts error signatures per minute in a log group
// (Logs Insights); *Logs implements it.
type ErrorSignatureCounter interface {
	ErrorSignatures(ctx context.Context, group string, start, end time.Time) ([]SignatureCount, error)
}

// IAMReader reads roles and managed policies; *IAM implements it.
type IAMReader interface {
	GetRole(ctx context.Context, role string) (IAMRole, error)
	ListAttachedRolePolicies(ctx context.Context, role string) ([]AttachedPolicy, bool, error)
	ListRolePolicies(ctx context.Context, role string) ([]string, bool, error)
	GetRolePolicy(ctx context.Context, role, policy string) (json.RawMessage, error)
	GetPolicy(ctx context.Context, policyARN string) (ManagedPolicy, error)
	ListPolicyVersions(ctx context.Context, policyARN string) ([]investigation.PolicyVersion, bool, error)
	GetPolicyVersion(ctx context.Context, policyARN, versionID string) (investigation.PolicyVersion, error)
}

// AlarmReader reads alarm definitions and history; *Alarms implements it.
type AlarmReader interface {
	DescribeAlarms(ctx context.Context, region string, names []string) ([]investigation.Alarm, error)
	DescribeAlarmHistory(ctx context.Context, q AlarmHistoryQuery) ([]AlarmHistoryItem, bool, error)
}

// ConfigHistory reads what AWS Config recorded about a resource, newest
// configuration item first, as GetResourceConfigHistory returns it in JSON.
type ConfigHistory interface {
	ResourceConfigHistory(ctx context.Context, region, resourceType, resourceID string, limit int) (json.RawMessage, error)
}

// DescribeCall is one direct describe: the IAM action names the operation.
type DescribeCall struct {
	Action string // e.g. "ec2:DescribeInstances"
	Region string
	// IDs are the resources asked for: ids, names or ARNs, as each tool's
	// schema says.
	IDs []string
	// Parent is the resource the IDs live in, when the operation needs one:
	// the ECS cluster of services, the load balancer of target groups.
	Parent string
}

// Describer answers the direct read-only describes with the operation's
// output in JSON.
type Describer interface {
	Describe(ctx context.Context, call DescribeCall) (json.RawMessage, error)
}

// Backends are the adapters the tools call. A nil backend leaves its tools
// out of the registry: the model is never offered a tool that cannot run.
type Backends struct {
	Trail       investigation.Trail
	Logs        investigation.Logs
	LogInsights ErrorSignatureCounter
	IAM         IAMReader
	Alarms      AlarmReader
	Config      ConfigHistory
	Inventory   Describer
}

// RegistryOptions set where the tools may read.
type RegistryOptions struct {
	// DefaultRegion is used when a tool input names no region. Required.
	DefaultRegion string
	// AllowedRegions, when set, are the only regions tools may read; the
	// default region must be among them.
	AllowedRegions []string
	// Timeout bounds one tool call. Default DefaultToolTimeout.
	Timeout time.Duration
}

// Tool is one read-only operation offered to the model.
type Tool struct {
	Name        string
	Description string
	InputSchema json.RawMessage // JSON Schema of the input
	Actions     []string        // the IAM actions it needs
	OutputCap   int             // bytes; longer outputs are cut with a note
	// Handler validates the input against InputSchema, runs the tool and
	// returns its capped JSON output. A refused input is an *InputError.
	Handler func(ctx context.Context, input json.RawMessage) (json.RawMessage, error)
}

// Registry is the closed set of tools wired to their backends.
type Registry struct {
	opts  RegistryOptions
	tools []Tool // sorted by name
}

type handlerFunc func(ctx context.Context, r *Registry, input json.RawMessage) (any, error)

// definition is a tool before wiring: bind returns its handler, or nil when
// the backend it needs is missing.
type definition struct {
	name, description string
	input             *schema
	actions           []string
	outputCap         int
	bind              func(Backends) handlerFunc
}

// NewRegistry wires the tools whose backends are set.
func NewRegistry(b Backends, o RegistryOptions) (*Registry, error) {
	if o.DefaultRegion == "" {
		return nil, errors.New("tool registry: DefaultRegion is required")
	}
	if len(o.AllowedRegions) > 0 && !slices.Contains(o.AllowedRegions, o.DefaultRegion) {
		return nil, fmt.Errorf("tool registry: default region %s is not among the allowed regions %s", o.DefaultRegion, strings.Join(o.AllowedRegions, ", "))
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultToolTimeout
	}
	r := &Registry{opts: o}
	for _, d := range definitions {
		h := d.bind(b)
		if h == nil {
			continue
		}
		schemaJSON, err := json.Marshal(d.input)
		if err != nil {
			return nil, fmt.Errorf("tool registry: schema of %s: %w", d.name, err)
		}
		r.tools = append(r.tools, Tool{
			Name: d.name, Description: d.description, InputSchema: schemaJSON,
			Actions: slices.Clone(d.actions), OutputCap: d.outputCap,
			Handler: r.handler(d, h),
		})
	}
	slices.SortFunc(r.tools, func(a, b Tool) int { return strings.Compare(a.Name, b.Name) })
	return r, nil
}

// Tools returns the wired tools, sorted by name.
func (r *Registry) Tools() []Tool { return slices.Clone(r.tools) }

// The agent loop consumes the registry as its tool box.
var _ ToolBox = (*Registry)(nil)

// Specs returns the wired tools as the model is shown them, sorted by name.
func (r *Registry) Specs() []ToolSpec {
	out := make([]ToolSpec, 0, len(r.tools))
	for _, t := range r.tools {
		out = append(out, ToolSpec{Name: t.Name, Description: t.Description, InputSchema: t.InputSchema})
	}
	return out
}

// Call runs the named tool on input.
func (r *Registry) Call(ctx context.Context, name string, input json.RawMessage) (json.RawMessage, error) {
	for _, t := range r.tools {
		if t.Name == name {
			return t.Handler(ctx, input)
		}
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownTool, name)
}

// RegistryActions is every IAM action a registry tool may need, whichever
// backends are wired, sorted.
func RegistryActions() []string {
	var out []string
	for _, d := range definitions {
		out = append(out, d.actions...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (r *Registry) handler(d definition, h handlerFunc) func(context.Context, json.RawMessage) (json.RawMessage, error) {
	return func(ctx context.Context, input json.RawMessage) (json.RawMessage, error) {
		if len(strings.TrimSpace(string(input))) == 0 {
			input = json.RawMessage("{}")
		}
		v, err := decodeInput(input)
		if err != nil {
			return nil, &InputError{Tool: d.name, Path: "input", Problem: "not JSON: " + err.Error()}
		}
		if path, problem := d.input.validate(v, "input"); problem != "" {
			return nil, &InputError{Tool: d.name, Path: path, Problem: problem}
		}
		ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
		defer cancel()
		out, err := h(ctx, r, input)
		if err != nil {
			var inErr *InputError
			if errors.As(err, &inErr) {
				inErr.Tool = d.name
				return nil, inErr
			}
			return nil, fmt.Errorf("tool %s: %w", d.name, err)
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("tool %s: encode output: %w", d.name, err)
		}
		return capOutput(b, d.outputCap, d.name), nil
	}
}

// region resolves a tool input's region against the allowlist.
func (r *Registry) region(in string) (string, error) {
	if in == "" {
		return r.opts.DefaultRegion, nil
	}
	if len(r.opts.AllowedRegions) > 0 && !slices.Contains(r.opts.AllowedRegions, in) {
		return "", &InputError{Path: "input.region", Problem: fmt.Sprintf("%s is not an allowed region (allowed: %s)", in, strings.Join(r.opts.AllowedRegions, ", "))}
	}
	return in, nil
}

// typed decodes a validated input into T before calling fn.
func typed[T any](fn func(ctx context.Context, r *Registry, in T) (any, error)) handlerFunc {
	return func(ctx context.Context, r *Registry, raw json.RawMessage) (any, error) {
		var in T
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, &InputError{Path: "input", Problem: err.Error()}
		}
		return fn(ctx, r, in)
	}
}

// window checks a [start, end) input pair.
func window(start, end time.Time) error {
	if !end.After(start) {
		return &InputError{Path: "input.end_time", Problem: "must be after start_time"}
	}
	return nil
}

// capOutput keeps b within limit bytes. An object whose bulk is one list
// keeps as many leading items as fit, with a note saying how many were cut;
// anything else becomes a note and a prefix of the text.
func capOutput(b []byte, limit int, tool string) json.RawMessage {
	if len(b) <= limit {
		return b
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) == nil {
		key, items := largestList(obj)
		if key != "" {
			build := func(keep int) []byte {
				trimmed := make(map[string]json.RawMessage, len(obj)+2)
				for k, v := range obj {
					trimmed[k] = v
				}
				list, _ := json.Marshal(items[:keep])
				trimmed[key] = list
				trimmed["truncated"] = json.RawMessage("true")
				note, _ := json.Marshal(fmt.Sprintf("output cut to the first %d of %d %s to fit the %d-byte output cap of %s; narrow the query to read the rest",
					keep, len(items), key, limit, tool))
				trimmed["note"] = note
				out, _ := json.Marshal(trimmed)
				return out
			}
			// The largest prefix of the list that fits, by bisection.
			lo, hi := 0, len(items)
			for lo < hi {
				mid := (lo + hi + 1) / 2
				if len(build(mid)) <= limit {
					lo = mid
				} else {
					hi = mid - 1
				}
			}
			if out := build(lo); len(out) <= limit {
				return out
			}
		}
	}
	note := fmt.Sprintf("output of %d bytes cut to fit the %d-byte output cap of %s; partial holds its beginning as text; narrow the query to read the rest", len(b), limit, tool)
	for keep := limit; keep > 0; keep /= 2 {
		prefix := b[:min(keep, len(b))]
		for !utf8.Valid(prefix) && len(prefix) > 0 {
			prefix = prefix[:len(prefix)-1]
		}
		out, _ := json.Marshal(map[string]any{"truncated": true, "note": note, "partial": string(prefix)})
		if len(out) <= limit {
			return out
		}
	}
	out, _ := json.Marshal(map[string]any{"truncated": true, "note": note})
	return out
}

// largestList finds the top-level member holding the longest JSON list.
func largestList(obj map[string]json.RawMessage) (string, []json.RawMessage) {
	var key string
	var items []json.RawMessage
	size := 0
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys) // equal sizes: the same member every time
	for _, k := range keys {
		v := obj[k]
		var list []json.RawMessage
		if json.Unmarshal(v, &list) != nil || len(list) == 0 || len(v) <= size {
			continue
		}
		key, items, size = k, list, len(v)
	}
	return key, items
}

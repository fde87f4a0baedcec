package tools

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/trailhound/trailhound/investigation/agent"
)

// The IAM policy is checked against the operations the source can call, not
// against a list someone keeps: a list drifts (iam:GetInstanceProfile was
// called for months without being granted).

const sdkServicePrefix = "github.com/aws/aws-sdk-go-v2/service/"

// sdkClients are the SDK service packages the product may import, by import
// path, with their client: its methods are the operations and its package's
// ServiceID gives the IAM prefix (OperationKey). A new service fails the test
// until it is added here.
var sdkClients = map[string]sdkClient{
	sdkServicePrefix + "autoscaling":            {autoscaling.ServiceID, reflect.TypeFor[*autoscaling.Client]()},
	sdkServicePrefix + "bedrockruntime":         {bedrockruntime.ServiceID, reflect.TypeFor[*bedrockruntime.Client]()},
	sdkServicePrefix + "cloudtrail":             {cloudtrail.ServiceID, reflect.TypeFor[*cloudtrail.Client]()},
	sdkServicePrefix + "cloudwatch":             {cloudwatch.ServiceID, reflect.TypeFor[*cloudwatch.Client]()},
	sdkServicePrefix + "cloudwatchlogs":         {cloudwatchlogs.ServiceID, reflect.TypeFor[*cloudwatchlogs.Client]()},
	sdkServicePrefix + "configservice":          {configservice.ServiceID, reflect.TypeFor[*configservice.Client]()},
	sdkServicePrefix + "ec2":                    {ec2.ServiceID, reflect.TypeFor[*ec2.Client]()},
	sdkServicePrefix + "ecs":                    {ecs.ServiceID, reflect.TypeFor[*ecs.Client]()},
	sdkServicePrefix + "elasticloadbalancingv2": {elbv2.ServiceID, reflect.TypeFor[*elbv2.Client]()},
	sdkServicePrefix + "iam":                    {iam.ServiceID, reflect.TypeFor[*iam.Client]()},
	sdkServicePrefix + "lambda":                 {lambda.ServiceID, reflect.TypeFor[*lambda.Client]()},
	sdkServicePrefix + "organizations":          {organizations.ServiceID, reflect.TypeFor[*organizations.Client]()},
	sdkServicePrefix + "rds":                    {rds.ServiceID, reflect.TypeFor[*rds.Client]()},
	sdkServicePrefix + "sns":                    {sns.ServiceID, reflect.TypeFor[*sns.Client]()},
	sdkServicePrefix + "sqs":                    {sqs.ServiceID, reflect.TypeFor[*sqs.Client]()},
	sdkServicePrefix + "sts":                    {sts.ServiceID, reflect.TypeFor[*sts.Client]()},
}

// credentialProviders are the SDK's credential providers that call an
// operation on the caller's behalf, by import path and constructor: the
// source never names that operation's input.
var credentialProviders = map[string]map[string]opUse{
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds": {
		"NewAssumeRoleProvider": {serviceID: sts.ServiceID, op: "AssumeRole"},
	},
}

type sdkClient struct {
	serviceID string
	client    reflect.Type
}

// operations are the client's API operations: methods taking a context and
// a *<Name>Input.
func (c sdkClient) operations() map[string]bool {
	ops := map[string]bool{}
	for m := range c.client.Methods() {
		if m.Type.NumIn() >= 3 {
			in := m.Type.In(2)
			if in.Kind() == reflect.Pointer && in.Elem().Name() == m.Name+"Input" {
				ops[m.Name] = true
			}
		}
	}
	return ops
}

// notGranted are operations the code can call that the bot's policy must
// not grant, each with why.
var notGranted = map[string]string{
	"sns:Publish": "only the demo publishes, into the sandbox's topic, as CloudWatch would; " +
		"the bot never publishes (CloudWatch does, and SNS delivers to the queue the bot polls)",
}

// calledOperations finds every SDK operation the source under root can
// call, keyed by IAM action, with where it is called. An operation's method
// takes a *<Op>Input, so every call names that type (a literal, a
// variable's type, a paginator's constructor) or passes nil; both are
// found. Tests, the sandbox (which serves the APIs, never calls them) and
// deploy are not the product.
func calledOperations(t *testing.T, root string) map[string]string {
	t.Helper()
	found := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "vendor", "deploy", "sandbox":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, e := range fileOperations(t, fset, f) {
			action := PermissionFor(OperationKey(e.serviceID, e.op))
			if _, seen := found[action]; !seen {
				found[action] = fmt.Sprintf("%s:%d", filepath.ToSlash(rel), e.line)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

type opUse struct {
	serviceID, op string
	line          int
}

// fileOperations lists the operations one file calls.
func fileOperations(t *testing.T, fset *token.FileSet, f *ast.File) []opUse {
	t.Helper()
	imported := map[string]sdkClient{} // by the name the file uses
	providers := map[string]map[string]opUse{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if p, ok := credentialProviders[path]; ok {
			name := path[strings.LastIndex(path, "/")+1:]
			if imp.Name != nil {
				name = imp.Name.Name
			}
			providers[name] = p
			continue
		}
		rest, ok := strings.CutPrefix(path, sdkServicePrefix)
		if !ok || strings.Contains(rest, "/") {
			continue // not a service, or its types
		}
		c, ok := sdkClients[path]
		if !ok {
			t.Errorf("%s imports %s, which the policy test does not know: add it to sdkClients", fset.Position(imp.Pos()), path)
			continue
		}
		name := rest
		if imp.Name != nil {
			name = imp.Name.Name
		}
		imported[name] = c
	}
	if len(imported) == 0 && len(providers) == 0 {
		return nil
	}
	var out []opUse
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr: // svc.OpInput, svc.NewOpPaginator, provider constructors
			pkg, ok := n.X.(*ast.Ident)
			if !ok {
				return true
			}
			if use, ok := providers[pkg.Name][n.Sel.Name]; ok {
				use.line = fset.Position(n.Pos()).Line
				out = append(out, use)
				return true
			}
			c, known := imported[pkg.Name]
			if !known {
				return true
			}
			op, isInput := strings.CutSuffix(n.Sel.Name, "Input")
			if !isInput {
				op, isInput = strings.CutPrefix(strings.TrimSuffix(n.Sel.Name, "Paginator"), "New")
				isInput = isInput && strings.HasSuffix(n.Sel.Name, "Paginator")
			}
			if !isInput {
				return true
			}
			if !c.operations()[op] {
				t.Errorf("%s: %s.%s names no operation of %s", fset.Position(n.Pos()), pkg.Name, n.Sel.Name, c.serviceID)
				return true
			}
			out = append(out, opUse{c.serviceID, op, fset.Position(n.Pos()).Line})
		case *ast.CallExpr: // client.Op(ctx, nil)
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok || len(n.Args) < 2 {
				return true
			}
			if id, ok := n.Args[1].(*ast.Ident); !ok || id.Name != "nil" {
				return true
			}
			for _, c := range imported {
				if c.operations()[sel.Sel.Name] {
					out = append(out, opUse{c.serviceID, sel.Sel.Name, fset.Position(n.Pos()).Line})
				}
			}
		}
		return true
	})
	return out
}

// policyFile is deploy/iam-policy.json.
type policyFile struct {
	Version   string
	Statement []struct {
		Sid      string
		Effect   string
		Action   []string
		Resource json.RawMessage
	}
}

// grantedActions reads the policy's actions, failing on what a
// least-privilege policy must not hold.
func grantedActions(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "deploy", "iam-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var policy policyFile
	if err := json.Unmarshal(b, &policy); err != nil {
		t.Fatalf("deploy/iam-policy.json: %v", err)
	}
	if policy.Version != "2012-10-17" {
		t.Errorf("policy Version %q, want 2012-10-17", policy.Version)
	}
	var granted []string
	sids := map[string]bool{}
	for _, st := range policy.Statement {
		if st.Sid == "" || sids[st.Sid] {
			t.Errorf("statement Sid %q is empty or repeated", st.Sid)
		}
		sids[st.Sid] = true
		if st.Effect != "Allow" {
			t.Errorf("%s: Effect %q", st.Sid, st.Effect)
		}
		var resources []string
		if json.Unmarshal(st.Resource, &resources) != nil {
			var one string
			if err := json.Unmarshal(st.Resource, &one); err != nil {
				t.Fatalf("%s: Resource %s", st.Sid, st.Resource)
			}
			resources = []string{one}
		}
		for _, a := range st.Action {
			if strings.Contains(a, "*") {
				t.Errorf("%s grants a wildcard action %s", st.Sid, a)
			}
			if slices.Contains(resources, "*") && !agent.IsReadAction(a) {
				t.Errorf("%s grants %s, which is not a read, on every resource", st.Sid, a)
			}
			granted = append(granted, a)
		}
	}
	slices.Sort(granted)
	if dup := slices.Compact(slices.Clone(granted)); len(dup) != len(granted) {
		t.Errorf("the policy grants an action twice")
	}
	return granted
}

// TestPolicyGrantsWhatTheCodeCalls compares deploy/iam-policy.json with the
// operations the source calls, both ways.
func TestPolicyGrantsWhatTheCodeCalls(t *testing.T) {
	called := calledOperations(t, "..")
	granted := grantedActions(t)
	if len(called) < 20 {
		t.Fatalf("found only %d operations in the source: the scan is broken: %v", len(called), called)
	}
	for action, where := range called {
		_, exempt := notGranted[action]
		switch {
		case exempt && slices.Contains(granted, action):
			t.Errorf("the policy grants %s, which the bot must not have: %s", action, notGranted[action])
		case !exempt && !slices.Contains(granted, action):
			t.Errorf("the policy misses %s, called at %s", action, where)
		}
	}
	for _, a := range granted {
		if _, ok := called[a]; !ok {
			t.Errorf("the policy grants %s, which no code calls", a)
		}
	}
	for a := range notGranted {
		if _, ok := called[a]; !ok {
			t.Errorf("%s is excepted from the policy but no code calls it: drop the exception", a)
		}
	}
	// The model's tools reach AWS through the adapters: every action a
	// registry tool declares is one the adapters call.
	for _, a := range agent.RegistryActions() {
		if _, ok := called[a]; !ok {
			t.Errorf("a registry tool declares %s, which no adapter calls", a)
		}
	}
	t.Logf("%d operations called, %d granted", len(called), len(granted))
}

// TestCalledOperationsFindsEveryForm: the scan sees an operation through a
// literal, a variable's declared type, a paginator and a nil input, and
// reads an aliased import.
func TestCalledOperationsFindsEveryForm(t *testing.T) {
	dir := t.TempDir()
	src := `package p

import (
	"context"

	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
)

func f(ctx context.Context, c *cloudtrail.Client, i *iam.Client, b *bedrockruntime.Client, w *cw.Client) {
	var in *cloudtrail.LookupEventsInput
	c.LookupEvents(ctx, in)
	_ = iam.NewListRolePoliciesPaginator(i, nil)
	i.ListUsers(ctx, nil)
	b.Converse(ctx, &bedrockruntime.ConverseInput{})
	w.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{})
	_ = types.Role{}
	c.StopLogging // a method value names no input: not a call
}
`
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(maps.Keys(calledOperations(t, dir)))
	want := []string{"bedrock:InvokeModel", "cloudtrail:LookupEvents", "cloudwatch:DescribeAlarms", "iam:ListRolePolicies", "iam:ListUsers"}
	if !slices.Equal(got, want) {
		t.Errorf("found %v, want %v", got, want)
	}
}

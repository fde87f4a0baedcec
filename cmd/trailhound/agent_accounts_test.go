package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
	"github.com/trailhound/trailhound/investigation/scenario"
)

// The agent's tools, called in the workload's context of a cross-account
// alarm, read the workload account through its own role; an account outside
// the allowlist is refused before any request.
func TestAgentToolsReadTheWorkloadAccount(t *testing.T) {
	const workload, outside = "444455556666", "777788889999"
	sc, err := scenario.Load(filepath.Join("..", "..", "testdata", "scenarios", "088-xacct-metric-lambda-memory-rightsized-oom"))
	if err != nil {
		t.Fatal(err)
	}
	sc.Meta.AllowedAccounts = []string{sc.Meta.Account, workload}
	ctx := context.Background()
	run, err := startSandboxRun(ctx, sc, sandboxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	emu := run.server.Emulator()
	emu.RecordRequests(true)
	reg, err := newRegistry(run.aws, sc.Meta.Region)
	if err != nil {
		t.Fatal(err)
	}
	alarm := investigation.Alarm{Name: "payments-authorizer-errors", Region: sc.Meta.Region, Account: sc.Meta.Account}
	rep := &investigation.Report{Alarm: investigation.AlarmSummary{Resources: []investigation.Resource{
		{Type: "AWS::Lambda::Function", ID: "payments-authorizer", Account: workload}}}}
	wctx := workloadContext(ctx, alarm, rep)

	for _, tc := range []struct{ tool, input, want string }{
		{"get_role", `{"role_name":"payments-authorizer-role"}`, "arn:aws:iam::" + workload + ":role/payments-authorizer-role"},
		{"get_resource_config_history", `{"resource_type":"AWS::Lambda::Function","resource_id":"payments-authorizer"}`, workload},
		{"get_function_configuration", `{"function_name":"payments-authorizer"}`, "arn:aws:lambda:eu-west-1:" + workload + ":function:payments-authorizer"},
		// Named explicitly from the bot's own context, the workload account is read too.
		{"get_role", `{"role_name":"payments-authorizer-role","account":"` + workload + `"}`, workload},
	} {
		c := wctx
		if strings.Contains(tc.input, `"account"`) {
			c = ctx
		}
		out, err := reg.Call(c, tc.tool, json.RawMessage(tc.input))
		if err != nil {
			t.Errorf("%s %s: %v", tc.tool, tc.input, err)
			continue
		}
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("%s %s = %s, want the workload account's resource (%s)", tc.tool, tc.input, out, tc.want)
		}
	}

	reqs := emu.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request reached the sandbox")
	}
	for _, req := range reqs {
		if strings.HasPrefix(req.Operation, "sts:") {
			continue
		}
		if req.Account != workload {
			t.Errorf("%s signed with %s's credentials (key %s), want the workload account's", req.Operation, req.Account, req.AccessKey)
		}
		if req.AccessKey == "SANDBOXKEY" {
			t.Errorf("%s signed with the bot's own key", req.Operation)
		}
	}

	// An account outside the allowlist: a tool error naming why, and no request.
	before := len(emu.Requests())
	for _, tool := range []string{"get_role", "get_resource_config_history", "get_function_configuration"} {
		input := map[string]string{"get_role": `{"role_name":"payments-authorizer-role"`,
			"get_resource_config_history": `{"resource_type":"AWS::Lambda::Function","resource_id":"payments-authorizer"`,
			"get_function_configuration":  `{"function_name":"payments-authorizer"`}[tool] + `,"account":"` + outside + `"}`
		_, err := reg.Call(wctx, tool, json.RawMessage(input))
		var inErr *agent.InputError
		if !errors.As(err, &inErr) || inErr.Path != "input.account" || !strings.Contains(err.Error(), "allowlist") {
			t.Errorf("%s in %s: error %v, want a refusal of input.account naming the allowlist", tool, outside, err)
		}
	}
	// A role ARN in the outside account is refused by the routing itself.
	if _, err := reg.Call(wctx, "get_role", json.RawMessage(`{"role_name":"arn:aws:iam::`+outside+`:role/x"}`)); err == nil ||
		!strings.Contains(err.Error(), "allowlist") {
		t.Errorf("role ARN in %s: error %v, want the allowlist's refusal", outside, err)
	}
	if got := emu.Requests()[before:]; len(got) != 0 {
		t.Errorf("%d requests for an account outside the allowlist: %+v", len(got), got)
	}
	if n := emu.AssumeRoleCalls()[outside]; n != 0 {
		t.Errorf("AssumeRole into %s called %d times", outside, n)
	}
}

package awsapi

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

const monModelJSON = `{"turns":[
 {"content":[{"text":"Reading the trail first."},{"toolUse":{"toolUseId":"tooluse_1","name":"lookup_events","input":{"attribute_key":"ResourceName","attribute_value":"checkout"}}}],
  "stopReason":"tool_use","usage":{"inputTokens":1200,"outputTokens":80}},
 {"error":"ThrottlingException"},
 {"content":[{"toolUse":{"toolUseId":"tooluse_2","name":"submit_assessment","input":{"ranking":[{"event_ids":["e1"],"plausibility":0.9,"reason":"detached policy"}]}}}],
  "stopReason":"tool_use","usage":{"inputTokens":2100,"outputTokens":150,"totalTokens":2250}}
]}`

const monModelID = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0"

func monTools(names ...string) *brtypes.ToolConfiguration {
	cfg := &brtypes.ToolConfiguration{}
	for _, n := range names {
		cfg.Tools = append(cfg.Tools, &brtypes.ToolMemberToolSpec{Value: brtypes.ToolSpecification{
			Name:        aws.String(n),
			Description: aws.String("reads " + n),
			InputSchema: &brtypes.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(map[string]any{"type": "object"})},
		}})
	}
	return cfg
}

func monText(role brtypes.ConversationRole, text string) brtypes.Message {
	return brtypes.Message{Role: role, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: text}}}
}

func monToolUse(id, name string) brtypes.Message {
	return brtypes.Message{Role: brtypes.ConversationRoleAssistant, Content: []brtypes.ContentBlock{
		&brtypes.ContentBlockMemberToolUse{Value: brtypes.ToolUseBlock{ToolUseId: aws.String(id), Name: aws.String(name), Input: document.NewLazyDocument(map[string]any{"q": 1})}},
	}}
}

func monToolResult(id string) brtypes.Message {
	return brtypes.Message{Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{
		&brtypes.ContentBlockMemberToolResult{Value: brtypes.ToolResultBlock{ToolUseId: aws.String(id),
			Content: []brtypes.ToolResultContentBlock{&brtypes.ToolResultContentBlockMemberText{Value: `{"events":[]}`}}}},
	}}
}

func monConverse(ctx context.Context, c *bedrockruntime.Client, tools *brtypes.ToolConfiguration, msgs ...brtypes.Message) (*bedrockruntime.ConverseOutput, error) {
	return c.Converse(ctx, &bedrockruntime.ConverseInput{
		ModelId:    aws.String(monModelID),
		System:     []brtypes.SystemContentBlock{&brtypes.SystemContentBlockMemberText{Value: "You triage alarms with read-only tools."}},
		Messages:   msgs,
		ToolConfig: tools,
	})
}

func TestBedrockConverseScriptedConversation(t *testing.T) {
	a, cfg := monServe(t, monScenario(t, map[string]string{"model.json": monModelJSON}))
	client := bedrockruntime.NewFromConfig(cfg)
	tools := monTools("lookup_events", "submit_assessment")
	ctx := monCtx(t)

	first, err := monConverse(ctx, client, tools, monText(brtypes.ConversationRoleUser, "Alarm checkout-errors fired."))
	if err != nil {
		t.Fatal(err)
	}
	msg, ok := first.Output.(*brtypes.ConverseOutputMemberMessage)
	if !ok {
		t.Fatalf("output %T", first.Output)
	}
	if msg.Value.Role != brtypes.ConversationRoleAssistant || len(msg.Value.Content) != 2 || first.StopReason != brtypes.StopReasonToolUse {
		t.Fatalf("first turn %+v stop %s", msg.Value, first.StopReason)
	}
	use, ok := msg.Value.Content[1].(*brtypes.ContentBlockMemberToolUse)
	if !ok || aws.ToString(use.Value.ToolUseId) != "tooluse_1" || aws.ToString(use.Value.Name) != "lookup_events" {
		t.Fatalf("tool use %+v", msg.Value.Content[1])
	}
	var input map[string]string
	if err := use.Value.Input.UnmarshalSmithyDocument(&input); err != nil || input["attribute_value"] != "checkout" {
		t.Errorf("tool input %v (%v)", input, err)
	}
	if u := first.Usage; aws.ToInt32(u.InputTokens) != 1200 || aws.ToInt32(u.OutputTokens) != 80 || aws.ToInt32(u.TotalTokens) != 1280 {
		t.Errorf("usage %+v", u)
	}
	if first.Metrics == nil || first.Metrics.LatencyMs == nil || *first.Metrics.LatencyMs < 0 {
		t.Errorf("metrics %+v", first.Metrics)
	}

	// The second model call answers the tool: the script throttles it once,
	// then answers the retry.
	history := []brtypes.Message{monText(brtypes.ConversationRoleUser, "Alarm checkout-errors fired."), {Role: brtypes.ConversationRoleAssistant, Content: msg.Value.Content}, monToolResult("tooluse_1")}
	_, err = monConverse(ctx, client, tools, history...)
	if code, status := monAPIError(t, err); code != "ThrottlingException" || status != http.StatusTooManyRequests {
		t.Fatalf("scripted throttle answered %s (HTTP %d)", code, status)
	}
	for range 2 { // the retry, and a replay of the same conversation, both get turn two
		second, err := monConverse(ctx, client, tools, history...)
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(second.Usage.TotalTokens) != 2250 || second.StopReason != brtypes.StopReasonToolUse {
			t.Errorf("second turn usage %+v stop %s", second.Usage, second.StopReason)
		}
	}

	history = append(history, monToolUse("tooluse_2", "submit_assessment"), monToolResult("tooluse_2"))
	_, err = monConverse(ctx, client, tools, history...)
	if code, status := monAPIError(t, err); code != "ModelErrorException" || status != http.StatusFailedDependency {
		t.Errorf("past the script: %s (HTTP %d), want ModelErrorException (424)", code, status)
	}
	if n := a.Calls()["bedrock:Converse"]; n != 5 {
		t.Errorf("counted %d Converse calls, want 5", n)
	}
}

func TestBedrockConverseValidation(t *testing.T) {
	_, cfg := monServe(t, monScenario(t, map[string]string{"model.json": monModelJSON}))
	client := bedrockruntime.NewFromConfig(cfg)
	user := func(s string) brtypes.Message { return monText(brtypes.ConversationRoleUser, s) }
	assistant := func(s string) brtypes.Message { return monText(brtypes.ConversationRoleAssistant, s) }
	tools := monTools("lookup_events", "get_role")
	dupTools := monTools("get_role", "get_role")
	choice := monTools("get_role")
	choice.ToolChoice = &brtypes.ToolChoiceMemberTool{Value: brtypes.SpecificToolChoice{Name: aws.String("describe_alarms")}}
	cases := []struct {
		name  string
		tools *brtypes.ToolConfiguration
		msgs  []brtypes.Message
		want  string
	}{
		{"starts with assistant", tools, []brtypes.Message{assistant("hi"), user("hello")}, "must start with a user message"},
		{"two user turns in a row", tools, []brtypes.Message{user("a"), user("b")}, "must alternate"},
		{"tool use not answered", tools, []brtypes.Message{user("a"), monToolUse("t1", "get_role"), user("ok")}, "Expected toolResult blocks at messages.2.content for the following Ids: t1"},
		{"result for another id", tools, []brtypes.Message{user("a"), monToolUse("t1", "get_role"), monToolResult("t9")}, "toolUseId t9"},
		{"result without a tool use", tools, []brtypes.Message{monToolResult("t1")}, "did not use"},
		{"tool outside toolConfig", tools, []brtypes.Message{user("a"), monToolUse("t1", "put_role_policy"), monToolResult("t1")}, `tool "put_role_policy"`},
		{"tool blocks without toolConfig", nil, []brtypes.Message{user("a"), monToolUse("t1", "get_role"), monToolResult("t1")}, "toolConfig field must be defined"},
		{"blank text", tools, []brtypes.Message{user("  ")}, "is blank"},
		{"ends with assistant", tools, []brtypes.Message{user("a"), assistant("b")}, "last message"},
		{"duplicate tool names", dupTools, []brtypes.Message{user("a")}, "not unique"},
		{"tool choice outside tools", choice, []brtypes.Message{user("a")}, "toolChoice"},
		{"tool result in an assistant turn", tools, []brtypes.Message{user("a"), {Role: brtypes.ConversationRoleAssistant, Content: monToolResult("t1").Content}, user("b")}, "cannot carry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := monConverse(monCtx(t), client, c.tools, c.msgs...)
			code, status := monAPIError(t, err)
			if code != "ValidationException" || status != http.StatusBadRequest || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %s (HTTP %d): %v; want ValidationException saying %q", code, status, err, c.want)
			}
		})
	}
	t.Run("temperature out of range", func(t *testing.T) {
		_, err := client.Converse(monCtx(t), &bedrockruntime.ConverseInput{
			ModelId: aws.String(monModelID), Messages: []brtypes.Message{user("a")},
			InferenceConfig: &brtypes.InferenceConfiguration{Temperature: aws.Float32(1.5)},
		})
		if code, _ := monAPIError(t, err); code != "ValidationException" {
			t.Errorf("got %s", code)
		}
	})
}

func TestBedrockConverseErrors(t *testing.T) {
	cases := []struct {
		name, model string
		fault       *Fault
		code        string
		status      int
	}{
		{"scripted model timeout", `{"turns":[{"error":"ModelTimeoutException"}]}`, nil, "ModelTimeoutException", http.StatusRequestTimeout},
		{"scripted outage", `{"turns":[{"error":"ServiceUnavailableException"}]}`, nil, "ServiceUnavailableException", http.StatusServiceUnavailable},
		{"no model.json", "", nil, "AccessDeniedException", http.StatusForbidden},
		{"injected fault", monModelJSON, &Fault{ErrorCode: "AccessDeniedException", Status: http.StatusForbidden}, "AccessDeniedException", http.StatusForbidden},
		{"unknown scripted error", `{"turns":[{"error":"Oops"}]}`, nil, "InternalServerException", http.StatusInternalServerError},
		{"scripted turn without stopReason", `{"turns":[{"content":[{"text":"hi"}]}]}`, nil, "InternalServerException", http.StatusInternalServerError},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{}
			if c.model != "" {
				files["model.json"] = c.model
			}
			a, cfg := monServe(t, monScenario(t, files))
			if c.fault != nil {
				a.SetFault("bedrock:Converse", *c.fault)
			}
			_, err := monConverse(monCtx(t), bedrockruntime.NewFromConfig(cfg), nil, monText(brtypes.ConversationRoleUser, "hello"))
			if code, status := monAPIError(t, err); code != c.code || status != c.status {
				t.Errorf("got %s (HTTP %d): %v; want %s (HTTP %d)", code, status, err, c.code, c.status)
			}
		})
	}
}

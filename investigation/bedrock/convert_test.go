package bedrock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"

	"github.com/trailhound/trailhound/investigation/agent"
)

func TestInputCarriesRefusedToolsAsText(t *testing.T) {
	m := New(aws.Config{Region: "us-east-1"}, Options{ModelID: testModel})
	req := agent.ModelRequest{
		System:    "rules",
		Tools:     []agent.ToolSpec{{Name: "lookup_events", Description: "d", InputSchema: json.RawMessage(`{"type":"object"}`)}, {Name: "submit_assessment", Description: "s", InputSchema: json.RawMessage(`{"type":"object"}`)}},
		ForceTool: "submit_assessment",
		Messages: []agent.Message{
			{Role: agent.RoleUser, Content: []agent.ContentBlock{{Text: "report"}}},
			{Role: agent.RoleAssistant, Content: []agent.ContentBlock{
				{ToolUse: &agent.ToolUse{ID: "a", Name: "lookup_events", Input: json.RawMessage(`{"attribute_key":"EventName"}`)}},
				{ToolUse: &agent.ToolUse{ID: "b", Name: "put_role_policy", Input: json.RawMessage(`{"role_name":"r"}`)}},
			}},
			{Role: agent.RoleUser, Content: []agent.ContentBlock{
				{ToolResult: &agent.ToolResult{ToolUseID: "a", Content: `{"events":[]}`}},
				{ToolResult: &agent.ToolResult{ToolUseID: "b", Content: `{"error":"refused"}`, IsError: true}},
			}},
		},
	}
	in, err := m.input(req)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(in.ModelId) == "" || len(in.ToolConfig.Tools) != 2 || len(in.System) != 1 {
		t.Fatalf("input %+v", in)
	}
	if choice, ok := in.ToolConfig.ToolChoice.(*brtypes.ToolChoiceMemberTool); !ok || aws.ToString(choice.Value.Name) != "submit_assessment" {
		t.Fatalf("tool choice %#v", in.ToolConfig.ToolChoice)
	}
	if _, ok := in.Messages[1].Content[0].(*brtypes.ContentBlockMemberToolUse); !ok {
		t.Fatalf("offered tool use became %T", in.Messages[1].Content[0])
	}
	if txt, ok := in.Messages[1].Content[1].(*brtypes.ContentBlockMemberText); !ok || !strings.Contains(txt.Value, "put_role_policy") {
		t.Fatalf("refused tool use became %#v", in.Messages[1].Content[1])
	}
	if res, ok := in.Messages[2].Content[0].(*brtypes.ContentBlockMemberToolResult); !ok || res.Value.Status != brtypes.ToolResultStatusSuccess {
		t.Fatalf("tool result became %#v", in.Messages[2].Content[0])
	}
	if txt, ok := in.Messages[2].Content[1].(*brtypes.ContentBlockMemberText); !ok || !strings.Contains(txt.Value, "refused") {
		t.Fatalf("refused tool result became %#v", in.Messages[2].Content[1])
	}

	req.ForceTool = "describe_instances"
	if _, err := m.input(req); err == nil {
		t.Fatal("a forced tool outside the offer was accepted")
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		err   error
		kind  error
		retry bool
	}{
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, agent.ErrModelThrottled, true},
		{&smithy.GenericAPIError{Code: "ModelNotReadyException"}, agent.ErrModelThrottled, true},
		{&smithy.GenericAPIError{Code: "ServiceQuotaExceededException"}, agent.ErrModelThrottled, false},
		{&smithy.GenericAPIError{Code: "ModelTimeoutException"}, agent.ErrModelTimeout, true},
		{&smithy.GenericAPIError{Code: "ServiceUnavailableException"}, agent.ErrModelUnavailable, true},
		{&smithy.GenericAPIError{Code: "InternalServerException"}, agent.ErrModelUnavailable, true},
		{&smithy.GenericAPIError{Code: "ModelErrorException"}, agent.ErrModelUnavailable, false},
		{&smithy.GenericAPIError{Code: "ValidationException"}, agent.ErrModelRejected, false},
		{&smithy.GenericAPIError{Code: "AccessDeniedException"}, agent.ErrModelRejected, false},
		{fmt.Errorf("send: %w", context.DeadlineExceeded), agent.ErrModelTimeout, true},
		{errors.New("dial tcp: connection refused"), agent.ErrModelUnavailable, true},
	}
	for _, c := range cases {
		kind, retry := classify(c.err)
		if kind != c.kind || retry != c.retry {
			t.Errorf("%v: got %v retry %v, want %v retry %v", c.err, kind, retry, c.kind, c.retry)
		}
	}
}

func TestBackoffGrowsWithinBounds(t *testing.T) {
	m := New(aws.Config{Region: "us-east-1"}, Options{RetryBase: 100 * time.Millisecond})
	for attempt := 1; attempt <= 10; attempt++ {
		d := m.backoff(attempt)
		ceiling := min(m.opts.RetryBase<<(attempt-1), defaultRetryMax)
		if d < ceiling/2 || d > ceiling {
			t.Errorf("attempt %d: %s outside [%s, %s]", attempt, d, ceiling/2, ceiling)
		}
	}
}

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

	"github.com/trailhound/trailhound/investigation"
)

func TestInputCarriesRefusedToolsAsText(t *testing.T) {
	m := New(aws.Config{Region: "us-east-1"}, Options{})
	req := investigation.ModelRequest{
		System:    "rules",
		Tools:     []investigation.ToolSpec{{Name: "lookup_events", Description: "d", InputSchema: json.RawMessage(`{"type":"object"}`)}, {Name: "submit_assessment", Description: "s", InputSchema: json.RawMessage(`{"type":"object"}`)}},
		ForceTool: "submit_assessment",
		Messages: []investigation.Message{
			{Role: investigation.RoleUser, Content: []investigation.ContentBlock{{Text: "report"}}},
			{Role: investigation.RoleAssistant, Content: []investigation.ContentBlock{
				{ToolUse: &investigation.ToolUse{ID: "a", Name: "lookup_events", Input: json.RawMessage(`{"attribute_key":"EventName"}`)}},
				{ToolUse: &investigation.ToolUse{ID: "b", Name: "put_role_policy", Input: json.RawMessage(`{"role_name":"r"}`)}},
			}},
			{Role: investigation.RoleUser, Content: []investigation.ContentBlock{
				{ToolResult: &investigation.ToolResult{ToolUseID: "a", Content: `{"events":[]}`}},
				{ToolResult: &investigation.ToolResult{ToolUseID: "b", Content: `{"error":"refused"}`, IsError: true}},
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
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, investigation.ErrModelThrottled, true},
		{&smithy.GenericAPIError{Code: "ModelNotReadyException"}, investigation.ErrModelThrottled, true},
		{&smithy.GenericAPIError{Code: "ServiceQuotaExceededException"}, investigation.ErrModelThrottled, false},
		{&smithy.GenericAPIError{Code: "ModelTimeoutException"}, investigation.ErrModelTimeout, true},
		{&smithy.GenericAPIError{Code: "ServiceUnavailableException"}, investigation.ErrModelUnavailable, true},
		{&smithy.GenericAPIError{Code: "InternalServerException"}, investigation.ErrModelUnavailable, true},
		{&smithy.GenericAPIError{Code: "ModelErrorException"}, investigation.ErrModelUnavailable, false},
		{&smithy.GenericAPIError{Code: "ValidationException"}, investigation.ErrModelRejected, false},
		{&smithy.GenericAPIError{Code: "AccessDeniedException"}, investigation.ErrModelRejected, false},
		{fmt.Errorf("send: %w", context.DeadlineExceeded), investigation.ErrModelTimeout, true},
		{errors.New("dial tcp: connection refused"), investigation.ErrModelUnavailable, true},
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

package agent

import (
	"context"
	"encoding/json"
	"errors"
)

// Model is one call of a tool-using chat model: the conversation so far,
// the tools it may use and the rules in, the assistant's next message out.
// investigation/bedrock implements it on Bedrock's Converse; tests script it.
type Model interface {
	Converse(ctx context.Context, req ModelRequest) (ModelResponse, error)
}

// Role is who speaks a Message.
type Role string

const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// ModelRequest is one call: the rules, the whole conversation (user first,
// roles alternating, every ToolUse answered in the next user message), the
// tools offered and, when set, the one tool the model must call now. A final
// turn keeps the tools declared and forces one: Bedrock refuses a
// conversation holding tool uses when no tools are declared.
type ModelRequest struct {
	System    string     `json:"system"`
	Messages  []Message  `json:"messages"`
	Tools     []ToolSpec `json:"tools"`
	ForceTool string     `json:"force_tool,omitempty"`
	MaxTokens int        `json:"max_tokens,omitempty"`
}

// Message is one turn of the conversation.
type Message struct {
	Role    Role           `json:"role"`
	Content []ContentBlock `json:"content"`
}

// ContentBlock holds exactly one of its members.
type ContentBlock struct {
	Text       string      `json:"text,omitempty"`
	ToolUse    *ToolUse    `json:"tool_use,omitempty"`
	ToolResult *ToolResult `json:"tool_result,omitempty"`
}

// ToolUse is the model asking for a tool call.
type ToolUse struct {
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

// ToolResult answers a ToolUse. Content is what the model reads: JSON for
// a tool's output, or a JSON object with an "error" member.
type ToolResult struct {
	ToolUseID string `json:"tool_use_id"`
	Content   string `json:"content"`
	IsError   bool   `json:"is_error,omitempty"`
}

// ModelResponse is the assistant's message and what the call cost.
type ModelResponse struct {
	Content    []ContentBlock `json:"content"`
	StopReason string         `json:"stop_reason"`
	Usage      Usage          `json:"usage"`
}

// Usage is the tokens one call consumed, as the model service counts them.
type Usage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// ToolSpec is a tool as the model is shown it.
type ToolSpec struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"input_schema"`
}

// ToolBox is the closed set of read-only tools the agent may call;
// *Registry implements it.
type ToolBox interface {
	Specs() []ToolSpec
	Call(ctx context.Context, name string, input json.RawMessage) (json.RawMessage, error)
}

// Errors a Model wraps so the agent can say why the AI part is missing.
var (
	ErrModelThrottled   = errors.New("model throttled")
	ErrModelTimeout     = errors.New("model timed out")
	ErrModelUnavailable = errors.New("model unavailable")
	ErrModelRejected    = errors.New("model request rejected")
)

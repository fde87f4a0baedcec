// Package bedrock is agent.Model on Amazon Bedrock's Converse API:
// the agent's conversation and read-only tools in, the assistant's next
// message out. Throttling and transient failures are retried with backoff
// inside the caller's deadline, which is the run's wall-time budget.
package bedrock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"

	"github.com/trailhound/trailhound/investigation/agent"
)

// Defaults of Options.
const (
	DefaultCallTimeout = 30 * time.Second
	DefaultMaxAttempts = 4
	DefaultRetryBase   = 500 * time.Millisecond
	defaultRetryMax    = 8 * time.Second
	defaultMaxTokens   = 2048
)

// Options configure the adapter. Zero fields other than ModelID take the defaults.
type Options struct {
	// ModelID is a model or inference profile id or ARN. Required: the
	// default is the deployment's choice, made in its configuration.
	ModelID string
	// Region of the Bedrock endpoint; default the aws.Config's region.
	Region string
	// CallTimeout bounds one Converse request.
	CallTimeout time.Duration
	// MaxAttempts bounds the requests of one call, retries included.
	MaxAttempts int
	// RetryBase is the first backoff; each retry doubles it, with jitter.
	RetryBase time.Duration
}

// Model calls Converse. It is safe for concurrent use.
type Model struct {
	client converser
	opts   Options
}

// converser is the one bedrockruntime operation the adapter uses.
type converser interface {
	Converse(ctx context.Context, in *bedrockruntime.ConverseInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.ConverseOutput, error)
}

var _ agent.Model = (*Model)(nil)

// New returns the adapter on cfg's credentials and endpoint.
func New(cfg aws.Config, o Options) *Model {
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.RetryBase <= 0 {
		o.RetryBase = DefaultRetryBase
	}
	client := bedrockruntime.NewFromConfig(cfg, func(bo *bedrockruntime.Options) {
		if o.Region != "" {
			bo.Region = o.Region
		}
		// Retries are the adapter's, so they stay inside the run's budget.
		bo.Retryer = aws.NopRetryer{}
	})
	return &Model{client: client, opts: o}
}

// ID is the model id requests name.
func (m *Model) ID() string { return m.opts.ModelID }

// Converse sends the conversation and returns the assistant's message.
// Errors wrap agent.ErrModelThrottled, ErrModelTimeout,
// ErrModelUnavailable or ErrModelRejected, or the context's error.
func (m *Model) Converse(ctx context.Context, req agent.ModelRequest) (agent.ModelResponse, error) {
	in, err := m.input(req)
	if err != nil {
		return agent.ModelResponse{}, err
	}
	for attempt := 1; ; attempt++ {
		callCtx, cancel := context.WithTimeout(ctx, m.opts.CallTimeout)
		out, err := m.client.Converse(callCtx, in)
		cancel()
		if err == nil {
			return response(out)
		}
		if ctx.Err() != nil {
			return agent.ModelResponse{}, fmt.Errorf("bedrock converse %s: %w", m.opts.ModelID, ctx.Err())
		}
		kind, retry := classify(err)
		err = &converseError{model: m.opts.ModelID, kind: kind, cause: err, attempts: attempt}
		if !retry || attempt >= m.opts.MaxAttempts {
			return agent.ModelResponse{}, err
		}
		wait := m.backoff(attempt)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return agent.ModelResponse{}, err // no time left to wait for a retry
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return agent.ModelResponse{}, err
		case <-timer.C:
		}
	}
}

// backoff is the wait before retry n: exponential with full jitter on its
// upper half, so concurrent runs do not retry in step.
func (m *Model) backoff(attempt int) time.Duration {
	d := m.opts.RetryBase << (attempt - 1)
	if d <= 0 || d > defaultRetryMax {
		d = defaultRetryMax
	}
	return d/2 + rand.N(d/2+1)
}

// converseError is a failed call: short enough to show as the reason the
// AI part is missing, and matching both its kind and the SDK's error.
type converseError struct {
	model    string
	kind     error
	cause    error
	attempts int
}

func (e *converseError) Error() string {
	what := e.cause.Error()
	var apiErr smithy.APIError
	if errors.As(e.cause, &apiErr) {
		what = apiErr.ErrorCode()
		if msg := apiErr.ErrorMessage(); msg != "" {
			what += ": " + msg
		}
	}
	return fmt.Sprintf("bedrock converse %s: %s after %d attempt(s)", e.model, what, e.attempts)
}

func (e *converseError) Unwrap() []error { return []error{e.kind, e.cause} }

// classify maps a Converse error to the agent's kinds and says whether a
// retry may succeed.
func classify(err error) (error, bool) {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "ThrottlingException", "ModelNotReadyException":
			return agent.ErrModelThrottled, true
		case "ServiceQuotaExceededException":
			return agent.ErrModelThrottled, false
		case "ModelTimeoutException":
			return agent.ErrModelTimeout, true
		case "ServiceUnavailableException", "InternalServerException":
			return agent.ErrModelUnavailable, true
		case "ModelErrorException":
			return agent.ErrModelUnavailable, false
		}
		return agent.ErrModelRejected, false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return agent.ErrModelTimeout, true // the per-call timeout
	}
	return agent.ErrModelUnavailable, true // the network
}

// input builds the Converse request. Bedrock refuses a conversation whose
// toolUse names a tool outside toolConfig, so a call the agent refused as
// unknown is carried as text, with its answer, instead.
func (m *Model) input(req agent.ModelRequest) (*bedrockruntime.ConverseInput, error) {
	offered := map[string]bool{}
	tc := &brtypes.ToolConfiguration{}
	for _, t := range req.Tools {
		var schema any
		if err := json.Unmarshal(t.InputSchema, &schema); err != nil {
			return nil, fmt.Errorf("bedrock converse: input schema of tool %s: %w", t.Name, err)
		}
		offered[t.Name] = true
		tc.Tools = append(tc.Tools, &brtypes.ToolMemberToolSpec{Value: brtypes.ToolSpecification{
			Name: aws.String(t.Name), Description: aws.String(t.Description),
			InputSchema: &brtypes.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(schema)},
		}})
	}
	if req.ForceTool != "" {
		if !offered[req.ForceTool] {
			return nil, fmt.Errorf("bedrock converse: forced tool %s is not among the tools offered", req.ForceTool)
		}
		tc.ToolChoice = &brtypes.ToolChoiceMemberTool{Value: brtypes.SpecificToolChoice{Name: aws.String(req.ForceTool)}}
	}
	maxTokens := req.MaxTokens
	if maxTokens <= 0 {
		maxTokens = defaultMaxTokens
	}
	in := &bedrockruntime.ConverseInput{
		ModelId:         aws.String(m.opts.ModelID),
		InferenceConfig: &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(int32(min(maxTokens, 1<<20))), Temperature: aws.Float32(0)},
	}
	if len(tc.Tools) > 0 {
		in.ToolConfig = tc
	}
	if req.System != "" {
		in.System = []brtypes.SystemContentBlock{&brtypes.SystemContentBlockMemberText{Value: req.System}}
	}
	asText := map[string]string{} // toolUseId → name of a tool not offered
	for _, msg := range req.Messages {
		out := brtypes.Message{Role: brtypes.ConversationRole(msg.Role)}
		for _, b := range msg.Content {
			switch {
			case b.ToolUse != nil && !offered[b.ToolUse.Name]:
				asText[b.ToolUse.ID] = b.ToolUse.Name
				out.Content = append(out.Content, &brtypes.ContentBlockMemberText{
					Value: fmt.Sprintf("[called tool %q, which is not available, with input %s]", b.ToolUse.Name, b.ToolUse.Input)})
			case b.ToolUse != nil:
				var input any = map[string]any{}
				if json.Unmarshal(b.ToolUse.Input, &input) != nil {
					input = map[string]any{}
				}
				out.Content = append(out.Content, &brtypes.ContentBlockMemberToolUse{Value: brtypes.ToolUseBlock{
					ToolUseId: aws.String(b.ToolUse.ID), Name: aws.String(b.ToolUse.Name), Input: document.NewLazyDocument(input)}})
			case b.ToolResult != nil:
				if name, ok := asText[b.ToolResult.ToolUseID]; ok {
					out.Content = append(out.Content, &brtypes.ContentBlockMemberText{Value: fmt.Sprintf("[result of the call to %q: %s]", name, b.ToolResult.Content)})
					continue
				}
				status := brtypes.ToolResultStatusSuccess
				if b.ToolResult.IsError {
					status = brtypes.ToolResultStatusError
				}
				out.Content = append(out.Content, &brtypes.ContentBlockMemberToolResult{Value: brtypes.ToolResultBlock{
					ToolUseId: aws.String(b.ToolResult.ToolUseID), Status: status,
					Content: []brtypes.ToolResultContentBlock{&brtypes.ToolResultContentBlockMemberText{Value: b.ToolResult.Content}}}})
			case b.Text != "":
				out.Content = append(out.Content, &brtypes.ContentBlockMemberText{Value: b.Text})
			}
		}
		in.Messages = append(in.Messages, out)
	}
	return in, nil
}

// response converts Converse's output; content kinds the agent does not use
// (reasoning, images, citations) are left out.
func response(out *bedrockruntime.ConverseOutput) (agent.ModelResponse, error) {
	resp := agent.ModelResponse{StopReason: string(out.StopReason)}
	if u := out.Usage; u != nil {
		resp.Usage = agent.Usage{InputTokens: int(aws.ToInt32(u.InputTokens)), OutputTokens: int(aws.ToInt32(u.OutputTokens))}
	}
	msg, ok := out.Output.(*brtypes.ConverseOutputMemberMessage)
	if !ok {
		return resp, fmt.Errorf("bedrock converse: %w: output is %T, not a message", agent.ErrModelRejected, out.Output)
	}
	for _, b := range msg.Value.Content {
		switch v := b.(type) {
		case *brtypes.ContentBlockMemberText:
			resp.Content = append(resp.Content, agent.ContentBlock{Text: v.Value})
		case *brtypes.ContentBlockMemberToolUse:
			input := json.RawMessage("{}")
			if v.Value.Input != nil {
				b, err := v.Value.Input.MarshalSmithyDocument()
				if err != nil {
					return resp, fmt.Errorf("bedrock converse: input of tool use %s: %w", aws.ToString(v.Value.ToolUseId), err)
				}
				input = b
			}
			resp.Content = append(resp.Content, agent.ContentBlock{ToolUse: &agent.ToolUse{
				ID: aws.ToString(v.Value.ToolUseId), Name: aws.ToString(v.Value.Name), Input: input}})
		}
	}
	return resp, nil
}

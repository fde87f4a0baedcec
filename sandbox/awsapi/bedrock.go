package awsapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// bedrockService is Bedrock Runtime's Converse, answered by the scripted
// model of model.json. Each Converse call of a conversation gets the next
// scripted turn: the turn index is the number of assistant messages the
// request carries, so parallel and repeated conversations each start at turn
// one. A scripted error turn ("error": "ThrottlingException") is served once,
// ahead of the turn that follows it, so a client that retries moves on.
type bedrockService struct {
	aws     *Emulator
	turns   []scenario.ModelTurn
	loadErr error

	mu     sync.Mutex
	served map[int]bool // error turns already answered
}

// bedrockErrorStatus is the HTTP status Bedrock Runtime answers each error with.
var bedrockErrorStatus = map[string]int{
	"ValidationException":           http.StatusBadRequest,
	"ServiceQuotaExceededException": http.StatusBadRequest,
	"AccessDeniedException":         http.StatusForbidden,
	"ResourceNotFoundException":     http.StatusNotFound,
	"ModelTimeoutException":         http.StatusRequestTimeout,
	"ModelErrorException":           http.StatusFailedDependency,
	"ThrottlingException":           http.StatusTooManyRequests,
	"ModelNotReadyException":        http.StatusTooManyRequests,
	"InternalServerException":       http.StatusInternalServerError,
	"ServiceUnavailableException":   http.StatusServiceUnavailable,
}

var bedrockStopReasons = []string{"end_turn", "tool_use", "max_tokens", "stop_sequence", "guardrail_intervened", "content_filtered", "malformed_model_output", "malformed_tool_use", "model_context_window_exceeded"}

func newBedrockService(a *Emulator) *bedrockService {
	s := &bedrockService{aws: a, turns: a.sc.Model.Turns, served: map[int]bool{}}
	s.loadErr = bedrockCheckScript(s.turns)
	return s
}

func bedrockCheckScript(turns []scenario.ModelTurn) error {
	for i, t := range turns {
		where := fmt.Sprintf("scenario model.json turns[%d]", i)
		if t.Error != "" {
			if _, ok := bedrockErrorStatus[t.Error]; !ok {
				return fmt.Errorf("%s: error %q is not a Bedrock Runtime error", where, t.Error)
			}
			continue
		}
		if !slices.Contains(bedrockStopReasons, t.StopReason) {
			return fmt.Errorf("%s: stopReason %q is not one of %s", where, t.StopReason, strings.Join(bedrockStopReasons, ", "))
		}
		if len(t.Content) == 0 {
			return fmt.Errorf("%s: content is empty", where)
		}
		for j, raw := range t.Content {
			var block map[string]json.RawMessage
			if err := json.Unmarshal(raw, &block); err != nil || len(block) != 1 {
				return fmt.Errorf("%s.content[%d]: a content block is an object with exactly one member", where, j)
			}
			if use, ok := block["toolUse"]; ok {
				var tu bedrockToolUse
				if err := json.Unmarshal(use, &tu); err != nil || tu.ToolUseID == "" || tu.Name == "" || len(tu.Input) == 0 {
					return fmt.Errorf("%s.content[%d]: toolUse needs toolUseId, name and input", where, j)
				}
			}
		}
	}
	return nil
}

type bedrockToolUse struct {
	ToolUseID string          `json:"toolUseId"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
}

type bedrockToolResult struct {
	ToolUseID string            `json:"toolUseId"`
	Content   []json.RawMessage `json:"content"`
	Status    string            `json:"status"`
}

type bedrockMessage struct {
	Role    string                       `json:"role"`
	Content []map[string]json.RawMessage `json:"content"`
}

type bedrockRequest struct {
	Messages        []bedrockMessage             `json:"messages"`
	System          []map[string]json.RawMessage `json:"system"`
	InferenceConfig *bedrockInferenceConfig      `json:"inferenceConfig"`
	ToolConfig      *bedrockToolConfig           `json:"toolConfig"`
}

type bedrockInferenceConfig struct {
	MaxTokens   *int     `json:"maxTokens"`
	Temperature *float64 `json:"temperature"`
	TopP        *float64 `json:"topP"`
}

type bedrockToolConfig struct {
	Tools []struct {
		ToolSpec *struct {
			Name        string `json:"name"`
			InputSchema struct {
				JSON json.RawMessage `json:"json"`
			} `json:"inputSchema"`
		} `json:"toolSpec"`
	} `json:"tools"`
	ToolChoice map[string]struct {
		Name string `json:"name"`
	} `json:"toolChoice"`
}

func (s *bedrockService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	modelID, ok := bedrockConversePath(r.URL.EscapedPath())
	if !ok || r.Method != http.MethodPost {
		bedrockWriteError(w, http.StatusNotFound, "UnknownOperationException", "the sandbox serves Bedrock Runtime POST /model/{modelId}/converse only")
		return
	}
	if !s.aws.begin(w, r, "bedrock:Converse", bedrockWriteError) {
		return
	}
	if s.loadErr != nil {
		bedrockWriteError(w, http.StatusInternalServerError, "InternalServerException", "sandbox: "+s.loadErr.Error())
		return
	}
	var req bedrockRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20))
	if err := dec.Decode(&req); err != nil {
		bedrockWriteError(w, http.StatusBadRequest, "ValidationException", "Malformed input request: "+err.Error())
		return
	}
	if modelID == "" {
		bedrockWriteError(w, http.StatusBadRequest, "ValidationException", "The provided model identifier is invalid.")
		return
	}
	if msg := bedrockValidate(&req); msg != "" {
		bedrockWriteError(w, http.StatusBadRequest, "ValidationException", msg)
		return
	}
	if len(s.turns) == 0 {
		bedrockWriteError(w, http.StatusForbidden, "AccessDeniedException", "You don't have access to the model with the specified model ID. (The scenario has no model.json.)")
		return
	}
	assistantTurns := 0
	for _, m := range req.Messages {
		if m.Role == "assistant" {
			assistantTurns++
		}
	}
	turn, ok := s.pick(assistantTurns)
	if !ok {
		bedrockWriteError(w, http.StatusFailedDependency, "ModelErrorException",
			fmt.Sprintf("The scripted model (model.json) has no answer for model call %d of this conversation.", assistantTurns+1))
		return
	}
	if turn.Error != "" {
		bedrockWriteError(w, bedrockErrorStatus[turn.Error], turn.Error, "scripted "+turn.Error+" from model.json")
		return
	}
	usage := turn.Usage
	if usage.TotalTokens == 0 {
		usage.TotalTokens = usage.InputTokens + usage.OutputTokens
	}
	out := map[string]any{
		"output":     map[string]any{"message": map[string]any{"role": "assistant", "content": turn.Content}},
		"stopReason": turn.StopReason,
		"usage":      usage,
		"metrics":    map[string]any{"latencyMs": time.Since(started).Milliseconds()},
	}
	body, err := json.Marshal(out)
	if err != nil {
		bedrockWriteError(w, http.StatusInternalServerError, "InternalServerException", "sandbox: encode response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	_, _ = w.Write(body)
}

// pick returns the scripted turn for a request carrying n assistant messages.
func (s *bedrockService) pick(n int) (scenario.ModelTurn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	answers := -1
	for i, t := range s.turns {
		if t.Error != "" {
			if answers == n-1 && !s.served[i] {
				s.served[i] = true
				return t, true
			}
			continue
		}
		answers++
		if answers == n {
			return t, true
		}
	}
	return scenario.ModelTurn{}, false
}

// bedrockConversePath extracts the model id of /model/{modelId}/converse; the
// id may be an ARN, percent-encoded by the client.
func bedrockConversePath(escaped string) (string, bool) {
	rest, ok := strings.CutPrefix(escaped, "/model/")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, "/converse")
	if !ok || strings.Contains(id, "/") {
		return "", false
	}
	id, err := url.PathUnescape(id)
	return id, err == nil
}

// bedrockWriteError writes a restJson error the way Bedrock Runtime does.
func bedrockWriteError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code+":http://internal.amazon.com/coral/com.amazon.bedrock/")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	w.WriteHeader(status)
	body, _ := json.Marshal(map[string]string{"message": msg})
	_, _ = w.Write(body)
}

var (
	bedrockToolName  = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	bedrockToolUseID = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
)

var bedrockBlockKinds = map[string][]string{
	"user":      {"text", "image", "document", "video", "toolResult", "guardContent", "cachePoint", "searchResult"},
	"assistant": {"text", "image", "document", "toolUse", "reasoningContent", "cachePoint", "citationsContent"},
}

// bedrockValidate checks what Bedrock checks before a model sees the request;
// it returns the ValidationException message, or "".
func bedrockValidate(req *bedrockRequest) string {
	if msg := bedrockValidateInference(req.InferenceConfig); msg != "" {
		return msg
	}
	for i, block := range req.System {
		if text, ok := block["text"]; ok && bedrockBlankText(text) {
			return fmt.Sprintf("The text field in the SystemContentBlock object at system.%d is blank. Add text to the text field, and try again.", i)
		}
	}
	tools, msg := bedrockValidateTools(req.ToolConfig)
	if msg != "" {
		return msg
	}
	if len(req.Messages) == 0 {
		return "A conversation must start with a user message. Try again with a conversation that starts with a user message."
	}
	var pending []string // toolUse ids the previous assistant message opened
	for i, m := range req.Messages {
		if msg := bedrockValidateRole(req.Messages, i); msg != "" {
			return msg
		}
		v := bedrockMessageCheck{hasTools: req.ToolConfig != nil, tools: tools, pending: pending}
		if msg := v.check(i, m); msg != "" {
			return msg
		}
		if m.Role == "user" {
			if missing := bedrockMissing(pending, v.answered); len(missing) > 0 {
				return fmt.Sprintf("Expected toolResult blocks at messages.%d.content for the following Ids: %s", i, strings.Join(missing, ", "))
			}
		}
		pending = v.opened
	}
	if last := req.Messages[len(req.Messages)-1]; last.Role != "user" {
		return "The last message must have the user role: the scripted model answers user turns only."
	}
	return ""
}

func bedrockValidateInference(ic *bedrockInferenceConfig) string {
	switch {
	case ic == nil:
		return ""
	case ic.MaxTokens != nil && *ic.MaxTokens < 1:
		return "The value at inferenceConfig.maxTokens must be greater than or equal to 1."
	case ic.Temperature != nil && (*ic.Temperature < 0 || *ic.Temperature > 1):
		return "The value at inferenceConfig.temperature must be between 0 and 1."
	case ic.TopP != nil && (*ic.TopP < 0 || *ic.TopP > 1):
		return "The value at inferenceConfig.topP must be between 0 and 1."
	}
	return ""
}

// bedrockValidateTools checks toolConfig and returns the names of its tools.
func bedrockValidateTools(tc *bedrockToolConfig) (map[string]bool, string) {
	tools := map[string]bool{}
	if tc == nil {
		return tools, ""
	}
	if len(tc.Tools) == 0 {
		return nil, "The toolConfig.tools field must contain at least one tool."
	}
	for i, t := range tc.Tools {
		if t.ToolSpec == nil {
			continue // cache points sit among the tools
		}
		switch name := t.ToolSpec.Name; {
		case !bedrockToolName.MatchString(name):
			return nil, fmt.Sprintf("The name %q at toolConfig.tools.%d.toolSpec.name must match [a-zA-Z0-9_-]{1,64}.", name, i)
		case tools[name]:
			return nil, fmt.Sprintf("The tool name %q at toolConfig.tools.%d.toolSpec.name is not unique.", name, i)
		}
		var schema map[string]any
		if err := json.Unmarshal(t.ToolSpec.InputSchema.JSON, &schema); err != nil || schema == nil {
			return nil, fmt.Sprintf("The inputSchema.json at toolConfig.tools.%d must be a JSON Schema object.", i)
		}
		tools[t.ToolSpec.Name] = true
	}
	if choice, ok := tc.ToolChoice["tool"]; ok && !tools[choice.Name] {
		return nil, fmt.Sprintf("The tool %q named in toolConfig.toolChoice is not in toolConfig.tools.", choice.Name)
	}
	return tools, ""
}

// bedrockValidateRole checks that messages[i] continues the alternation of
// roles the conversation must follow.
func bedrockValidateRole(messages []bedrockMessage, i int) string {
	m := messages[i]
	switch {
	case m.Role != "user" && m.Role != "assistant":
		return fmt.Sprintf("The role %q at messages.%d.role is not valid: use user or assistant.", m.Role, i)
	case i == 0 && m.Role != "user":
		return "A conversation must start with a user message. Try again with a conversation that starts with a user message."
	case i > 0 && m.Role == messages[i-1].Role:
		return "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again."
	case len(m.Content) == 0:
		return fmt.Sprintf("The content field in the Message object at messages.%d is empty. Add a ContentBlock object to the content field and try again.", i)
	}
	return ""
}

// bedrockMessageCheck checks the content blocks of one message, collecting
// the toolUse ids it opens and the ones it answers.
type bedrockMessageCheck struct {
	hasTools         bool
	tools            map[string]bool
	pending          []string // toolUse ids the previous assistant message opened
	opened, answered []string
}

func (v *bedrockMessageCheck) check(i int, m bedrockMessage) string {
	for j, block := range m.Content {
		at := fmt.Sprintf("messages.%d.content.%d", i, j)
		if len(block) != 1 {
			return fmt.Sprintf("The ContentBlock object at %s must set exactly one member.", at)
		}
		kind, value := bedrockOnlyMember(block)
		if !slices.Contains(bedrockBlockKinds[m.Role], kind) {
			return fmt.Sprintf("The ContentBlock object at %s holds %s, which a %s message cannot carry.", at, kind, m.Role)
		}
		var msg string
		switch kind {
		case "text":
			if bedrockBlankText(value) {
				msg = fmt.Sprintf("The text field in the ContentBlock object at %s is blank. Add text to the text field, and try again.", at)
			}
		case "toolUse":
			msg = v.toolUse(at, value)
		case "toolResult":
			msg = v.toolResult(at, value)
		}
		if msg != "" {
			return msg
		}
	}
	return ""
}

const bedrockNoToolConfig = "The toolConfig field must be defined when using toolUse and toolResult content blocks."

func (v *bedrockMessageCheck) toolUse(at string, value json.RawMessage) string {
	if !v.hasTools {
		return bedrockNoToolConfig
	}
	var tu bedrockToolUse
	if err := json.Unmarshal(value, &tu); err != nil {
		return fmt.Sprintf("The toolUse at %s is malformed: %v", at, err)
	}
	switch {
	case !bedrockToolUseID.MatchString(tu.ToolUseID):
		return fmt.Sprintf("The toolUseId %q at %s must match [a-zA-Z0-9_-]{1,64}.", tu.ToolUseID, at)
	case !v.tools[tu.Name]:
		return fmt.Sprintf("The toolUse at %s names tool %q, which is not in toolConfig.tools.", at, tu.Name)
	case len(tu.Input) == 0 || tu.Input[0] != '{':
		return fmt.Sprintf("The toolUse input at %s must be a JSON object.", at)
	case slices.Contains(v.opened, tu.ToolUseID):
		return fmt.Sprintf("The toolUseId %s at %s is used twice in the same message.", tu.ToolUseID, at)
	}
	v.opened = append(v.opened, tu.ToolUseID)
	return ""
}

func (v *bedrockMessageCheck) toolResult(at string, value json.RawMessage) string {
	if !v.hasTools {
		return bedrockNoToolConfig
	}
	var tr bedrockToolResult
	if err := json.Unmarshal(value, &tr); err != nil {
		return fmt.Sprintf("The toolResult at %s is malformed: %v", at, err)
	}
	switch {
	case tr.Status != "" && tr.Status != "success" && tr.Status != "error":
		return fmt.Sprintf("The status %q of the toolResult at %s must be success or error.", tr.Status, at)
	case len(tr.Content) == 0:
		return fmt.Sprintf("The toolResult at %s has no content.", at)
	case !slices.Contains(v.pending, tr.ToolUseID):
		return fmt.Sprintf("The toolResult at %s answers toolUseId %s, which the previous assistant message did not use.", at, tr.ToolUseID)
	case slices.Contains(v.answered, tr.ToolUseID):
		return fmt.Sprintf("The toolResult at %s answers toolUseId %s a second time.", at, tr.ToolUseID)
	}
	v.answered = append(v.answered, tr.ToolUseID)
	return ""
}

func bedrockMissing(want, got []string) []string {
	var out []string
	for _, id := range want {
		if !slices.Contains(got, id) {
			out = append(out, id)
		}
	}
	return out
}

// bedrockBlankText reports whether a text member is missing, not a string or blank.
func bedrockBlankText(raw json.RawMessage) bool {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return true
	}
	return strings.TrimSpace(s) == ""
}

// bedrockOnlyMember returns the single member of a union-shaped block.
func bedrockOnlyMember(block map[string]json.RawMessage) (string, json.RawMessage) {
	for k, v := range block {
		return k, v
	}
	return "", nil
}

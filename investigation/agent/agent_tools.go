package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// submit handles the finish call: accepted, or one repair turn, or the
// reason there is no result.
func (r *agentRun) submit(uses []ToolUse, at int) (retry bool, err error) {
	finish := r.task.finish.Name
	if err = r.task.accept(r, uses[at].Input); err != nil {
		if r.repaired {
			return false, fmt.Errorf("invalid output: %s refused twice, last for %v", finish, err)
		}
		r.repaired = true
		results := make([]ContentBlock, 0, len(uses))
		for i, u := range uses {
			msg := "not run: the run ends with " + finish
			if i == at {
				msg = fmt.Sprintf("%s refused: %v. Call %s again with an input that follows its schema.", finish, err, finish)
			}
			results = append(results, ContentBlock{ToolResult: &ToolResult{ToolUseID: u.ID, Content: errorJSON(msg), IsError: true}})
		}
		r.tr.Steps = append(r.tr.Steps, TranscriptStep{Kind: "tool", Started: r.now(), ToolUseID: uses[at].ID, Tool: finish,
			Input: uses[at].Input, Refused: true, Error: err.Error()})
		r.messages = append(r.messages, Message{Role: RoleUser, Content: results})
		r.final = true
		return true, nil
	}
	return false, nil
}

// runTools answers every tool use of one assistant message, in order.
func (r *agentRun) runTools(ctx context.Context, uses []ToolUse) {
	results := make([]ContentBlock, 0, len(uses))
	for _, u := range uses {
		step := TranscriptStep{Kind: "tool", Started: r.now(), ToolUseID: u.ID, Tool: u.Name, Input: u.Input}
		content, isErr := r.callTool(ctx, u, &step)
		step.DurationMS = r.now().Sub(step.Started).Milliseconds()
		step.Output = content
		r.tr.Steps = append(r.tr.Steps, step)
		results = append(results, ContentBlock{ToolResult: &ToolResult{ToolUseID: u.ID, Content: content, IsError: isErr}})
	}
	r.messages = append(r.messages, Message{Role: RoleUser, Content: results})
}

func (r *agentRun) callTool(ctx context.Context, u ToolUse, step *TranscriptStep) (string, bool) {
	if !r.offered[u.Name] {
		r.calls++
		step.Refused = true
		names := make([]string, 0, len(r.specs))
		for _, s := range r.specs {
			names = append(names, s.Name)
		}
		return errorJSON(fmt.Sprintf("refused: %q is not one of the available tools (%s)", u.Name, strings.Join(names, ", "))), true
	}
	key := u.Name + "\x00" + canonicalJSON(u.Input)
	if out, ok := r.cache[key]; ok {
		step.Cached = true
		return out, false
	}
	if r.calls >= r.budgets.ToolCalls {
		step.Refused = true
		return errorJSON(fmt.Sprintf("not run: the tool-call budget of %d is spent", r.budgets.ToolCalls)), true
	}
	r.calls++
	r.status.ToolCalls++
	out, err := r.tools.Call(ctx, u.Name, u.Input)
	if err != nil {
		step.Error = err.Error()
		return errorJSON(err.Error()), true
	}
	content, cut := capToolOutput(out, r.budgets.ToolOutputBytes, u.Name)
	step.Truncated = cut
	collectEventIDs([]byte(content), r.known)
	if r.seen != nil {
		collectEventRefs([]byte(content), r.seen)
	}
	r.cache[key] = content
	return content, false
}

// capToolOutput keeps a tool result within limit bytes; a longer one
// becomes a note and the beginning of its text.
func capToolOutput(out []byte, limit int, tool string) (string, bool) {
	if len(out) <= limit {
		return string(out), false
	}
	note := fmt.Sprintf("output of %d bytes cut to the first part that fits the %d-byte budget of a tool result; ask %s a narrower question to read the rest", len(out), limit, tool)
	for keep := limit; keep > 0; keep /= 2 {
		prefix := out[:min(keep, len(out))]
		for !utf8.Valid(prefix) && len(prefix) > 0 {
			prefix = prefix[:len(prefix)-1]
		}
		b, _ := json.Marshal(map[string]any{"truncated": true, "note": note, "partial": string(prefix)})
		if len(b) <= limit {
			return string(b), true
		}
	}
	b, _ := json.Marshal(map[string]any{"truncated": true, "note": note})
	return string(b), true
}

func errorJSON(msg string) string {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return string(b)
}

// canonicalJSON re-encodes a JSON value with sorted keys, so inputs that
// differ only in member order or spacing share a cache entry.
func canonicalJSON(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return string(raw)
	}
	return string(b)
}

package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/trailhound/trailhound/investigation"
)

// SubmitAssessmentTool is the tool the model ends a run with.
const SubmitAssessmentTool = "submit_assessment"

// Bounds of an assessment: anything longer is cut, anything beyond the
// counts is dropped, so a verbose model cannot flood the report.
const (
	maxAssessmentItems = 10
	maxAssessmentText  = 1000
	maxCitedEvents     = 10
)

// Assessment is the model's reading of a report. Every event id in it was
// returned by the walk or by a tool call of the same run.
type Assessment struct {
	// Ranking is the AI's order of causes, most plausible first. It sits
	// next to the engine's order and never replaces it.
	Ranking         []AIRank                  `json:"ranking"`
	Explanation     investigation.Explanation `json:"explanation"`
	MissingEvidence []string                  `json:"missing_evidence"`
	NextActions     []AIAction                `json:"next_actions"`
	// CandidateOrder is the engine's candidate ranks in the AI's order: the
	// candidates the ranking entries cite, first citation first.
	CandidateOrder []int `json:"candidate_order,omitempty"`
	// Partial names the budget that ran out before the model finished; the
	// assessment then rests on what it had read by then.
	Partial string `json:"partial,omitempty"`
}

// AIRank is one entry of the AI's ranking.
type AIRank struct {
	EventIDs     []string `json:"event_ids"`
	Plausibility float64  `json:"plausibility"`
	Reason       string   `json:"reason"`
}

// AIAction is a next action the AI proposes.
type AIAction struct {
	Action   string   `json:"action"`
	Why      string   `json:"why"`
	EventIDs []string `json:"event_ids"`
}

// submitAssessmentSchema is what the model is shown; parseAssessment checks
// the same shape.
const submitAssessmentSchema = `{
 "type": "object",
 "required": ["ranking", "explanation"],
 "properties": {
  "ranking": {"type": "array", "maxItems": 10, "description": "causes, most plausible first; each must cite the event ids it rests on",
   "items": {"type": "object", "required": ["event_ids", "plausibility", "reason"], "properties": {
    "event_ids": {"type": "array", "minItems": 1, "items": {"type": "string"}},
    "plausibility": {"type": "number", "minimum": 0, "maximum": 1},
    "reason": {"type": "string"}}}},
  "explanation": {"type": "object", "required": ["what_changed", "why"], "properties": {
   "what_changed": {"type": "string", "description": "facts from the evidence only"},
   "why": {"type": "string", "description": "the inference, or \"not in the evidence\""}}},
  "missing_evidence": {"type": "array", "maxItems": 10, "items": {"type": "string"}},
  "next_actions": {"type": "array", "maxItems": 10, "items": {"type": "object", "required": ["action"], "properties": {
   "action": {"type": "string"}, "why": {"type": "string"},
   "event_ids": {"type": "array", "items": {"type": "string"}}}}}
 }
}`

func submitAssessmentSpec() ToolSpec {
	return ToolSpec{
		Name: SubmitAssessmentTool,
		Description: "Finish the investigation: submit your ranking of the causes (each citing the event ids it rests on), " +
			"the two-paragraph explanation, the evidence you could not find, and the next actions. Call it exactly once, last.",
		InputSchema: json.RawMessage(submitAssessmentSchema),
	}
}

// parseAssessment decodes a submit_assessment input. Unknown members are
// dropped; a wrong type or a missing required member is a problem the
// model is asked to repair, named by its path.
func parseAssessment(input json.RawMessage) (Assessment, error) {
	var raw struct {
		Ranking *[]struct {
			EventIDs     *[]string `json:"event_ids"`
			Plausibility *float64  `json:"plausibility"`
			Reason       string    `json:"reason"`
		} `json:"ranking"`
		Explanation *struct {
			WhatChanged *string `json:"what_changed"`
			Why         *string `json:"why"`
		} `json:"explanation"`
		MissingEvidence []string `json:"missing_evidence"`
		NextActions     []struct {
			Action   string   `json:"action"`
			Why      string   `json:"why"`
			EventIDs []string `json:"event_ids"`
		} `json:"next_actions"`
	}
	if !json.Valid(input) {
		return Assessment{}, errors.New("the input is not valid JSON")
	}
	if err := json.Unmarshal(input, &raw); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return Assessment{}, fmt.Errorf("%s: want %s, got %s", pathOr(typeErr.Field, "input"), jsonKindOf(typeErr.Type), typeErr.Value)
		}
		return Assessment{}, fmt.Errorf("input: %w", err)
	}
	switch {
	case raw.Ranking == nil:
		return Assessment{}, errors.New("ranking: required (an empty list when nothing in the evidence explains the alarm)")
	case raw.Explanation == nil || raw.Explanation.WhatChanged == nil || raw.Explanation.Why == nil:
		return Assessment{}, errors.New("explanation: required, with what_changed and why")
	}
	var a Assessment
	for i, r := range *raw.Ranking {
		switch {
		case r.EventIDs == nil || len(*r.EventIDs) == 0:
			return Assessment{}, fmt.Errorf("ranking.%d.event_ids: required, at least one event id", i)
		case r.Plausibility == nil:
			return Assessment{}, fmt.Errorf("ranking.%d.plausibility: required, a number from 0 to 1", i)
		case *r.Plausibility < 0 || *r.Plausibility > 1:
			return Assessment{}, fmt.Errorf("ranking.%d.plausibility: %g is outside 0..1", i, *r.Plausibility)
		}
		if len(a.Ranking) < maxAssessmentItems {
			a.Ranking = append(a.Ranking, AIRank{EventIDs: cleanIDs(*r.EventIDs), Plausibility: *r.Plausibility, Reason: clip(r.Reason)})
		}
	}
	a.Explanation = investigation.Explanation{WhatChanged: clip(*raw.Explanation.WhatChanged), Why: clip(*raw.Explanation.Why)}
	for _, m := range raw.MissingEvidence {
		if m = clip(m); m != "" && len(a.MissingEvidence) < maxAssessmentItems {
			a.MissingEvidence = append(a.MissingEvidence, m)
		}
	}
	for i, act := range raw.NextActions {
		if strings.TrimSpace(act.Action) == "" {
			return Assessment{}, fmt.Errorf("next_actions.%d.action: required, a non-empty string", i)
		}
		if len(a.NextActions) < maxAssessmentItems {
			a.NextActions = append(a.NextActions, AIAction{Action: clip(act.Action), Why: clip(act.Why), EventIDs: cleanIDs(act.EventIDs)})
		}
	}
	return a, nil
}

// jsonKindOf names a Go type the way the schema does.
func jsonKindOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	}
	return t.String()
}

func pathOr(path, fallback string) string {
	if path == "" {
		return fallback
	}
	return path
}

func cleanIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) && len(out) < maxCitedEvents {
			out = append(out, id)
		}
	}
	return out
}

// clip trims s and cuts it to maxAssessmentText runes.
func clip(s string) string { return clipRunes(s, maxAssessmentText) }

// clipRunes trims s and cuts it to limit runes, the last one an ellipsis.
func clipRunes(s string, limit int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return string(r[:limit-1]) + "…"
}

// ground drops every ranking entry and next action that cites an event id
// outside known, and returns how many it dropped. A claim resting on one
// fabricated id is dropped whole: its other citations cannot vouch for it.
// Ranking entries must cite; next actions may cite nothing.
func (a *Assessment) ground(known map[string]bool) int {
	dropped := 0
	grounded := func(ids []string) bool {
		for _, id := range ids {
			if !known[id] {
				return false
			}
		}
		return true
	}
	ranking := a.Ranking[:0]
	for _, r := range a.Ranking {
		if len(r.EventIDs) == 0 || !grounded(r.EventIDs) {
			dropped++
			continue
		}
		ranking = append(ranking, r)
	}
	a.Ranking = ranking
	actions := a.NextActions[:0]
	for _, act := range a.NextActions {
		if !grounded(act.EventIDs) {
			dropped++
			continue
		}
		actions = append(actions, act)
	}
	a.NextActions = actions
	return dropped
}

// orderCandidates sets CandidateOrder from the ranking's citations.
func (a *Assessment) orderCandidates(candidates []investigation.Candidate) {
	a.CandidateOrder = nil
	for _, r := range a.Ranking {
		for _, c := range candidates {
			if slices.Contains(a.CandidateOrder, c.Rank) {
				continue
			}
			if slices.ContainsFunc(c.Events, func(e investigation.EventRef) bool { return slices.Contains(r.EventIDs, e.EventID) }) {
				a.CandidateOrder = append(a.CandidateOrder, c.Rank)
			}
		}
	}
}

var eventIDInText = regexp.MustCompile(`"event_?[iI][dD]"\s*:\s*"([^"\\]{1,128})"`)

// collectEventIDs adds to ids every event id a tool output shows the model:
// the values of event_id / eventID / EventId members at any depth, and in
// the text of a cut output, those its surviving prefix still shows.
func collectEventIDs(out []byte, ids map[string]bool) {
	dec := json.NewDecoder(bytes.NewReader(out))
	var v any
	if dec.Decode(&v) != nil {
		for _, m := range eventIDInText.FindAllSubmatch(out, -1) {
			ids[string(m[1])] = true
		}
		return
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, child := range t {
				walk(k, child)
			}
		case []any:
			for _, child := range t {
				walk(key, child)
			}
		case string:
			switch strings.ToLower(key) {
			case "event_id", "eventid":
				ids[t] = true
			default:
				if strings.Contains(t, "\"event") {
					for _, m := range eventIDInText.FindAllStringSubmatch(t, -1) {
						ids[m[1]] = true
					}
				}
			}
		}
	}
	walk("", v)
}

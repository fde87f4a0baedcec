package agent

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// schema is the subset of JSON Schema the tools' inputs are written in:
// objects closed to unknown members, strings with length, enum, pattern and
// date-time format, bounded integers, booleans and bounded arrays. A schema
// is both what the model is shown (marshalled) and what its input is checked
// against before a tool runs, so the two can never drift apart.
type schema struct {
	Type                 string             `json:"type"`
	Description          string             `json:"description,omitempty"`
	Properties           map[string]*schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties *bool              `json:"additionalProperties,omitempty"`
	Enum                 []string           `json:"enum,omitempty"`
	MinLength            *int               `json:"minLength,omitempty"`
	MaxLength            *int               `json:"maxLength,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	Format               string             `json:"format,omitempty"`
	Minimum              *int64             `json:"minimum,omitempty"`
	Maximum              *int64             `json:"maximum,omitempty"`
	Items                *schema            `json:"items,omitempty"`
	MinItems             *int               `json:"minItems,omitempty"`
	MaxItems             *int               `json:"maxItems,omitempty"`

	re *regexp.Regexp // Pattern, compiled
}

func object(required []string, props map[string]*schema) *schema {
	closed := false
	return &schema{Type: "object", Properties: props, Required: required, AdditionalProperties: &closed}
}

// str is a non-empty string of at most maxLen characters.
func str(description string, maxLen int) *schema {
	one := 1
	return &schema{Type: "string", Description: description, MinLength: &one, MaxLength: &maxLen}
}

// matching adds a pattern the whole value must match.
func (s *schema) matching(pattern string) *schema {
	s.Pattern = pattern
	s.re = regexp.MustCompile(pattern)
	return s
}

func enum(description string, values ...string) *schema {
	return &schema{Type: "string", Description: description, Enum: values}
}

func integer(description string, minimum, maximum int64) *schema {
	return &schema{Type: "integer", Description: description, Minimum: &minimum, Maximum: &maximum}
}

func dateTime(description string) *schema {
	return &schema{Type: "string", Description: description + " (RFC 3339, e.g. 2024-05-01T12:00:00Z)", Format: "date-time"}
}

func array(description string, items *schema, minItems, maxItems int) *schema {
	return &schema{Type: "array", Description: description, Items: items, MinItems: &minItems, MaxItems: &maxItems}
}

// InputError is a tool input the tool's schema refuses; Path names the
// offending member ("input.role_name").
type InputError struct {
	Tool    string
	Path    string
	Problem string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("tool %s: %s: %s", e.Tool, e.Path, e.Problem)
}

// decodeInput parses a tool input keeping numbers exact for the integer checks.
func decodeInput(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// validate reports the first way v breaks s, as a problem at path.
func (s *schema) validate(v any, path string) (badPath, problem string) {
	switch s.Type {
	case "object":
		return s.validateObject(v, path)
	case "string":
		return s.validateString(v, path)
	case "integer":
		return s.validateInteger(v, path)
	case "boolean":
		if _, ok := v.(bool); !ok {
			return path, "want a boolean, got " + jsonKind(v)
		}
	case "array":
		return s.validateArray(v, path)
	default:
		return path, "the schema has unsupported type " + s.Type
	}
	return "", ""
}

func (s *schema) validateObject(v any, path string) (badPath, problem string) {
	obj, ok := v.(map[string]any)
	if !ok {
		return path, "want an object, got " + jsonKind(v)
	}
	for _, name := range s.Required {
		if _, ok := obj[name]; !ok {
			return path + "." + name, "is required"
		}
	}
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	slices.Sort(names) // report the same member first every time
	for _, name := range names {
		prop, ok := s.Properties[name]
		if !ok {
			if s.AdditionalProperties != nil && !*s.AdditionalProperties {
				return path + "." + name, "is not a known member (known: " + strings.Join(s.propertyNames(), ", ") + ")"
			}
			continue
		}
		if p, msg := prop.validate(obj[name], path+"."+name); msg != "" {
			return p, msg
		}
	}
	return "", ""
}

func (s *schema) validateString(v any, path string) (badPath, problem string) {
	text, ok := v.(string)
	if !ok {
		return path, "want a string, got " + jsonKind(v)
	}
	n := utf8.RuneCountInString(text)
	switch {
	case s.MinLength != nil && n < *s.MinLength:
		return path, fmt.Sprintf("is shorter than %d characters", *s.MinLength)
	case s.MaxLength != nil && n > *s.MaxLength:
		return path, fmt.Sprintf("is longer than %d characters", *s.MaxLength)
	case len(s.Enum) > 0 && !slices.Contains(s.Enum, text):
		return path, fmt.Sprintf("%q is not one of %s", text, strings.Join(s.Enum, ", "))
	case s.re != nil && !s.re.MatchString(text):
		return path, fmt.Sprintf("%q does not match %s", text, s.Pattern)
	case s.Format == "date-time":
		if _, err := time.Parse(time.RFC3339, text); err != nil {
			return path, fmt.Sprintf("%q is not an RFC 3339 time", text)
		}
	}
	return "", ""
}

func (s *schema) validateInteger(v any, path string) (badPath, problem string) {
	num, ok := v.(json.Number)
	if !ok {
		return path, "want an integer, got " + jsonKind(v)
	}
	i, err := num.Int64()
	switch {
	case err != nil:
		return path, fmt.Sprintf("%s is not an integer", num)
	case s.Minimum != nil && i < *s.Minimum:
		return path, fmt.Sprintf("%d is below the minimum %d", i, *s.Minimum)
	case s.Maximum != nil && i > *s.Maximum:
		return path, fmt.Sprintf("%d is above the maximum %d", i, *s.Maximum)
	}
	return "", ""
}

func (s *schema) validateArray(v any, path string) (badPath, problem string) {
	list, ok := v.([]any)
	if !ok {
		return path, "want an array, got " + jsonKind(v)
	}
	switch {
	case s.MinItems != nil && len(list) < *s.MinItems:
		return path, fmt.Sprintf("holds %d items, fewer than %d", len(list), *s.MinItems)
	case s.MaxItems != nil && len(list) > *s.MaxItems:
		return path, fmt.Sprintf("holds %d items, more than %d", len(list), *s.MaxItems)
	}
	for i, item := range list {
		if p, msg := s.Items.validate(item, fmt.Sprintf("%s[%d]", path, i)); msg != "" {
			return p, msg
		}
	}
	return "", ""
}

func (s *schema) propertyNames() []string {
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

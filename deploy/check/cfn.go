package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Template is a CloudFormation template. Decoding it rejects unknown
// top-level and resource keys, so a misspelt section fails the check instead
// of being ignored (CloudFormation would reject it at deploy time).
type Template struct {
	AWSTemplateFormatVersion string
	Description              string
	Metadata                 map[string]any
	Parameters               map[string]Parameter
	Mappings                 map[string]any
	Conditions               map[string]any
	Transform                any
	Rules                    map[string]any
	Resources                map[string]Resource
	Outputs                  map[string]Output
}

// Parameter is a template parameter.
type Parameter struct {
	Type                  string
	Default               any
	Description           string
	AllowedPattern        string
	AllowedValues         []any
	ConstraintDescription string
	MinLength             any
	MaxLength             any
	MinValue              any
	MaxValue              any
	NoEcho                any
}

// Resource is a template resource; Properties stay generic, in the JSON
// form of intrinsic functions.
type Resource struct {
	Type                string
	Properties          map[string]any
	DependsOn           any
	Condition           string
	DeletionPolicy      string
	UpdateReplacePolicy string
	Metadata            map[string]any
	CreationPolicy      any
	UpdatePolicy        any
}

// Output is a template output.
type Output struct {
	Description string
	Value       any
	Export      any
	Condition   string
}

// ParseTemplate decodes a CloudFormation template written in YAML (or JSON,
// which is YAML).
func ParseTemplate(b []byte) (*Template, error) {
	v, err := DecodeCloudFormationYAML(b)
	if err != nil {
		return nil, err
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	var t Template
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	if len(t.Resources) == 0 {
		return nil, errors.New("template: no Resources")
	}
	for name, r := range t.Resources {
		if r.Type == "" {
			return nil, fmt.Errorf("template: resource %s has no Type", name)
		}
	}
	return &t, nil
}

// DecodeCloudFormationYAML decodes YAML into maps, lists and scalars, turning
// the short forms of intrinsic functions into the JSON forms CloudFormation
// defines: !Ref X is {"Ref": "X"}, !GetAtt R.A is {"Fn::GetAtt": ["R", "A"]},
// !Condition C is {"Condition": "C"} and any other !Name v is {"Fn::Name": v}.
// A plain YAML decoder either fails on these tags or drops them, losing the
// references the checks follow.
func DecodeCloudFormationYAML(b []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 {
		return nil, errors.New("empty document")
	}
	return fromNode(&doc)
}

func fromNode(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, fmt.Errorf("line %d: want one document", n.Line)
		}
		return fromNode(n.Content[0])
	case yaml.AliasNode:
		return fromNode(n.Alias)
	}
	var v any
	var err error
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a map key that is not a scalar", k.Line)
			}
			if k.Value == "<<" {
				return nil, fmt.Errorf("line %d: YAML merge keys are not CloudFormation", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: key %q repeated", k.Line, k.Value)
			}
			if m[k.Value], err = fromNode(val); err != nil {
				return nil, err
			}
		}
		v = m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			e, err := fromNode(c)
			if err != nil {
				return nil, err
			}
			l = append(l, e)
		}
		v = l
	case yaml.ScalarNode:
		if isIntrinsic(n.Tag) {
			v = n.Value
		} else if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	if !isIntrinsic(n.Tag) {
		return v, nil
	}
	name := strings.TrimPrefix(n.Tag, "!")
	switch name {
	case "Ref", "Condition":
		return map[string]any{name: v}, nil
	case "GetAtt":
		// The short form takes "Resource.Attribute"; the attribute may itself
		// hold dots (PrimaryEndPoint.Address), the resource never does.
		if s, ok := v.(string); ok {
			res, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %q is not Resource.Attribute", n.Line, s)
			}
			v = []any{res, attr}
		}
	}
	return map[string]any{"Fn::" + name: v}, nil
}

// isIntrinsic tells a CloudFormation short-form tag (!Ref) from YAML's own
// (!!str) and from the implicit tags the decoder fills in.
func isIntrinsic(tag string) bool {
	return strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!")
}

// pseudoParameters are the references CloudFormation defines itself.
var pseudoParameters = []string{
	"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
	"AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
}

var subVariable = regexp.MustCompile(`\$\{([^}]*)\}`)

// CheckReferences reports every Ref, GetAtt, Sub variable, DependsOn and
// condition name that names nothing in the template: CloudFormation would
// reject the template, and a check that follows references would follow
// them nowhere.
func (t *Template) CheckReferences() []error {
	c := &refChecker{t: t}
	for _, name := range sortedKeys(t.Resources) {
		r := t.Resources[name]
		c.walk("resource "+name, r.Properties)
		for _, d := range asStrings(r.DependsOn) {
			if !c.resource(d) {
				c.fail("resource %s: DependsOn %s names no resource", name, d)
			}
		}
		if r.Condition != "" && !c.condition(r.Condition) {
			c.fail("resource %s: Condition %s names no condition", name, r.Condition)
		}
	}
	for _, name := range sortedKeys(t.Outputs) {
		c.walk("output "+name, t.Outputs[name].Value)
	}
	for _, name := range sortedKeys(t.Conditions) {
		c.walk("condition "+name, t.Conditions[name])
	}
	return c.errs
}

// refChecker follows the intrinsic functions of one template.
type refChecker struct {
	t    *Template
	errs []error
}

func (c *refChecker) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

func (c *refChecker) known(name string) bool {
	_, p := c.t.Parameters[name]
	return p || c.resource(name) || slices.Contains(pseudoParameters, name)
}

func (c *refChecker) resource(name string) bool { _, ok := c.t.Resources[name]; return ok }

func (c *refChecker) condition(name string) bool { _, ok := c.t.Conditions[name]; return ok }

// walk checks every intrinsic function under v.
func (c *refChecker) walk(where string, v any) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			c.walk(where, e)
		}
	case map[string]any:
		if len(v) == 1 {
			for fn, arg := range v {
				if c.intrinsic(where, fn, arg) {
					return
				}
			}
		}
		for _, k := range sortedKeys(v) {
			c.walk(where, v[k])
		}
	}
}

// intrinsic checks one function's names; false when fn is not one whose
// argument it has checked whole.
func (c *refChecker) intrinsic(where, fn string, arg any) bool {
	switch fn {
	case "Ref":
		if s, _ := arg.(string); !c.known(s) {
			c.fail("%s: Ref %v names nothing", where, arg)
		}
	case "Fn::GetAtt":
		l, _ := arg.([]any)
		if len(l) != 2 {
			c.fail("%s: Fn::GetAtt %v is not [Resource, Attribute]", where, arg)
		} else if s, _ := l[0].(string); !c.resource(s) {
			c.fail("%s: Fn::GetAtt names no resource %v", where, l[0])
		}
	case "Fn::Sub":
		c.sub(where, arg)
	case "Fn::If":
		l, _ := arg.([]any)
		if len(l) != 3 {
			return false
		}
		if s, _ := l[0].(string); !c.condition(s) {
			c.fail("%s: Fn::If names no condition %v", where, l[0])
		}
		c.walk(where, l[1:])
	case "Condition":
		if s, _ := arg.(string); !c.condition(s) {
			c.fail("%s: Condition names no condition %v", where, arg)
		}
	default:
		return false
	}
	return true
}

// sub checks the variables of a Fn::Sub string against its own variable
// map and the template.
func (c *refChecker) sub(where string, arg any) {
	s, vars := subArgs(arg)
	scope := map[string]bool{}
	for k, val := range vars {
		scope[k] = true
		c.walk(where, val)
	}
	for _, m := range subVariable.FindAllStringSubmatch(s, -1) {
		ref := m[1]
		if strings.HasPrefix(ref, "!") || scope[ref] {
			continue
		}
		if res, _, dotted := strings.Cut(ref, "."); dotted && !strings.HasPrefix(ref, "AWS::") {
			if !c.resource(res) {
				c.fail("%s: Fn::Sub ${%s} names no resource", where, ref)
			}
		} else if !c.known(ref) {
			c.fail("%s: Fn::Sub ${%s} names nothing", where, ref)
		}
	}
}

// sortedKeys are m's keys in order, so errors come out the same each run.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// subArgs splits Fn::Sub's argument: a string, or [string, {variables}].
func subArgs(arg any) (string, map[string]any) {
	if s, ok := arg.(string); ok {
		return s, nil
	}
	if l, ok := arg.([]any); ok && len(l) == 2 {
		s, _ := l[0].(string)
		vars, _ := l[1].(map[string]any)
		return s, vars
	}
	return "", nil
}

// asStrings reads a string or a list of strings; anything else is nil.
func asStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// RefName is the name X of {"Ref": "X"}, or "".
func RefName(v any) string {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		s, _ := m["Ref"].(string)
		return s
	}
	return ""
}

// GetAtt is the resource and attribute of {"Fn::GetAtt": [R, A]}, or "", "".
func GetAtt(v any) (resource, attribute string) {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		if l, ok := m["Fn::GetAtt"].([]any); ok && len(l) == 2 {
			r, _ := l[0].(string)
			a, _ := l[1].(string)
			return r, a
		}
	}
	return "", ""
}

// ResourcesOfType lists the names of the resources of one type, sorted.
func (t *Template) ResourcesOfType(typ string) []string {
	var out []string
	for name, r := range t.Resources {
		if r.Type == typ {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// ResolveString evaluates v where it is a literal, a Ref to a parameter (its
// Default) or a Sub over parameters' defaults and pseudo parameters given in
// pseudo; ok is false for anything only known at deploy time.
func (t *Template) ResolveString(v any, pseudo map[string]string) (s string, ok bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case map[string]any:
		if name := RefName(v); name != "" {
			if p, found := t.Parameters[name]; found && p.Default != nil {
				return fmt.Sprint(p.Default), true
			}
			s, ok := pseudo[name]
			return s, ok
		}
		if arg, found := v["Fn::Sub"]; found && len(v) == 1 {
			str, vars := subArgs(arg)
			ok = true
			out := subVariable.ReplaceAllStringFunc(str, func(m string) string {
				name := m[2 : len(m)-1]
				if strings.HasPrefix(name, "!") {
					return "${" + name[1:] + "}"
				}
				if val, found := vars[name]; found {
					r, rok := t.ResolveString(val, pseudo)
					ok = ok && rok
					return r
				}
				r, rok := t.ResolveString(map[string]any{"Ref": name}, pseudo)
				ok = ok && rok
				return r
			})
			return out, ok
		}
	}
	return "", false
}

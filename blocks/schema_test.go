package blocks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// A JSON Schema (draft 2020-12) checker for the keywords the Block Kit schema
// in testdata/schema uses. A keyword it does not know fails the check rather
// than being skipped, so a newer schema cannot pass by being misread.

type schemaChecker struct {
	root map[string]any
	res  map[string]*regexp.Regexp
}

var annotationKeywords = map[string]bool{
	"$schema": true, "$id": true, "$defs": true, "title": true, "description": true,
}

func loadSchema(t *testing.T) *schemaChecker {
	t.Helper()
	schemaOnce.Do(func() {
		raw, err := os.ReadFile("testdata/schema/slack-block-kit.schema.json")
		if err != nil {
			schemaErr = err
			return
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var root map[string]any
		if err := dec.Decode(&root); err != nil {
			schemaErr = err
			return
		}
		schema = &schemaChecker{root: root, res: map[string]*regexp.Regexp{}}
	})
	if schemaErr != nil {
		t.Fatalf("load Block Kit schema: %v", schemaErr)
	}
	return schema
}

var (
	schemaOnce sync.Once
	schema     *schemaChecker
	schemaErr  error
)

// validateBlocks checks a message's blocks array (decoded with UseNumber)
// against the schema root, which describes an array of blocks.
func (c *schemaChecker) validateBlocks(blocks any) []string {
	var errs []string
	c.check("$", c.root, blocks, &errs)
	return errs
}

func (c *schemaChecker) resolve(ref string) (map[string]any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("unsupported $ref %q", ref)
	}
	var cur any = c.root
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not an object", ref, part)
		}
		cur = m[strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")]
	}
	m, ok := cur.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("$ref %q does not name a schema", ref)
	}
	return m, nil
}

func (c *schemaChecker) matches(s map[string]any, v any) bool {
	var errs []string
	c.check("", s, v, &errs)
	return len(errs) == 0
}

func (c *schemaChecker) check(path string, s map[string]any, v any, errs *[]string) {
	fail := func(format string, args ...any) {
		*errs = append(*errs, path+": "+fmt.Sprintf(format, args...))
	}
	obj, isObj := v.(map[string]any)
	arr, isArr := v.([]any)
	str, isStr := v.(string)
	num, isNum := v.(json.Number)

	for kw, arg := range s {
		switch kw {
		case "$ref":
			target, err := c.resolve(arg.(string))
			if err != nil {
				fail("%v", err)
				continue
			}
			c.check(path, target, v, errs)
		case "type":
			var types []any
			if list, ok := arg.([]any); ok {
				types = list
			} else {
				types = []any{arg}
			}
			ok := false
			for _, ty := range types {
				ok = ok || hasType(ty.(string), v)
			}
			if !ok {
				fail("type %v expected, got %T", arg, v)
			}
		case "const":
			if !jsonEqual(arg, v) {
				fail("const %v expected, got %v", arg, v)
			}
		case "enum":
			ok := false
			for _, e := range arg.([]any) {
				ok = ok || jsonEqual(e, v)
			}
			if !ok {
				fail("%v is not one of %v", v, arg)
			}
		case "required":
			if isObj {
				for _, k := range arg.([]any) {
					if _, ok := obj[k.(string)]; !ok {
						fail("required property %q missing", k)
					}
				}
			}
		case "properties":
			if isObj {
				for k, sub := range arg.(map[string]any) {
					if pv, ok := obj[k]; ok {
						c.check(path+"."+k, sub.(map[string]any), pv, errs)
					}
				}
			}
		case "additionalProperties":
			if !isObj {
				continue
			}
			props, _ := s["properties"].(map[string]any)
			for k, pv := range obj {
				if _, known := props[k]; known {
					continue
				}
				switch a := arg.(type) {
				case bool:
					if !a {
						fail("property %q is not allowed", k)
					}
				case map[string]any:
					c.check(path+"."+k, a, pv, errs)
				}
			}
		case "minProperties":
			if isObj && len(obj) < intArg(arg) {
				fail("fewer than %v properties", arg)
			}
		case "items":
			if isArr {
				for i, it := range arr {
					c.check(fmt.Sprintf("%s[%d]", path, i), arg.(map[string]any), it, errs)
				}
			}
		case "minItems":
			if isArr && len(arr) < intArg(arg) {
				fail("%d items, fewer than %v", len(arr), arg)
			}
		case "maxItems":
			if isArr && len(arr) > intArg(arg) {
				fail("%d items, more than %v", len(arr), arg)
			}
		case "uniqueItems":
			if isArr && arg == true {
				for i := range arr {
					for j := i + 1; j < len(arr); j++ {
						if jsonEqual(arr[i], arr[j]) {
							fail("items %d and %d are equal", i, j)
						}
					}
				}
			}
		case "contains":
			if isArr {
				found := false
				for _, it := range arr {
					found = found || c.matches(arg.(map[string]any), it)
				}
				if !found {
					fail("no item matches contains")
				}
			}
		case "minLength":
			if isStr && utf8.RuneCountInString(str) < intArg(arg) {
				fail("string shorter than %v", arg)
			}
		case "maxLength":
			if isStr && utf8.RuneCountInString(str) > intArg(arg) {
				fail("string of %d characters, longer than %v", utf8.RuneCountInString(str), arg)
			}
		case "pattern":
			if isStr {
				re, ok := c.res[arg.(string)]
				if !ok {
					re = regexp.MustCompile(arg.(string))
					c.res[arg.(string)] = re
				}
				if !re.MatchString(str) {
					fail("%q does not match %s", str, arg)
				}
			}
		case "format":
			if isStr && arg == "uri" {
				u, err := url.Parse(str)
				if err != nil || u.Scheme == "" {
					fail("%q is not a URI", str)
				}
			} else if arg != "uri" {
				fail("unsupported format %v", arg)
			}
		case "minimum", "maximum", "exclusiveMinimum":
			if !isNum {
				continue
			}
			got, _ := new(big.Rat).SetString(num.String())
			lim, _ := new(big.Rat).SetString(arg.(json.Number).String())
			cmp := got.Cmp(lim)
			if (kw == "minimum" && cmp < 0) || (kw == "maximum" && cmp > 0) || (kw == "exclusiveMinimum" && cmp <= 0) {
				fail("%s %v violated by %v", kw, arg, num)
			}
		case "allOf":
			for _, sub := range arg.([]any) {
				c.check(path, sub.(map[string]any), v, errs)
			}
		case "anyOf":
			ok := false
			for _, sub := range arg.([]any) {
				ok = ok || c.matches(sub.(map[string]any), v)
			}
			if !ok {
				fail("matches none of anyOf")
			}
		case "oneOf":
			n := 0
			for _, sub := range arg.([]any) {
				if c.matches(sub.(map[string]any), v) {
					n++
				}
			}
			if n != 1 {
				fail("matches %d of oneOf, want exactly 1", n)
				if n == 0 {
					c.explainOneOf(path, arg.([]any), v, errs)
				}
			}
		case "not":
			if c.matches(arg.(map[string]any), v) {
				fail("matches a schema it must not")
			}
		case "if":
			if c.matches(arg.(map[string]any), v) {
				if then, ok := s["then"].(map[string]any); ok {
					c.check(path, then, v, errs)
				}
			} else if els, ok := s["else"].(map[string]any); ok {
				c.check(path, els, v, errs)
			}
		case "then", "else":
			// applied with "if"
		default:
			if !annotationKeywords[kw] {
				fail("unsupported schema keyword %q", kw)
			}
		}
	}
}

// explainOneOf reports why an object failed the branch meant for its "type",
// which is what a reader of a failed block wants to know.
func (c *schemaChecker) explainOneOf(path string, branches []any, v any, errs *[]string) {
	obj, ok := v.(map[string]any)
	if !ok {
		return
	}
	for _, b := range branches {
		sub := b.(map[string]any)
		if ref, ok := sub["$ref"].(string); ok {
			if target, err := c.resolve(ref); err == nil {
				sub = target
			}
		}
		props, _ := sub["properties"].(map[string]any)
		typ, _ := props["type"].(map[string]any)
		if typ != nil && typ["const"] == obj["type"] {
			c.check(path, sub, v, errs)
		}
	}
}

func intArg(x any) int {
	n, _ := x.(json.Number).Int64()
	return int(n)
}

func hasType(ty string, v any) bool {
	switch ty {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		r, ok := new(big.Rat).SetString(n.String())
		return ok && r.IsInt()
	}
	return false
}

func jsonEqual(a, b any) bool {
	an, aNum := a.(json.Number)
	bn, bNum := b.(json.Number)
	if aNum && bNum {
		ar, _ := new(big.Rat).SetString(an.String())
		br, _ := new(big.Rat).SetString(bn.String())
		return ar != nil && br != nil && ar.Cmp(br) == 0
	}
	return reflect.DeepEqual(a, b)
}

// schemaErrors validates a message's blocks against the Block Kit schema.
func schemaErrors(t *testing.T, m Message) []string {
	t.Helper()
	payload, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var msg map[string]any
	if err := dec.Decode(&msg); err != nil {
		t.Fatal(err)
	}
	return loadSchema(t).validateBlocks(msg["blocks"])
}

// The checker must be able to fail: broken blocks are refused for the
// reason the schema gives.
func TestSchemaCheckerRejects(t *testing.T) {
	c := loadSchema(t)
	cases := map[string]string{
		"long header":       `[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("x", 151) + `"}}]`,
		"mrkdwn header":     `[{"type":"header","text":{"type":"mrkdwn","text":"x"}}]`,
		"unknown property":  `[{"type":"divider","color":"red"}]`,
		"empty section":     `[{"type":"section"}]`,
		"11 fields":         `[{"type":"section","fields":[` + strings.TrimSuffix(strings.Repeat(`{"type":"mrkdwn","text":"f"},`, 11), ",") + `]}]`,
		"long button":       `[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"` + strings.Repeat("b", 76) + `"}}]}]`,
		"bad style":         `[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"b"},"style":"blue"}]}]`,
		"no blocks":         `[]`,
		"unknown type":      `[{"type":"banner"}]`,
		"empty text":        `[{"type":"section","text":{"type":"mrkdwn","text":""}}]`,
		"11 context":        `[{"type":"context","elements":[` + strings.TrimSuffix(strings.Repeat(`{"type":"mrkdwn","text":"c"},`, 11), ",") + `]}]`,
		"long block id":     `[{"type":"divider","block_id":"` + strings.Repeat("i", 256) + `"}]`,
		"relative url":      `[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"b"},"url":"/x"}]}]`,
		"fractional border": `[{"type":"rich_text","elements":[{"type":"rich_text_preformatted","elements":[],"border":0.5}]}]`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(doc))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			if errs := c.validateBlocks(v); len(errs) == 0 {
				t.Errorf("schema accepted %s", doc)
			}
		})
	}
	ok := `[{"type":"section","text":{"type":"mrkdwn","text":"hi","verbatim":true},"block_id":"a"},{"type":"divider"}]`
	dec := json.NewDecoder(strings.NewReader(ok))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	if errs := c.validateBlocks(v); len(errs) > 0 {
		t.Errorf("schema refused a valid message: %v", errs)
	}
}

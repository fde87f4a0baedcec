package catalogue

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Revert templates. Plain text is kept as written. {path} is replaced by the
// value at that dotted path of requestParameters: object keys (matched
// exactly, else case-insensitively, since CloudTrail spells some keys oddly,
// e.g. "dBInstanceIdentifier"), array indexes ("items.0"), or "*" for every
// element of an array. {a|b} tries path a, then b: the same change is
// recorded in several shapes (a security group rule flat or nested, API
// Gateway v1 restApiId or v2 apiId). A value that is an array of scalars
// gives all of them; an object {"content": v} (how EC2 records list members)
// gives v. Each value is quoted for a POSIX shell when it needs it.
//
// [text] is optional: it is kept only when every placeholder inside it is
// filled, so "Re-attach the policy[ {policyArn}] to the role[ {roleName}]."
// degrades to "Re-attach the policy to the role." when the event carries no
// parameters. Brackets do not nest and are not printed, so literal [ ] and
// { } cannot appear in a template. A placeholder outside brackets that
// cannot be filled prints as <last path key>, the way CLI docs mark a value
// to supply.
const (
	revertOptionalOpen  = '['
	revertOptionalClose = ']'
	revertFieldOpen     = '{'
	revertFieldClose    = '}'
	revertAlternative   = "|"
	// maxRevertValueLen keeps policy documents, user data and other blobs out
	// of the text: a value longer than this is treated as missing.
	maxRevertValueLen = 512
)

// RevertFor is the Revert text with its placeholders filled from an event's
// requestParameters. Missing, null or malformed parameters give the generic
// version of the text.
func (k ChangeKind) RevertFor(requestParameters json.RawMessage) string {
	var params any
	if len(requestParameters) > 0 {
		dec := json.NewDecoder(bytes.NewReader(requestParameters))
		dec.UseNumber() // keep ports, counts and ids exactly as recorded
		if err := dec.Decode(&params); err != nil {
			params = nil
		}
	}
	return renderRevert(k.Revert, params)
}

// renderRevert fills a template (syntax above) from decoded parameters.
func renderRevert(tmpl string, params any) string {
	var out strings.Builder
	rest := tmpl
	for rest != "" {
		open := strings.IndexByte(rest, revertOptionalOpen)
		if open < 0 {
			out.WriteString(fillRevertFields(rest, params))
			break
		}
		out.WriteString(fillRevertFields(rest[:open], params))
		closing := strings.IndexByte(rest[open+1:], revertOptionalClose)
		if closing < 0 {
			// An unclosed bracket is kept as text rather than swallowing the rest.
			out.WriteString(fillRevertFields(rest[open:], params))
			break
		}
		segment := rest[open+1 : open+1+closing]
		if filled, ok := fillRevertSegment(segment, params); ok {
			out.WriteString(filled)
		}
		rest = rest[open+1+closing+1:]
	}
	return out.String()
}

// fillRevertSegment fills an optional segment, reporting false when any of
// its placeholders has no value.
func fillRevertSegment(segment string, params any) (string, bool) {
	complete := true
	var out strings.Builder
	forEachRevertPart(segment, func(text, field string, isField bool) {
		if !isField {
			out.WriteString(text)
			return
		}
		value, ok := resolveRevertField(field, params)
		if !ok {
			complete = false
			return
		}
		out.WriteString(value)
	})
	return out.String(), complete
}

// fillRevertFields fills text outside optional segments; an unfillable
// placeholder prints as <key>.
func fillRevertFields(text string, params any) string {
	var out strings.Builder
	forEachRevertPart(text, func(part, field string, isField bool) {
		if !isField {
			out.WriteString(part)
			return
		}
		if value, ok := resolveRevertField(field, params); ok {
			out.WriteString(value)
			return
		}
		out.WriteString("<" + revertFieldLabel(field) + ">")
	})
	return out.String()
}

// forEachRevertPart splits text into literal runs and {field} placeholders.
// An unclosed brace is literal text.
func forEachRevertPart(text string, emit func(part, field string, isField bool)) {
	for text != "" {
		open := strings.IndexByte(text, revertFieldOpen)
		if open < 0 {
			emit(text, "", false)
			return
		}
		closing := strings.IndexByte(text[open+1:], revertFieldClose)
		if closing < 0 {
			emit(text, "", false)
			return
		}
		if open > 0 {
			emit(text[:open], "", false)
		}
		emit("", text[open+1:open+1+closing], true)
		text = text[open+1+closing+1:]
	}
}

// revertFieldLabel names a placeholder for display: the last key of its
// first alternative.
func revertFieldLabel(field string) string {
	first, _, _ := strings.Cut(field, revertAlternative)
	if i := strings.LastIndexByte(first, '.'); i >= 0 {
		return first[i+1:]
	}
	return first
}

// revertFieldPaths returns the alternatives of a placeholder, trimmed.
func revertFieldPaths(field string) []string {
	alts := strings.Split(field, revertAlternative)
	for i := range alts {
		alts[i] = strings.TrimSpace(alts[i])
	}
	return alts
}

// resolveRevertField returns the shell-quoted value of the first alternative
// that resolves.
func resolveRevertField(field string, params any) (string, bool) {
	for _, path := range revertFieldPaths(field) {
		values, ok := resolveParamPath(params, path)
		if !ok {
			continue
		}
		quoted := make([]string, len(values))
		for i, v := range values {
			quoted[i] = shellQuote(v)
		}
		return strings.Join(quoted, " "), true
	}
	return "", false
}

// resolveParamPath walks a dotted path through decoded JSON and returns the
// scalar values it ends on.
func resolveParamPath(root any, path string) ([]string, bool) {
	if path == "" {
		return nil, false
	}
	current := []any{root}
	for _, key := range strings.Split(path, ".") {
		var next []any
		for _, node := range current {
			switch v := node.(type) {
			case map[string]any:
				if child, ok := lookupParamKey(v, key); ok {
					next = append(next, child)
				}
			case []any:
				if key == "*" {
					next = append(next, v...)
				} else if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(v) {
					next = append(next, v[i])
				}
			}
		}
		if len(next) == 0 {
			return nil, false
		}
		current = next
	}
	var values []string
	for _, node := range current {
		scalars, ok := paramScalars(node)
		if !ok {
			return nil, false
		}
		values = append(values, scalars...)
	}
	return values, len(values) > 0
}

// lookupParamKey finds key in m, exactly or else ignoring case.
func lookupParamKey(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// paramScalars turns a JSON value into the strings a revert text can show.
// Objects other than EC2's {"content": v} wrappers, nulls, empty strings and
// text with control characters or over maxRevertValueLen are not shown.
func paramScalars(node any) ([]string, bool) {
	switch v := node.(type) {
	case string:
		if v == "" || len(v) > maxRevertValueLen || strings.ContainsFunc(v, unicode.IsControl) {
			return nil, false
		}
		return []string{v}, true
	case json.Number:
		return []string{v.String()}, true
	case bool:
		return []string{strconv.FormatBool(v)}, true
	case map[string]any:
		if content, ok := v["content"]; ok {
			if _, nested := content.(map[string]any); !nested {
				return paramScalars(content)
			}
		}
		return nil, false
	case []any:
		var values []string
		for _, item := range v {
			if _, nested := item.([]any); nested {
				return nil, false
			}
			scalars, ok := paramScalars(item)
			if !ok {
				return nil, false
			}
			values = append(values, scalars...)
		}
		return values, len(values) > 0
	}
	return nil, false
}

// shellQuote leaves words made of characters no POSIX shell treats specially
// as they are and wraps anything else in single quotes.
func shellQuote(s string) string {
	safe := !strings.ContainsFunc(s, func(r rune) bool {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return false
		}
		return !strings.ContainsRune("@%+=:,./_-", r)
	})
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// PreviousValue is one field a change replaced: what it was before and what
// the change set.
type PreviousValue struct {
	Key string
	Was string
	Now string
}

// placeholder matches what a template leaves for the reader to supply,
// "<previous revision>" or an unfilled "<versionId>".
var placeholder = regexp.MustCompile(`<[A-Za-z][^<>]{0,40}>`)

// RevertToPrevious is the revert text of an event that names the values to go
// back to. With previous values read from an earlier record (source says
// which), it leads with them as "key value" pairs, the way the CLI and the
// consoles show fields. No placeholder is left: each becomes "the previous
// …", and without previous values whereToLook says where they are recorded.
func (k ChangeKind) RevertToPrevious(requestParameters json.RawMessage, previous []PreviousValue, source, whereToLook string) string {
	// A placeholder is named, not filled: which previous value belongs in it
	// is not known, and a wrong one in a command is worse than none.
	text := placeholder.ReplaceAllStringFunc(k.RevertFor(requestParameters), func(p string) string {
		return "the previous " + strings.TrimPrefix(strings.Trim(p, "<>"), "previous ")
	})
	if len(previous) == 0 {
		if whereToLook == "" {
			return text
		}
		return strings.TrimSuffix(text, ".") + ". The previous value is recorded in " + whereToLook + "."
	}
	lead := "Set back to the previous value: "
	removed := true
	for _, p := range previous {
		removed = removed && p.Now == ""
	}
	if removed {
		lead = "Recreate what it removed: "
	}
	parts := make([]string, len(previous))
	for i, p := range previous {
		parts[i] = p.Key + " " + p.Was
		if p.Now != "" {
			parts[i] += " (the change set " + p.Now + ")"
		}
	}
	lead += strings.Join(parts, "; ")
	if source != "" {
		lead += ", as " + source + " records it"
	}
	return lead + ". " + text
}

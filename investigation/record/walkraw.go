package record

import (
	"encoding/json"
	"slices"
	"strings"
)

// walkRaw is walk over a JSON value's bytes: it visits what walk visits in
// the value encoding/json decodes from v (objects' keys unquoted, the last
// of repeated keys kept, in sorted order) without building that value.
// v must be valid JSON the splitter reads whole (see walkable).
func (c *collector) walkRaw(v []byte, key, owner string, depth int, request bool) {
	if depth > maxWalkDepth || len(v) == 0 {
		return
	}
	switch v[0] {
	case '"':
		c.value(key, owner, jsonString(v), request)
	case '[':
		s := splitter{data: v, i: 1}
		for {
			s.space()
			if s.i >= len(v) || s.at(']') {
				return
			}
			start := s.i
			if !s.value(0) {
				return
			}
			c.walkRaw(v[start:s.i], key, owner, depth+1, request)
			s.space()
			if s.at(',') {
				s.i++
			}
		}
	case '{':
		members := rawMembers(v)
		// EC2's newer APIs wrap scalars: {"tag": 1, "content": "fl-0123…"}.
		if len(members) <= 2 {
			for _, m := range members {
				if m.key == "content" && len(m.value) > 0 && m.value[0] == '"' {
					c.value(key, owner, jsonString(m.value), request)
					return
				}
			}
		}
		for _, m := range members {
			lk := strings.ToLower(m.key)
			switch {
			case skippedSubtrees[lk]:
			case containerKeys[lk]:
				c.walkRaw(m.value, key, owner, depth+1, request)
			default:
				c.walkRaw(m.value, lk, key, depth+1, request)
			}
		}
	}
}

type member struct {
	key   string
	value []byte
}

// rawMembers are an object's members as a Go map of them would hold them:
// one per key, the last one written, sorted by key.
func rawMembers(v []byte) []member {
	var members []member
	s := splitter{data: v, i: 1}
	for {
		s.space()
		if s.i >= len(v) || s.at('}') {
			break
		}
		start := s.i
		key, _, ok := s.key()
		if !ok {
			break
		}
		valStart := s.i
		if !s.value(0) {
			break
		}
		members = append(members, member{key: jsonString(v[start : start+len(key)+2]), value: v[valStart:s.i]})
		s.space()
		if s.at(',') {
			s.i++
		}
	}
	slices.SortStableFunc(members, func(a, b member) int { return strings.Compare(a.key, b.key) })
	out := members[:0]
	for i, m := range members {
		if i+1 < len(members) && members[i+1].key == m.key {
			continue // a later one of the same key wins
		}
		out = append(out, m)
	}
	return out
}

// jsonString unquotes a JSON string as encoding/json does; a plain ASCII
// one is taken as it is.
func jsonString(v []byte) string {
	var s string
	setString(&s, v)
	return s
}

// walkable reports whether walkRaw can read v: valid JSON within the
// splitter's depth, with nothing after it.
func walkable(v []byte) bool {
	s := splitter{data: v}
	if s.space(); s.i != 0 || !s.value(0) {
		return false
	}
	s.space()
	return s.i == len(v)
}

// walkDecoded is walkJSON through encoding/json, for values walkRaw cannot
// read.
func (c *collector) walkDecoded(raw json.RawMessage, request bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return
	}
	c.walk(v, "", "", 0, request)
}

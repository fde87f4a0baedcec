package redact

import (
	"bytes"
	"encoding/json"
	"strings"
)

// The JSON walker rewrites a validated document in place of a decode and
// re-encode: a decode into map[string]any would reorder keys (eventID
// would no longer come first), reformat numbers and whitespace, and
// allocate the whole tree. Only strings that change are re-encoded;
// every other byte is copied as it was.

// mode is what the position of a value says about it.
type mode uint8

const (
	plain  mode = iota
	hidden      // under a credential key or an environment: every scalar is hidden
	entry       // an object in an environment list: a name/value entry
	env         // an environment shape (see envKind) not yet entered
)

type ctx struct {
	mode mode
	kind Kind // for hidden: what is counted
	env  int  // for env: which shape
	elem bool // an array element: where name/value pairs live
}

// maxScanDepth bounds the nesting at which the walker still looks ahead
// in an object (for an entry's type, a pair's name, an environment's
// members), so that crafted nesting cannot make the look-ahead quadratic.
// Deeper, environment values are hidden without looking, and other pairs
// are judged by their member names alone.
const maxScanDepth = 32

type walker struct {
	r     *Redactor
	in    []byte
	out   []byte
	done  int // in[:done] is already in out
	depth int
	kbuf  [maxKey]byte // the current member's normalised name
}

func (r *Redactor) json(b []byte, c ctx) []byte {
	if !json.Valid(b) {
		t := r.Text(string(b))
		if looksJSON(t) {
			// Redaction made it valid (it removed what broke it): walk it
			// now, as a second call would, so that JSON is idempotent.
			return r.json([]byte(t), c)
		}
		return []byte(t)
	}
	w := walker{r: r, in: b, out: make([]byte, 0, len(b)+64)}
	w.value(skipWS(b, 0), c)
	return append(w.out, b[w.done:]...)
}

// replace puts repl in place of in[start:end].
func (w *walker) replace(start, end int, repl []byte) {
	w.out = append(w.out, w.in[w.done:start]...)
	w.out = append(w.out, repl...)
	w.done = end
}

func (w *walker) value(i int, c ctx) int {
	switch w.in[i] {
	case '{':
		return w.object(i, c)
	case '[':
		return w.array(i, c)
	case '"':
		end := stringEnd(w.in, i)
		w.str(i, end, c)
		return end
	}
	end := scalarEnd(w.in, i)
	if c.mode == hidden && w.in[i] != 't' && w.in[i] != 'f' && w.in[i] != 'n' {
		// A number under a credential key (a PIN, a numeric password).
		w.r.count(c.kind)
		w.replace(i, end, []byte(`"`+Marker+`"`))
	}
	return end
}

// str redacts one string value.
func (w *walker) str(start, end int, c ctx) {
	s := decodeString(w.in[start:end])
	var t string
	switch c.mode {
	case hidden:
		t = w.r.mask(s, c.kind)
	default:
		t = w.r.stringValue(s)
	}
	if t != s {
		w.replace(start, end, encodeString(t))
	}
}

// stringValue redacts a string that is not under a credential key: JSON
// inside it (a policy, a Step Functions input, a secret's JSON) is walked
// like any document and re-encoded by the caller; anything else is text.
func (r *Redactor) stringValue(s string) string {
	if looksJSON(s) {
		return string(r.json([]byte(s), ctx{}))
	}
	t := r.Text(s)
	if t != s && looksJSON(t) {
		// Redaction made it JSON; walk it now, as a second pass would.
		return string(r.json([]byte(t), ctx{}))
	}
	return t
}

func (w *walker) array(i int, c ctx) int {
	w.depth++
	defer func() { w.depth-- }()
	elem := c
	switch {
	case c.mode == env && c.env == envList:
		elem = ctx{mode: entry}
	case c.mode == env || c.mode == entry:
		elem = ctx{mode: hidden, kind: Environment}
	case c.mode == plain:
		elem = ctx{elem: true}
	}
	i++
	for {
		i = skipWS(w.in, i)
		switch w.in[i] {
		case ']':
			return i + 1
		case ',':
			i++
			continue
		}
		if elem.mode == entry && w.in[i] == '"' {
			// Docker's "Env": ["NAME=value"].
			end := stringEnd(w.in, i)
			w.envString(i, end)
			i = end
			continue
		}
		i = w.value(i, elem)
	}
}

// envString hides the value of one "NAME=value" string, keeping the name.
func (w *walker) envString(start, end int) {
	s := decodeString(w.in[start:end])
	name, val, ok := strings.Cut(s, "=")
	if !ok {
		w.str(start, end, ctx{})
		return
	}
	if m := w.r.mask(val, Environment); m != val {
		w.replace(start, end, encodeString(w.r.Text(name)+"="+m))
	}
}

func (w *walker) object(i int, c ctx) int {
	w.depth++
	defer func() { w.depth-- }()
	hideValues := false
	switch {
	case c.mode == entry:
		hideValues = w.entryHidesValue(i)
	case c.mode == plain && c.elem && w.depth <= maxScanDepth:
		// Outside an environment, a name/value pair hides its value when
		// the name is a credential's (a CloudFormation parameter
		// DBPassword, a tag named token). Pairs are array elements; looking
		// ahead only there keeps the walk linear on ordinary nesting.
		hideValues = w.pairHidesValue(i)
	case c.mode == env && c.env == envContainer && !w.isContainer(i):
		c.env = envMap
	}
	i++
	for {
		i = skipWS(w.in, i)
		switch w.in[i] {
		case '}':
			return i + 1
		case ',':
			i++
			continue
		}
		ks, ke := i, stringEnd(w.in, i)
		key := w.key(ks, ke)
		i = skipWS(w.in, ke) + 1 // the ':'
		i = skipWS(w.in, i)
		i = w.value(i, w.child(c, key, w.in[i], hideValues))
	}
}

// key redacts a member name as text (a name is rarely a secret, but a
// document can hold anything) and returns it, normalised, for the
// decisions about its value.
func (w *walker) key(start, end int) []byte {
	k := decodeString(w.in[start:end])
	if t := w.r.Text(k); t != k {
		w.replace(start, end, encodeString(t))
		k = t
	}
	// The buffer is shared: child reads the result before the walk goes
	// deeper and overwrites it.
	return normKey(w.kbuf[:0], k)
}

// child is the context of a member's value.
func (w *walker) child(c ctx, nk []byte, first byte, hideValues bool) ctx {
	switch {
	case c.mode == hidden:
		return c
	case c.mode == env && c.env == envMap:
		return ctx{mode: hidden, kind: Environment}
	case hideValues && pairValueKeys[string(nk)]:
		return ctx{mode: hidden, kind: Environment}
	case credentialKey(nk):
		return ctx{mode: hidden, kind: kindOfKey(nk, CredentialField)}
	}
	parent := envNone
	if c.mode == env {
		parent = c.env
	}
	if e := envKind(nk, first, parent); e != envNone {
		return ctx{mode: env, env: e}
	}
	return ctx{}
}

// members calls f with each member's normalised name and the start of its
// value, without writing anything.
func (w *walker) members(i int, f func(nk []byte, v int)) {
	var buf [maxKey]byte
	i++
	for {
		i = skipWS(w.in, i)
		switch w.in[i] {
		case '}':
			return
		case ',':
			i++
			continue
		}
		ke := stringEnd(w.in, i)
		nk := normKey(buf[:0], decodeString(w.in[i:ke]))
		v := skipWS(w.in, skipWS(w.in, ke)+1)
		f(nk, v)
		i = skipValue(w.in, v)
	}
}

// stringAt decodes the string at v, or "" when the value is not a string.
func (w *walker) stringAt(v int) string {
	if w.in[v] != '"' {
		return ""
	}
	return decodeString(w.in[v:stringEnd(w.in, v)])
}

// entryHidesValue decides for an environment entry: its value is hidden
// unless its type says the value names a parameter or secret.
func (w *walker) entryHidesValue(i int) bool {
	if w.depth > maxScanDepth {
		return true
	}
	hide := true
	w.members(i, func(nk []byte, v int) {
		if string(nk) == "type" && referenceTypes[w.stringAt(v)] {
			hide = false
		}
	})
	return hide
}

// pairHidesValue decides for any other object: a name/value pair whose
// name is a credential's, or an Elastic Beanstalk environment property.
func (w *walker) pairHidesValue(i int) bool {
	hide := false
	var buf [maxKey]byte
	w.members(i, func(nk []byte, v int) {
		switch {
		case pairNameKeys[string(nk)]:
			if credentialKey(normKey(buf[:0], w.stringAt(v))) {
				hide = true
			}
		case string(nk) == "namespace":
			if strings.HasSuffix(w.stringAt(v), beanstalkEnvNamespace) {
				hide = true
			}
		}
	})
	return hide
}

// isContainer tells CodeBuild's and Lambda's environment object (which
// holds the variables under a member) from a plain map of variables.
func (w *walker) isContainer(i int) bool {
	if w.depth > maxScanDepth {
		return false
	}
	found := false
	w.members(i, func(nk []byte, _ int) {
		if containerKeys[string(nk)] {
			found = true
		}
	})
	return found
}

func looksJSON(s string) bool {
	t := strings.TrimLeft(s, " \t\r\n")
	return t != "" && (t[0] == '{' || t[0] == '[') && json.Valid([]byte(s))
}

func decodeString(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return string(raw[1 : len(raw)-1])
	}
	return s
}

func encodeString(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Slack and people read the output; \u003c for '<' only hinders them,
	// and the blocks package escapes for Slack itself.
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the closing quote of the string that
// opens at i. The document is valid, so the quote exists.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

func scalarEnd(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ',', ']', '}', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
	default:
		return scalarEnd(b, i)
	}
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = stringEnd(b, i) - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return i
}

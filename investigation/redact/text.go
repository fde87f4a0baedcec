package redact

import (
	"regexp"
	"sort"
	"strings"
)

// A rule finds one credential shape in text. It looks for its anchors
// (literal strings every match starts with) and runs its expression,
// anchored, only where one occurs: most text holds no credential, a
// substring search costs little, and Go's matcher run over a whole line
// costs microseconds per rule.
type rule struct {
	kind    Kind
	anchors []string // where a match starts; lower-case when fold
	fold    bool     // anchors are searched case-insensitively
	word    bool     // a match must not start inside a word
	span    int      // the longest match; 0 for no bound
	// failRun: when an attempt at an anchor fails, no later anchor in
	// the run of alphanumerics and these characters can match either
	// (the run ends where the first attempt ended), so the search goes on
	// after the run. It keeps repeated anchors ("eyJeyJeyJ…") linear.
	failRun string
	re      *regexp.Regexp
	// match, when set, replaces re: a hand-written matcher for shapes
	// an expression would scan slowly. It returns the match as
	// FindStringSubmatchIndex would, or nil.
	match func(s, lower string, at int) []int
	// repl returns what replaces s[m[0]:end]; end may reach past the
	// match when the value's extent is decided in code (a quoted value).
	// ok false leaves the match as it is. Nil hides the whole match.
	repl func(s string, m []int) (end int, out string, k Kind, ok bool)
}

func anchored(expr string) *regexp.Regexp { return regexp.MustCompile(`^(?:` + expr + `)`) }

var rules = []*rule{
	{kind: PrivateKey, anchors: []string{"-----BEGIN "}, repl: keepGroups, re: anchored(
		`(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)(?:\[redacted\]|[A-Za-z0-9+/=\s\\:,.]|-[A-Za-z0-9])*(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)?`)},
	{kind: Authorization, span: 64, anchors: []string{"authorization"}, fold: true, word: true, repl: authorization,
		re: anchored(`(?i)authorization\\?["']?[ \t]*[:=][ \t]*\\?["']?`)},
	{kind: Authorization, span: 16384, anchors: []string{"bearer"}, fold: true, word: true, repl: keepGroup1,
		re: anchored(`(?i)(bearer[ \t]+)[A-Za-z0-9._~+/-]{16,}=*`)},
	{kind: URLPassword, anchors: []string{"://"}, match: urlUserinfo, repl: urlPassword},
	// The anchor is the word that ends a name; keyValue reads the rest of
	// the name backwards and the value forwards.
	{kind: KeyValue, anchors: []string{"pass", "pwd", "token", "secret", "key", "sig", "credentials", "cookie"}, fold: true,
		match: nameSeparator, repl: keyValue},
	{kind: SessionToken, span: 16384, failRun: "/+=%", anchors: []string{"IQoJb3JpZ2lu", "FwoGZXIvYXdz", "FQoGZXIvYXdz"},
		re: anchored(`(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=%]{16,}`)},
	{kind: SecretAccessKey, span: 80, anchors: []string{"AKIA", "ASIA"}, repl: secretNextToKeyID,
		re: anchored(`((?:AKIA|ASIA)(?:[A-Z0-9]{16}|\[redacted\])[\s,;:|="'\\]{1,6})[A-Za-z0-9/+]{40}`)},
	{kind: AccessKeyID, span: 21, anchors: idPrefixes, repl: keyID,
		re: anchored(`(` + strings.Join(idPrefixes, "|") + `)[A-Z0-9]{16,17}`)},
	{kind: VendorToken, span: 512, anchors: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}, word: true, repl: keepGroup1,
		re: anchored(`(gh[pousr]_|github_pat_)[A-Za-z0-9_.-]{22,}`)},
	{kind: VendorToken, span: 512, anchors: []string{"xox", "xapp-"}, word: true, repl: keepGroup1,
		re: anchored(`(xox[a-z]-|xapp-)[A-Za-z0-9-]{8,}`)},
	{kind: VendorToken, span: 512, anchors: []string{"hooks.slack.com/"}, repl: keepGroup1,
		re: anchored(`(hooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9/_-]+`)},
	{kind: VendorToken, span: 512, anchors: []string{"sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"}, word: true, repl: keepGroup1,
		re: anchored(`((?:sk|rk)_(?:live|test)_|whsec_)[A-Za-z0-9]{10,}`)},
	{kind: VendorToken, span: 39, anchors: []string{"AIza"}, repl: keepGroup1, re: anchored(`(AIza)[0-9A-Za-z_-]{35}`)},
	{kind: JWT, span: 16384, failRun: "_-", anchors: []string{"eyJ"}, word: true,
		re: anchored(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`)},
}

// idPrefixes are the IAM unique-identifier prefixes (IAM User Guide,
// "Understanding unique ID prefixes"): access keys (AKIA, ASIA), users,
// roles, groups, instance profiles, policies and their versions, public
// keys, certificates, bearer tokens and context-specific credentials.
var idPrefixes = []string{"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA", "ABIA", "ACCA", "ASCA"}

// textOnce runs every rule whose anchor occurs, once.
func (r *Redactor) textOnce(s string) string {
	present := anchorsIn(s)
	if present == 0 {
		return s
	}
	lower := ""
	for i, ru := range rules {
		if present&(1<<i) == 0 {
			continue
		}
		if ru.fold && lower == "" {
			lower = asciiLower(s)
		}
		if ms := ru.find(s, lower); ms != nil {
			s = r.apply(ru, s, ms)
			lower = ""
		}
	}
	return s
}

// anchorsByByte lists, for each byte an anchor can start with (both cases
// for a folded anchor), the rules and anchors starting with it. One pass
// over a string then tells which rules can match at all: a line without a
// credential costs one table lookup a byte.
var anchorsByByte = func() (t [256][]anchorRef) {
	if len(rules) > 32 {
		panic("redact: more rules than bits in anchorsIn's set")
	}
	for i, ru := range rules {
		for _, a := range ru.anchors {
			ref := anchorRef{rule: i, anchor: a, fold: ru.fold}
			t[a[0]] = append(t[a[0]], ref)
			if ru.fold && 'a' <= a[0] && a[0] <= 'z' {
				t[a[0]-'a'+'A'] = append(t[a[0]-'a'+'A'], ref)
			}
		}
	}
	return t
}()

type anchorRef struct {
	rule   int
	anchor string
	fold   bool
}

// anchorsIn returns the set of rules (bit i for rules[i]) with an anchor
// in s.
func anchorsIn(s string) uint32 {
	var set uint32
	for i := 0; i < len(s); i++ {
		for _, ref := range anchorsByByte[s[i]] {
			if set&(1<<ref.rule) != 0 || len(s)-i < len(ref.anchor) {
				continue
			}
			w := s[i : i+len(ref.anchor)]
			if w == ref.anchor || ref.fold && strings.EqualFold(w, ref.anchor) {
				set |= 1 << ref.rule
			}
		}
	}
	return set
}

// find returns the rule's matches in s, in order.
func (ru *rule) find(s, lower string) [][]int {
	hay := s
	if ru.fold {
		hay = lower
	}
	var ms [][]int
	for _, a := range ru.anchors {
		for from := 0; ; {
			k := strings.Index(hay[from:], a)
			if k < 0 {
				break
			}
			at := from + k
			from = at + 1
			if ru.word && at > 0 && isWordChar(s[at-1]) {
				continue
			}
			if ru.match != nil {
				if m := ru.match(s, lower, at); m != nil {
					ms = append(ms, m)
				}
				continue
			}
			// The window bounds the matcher's work: Go's backtracker
			// allocates for the whole input it is given.
			win := s[at:]
			if ru.span > 0 && len(win) > ru.span {
				win = win[:ru.span]
			}
			m := ru.re.FindStringSubmatchIndex(win)
			if m == nil {
				if ru.failRun != "" {
					from = max(from, runEnd(s, at, ru.failRun))
				}
				continue
			}
			for i := range m {
				if m[i] >= 0 {
					m[i] += at
				}
			}
			ms = append(ms, m)
			// Anchors inside a match would only be skipped by apply.
			from = max(from, m[1])
		}
	}
	if len(ru.anchors) > 1 {
		sort.Slice(ms, func(i, j int) bool { return ms[i][0] < ms[j][0] })
	}
	return ms
}

func (r *Redactor) apply(ru *rule, s string, ms [][]int) string {
	var b strings.Builder
	last := 0
	for _, m := range ms {
		if m[0] < last {
			continue // inside a value an earlier match already replaced
		}
		end, out, k := m[1], Marker, ru.kind
		if ru.repl != nil {
			var ok bool
			if end, out, k, ok = ru.repl(s, m); !ok {
				continue
			}
		}
		if out == s[m[0]:end] {
			continue
		}
		if k == ruleKind {
			k = ru.kind
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(out)
		last = end
		r.count(k)
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// urlUserinfo matches user:password@ in a URL whose "://" is at at:
// groups are the kept part (scheme, user and ':') and the password.
func urlUserinfo(s, _ string, at int) []int {
	start := at
	for start > 0 && (isAlnum(s[start-1]) || strings.IndexByte("+.-", s[start-1]) >= 0) {
		start--
	}
	for start < at && !isLetter(s[start]) {
		start++
	}
	if start == at {
		return nil
	}
	// The authority ends at the path, query, fragment or the URL's end;
	// its last '@' ends the userinfo (a password may hold an '@').
	auth := at + 3
	end := auth
	for end < len(s) && strings.IndexByte("/?#\"'<> \t\r\n", s[end]) < 0 {
		end++
	}
	atSign := strings.LastIndexByte(s[auth:end], '@')
	if atSign < 0 {
		return nil
	}
	atSign += auth
	colon := strings.IndexByte(s[auth:atSign], ':')
	if colon < 0 {
		return nil
	}
	colon += auth
	return []int{start, atSign + 1, start, colon + 1, colon + 1, atSign}
}

// keywords are the words that end a credential's name in text, longest
// first where one is the start of another.
var keywords = []string{"password", "passwd", "passphrase", "pwd", "token", "secret", "key", "signature", "sig", "credentials", "cookie"}

// nameSeparator matches a keyword at at and the separator after it
// (optional escaped quote, blanks, ':' or '=', blanks, optional quote).
// Groups: the separator, and the opening quote of a quoted value.
func nameSeparator(s, lower string, at int) []int {
	kw := ""
	for _, k := range keywords {
		if strings.HasPrefix(lower[at:], k) {
			kw = k
			break
		}
	}
	if kw == "" {
		return nil
	}
	i := at + len(kw)
	sep := i
	i = skipQuote(s, i)
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i == len(s) || s[i] != ':' && s[i] != '=' {
		return nil
	}
	i++
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	q := i
	i = skipQuote(s, i)
	if i == q {
		return []int{at, i, sep, i, -1, -1}
	}
	return []int{at, i, sep, i, q, i}
}

// skipQuote skips a quote, escaped or not, at i.
func skipQuote(s string, i int) int {
	j := i
	if j < len(s) && s[j] == '\\' {
		j++
	}
	if j < len(s) && (s[j] == '"' || s[j] == '\'') {
		return j + 1
	}
	return i
}

// runEnd is the end of the run of alphanumerics and extra characters
// starting at i.
func runEnd(s string, i int, extra string) int {
	for i < len(s) && (isAlnum(s[i]) || strings.IndexByte(extra, s[i]) >= 0) {
		i++
	}
	return i
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// asciiLower lower-cases ASCII letters only, so that offsets in the result
// are offsets in s (strings.ToLower may change a string's length).
func asciiLower(s string) string {
	if strings.IndexFunc(s, func(c rune) bool { return 'A' <= c && c <= 'Z' }) < 0 {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func isWordChar(c byte) bool { return isAlnum(c) || c == '_' }

// keepGroup1 keeps the first group (a token's kind prefix, "Bearer ") and
// hides the rest of the match.
func keepGroup1(s string, m []int) (int, string, Kind, bool) {
	return m[1], s[m[2]:m[3]] + Marker, ruleKind, true
}

// ruleKind, returned by a repl, counts the match under the rule's kind.
const ruleKind Kind = -1

// keepGroups keeps a private key's BEGIN and END lines around the marker,
// so a reader still sees that a key was there and of which kind.
func keepGroups(s string, m []int) (int, string, Kind, bool) {
	end := ""
	if m[4] >= 0 {
		end = s[m[4]:m[5]]
	}
	return m[1], s[m[2]:m[3]] + Marker + end, PrivateKey, true
}

func urlPassword(s string, m []int) (int, string, Kind, bool) {
	return m[1], s[m[2]:m[3]] + Marker + "@", URLPassword, true
}

func secretNextToKeyID(s string, m []int) (int, string, Kind, bool) {
	if m[1] < len(s) && isBase64Char(s[m[1]]) {
		return 0, "", 0, false // longer than a secret key: some other string
	}
	return m[1], s[m[2]:m[3]] + Marker, SecretAccessKey, true
}

// keyID hides an IAM id that stands alone: one inside a longer word is a
// coincidence (base64, a hash), not an id.
func keyID(s string, m []int) (int, string, Kind, bool) {
	if m[0] > 0 && isAlnum(s[m[0]-1]) || m[1] < len(s) && isAlnum(s[m[1]]) {
		return 0, "", 0, false
	}
	return m[1], s[m[2]:m[3]] + Marker, AccessKeyID, true
}

// authorization hides an Authorization header's credentials. The scheme
// stays; AWS SigV4 ("AWS4-HMAC-SHA256 Credential=…, Signature=…") is left
// to the key-id and signature rules, which keep the credential scope
// (date, region, service) a person may need.
func authorization(s string, m []int) (int, string, Kind, bool) {
	i := m[1]
	j := i
	for j < len(s) && (isAlnum(s[j]) || s[j] == '-' || s[j] == '_') {
		j++
	}
	scheme := strings.ToLower(s[i:j])
	if strings.HasPrefix(scheme, "aws4-") || scheme == "digest" {
		return 0, "", 0, false
	}
	start := i
	if authSchemes[scheme] && j < len(s) && (s[j] == ' ' || s[j] == '\t') {
		start = j
		for start < len(s) && (s[start] == ' ' || s[start] == '\t') {
			start++
		}
	}
	end := start
	for end < len(s) && !strings.ContainsRune(" \t\r\n\"',;\\", rune(s[end])) {
		end++
	}
	if end == start || strings.HasPrefix(s[start:], Marker) {
		return 0, "", 0, false
	}
	if start == i && end-start < 8 {
		// No scheme and too short for a raw token: prose ("authorization:
		// the role lacked it"), not a header.
		return 0, "", 0, false
	}
	return end, s[m[0]:start] + Marker, Authorization, true
}

// authSchemes are the HTTP authentication schemes whose credentials
// follow them after a blank (RFC 9110 and common practice), plus AWS's
// SigV2 "AWS keyid:signature".
var authSchemes = map[string]bool{
	"bearer": true, "basic": true, "token": true, "negotiate": true, "ntlm": true,
	"aws": true, "apikey": true, "api-key": true, "key": true, "sso-key": true, "dpop": true,
}

// keyValue hides the value after a credential's name in key=value text,
// query strings, headers, YAML or JSON seen as text. The name decides
// (credentialKey), so "nextToken=…" and "key=uploads/a.txt" stay.
func keyValue(s string, m []int) (int, string, Kind, bool) {
	name := m[0]
	for name > 0 && (isAlnum(s[name-1]) || strings.IndexByte("_.-", s[name-1]) >= 0) {
		name--
	}
	var buf [maxKey]byte
	nk := normKey(buf[:0], s[name:m[2]])
	if !credentialKey(nk) {
		return 0, "", 0, false
	}
	if name > 0 && s[name-1] == ':' && !strings.Contains(s[m[2]:m[3]], "=") {
		// An ARN's segment ("…:secret:prod/db"), not a name and its value.
		return 0, "", 0, false
	}
	start, end := m[1], -1
	if m[4] >= 0 { // quoted: up to the same quote
		if k := strings.Index(s[start:], s[m[4]:m[5]]); k >= 0 {
			end = start + k
		}
	}
	if end < 0 {
		end = start
		for end < len(s) && !strings.ContainsRune(" \t\r\n\"'&;,<>(){}[]\\", rune(s[end])) {
			end++
		}
	}
	if strings.HasPrefix(s[end:], Marker) {
		end += len(Marker) // a kind prefix already masked: "ghp_[redacted]"
	}
	v := s[start:end]
	if v == "" || strings.HasPrefix(v, Marker) || isARN(v) {
		return 0, "", 0, false
	}
	return end, s[m[0]:start] + masked(v), kindOfKey(nk, KeyValue), true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isBase64Char(c byte) bool {
	return isAlnum(c) || c == '/' || c == '+' || c == '='
}

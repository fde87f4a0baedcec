package engine

import "strings"

// Numbers that measure something (a duration, a size, a count, the parts of
// a clock or a decimal) are no HTTP status: "elapsedMs":404 or 10:21:42.503
// says nothing failed. They are masked before the status patterns read a line.
//
// maskMeasures does, in two byte scans, what these replacements do:
//
//	(?i)((?:duration|elapsed\w*|latency|took|memory used|age|bytes|size|count|records|ms|millis\w*|seconds|time\w*)["']?\s*[:=]?\s*)\d+ → ${1}#
//	\d+(?:[.:,]\d+)+|\d+\s?(?:ms|s|sec|MB|KB|GB|bytes)\b → #
//
// Expressions cost ten times the rest of a line's classification; the scans
// keep their exact output, case folding included ("ſ" is an "s" and the
// Kelvin sign a "k" under (?i)).
func maskMeasures(msg string) string {
	return maskNumberParts(maskMeasuredNumbers(msg))
}

// measureWords are the words after which a number is a measure; the
// ones marked wordTail may run on ("elapsedMs", "timeout").
var measureWords = []struct {
	word     string
	wordTail bool
}{
	{"duration", false}, {"elapsed", true}, {"latency", false}, {"took", false},
	{"memory used", false}, {"age", false}, {"bytes", false}, {"size", false},
	{"count", false}, {"records", false}, {"ms", false}, {"millis", true},
	{"seconds", false}, {"time", true},
}

// measureFirst marks the bytes a measure word can start with: its first
// letter in either case, and the lead byte of "ſ".
var measureFirst = func() (t [256]bool) {
	for _, w := range measureWords {
		c := w.word[0]
		t[c], t[c-'a'+'A'] = true, true
		if c == 's' {
			t[0xC5] = true
		}
	}
	return t
}()

func maskMeasuredNumbers(msg string) string {
	var b strings.Builder
	last := 0 // msg[:last] is written to b
	for i := 0; i < len(msg); i++ {
		if !measureFirst[msg[i]] {
			continue
		}
		ds, de := measuredDigits(msg, i)
		if ds < 0 {
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(msg))
		}
		b.WriteString(msg[last:ds])
		b.WriteByte('#')
		last = de
		i = de - 1
	}
	if last == 0 {
		return msg
	}
	b.WriteString(msg[last:])
	return b.String()
}

// measuredDigits returns the digits the measure expression replaces in a
// match starting at i, or -1. The words share no prefix, so at most one
// can match at i; the tail after the word admits one reading only.
func measuredDigits(msg string, i int) (int, int) {
	for _, w := range measureWords {
		end := foldPrefix(msg, i, w.word)
		if end < 0 {
			continue
		}
		if !w.wordTail {
			return measureTail(msg, end)
		}
		// \w* is greedy: the longest run of word characters first, then
		// shorter ones, where only a digit can start the tail.
		e := end
		for {
			n := foldWordLen(msg, e)
			if n == 0 {
				break
			}
			e += n
		}
		if ds, de := measureTail(msg, e); ds >= 0 {
			return ds, de
		}
		for k := e - 1; k >= end; k-- {
			if isDigit(msg[k]) {
				return k, k + 1
			}
		}
		return -1, -1
	}
	return -1, -1
}

// measureTail matches ["']?\s*[:=]?\s*\d+ at i and returns the digits.
func measureTail(msg string, i int) (int, int) {
	if i < len(msg) && (msg[i] == '"' || msg[i] == '\'') {
		i++
	}
	i = skipSpace(msg, i)
	if i < len(msg) && (msg[i] == ':' || msg[i] == '=') {
		i++
	}
	i = skipSpace(msg, i)
	ds := i
	for i < len(msg) && isDigit(msg[i]) {
		i++
	}
	if i == ds {
		return -1, -1
	}
	return ds, i
}

// foldPrefix matches word (lower-case ASCII) at i under Unicode simple case
// folding and returns where the match ends, or -1.
func foldPrefix(msg string, i int, word string) int {
	for j := 0; j < len(word); j++ {
		if i >= len(msg) {
			return -1
		}
		c, w := msg[i], word[j]
		switch {
		case c == w || (c >= 'A' && c <= 'Z' && c+'a'-'A' == w):
			i++
		case w == 's' && strings.HasPrefix(msg[i:], "\u017f"):
			i += len("\u017f")
		case w == 'k' && strings.HasPrefix(msg[i:], "\u212a"):
			i += len("\u212a")
		default:
			return -1
		}
	}
	return i
}

// foldWordLen is the length of the (?i)\w character at i, or 0: ASCII
// letters, digits and "_", and the two non-ASCII runes that fold to them.
func foldWordLen(msg string, i int) int {
	if i >= len(msg) {
		return 0
	}
	if isWordByte(msg[i]) {
		return 1
	}
	for _, r := range [...]string{"\u017f", "\u212a"} {
		if strings.HasPrefix(msg[i:], r) {
			return len(r)
		}
	}
	return 0
}

// maskNumberParts replaces, case-sensitively, numbers with parts (10:21:42,
// 1.5) and numbers with a unit (30ms, 12 MB) by "#".
func maskNumberParts(msg string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(msg); i++ {
		if !isDigit(msg[i]) || (i > 0 && isDigit(msg[i-1])) {
			continue
		}
		// A match can only start where a run of digits starts: a later
		// start in the run sees the same separators and units.
		end := numberPartsEnd(msg, i)
		if end < 0 {
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(msg))
		}
		b.WriteString(msg[last:i])
		b.WriteByte('#')
		last = end
		i = end - 1
	}
	if last == 0 {
		return msg
	}
	b.WriteString(msg[last:])
	return b.String()
}

// numberPartsEnd returns the end of the number-parts match at the digit run
// starting at i, or -1.
func numberPartsEnd(msg string, i int) int {
	r := digitsEnd(msg, i)
	if e := r; e+1 < len(msg) && isPartSep(msg[e]) && isDigit(msg[e+1]) {
		for e+1 < len(msg) && isPartSep(msg[e]) && isDigit(msg[e+1]) {
			e = digitsEnd(msg, e+1)
		}
		return e
	}
	q := r
	if q < len(msg) && isSpace(msg[q]) {
		q++
	}
	for _, unit := range [...]string{"ms", "s", "sec", "MB", "KB", "GB", "bytes"} {
		if e := q + len(unit); strings.HasPrefix(msg[q:], unit) && (e == len(msg) || !isWordByte(msg[e])) {
			return e
		}
	}
	return -1
}

func digitsEnd(msg string, i int) int {
	for i < len(msg) && isDigit(msg[i]) {
		i++
	}
	return i
}

func skipSpace(msg string, i int) int {
	for i < len(msg) && isSpace(msg[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool   { return c >= '0' && c <= '9' }
func isPartSep(c byte) bool { return c == '.' || c == ':' || c == ',' }

// isSpace is \s of the expressions: [\t\n\f\r ].
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

package record

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// nameNeedles are the bytes a record naming one of names must hold: each
// name's last "/"-separated part, which every reading of a record (an ARN's
// tail, "/"+path of a parameter, "targetgroup/"+rest) copies whole. Nil
// means no record can be dropped by name: none were given, or one could be
// written in a record other than as its bytes. A replacement character is
// one: the decode reads any byte that is not valid UTF-8 as U+FFFD.
func nameNeedles(names []string) [][]byte {
	if len(names) == 0 {
		return nil
	}
	needles := make([][]byte, 0, len(names))
	for _, n := range names {
		tail := n[strings.LastIndexByte(n, '/')+1:]
		if tail == "" || strings.ContainsFunc(tail, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' || r == '%' || r == utf8.RuneError }) {
			return nil
		}
		needles = append(needles, []byte(tail))
	}
	return needles
}

// mayName reports whether raw may name a resource that holds a needle. A
// string in JSON may hide a byte behind a \u escape, and a parameter behind
// URL encoding ("arn%3Aaws…", a queue URL's path: decoded once), so a record
// with either that may stand for one of the needles' bytes is kept. The
// other escapes stand for a quote, a backslash, a slash or a control
// character, none of which a needle holds.
func mayName(raw []byte, needles [][]byte) bool {
	for _, n := range needles {
		if bytes.Contains(raw, n) {
			return true
		}
	}
	set := needleBytes(needles)
	return percentMayHide(raw, set) || escapeMayHide(raw, set)
}

// needleBytes are the bytes the needles hold, and "%": a \u escape for it
// may start a URL encoding.
func needleBytes(needles [][]byte) *[256]bool {
	var set [256]bool
	for _, n := range needles {
		for _, c := range n {
			set[c] = true
		}
	}
	set['%'] = true
	return &set
}

// percentMayHide reports whether a URL encoding in raw may stand for a byte
// of set: "%" and two hex digits for one of set's or beyond ASCII, or "%"
// and anything else (an escaped digit, say).
func percentMayHide(raw []byte, set *[256]bool) bool {
	for i := bytes.IndexByte(raw, '%'); i >= 0; {
		if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
			return true
		}
		if c := unhex(raw[i+1])<<4 | unhex(raw[i+2]); c >= 0x80 || set[c] {
			return true
		}
		next := bytes.IndexByte(raw[i+1:], '%')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// escapeMayHide reports whether a \u escape in raw may stand for a byte of
// set: one for a character of set or beyond ASCII (whose UTF-8 bytes are),
// or one cut short.
func escapeMayHide(raw []byte, set *[256]bool) bool {
	for i := bytes.IndexByte(raw, '\\'); i >= 0; {
		if i+1 >= len(raw) {
			return true
		}
		if raw[i+1] == 'u' {
			if i+6 > len(raw) {
				return true
			}
			r, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
			if err != nil || r >= 0x80 || set[r] {
				return true
			}
		}
		next := bytes.IndexByte(raw[i+2:], '\\')
		if next < 0 {
			break
		}
		i += 2 + next
	}
	return false
}

// nameMarks says for each entry whether it may name one of f.Names, nil
// when any may (no names, or names no byte search can rule out). marks is
// scratch space.
func nameMarks(data []byte, entries []entry, f Filter, marks []bool) []bool {
	needles := nameNeedles(f.Names)
	switch {
	case needles == nil:
		return nil
	case len(entries) > 0 && entries[0].at >= 0:
		return markNames(data, entries, needles, marks)
	}
	marks = marks[:0]
	for _, en := range entries {
		marks = append(marks, mayName(en.raw, needles))
	}
	return marks
}

// markNames sets marks[i] to mayName(entries[i].raw, needles) for entries
// the splitter's own pass split out of data: it searches the file once per
// needle instead of each record, since those entries know where they lie
// and whether they hold a \u escape. A record holding a "%" is found the
// same way, and then read for what it encodes.
func markNames(data []byte, entries []entry, needles [][]byte, marks []bool) []bool {
	marks = slices.Grow(marks[:0], len(entries))[:len(entries)]
	set := needleBytes(needles)
	for i, en := range entries {
		marks[i] = en.hidden && escapeMayHide(en.raw, set)
	}
	forHolders(data, entries, []byte{'%'}, 0, func(j int) {
		marks[j] = marks[j] || percentMayHide(entries[j].raw, set)
	})
	var counts *[256]int
	for _, n := range needles {
		k := 0
		if len(n) > 1 {
			if counts == nil {
				counts = byteCounts(data[:min(len(data), rarenessSample)])
			}
			k = rarest(n, counts)
		}
		forHolders(data, entries, n, k, func(j int) { marks[j] = true })
	}
	return marks
}

// rarenessSample is how much of a file is counted to find which of a
// needle's bytes it holds least often: records of one trail look alike.
const rarenessSample = 16 << 10

func byteCounts(sample []byte) *[256]int {
	var counts [256]int
	for _, c := range sample {
		counts[c]++
	}
	return &counts
}

// rarest is the position of the needle's byte the sample holds least.
func rarest(needle []byte, counts *[256]int) int {
	k := 0
	for i, c := range needle {
		if counts[c] < counts[needle[k]] {
			k = i
		}
	}
	return k
}

// forHolders calls hold with each entry that holds needle whole, once.
// Occurrences are found by their byte at position k (the rarest one, so
// that few positions are compared); once a record holds one, the search
// resumes after it.
func forHolders(data []byte, entries []entry, needle []byte, k int, hold func(j int)) {
	c := needle[k]
	j := 0 // the first entry that may hold an occurrence not yet found
	for i := k; i < len(data); {
		q := bytes.IndexByte(data[i:], c)
		if q < 0 {
			return
		}
		p, end := i+q-k, i+q-k+len(needle)
		i += q + 1
		if end > len(data) || !bytes.Equal(data[p:end], needle) {
			continue
		}
		for j < len(entries) && entries[j].at+len(entries[j].raw) < end {
			j++
		}
		if j == len(entries) {
			return
		}
		if en := entries[j]; en.at <= p {
			hold(j)
			i = max(i, en.at+len(en.raw)+k)
			j++
		}
	}
}

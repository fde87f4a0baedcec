package engine

// literalMatcher finds, in one pass and folding ASCII case, every literal of
// a fixed set that occurs in a string (Aho–Corasick). Each literal belongs to
// an owner; a scan reports the owners whose literals occur, where a literal
// asking for a word boundary at an end occurs only with one there.
type literalMatcher struct {
	class [256]uint8 // input byte (case-folded) → column; 0 for bytes no literal holds
	cols  int
	delta []uint16 // state*cols + column → next state
	outAt []uint32 // literals ending at state s are outs[outAt[s]:outAt[s+1]]
	outs  []litEnd
}

// litEnd is a literal as the scan sees it at its last byte.
type litEnd struct {
	owner  uint16
	length uint16
	// boundary checks: check the byte before (after) the literal against
	// the word-ness its first (last) byte needs on the other side
	checkBefore, checkAfter bool
	atStart                 bool
	firstWord, lastWord     bool
}

func newLiteralMatcher(bound []boundLit, owners []int) literalMatcher {
	var m literalMatcher
	m.cols = 1
	for _, bl := range bound {
		l := bl.s
		for i := 0; i < len(l); i++ {
			c := l[i]
			if m.class[c] == 0 {
				m.class[c] = uint8(m.cols)
				m.cols++
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	// The trie, with goto edges only; 0 means "no edge" (the root is never a target).
	trie := [][]uint16{make([]uint16, m.cols)}
	outs := [][]litEnd{nil}
	for i, bl := range bound {
		l := bl.s
		s := 0
		for j := 0; j < len(l); j++ {
			col := m.class[l[j]]
			if trie[s][col] == 0 {
				trie = append(trie, make([]uint16, m.cols))
				outs = append(outs, nil)
				if len(trie) > 1<<16 {
					panic("log rules: too many literal states")
				}
				trie[s][col] = uint16(len(trie) - 1)
			}
			s = int(trie[s][col])
		}
		outs[s] = appendEnd(outs[s], litEnd{owner: uint16(owners[i]), length: uint16(len(l)),
			checkBefore: bl.wordBefore, checkAfter: bl.wordAfter, atStart: bl.atStart, firstWord: isWordByte(l[0]), lastWord: isWordByte(l[len(l)-1])})
	}
	// Breadth first: complete each state's edges from its failure state, and
	// inherit the owners of the literals that end at it.
	fail := make([]uint16, len(trie))
	m.delta = make([]uint16, len(trie)*m.cols)
	queue := []uint16{}
	for col := 0; col < m.cols; col++ {
		if next := trie[0][col]; next != 0 {
			m.delta[col] = next
			queue = append(queue, next)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, o := range outs[fail[s]] {
			outs[s] = appendEnd(outs[s], o)
		}
		for col := 0; col < m.cols; col++ {
			f := m.delta[int(fail[s])*m.cols+col]
			if next := trie[s][col]; next != 0 {
				fail[next] = f
				m.delta[int(s)*m.cols+col] = next
				queue = append(queue, next)
			} else {
				m.delta[int(s)*m.cols+col] = f
			}
		}
	}
	m.outAt = make([]uint32, len(trie)+1)
	for s, o := range outs {
		m.outs = append(m.outs, o...)
		m.outAt[s+1] = uint32(len(m.outs))
	}
	return m
}

func appendEnd(list []litEnd, o litEnd) []litEnd {
	for _, x := range list {
		if x == o {
			return list
		}
	}
	return append(list, o)
}

// scan marks in hits the owners of every literal in s, and reports whether
// s holds a byte outside ASCII and whether any literal occurs at all, word
// boundaries and anchors aside.
func (m *literalMatcher) scan(s string, hits *groupHits) (nonASCII, anyLiteral bool) {
	var high byte
	st := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		high |= c
		st = int(m.delta[st*m.cols+int(m.class[c])])
		if lo, hi := m.outAt[st], m.outAt[st+1]; lo != hi {
			anyLiteral = true
			for _, o := range m.outs[lo:hi] {
				if o.atStart && i+1 != int(o.length) {
					continue
				}
				if o.checkBefore {
					start := i + 1 - int(o.length)
					if (start > 0 && isWordByte(s[start-1])) == o.firstWord {
						continue
					}
				}
				if o.checkAfter && (i+1 < len(s) && isWordByte(s[i+1])) == o.lastWord {
					continue
				}
				hits.set(int(o.owner))
			}
		}
	}
	return high >= 0x80, anyLiteral
}

// isWordByte is \w as regular expressions here read it: ASCII only.
func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

package awsapi

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Metric math for GetMetricData: the arithmetic alarms use ("100*(m1/m2)"):
// numbers, query ids, + - * /, unary minus and parentheses. A series
// combines with a series at the timestamps both hold, and with a number at
// each of its own; a division by zero leaves the point out, as CloudWatch
// drops non-finite values. Functions (SUM(METRICS()), FILL, …) are refused
// in the result's messages.

type cwMathEval struct {
	queries []cwQuery
	done    map[string][]cwPoint
	busy    map[string]bool // ids being evaluated, to refuse cycles
	fetch   func(cwQuery) []cwPoint
}

// resolve returns the points of the query id.
func (e *cwMathEval) resolve(id string) ([]cwPoint, error) {
	if points, ok := e.done[id]; ok {
		return points, nil
	}
	var q *cwQuery
	for i := range e.queries {
		if e.queries[i].id == id {
			q = &e.queries[i]
		}
	}
	switch {
	case q == nil:
		return nil, fmt.Errorf("unknown metric id %q", id)
	case e.busy[id]:
		return nil, fmt.Errorf("metric %q refers to itself", id)
	}
	var points []cwPoint
	if q.expr == "" {
		points = e.fetch(*q)
	} else {
		e.busy[id] = true
		v, err := (&cwMathParser{eval: e, src: q.expr}).parse()
		delete(e.busy, id)
		if err != nil {
			return nil, fmt.Errorf("expression %q: %w", q.expr, err)
		}
		if v.series == nil {
			return nil, fmt.Errorf("expression %q names no metric", q.expr)
		}
		points = *v.series
	}
	e.done[id] = points
	return points, nil
}

// cwMathValue is a number or a series.
type cwMathValue struct {
	num    float64
	series *[]cwPoint
}

type cwMathParser struct {
	eval *cwMathEval
	src  string
	pos  int
}

func (p *cwMathParser) parse() (cwMathValue, error) {
	v, err := p.sum()
	if err == nil && p.peek() != 0 {
		err = fmt.Errorf("unexpected %q at %d", p.peek(), p.pos)
	}
	return v, err
}

func (p *cwMathParser) peek() byte {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
	if p.pos == len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

func (p *cwMathParser) sum() (cwMathValue, error) {
	left, err := p.product()
	for err == nil && (p.peek() == '+' || p.peek() == '-') {
		op := p.src[p.pos]
		p.pos++
		var right cwMathValue
		if right, err = p.product(); err == nil {
			left = cwCombineValues(left, right, op)
		}
	}
	return left, err
}

func (p *cwMathParser) product() (cwMathValue, error) {
	left, err := p.unary()
	for err == nil && (p.peek() == '*' || p.peek() == '/') {
		op := p.src[p.pos]
		p.pos++
		var right cwMathValue
		if right, err = p.unary(); err == nil {
			left = cwCombineValues(left, right, op)
		}
	}
	return left, err
}

func (p *cwMathParser) unary() (cwMathValue, error) {
	switch c := p.peek(); {
	case c == '-':
		p.pos++
		v, err := p.unary()
		return cwCombineValues(cwMathValue{num: -1}, v, '*'), err
	case c == '(':
		p.pos++
		v, err := p.sum()
		if err == nil && p.peek() != ')' {
			err = fmt.Errorf("missing ) at %d", p.pos)
		}
		p.pos++
		return v, err
	case c >= '0' && c <= '9' || c == '.':
		start := p.pos
		for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.') {
			p.pos++
		}
		n, err := strconv.ParseFloat(p.src[start:p.pos], 64)
		return cwMathValue{num: n}, err
	case unicode.IsLetter(rune(c)):
		start := p.pos
		for p.pos < len(p.src) && (unicode.IsLetter(rune(p.src[p.pos])) || unicode.IsDigit(rune(p.src[p.pos])) || p.src[p.pos] == '_') {
			p.pos++
		}
		name := p.src[start:p.pos]
		if p.peek() == '(' || strings.ToUpper(name) == name {
			return cwMathValue{}, fmt.Errorf("the sandbox evaluates + - * / and parentheses, not %s", name)
		}
		points, err := p.eval.resolve(name)
		return cwMathValue{series: &points}, err
	case c == 0:
		return cwMathValue{}, fmt.Errorf("unexpected end")
	default:
		return cwMathValue{}, fmt.Errorf("unexpected %q at %d", c, p.pos)
	}
}

func cwCombineValues(a, b cwMathValue, op byte) cwMathValue {
	apply := func(x, y float64) float64 {
		switch op {
		case '+':
			return x + y
		case '-':
			return x - y
		case '*':
			return x * y
		}
		return x / y
	}
	if a.series == nil && b.series == nil {
		return cwMathValue{num: apply(a.num, b.num)}
	}
	at := func(v cwMathValue) map[time.Time]float64 {
		m := map[time.Time]float64{}
		if v.series != nil {
			for _, p := range *v.series {
				m[p.t] = p.v
			}
		}
		return m
	}
	am, bm := at(a), at(b)
	base := a.series
	if base == nil {
		base = b.series
	}
	var out []cwPoint
	for _, p := range *base {
		x, okA := am[p.t]
		y, okB := bm[p.t]
		if a.series == nil {
			x, okA = a.num, true
		}
		if b.series == nil {
			y, okB = b.num, true
		}
		if r := apply(x, y); okA && okB && !math.IsInf(r, 0) && !math.IsNaN(r) {
			out = append(out, cwPoint{t: p.t, v: r})
		}
	}
	return cwMathValue{series: &out}
}

package awsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Scenario files hold CloudWatch shapes as JSON with the API's member names;
// the service speaks Smithy RPC v2 CBOR, where timestamps are tag 1 (epoch
// seconds) and numbers keep their integer or floating-point major type.
// Timestamp members are recognised by name: every CloudWatch timestamp member
// the sandbox answers with ends in "Timestamp".

// cwIsTimestampMember reports whether a CloudWatch member holds a timestamp.
func cwIsTimestampMember(name string) bool { return strings.HasSuffix(name, "Timestamp") }

// cwDecodeJSON parses b keeping numbers exact, so integers stay integers on the wire.
func cwDecodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// cwToCBOR converts a JSON value (as cwDecodeJSON returns it) into CBOR.
// member is the name v was found under, which decides timestamp encoding.
// path names the value in error messages.
func cwToCBOR(v any, member, path string) (cbor.Value, error) {
	switch x := v.(type) {
	case nil:
		return &cbor.Nil{}, nil
	case bool:
		return cbor.Bool(x), nil
	case string:
		if cwIsTimestampMember(member) {
			t, err := cwParseTime(x)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return cwTime(t), nil
		}
		return cbor.String(x), nil
	case json.Number:
		if cwIsTimestampMember(member) {
			secs, err := x.Float64()
			if err != nil {
				return nil, fmt.Errorf("%s: timestamp %q is not a number of seconds", path, x)
			}
			return &cbor.Tag{ID: 1, Value: cbor.Float64(secs)}, nil
		}
		return cwNumber(x, path)
	case []any:
		out := make(cbor.List, 0, len(x))
		for i, item := range x {
			c, err := cwToCBOR(item, member, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	case map[string]any:
		out := make(cbor.Map, len(x))
		for k, item := range x {
			c, err := cwToCBOR(item, k, path+"."+k)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	default:
		return nil, fmt.Errorf("%s: unsupported JSON value %T", path, v)
	}
}

func cwNumber(n json.Number, path string) (cbor.Value, error) {
	if i, err := n.Int64(); err == nil {
		if i < 0 {
			return cbor.NegInt(uint64(-(i + 1))), nil
		}
		return cbor.Uint(uint64(i)), nil
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("%s: %q is not a finite number", path, n)
	}
	return cbor.Float64(f), nil
}

// cwTime encodes t as CBOR tag 1 with fractional seconds, as CloudWatch does.
func cwTime(t time.Time) cbor.Value {
	return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(t.UnixMilli()) / 1e3)}
}

// cwRequest is a decoded RPC v2 CBOR request body.
type cwRequest cbor.Map

func cwDecodeRequest(body []byte) (cwRequest, error) {
	if len(body) == 0 {
		return cwRequest{}, nil
	}
	v, err := cbor.Decode(body)
	if err != nil {
		return nil, fmt.Errorf("request body is not CBOR: %w", err)
	}
	m, ok := v.(cbor.Map)
	if !ok {
		return nil, fmt.Errorf("request body is a CBOR %T, not a map", v)
	}
	return cwRequest(m), nil
}

func (r cwRequest) present(name string) bool {
	v, ok := r[name]
	if !ok {
		return false
	}
	_, isNil := v.(*cbor.Nil)
	return !isNil
}

func (r cwRequest) str(name string) (string, error) {
	if !r.present(name) {
		return "", nil
	}
	s, ok := r[name].(cbor.String)
	if !ok {
		return "", fmt.Errorf("%s must be a string, got %T", name, r[name])
	}
	return string(s), nil
}

func (r cwRequest) strList(name string) ([]string, error) {
	if !r.present(name) {
		return nil, nil
	}
	l, ok := r[name].(cbor.List)
	if !ok {
		return nil, fmt.Errorf("%s must be a list, got %T", name, r[name])
	}
	out := make([]string, 0, len(l))
	for i, item := range l {
		s, ok := item.(cbor.String)
		if !ok {
			return nil, fmt.Errorf("%s[%d] must be a string, got %T", name, i, item)
		}
		out = append(out, string(s))
	}
	return out, nil
}

// integer returns the member, or def when absent. The query protocol
// carries every value as a string.
func (r cwRequest) integer(name string, def int64) (int64, error) {
	if !r.present(name) {
		return def, nil
	}
	if s, ok := r[name].(cbor.String); ok {
		v, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s must be an integer, got %q", name, s)
		}
		return v, nil
	}
	v, err := cbor.AsInt64(r[name])
	if err != nil {
		return 0, fmt.Errorf("%s must be an integer: %w", name, err)
	}
	return v, nil
}

// timestamp returns the member, or the zero time when absent: a CBOR time
// tag, JSON 1.0's epoch seconds or the query protocol's ISO 8601.
func (r cwRequest) timestamp(name string) (time.Time, error) {
	if !r.present(name) {
		return time.Time{}, nil
	}
	switch v := r[name].(type) {
	case cbor.String:
		t, err := cwParseTime(string(v))
		if err != nil {
			return time.Time{}, fmt.Errorf("%s must be a timestamp: %w", name, err)
		}
		return t, nil
	case cbor.Uint, cbor.NegInt, cbor.Float64, cbor.Float32:
		secs, err := cbor.AsFloat64(v)
		if err != nil {
			return time.Time{}, fmt.Errorf("%s must be a timestamp: %w", name, err)
		}
		return epochSeconds(secs).time(), nil
	}
	t, err := cbor.AsTime(r[name])
	if err != nil {
		return time.Time{}, fmt.Errorf("%s must be a timestamp: %w", name, err)
	}
	return t.UTC(), nil
}

// boolean returns the member, or def when absent.
func (r cwRequest) boolean(name string, def bool) (bool, error) {
	if !r.present(name) {
		return def, nil
	}
	switch v := r[name].(type) {
	case cbor.Bool:
		return bool(v), nil
	case cbor.String:
		return strconv.ParseBool(string(v))
	}
	return false, fmt.Errorf("%s must be a boolean, got %T", name, r[name])
}

// object returns a structure member, nil when absent.
func (r cwRequest) object(name string) (cwRequest, error) {
	if !r.present(name) {
		return nil, nil
	}
	m, ok := r[name].(cbor.Map)
	if !ok {
		return nil, fmt.Errorf("%s must be a structure, got %T", name, r[name])
	}
	return cwRequest(m), nil
}

// objects returns a list-of-structures member.
func (r cwRequest) objects(name string) ([]cwRequest, error) {
	if !r.present(name) {
		return nil, nil
	}
	l, ok := r[name].(cbor.List)
	if !ok {
		return nil, fmt.Errorf("%s must be a list, got %T", name, r[name])
	}
	out := make([]cwRequest, 0, len(l))
	for i, item := range l {
		m, ok := item.(cbor.Map)
		if !ok {
			return nil, fmt.Errorf("%s[%d] must be a structure, got %T", name, i, item)
		}
		out = append(out, cwRequest(m))
	}
	return out, nil
}

// cwParseTime reads the time layouts CloudWatch uses in its APIs, alarm
// notifications (2015-06-03T17:43:27.123+0000) and events.
func cwParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is neither RFC 3339 nor CloudWatch's 2006-01-02T15:04:05.000-0700", s)
}

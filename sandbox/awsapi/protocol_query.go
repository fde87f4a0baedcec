package awsapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// queryForm is an awsQuery or ec2Query request's parameters.
type queryForm map[string][]string

func (f queryForm) get(k string) string {
	if v := f[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// list reads a list parameter: prefix.1, prefix.2, … (ec2Query) or
// prefix.member.1, … (awsQuery, pass "Names.member").
func (f queryForm) list(prefix string) []string {
	type entry struct {
		n int
		v string
	}
	var entries []entry
	for k, v := range f {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok || len(v) == 0 {
			continue
		}
		n, err := strconv.Atoi(rest)
		if err != nil {
			continue
		}
		entries = append(entries, entry{n, v[0]})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].n < entries[j].n })
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.v)
	}
	return out
}

// queryFilter is one Filter.N of an EC2 or RDS request.
type queryFilter struct {
	name   string
	values []string
}

// filters reads prefix.N.Name with its values under prefix.N.valuesKey.M.
func (f queryForm) filters(prefix, valuesKey string) []queryFilter {
	var out []queryFilter
	for i := 1; ; i++ {
		name := f.get(fmt.Sprintf("%s.%d.Name", prefix, i))
		if name == "" {
			return out
		}
		out = append(out, queryFilter{name: name, values: f.list(fmt.Sprintf("%s.%d.%s", prefix, i, valuesKey))})
	}
}

// matches reports whether one of candidates matches one of the filter's
// values, which may hold the * and ? wildcards as in EC2 filters.
func (q queryFilter) matches(candidates ...string) bool {
	for _, v := range q.values {
		re := wildcardPattern(v)
		for _, c := range candidates {
			if re.MatchString(c) {
				return true
			}
		}
	}
	return false
}

func wildcardPattern(v string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range v {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// pageWindow cuts a page of size out of total items, starting where token
// says. Tokens carry the offset and a fingerprint of the request, so a token
// is only valid with the parameters that produced it, as AWS's are.
func pageWindow(token string, size, total int, fingerprint string) (start, end int, next string, ok bool) {
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return 0, 0, "", false
		}
		offset, fp, found := strings.Cut(string(raw), "|")
		n, err := strconv.Atoi(offset)
		if !found || err != nil || fp != pageFingerprint(fingerprint) || n < 0 || n > total {
			return 0, 0, "", false
		}
		start = n
	}
	end = min(start+size, total)
	if end < total {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end) + "|" + pageFingerprint(fingerprint)))
	}
	return start, end, next, true
}

func pageFingerprint(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// queryOp answers one awsQuery or ec2Query operation: the output element's
// content, or an error.
type queryOp func(r *http.Request, f queryForm) (any, *apiError)

// queryService serves an awsQuery or ec2Query service: a form-encoded POST
// naming its Action, XML out.
type queryService struct {
	a       *Emulator
	service string // signing name, also the prefix of operation keys
	version string // the API version clients send
	xmlns   string // awsQuery namespace
	// ec2 services answer in ec2Query shape: no Result wrapper, a requestId
	// child and <Response><Errors><Error> errors.
	ec2 bool
	ops map[string]queryOp
}

func (s *queryService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "MalformedQueryString", "read request body: "+err.Error())
		return
	}
	values, err := parseQueryBody(r, body)
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	f := queryForm(values)
	action := f.get("Action")
	op, ok := s.ops[action]
	if !ok {
		s.writeError(w, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("The action %q is not valid for this web service (sandbox %s).", action, s.service))
		return
	}
	if !s.a.begin(w, r, s.service+":"+action, s.writeError) {
		return
	}
	out, apiErr := op(r, f)
	if apiErr != nil {
		s.writeError(w, apiErr.status, apiErr.code, apiErr.msg)
		return
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	if err := s.encode(enc, action, out); err != nil {
		s.writeError(w, http.StatusInternalServerError, "InternalFailure", "encode response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	_, _ = w.Write(buf.Bytes())
}

func parseQueryBody(r *http.Request, body []byte) (map[string][]string, error) {
	values := map[string][]string{}
	for k, v := range r.URL.Query() {
		values[k] = v
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("request body is not form-encoded: %w", err)
	}
	for k, v := range form {
		values[k] = append(values[k], v...)
	}
	return values, nil
}

// encode writes <ActionResponse> around out: in ec2Query out's fields sit
// beside a requestId, in awsQuery inside <ActionResult> before
// <ResponseMetadata>.
func (s *queryService) encode(enc *xml.Encoder, action string, out any) error {
	requestID := newUUID()
	root := xml.StartElement{Name: xml.Name{Local: action + "Response"}}
	if s.ec2 {
		root.Attr = []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: "http://ec2.amazonaws.com/doc/" + s.version + "/"}}
		if err := enc.EncodeToken(root); err != nil {
			return err
		}
		if err := enc.EncodeElement(requestID, xml.StartElement{Name: xml.Name{Local: "requestId"}}); err != nil {
			return err
		}
		if err := encodeFields(enc, out); err != nil {
			return err
		}
	} else {
		root.Attr = []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: s.xmlns}}
		if err := enc.EncodeToken(root); err != nil {
			return err
		}
		if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			return err
		}
		meta := struct {
			RequestID string `xml:"RequestId"`
		}{requestID}
		if err := enc.EncodeElement(meta, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}}); err != nil {
			return err
		}
	}
	if err := enc.EncodeToken(root.End()); err != nil {
		return err
	}
	return enc.Flush()
}

// encodeFields writes the children out would have, without its own element.
func encodeFields(enc *xml.Encoder, out any) error {
	var inner bytes.Buffer
	sub := xml.NewEncoder(&inner)
	if err := sub.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: "x"}}); err != nil {
		return err
	}
	if err := sub.Flush(); err != nil {
		return err
	}
	dec := xml.NewDecoder(&inner)
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				continue
			}
		case xml.EndElement:
			depth--
			if depth == 0 {
				continue
			}
		}
		if err := enc.EncodeToken(xml.CopyToken(tok)); err != nil {
			return err
		}
	}
}

// writeError answers an error the way the protocol's clients read it.
func (s *queryService) writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	requestID := newUUID()
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	var body any
	if s.ec2 {
		body = struct {
			XMLName   xml.Name `xml:"Response"`
			Code      string   `xml:"Errors>Error>Code"`
			Message   string   `xml:"Errors>Error>Message"`
			RequestID string   `xml:"RequestID"`
		}{Code: code, Message: msg, RequestID: requestID}
	} else {
		fault := "Sender"
		if status >= 500 {
			fault = "Receiver"
		}
		body = struct {
			XMLName   xml.Name `xml:"ErrorResponse"`
			Xmlns     string   `xml:"xmlns,attr"`
			Type      string   `xml:"Error>Type"`
			Code      string   `xml:"Error>Code"`
			Message   string   `xml:"Error>Message"`
			RequestID string   `xml:"RequestId"`
		}{Xmlns: s.xmlns, Type: fault, Code: code, Message: msg, RequestID: requestID}
	}
	b, _ := xml.Marshal(body)
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

// validationError is how the awsQuery services refuse a malformed request.
func validationError(format string, args ...any) *apiError {
	return clientError("ValidationError", format, args...)
}

// intParam reads an optional integer parameter within [lo, hi]; def when absent.
func intParam(f queryForm, name string, def, lo, hi int, fail func(string, ...any) *apiError) (int, *apiError) {
	raw := f.get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, fail("Value %q for %s must be an integer between %d and %d.", raw, name, lo, hi)
	}
	return n, nil
}

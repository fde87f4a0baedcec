package awsapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/smithy-go/encoding/cbor"
)

// CloudWatch accepts three protocols, and each current client picks one: the
// Go SDK and botocore ≥ 1.37 send Smithy RPC v2 CBOR, some SDKs JSON 1.0
// (X-Amz-Target GraniteServiceVersion20100801.<Operation>), and older
// botocore and the AWS CLI v2 of Debian the query protocol (form-encoded
// Action=, XML out). The operations work on one decoded shape, cwRequest in
// and cbor.Map out; only the wire differs.

const (
	cwTargetPrefix = "GraniteServiceVersion20100801."
	cwXMLNS        = "http://monitoring.amazonaws.com/doc/2010-08-01/"
)

// cwProtocol is one of CloudWatch's wire protocols.
type cwProtocol struct {
	decode func(r *http.Request, body []byte) (cwRequest, error)
	write  func(w http.ResponseWriter, op string, out cbor.Map)
	// writeError answers an error: typ is the Smithy shape id, queryError
	// "Code;Fault" as X-Amzn-Query-Error carries it ("" for protocol errors),
	// msgMember the shape's message member.
	writeError func(w http.ResponseWriter, status int, typ, queryError, msgMember, msg string)
}

var (
	cwCBOR       = &cwProtocol{decode: cwDecodeCBOR, write: cwWriteCBOR, writeError: cwWriteCBORError}
	cwJSON       = &cwProtocol{decode: cwDecodeJSONRequest, write: cwWriteJSON, writeError: cwWriteJSONError}
	cwQueryProto = &cwProtocol{decode: cwDecodeQuery, write: cwWriteQuery, writeError: cwWriteQueryError}
)

// cwDetectProtocol tells the request's protocol and operation; nil when it
// is none of CloudWatch's.
func cwDetectProtocol(r *http.Request) (*cwProtocol, string) {
	if r.Method != http.MethodPost {
		return nil, ""
	}
	if r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor" {
		if op, ok := strings.CutPrefix(r.URL.Path, cwServicePath); ok {
			return cwCBOR, op
		}
		return nil, ""
	}
	if op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), cwTargetPrefix); ok {
		return cwJSON, op
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return cwQueryProto, cwQueryAction(r)
	}
	return nil, ""
}

// writeFault answers an injected fault with code as both the error type and
// the query code, the way CloudWatch reports Throttling or AccessDenied.
func (p *cwProtocol) writeFault(w http.ResponseWriter, status int, code, msg string) {
	fault := "Sender"
	if status >= 500 {
		fault = "Receiver"
	}
	p.writeError(w, status, code, code+";"+fault, "message", msg)
}

func cwDecodeCBOR(_ *http.Request, body []byte) (cwRequest, error) { return cwDecodeRequest(body) }

func cwWriteCBOR(w http.ResponseWriter, _ string, out cbor.Map) {
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	_, _ = w.Write(cbor.Encode(out))
}

// cwWriteCBORError writes an RPC v2 CBOR error. CloudWatch is query-compatible:
// the body names the Smithy shape and X-Amzn-Query-Error carries the
// awsQuery code and fault the SDK reports.
func cwWriteCBORError(w http.ResponseWriter, status int, typ, queryError, msgMember, msg string) {
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	if queryError != "" {
		w.Header().Set("X-Amzn-Query-Error", queryError)
	}
	w.WriteHeader(status)
	_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(typ), msgMember: cbor.String(msg)}))
}

// cwDecodeJSONRequest reads a JSON 1.0 body into the CBOR shape the
// operations read; its timestamps (epoch seconds) stay numbers, which
// cwRequest.timestamp accepts.
func cwDecodeJSONRequest(_ *http.Request, body []byte) (cwRequest, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return cwRequest{}, nil
	}
	doc, err := cwDecodeJSON(body)
	if err != nil {
		return nil, fmt.Errorf("request body is not JSON: %w", err)
	}
	if _, ok := doc.(map[string]any); !ok {
		return nil, fmt.Errorf("request body is a JSON %T, not an object", doc)
	}
	v, err := cwToCBOR(doc, "", "request")
	if err != nil {
		return nil, err
	}
	return cwRequest(v.(cbor.Map)), nil
}

func cwWriteJSON(w http.ResponseWriter, _ string, out cbor.Map) {
	b, err := json.Marshal(cborToJSON(out))
	if err != nil {
		cwWriteJSONError(w, http.StatusInternalServerError, "InternalFailure", "InternalFailure;Receiver", "message", "encode response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	_, _ = w.Write(b)
}

func cwWriteJSONError(w http.ResponseWriter, status int, typ, queryError, msgMember, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	if queryError != "" {
		w.Header().Set("X-Amzn-Query-Error", queryError)
	}
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"__type": typ, msgMember: msg})
	_, _ = w.Write(b)
}

// cborToJSON turns a response value into what encoding/json writes in JSON
// 1.0: timestamps as epoch seconds.
func cborToJSON(v cbor.Value) any {
	switch x := v.(type) {
	case cbor.Map:
		out := make(map[string]any, len(x))
		for k, item := range x {
			out[k] = cborToJSON(item)
		}
		return out
	case cbor.List:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = cborToJSON(item)
		}
		return out
	case *cbor.Tag:
		return cborToJSON(x.Value)
	case cbor.String:
		return string(x)
	case cbor.Uint:
		return uint64(x)
	case cbor.NegInt:
		return -int64(x) - 1
	case cbor.Float64:
		return float64(x)
	case cbor.Float32:
		return float64(x)
	case cbor.Bool:
		return bool(x)
	}
	return nil
}

// cwQueryAction reads the Action of a query request, putting the body back
// for the operation to read.
func cwQueryAction(r *http.Request) string {
	if a := r.URL.Query().Get("Action"); a != "" {
		return a
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, cwMaxRequestBytes))
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	return form.Get("Action")
}

// cwDecodeQuery reads a query request's parameters into the nested shape
// the operations read: "A.member.2.B" becomes A[1].B. Every value stays a
// string; cwRequest's accessors parse numbers and times from strings.
func cwDecodeQuery(r *http.Request, body []byte) (cwRequest, error) {
	values, err := parseQueryBody(r, body)
	if err != nil {
		return nil, err
	}
	root := map[string]any{}
	for k, v := range values {
		if k == "Action" || k == "Version" || len(v) == 0 {
			continue
		}
		if err := queryInsert(root, strings.Split(k, "."), v[0]); err != nil {
			return nil, fmt.Errorf("parameter %s: %w", k, err)
		}
	}
	return cwRequest(queryToCBOR(root).(cbor.Map)), nil
}

// queryInsert sets value at path, where "member.N" steps into a list; list
// entries are kept under "#N" keys until queryToCBOR orders them.
func queryInsert(node map[string]any, path []string, value string) error {
	key := path[0]
	rest := path[1:]
	if len(rest) >= 2 && rest[0] == "member" {
		n, err := strconv.Atoi(rest[1])
		if err != nil || n < 1 {
			return fmt.Errorf("list index %q is not a positive integer", rest[1])
		}
		list, _ := node[key].(map[string]any)
		if list == nil {
			list = map[string]any{}
			node[key] = list
		}
		node, key, rest = list, "#"+strconv.Itoa(n), rest[2:]
	}
	if len(rest) == 0 {
		node[key] = value
		return nil
	}
	child, _ := node[key].(map[string]any)
	if child == nil {
		child = map[string]any{}
		node[key] = child
	}
	return queryInsert(child, rest, value)
}

func queryToCBOR(v any) cbor.Value {
	m, ok := v.(map[string]any)
	if !ok {
		return cbor.String(v.(string))
	}
	isList := len(m) > 0
	for k := range m {
		isList = isList && strings.HasPrefix(k, "#")
	}
	if !isList {
		out := cbor.Map{}
		for k, item := range m {
			out[k] = queryToCBOR(item)
		}
		return out
	}
	keys := make([]int, 0, len(m))
	for k := range m {
		n, _ := strconv.Atoi(k[1:])
		keys = append(keys, n)
	}
	sort.Ints(keys)
	out := make(cbor.List, 0, len(keys))
	for _, n := range keys {
		out = append(out, queryToCBOR(m["#"+strconv.Itoa(n)]))
	}
	return out
}

func cwWriteQuery(w http.ResponseWriter, op string, out cbor.Map) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	fmt.Fprintf(&buf, `<%sResponse xmlns="%s"><%sResult>`, op, cwXMLNS, op)
	cborToXML(&buf, out)
	fmt.Fprintf(&buf, `</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`, op, newUUID(), op)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	_, _ = w.Write(buf.Bytes())
}

// cborToXML writes v's content the way awsQuery serialises it: structure
// members as elements, list entries as <member>, timestamps in ISO 8601.
func cborToXML(buf *bytes.Buffer, v cbor.Value) {
	switch x := v.(type) {
	case cbor.Map:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(buf, "<%s>", k)
			cborToXML(buf, x[k])
			fmt.Fprintf(buf, "</%s>", k)
		}
	case cbor.List:
		for _, item := range x {
			buf.WriteString("<member>")
			cborToXML(buf, item)
			buf.WriteString("</member>")
		}
	case *cbor.Tag:
		secs, _ := cbor.AsFloat64(x.Value)
		buf.WriteString(epochSeconds(secs).time().Format("2006-01-02T15:04:05.000Z"))
	case cbor.String:
		_ = xml.EscapeText(buf, []byte(x))
	case cbor.Float64:
		buf.WriteString(strconv.FormatFloat(float64(x), 'f', -1, 64))
	case cbor.Float32:
		buf.WriteString(strconv.FormatFloat(float64(x), 'f', -1, 32))
	case cbor.Uint, cbor.NegInt, cbor.Bool:
		fmt.Fprint(buf, cborToJSON(x))
	}
}

// cwWriteQueryError answers an awsQuery ErrorResponse with the query code.
func cwWriteQueryError(w http.ResponseWriter, status int, typ, queryError, _, msg string) {
	code, fault, _ := strings.Cut(queryError, ";")
	if code == "" {
		code = typ[strings.LastIndex(typ, "#")+1:]
	}
	if fault == "" {
		fault = "Sender"
	}
	w.Header().Set("Content-Type", "text/xml")
	requestID := newUUID()
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	b, _ := xml.Marshal(struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Type      string   `xml:"Error>Type"`
		Code      string   `xml:"Error>Code"`
		Message   string   `xml:"Error>Message"`
		RequestID string   `xml:"RequestId"`
	}{Xmlns: cwXMLNS, Type: fault, Code: code, Message: msg, RequestID: requestID})
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

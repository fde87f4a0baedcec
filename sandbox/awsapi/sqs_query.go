package awsapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// SQS also accepts the query protocol, which SDKs and CLIs released before
// its JSON protocol (late 2023) send, among them Debian's AWS CLI. A query
// request is rewritten as the JSON request the operations read, and their
// JSON answer written as SQS's XML: flattened lists and name/value maps.

const sqsXMLNS = "http://queue.amazonaws.com/doc/2012-11-05/"

// sqsQueryLists are the flattened list parameters: query name → JSON member.
var sqsQueryLists = map[string]string{
	"AttributeName":              "AttributeNames",
	"MessageAttributeName":       "MessageAttributeNames",
	"MessageSystemAttributeName": "MessageSystemAttributeNames",
}

// sqsQueryNumbers are the integer parameters.
var sqsQueryNumbers = []string{"DelaySeconds", "MaxNumberOfMessages", "WaitTimeSeconds", "VisibilityTimeout", "MaxResults"}

// sqsOverQuery wraps the JSON service so that query requests reach it too.
type sqsOverQuery struct{ json *jsonService }

func (s sqsOverQuery) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") != "" {
		s.json.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	form, err := parseQueryBody(r, body)
	if err != nil {
		sqsWriteQueryError(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	action := url.Values(form).Get("Action")
	op, ok := s.json.ops[action]
	if !ok {
		sqsWriteQueryError(w, http.StatusBadRequest, "InvalidAction", "The action "+action+" is not valid for this endpoint.")
		return
	}
	jsonBody, err := json.Marshal(sqsQueryToJSON(form))
	if err != nil {
		sqsWriteQueryError(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(jsonBody))
	if !s.json.a.begin(w, r, "sqs:"+action, sqsWriteQueryError) {
		return
	}
	out, apiErr := op(r, jsonBody)
	if apiErr != nil {
		sqsWriteQueryError(w, apiErr.status, apiErr.code, apiErr.msg)
		return
	}
	var doc map[string]any
	if b, err := json.Marshal(out); err == nil {
		_ = json.Unmarshal(b, &doc)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	buf.WriteString("<" + action + "Response xmlns=\"" + sqsXMLNS + "\"><" + action + "Result>")
	sqsWriteXML(&buf, doc)
	buf.WriteString("</" + action + "Result><ResponseMetadata><RequestId>" + newUUID() + "</RequestId></ResponseMetadata></" + action + "Response>")
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	_, _ = w.Write(buf.Bytes())
}

// sqsQueryToJSON turns query parameters into the operation's JSON input.
func sqsQueryToJSON(form map[string][]string) map[string]any {
	in := map[string]any{}
	lists := map[string][]string{}
	for k, v := range form {
		if k == "Action" || k == "Version" || len(v) == 0 {
			continue
		}
		name, _, indexed := strings.Cut(k, ".")
		if member, ok := sqsQueryLists[name]; ok && indexed {
			lists[member] = append(lists[member], k)
			continue
		}
		in[k] = v[0]
		for _, n := range sqsQueryNumbers {
			if k == n {
				if i, err := strconv.Atoi(v[0]); err == nil {
					in[k] = i
				}
			}
		}
	}
	for member, keys := range lists {
		sort.Strings(keys)
		values := make([]string, 0, len(keys))
		for _, k := range keys {
			values = append(values, form[k][0])
		}
		in[member] = values
	}
	return in
}

// sqsWriteXML writes a JSON answer in SQS's XML: maps as flattened
// <Attribute><Name/><Value/></Attribute>, lists flattened under the
// singular name.
func sqsWriteXML(buf *bytes.Buffer, doc map[string]any) {
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := doc[k].(type) {
		case map[string]any:
			sqsWriteAttributes(buf, strings.TrimSuffix(k, "s"), v)
		case []any:
			name := map[string]string{"Messages": "Message", "queueUrls": "QueueUrl", "QueueUrls": "QueueUrl"}[k]
			for _, item := range v {
				sqsWriteElement(buf, orDefault(name, k), item)
			}
		default:
			sqsWriteElement(buf, k, v)
		}
	}
}

func sqsWriteElement(buf *bytes.Buffer, name string, v any) {
	buf.WriteString("<" + name + ">")
	if m, ok := v.(map[string]any); ok {
		sqsWriteXML(buf, m)
	} else {
		_ = xml.EscapeText(buf, []byte(jsonScalar(v)))
	}
	buf.WriteString("</" + name + ">")
}

func sqsWriteAttributes(buf *bytes.Buffer, name string, m map[string]any) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		buf.WriteString("<" + name + "><Name>")
		_ = xml.EscapeText(buf, []byte(k))
		buf.WriteString("</Name>")
		sqsWriteElement(buf, "Value", m[k])
		buf.WriteString("</" + name + ">")
	}
}

func jsonScalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// sqsWriteQueryError answers SQS's query error document with its query code.
func sqsWriteQueryError(w http.ResponseWriter, status int, code, msg string) {
	fault := "Sender"
	if status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	b, _ := xml.Marshal(struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Type      string   `xml:"Error>Type"`
		Code      string   `xml:"Error>Code"`
		Message   string   `xml:"Error>Message"`
		RequestID string   `xml:"RequestId"`
	}{Type: fault, Code: queryErrorCode(code), Message: msg, RequestID: newUUID()})
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

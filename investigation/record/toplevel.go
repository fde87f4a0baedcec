package record

import (
	"encoding/json"
)

// decodeTopLevel reads a record the way json.Unmarshal into rawRecord does,
// without encoding/json for all but userIdentity and escaped strings: keys
// matched case-insensitively, the last of repeated keys kept, a value of
// the wrong type or null leaving its field as it was. The RawMessage fields
// point into raw. ok is false, and encoding/json decides, for anything
// unusual: invalid JSON, an escaped or non-ASCII key, bytes after the object.
func decodeTopLevel(raw []byte) (r rawRecord, ok bool) {
	s := splitter{data: raw}
	s.space()
	if !s.at('{') {
		return rawRecord{}, false
	}
	s.i++
	s.space()
	if s.at('}') {
		s.i++
		s.space()
		return r, s.i == len(raw)
	}
	for {
		s.space()
		key, plain, ok := s.key()
		if !ok || !plain {
			return rawRecord{}, false
		}
		start := s.i
		if !s.value(1) {
			return rawRecord{}, false
		}
		r.set(key, raw[start:s.i])
		s.space()
		switch {
		case s.at(','):
			s.i++
		case s.at('}'):
			s.i++
			s.space()
			return r, s.i == len(raw)
		default:
			return rawRecord{}, false
		}
	}
}

// set stores one top-level value in the field its key names.
func (r *rawRecord) set(key, v []byte) {
	if len(key) == 0 {
		return
	}
	if p := r.stringField(key); p != nil {
		setString(p, v)
		return
	}
	if p := r.rawField(key); p != nil {
		*p = v
		return
	}
	if asciiEqualFold(key, "userIdentity") {
		r.UserIdentity.set(v)
	}
}

// set reads a userIdentity value into id as json.Unmarshal would.
func (id *identity) set(v []byte) {
	if !eachMember(v, id.setField) {
		_ = json.Unmarshal(v, id) // a wrong type leaves what it could not read empty
	}
}

func (id *identity) setField(key, v []byte) {
	for _, f := range []struct {
		name string
		p    *string
	}{
		{"type", &id.Type}, {"principalId", &id.PrincipalID}, {"arn", &id.ARN}, {"accountId", &id.AccountID},
		{"accessKeyId", &id.AccessKeyID}, {"userName", &id.UserName}, {"invokedBy", &id.InvokedBy},
	} {
		if asciiEqualFold(key, f.name) {
			setString(f.p, v)
			return
		}
	}
	switch {
	case asciiEqualFold(key, "sessionContext"):
		ctx := &id.SessionContext
		if !eachMember(v, func(key, v []byte) {
			if !asciiEqualFold(key, "sessionIssuer") {
				return
			}
			issuer := &ctx.SessionIssuer
			if !eachMember(v, func(key, v []byte) {
				switch {
				case asciiEqualFold(key, "arn"):
					setString(&issuer.ARN, v)
				case asciiEqualFold(key, "userName"):
					setString(&issuer.UserName, v)
				}
			}) {
				_ = json.Unmarshal(v, issuer)
			}
		}) {
			_ = json.Unmarshal(v, ctx)
		}
	case asciiEqualFold(key, "onBehalfOf"):
		if !eachMember(v, func(key, v []byte) {
			if asciiEqualFold(key, "userId") {
				setString(&id.OnBehalfOf.UserID, v)
			}
		}) {
			_ = json.Unmarshal(v, &id.OnBehalfOf)
		}
	}
}

// eachMember hands fn each member of the object v in order. A value that
// is not an object is read as encoding/json reads it into a struct: as
// nothing. false means a key needs encoding/json (escaped, not ASCII) and
// v should be read again by it; the members already handed over are ones
// it reads the same way.
func eachMember(v []byte, fn func(key, value []byte)) bool {
	if len(v) == 0 || v[0] != '{' {
		return true
	}
	s := splitter{data: v, i: 1}
	for {
		s.space()
		if s.i >= len(v) || s.at('}') {
			return true
		}
		key, plain, ok := s.key()
		if !ok || !plain {
			return false
		}
		start := s.i
		if !s.value(0) {
			return false
		}
		fn(key, v[start:s.i])
		s.space()
		if s.at(',') {
			s.i++
		}
	}
}

func (r *rawRecord) stringField(key []byte) *string {
	switch key[0] | 0x20 {
	case 'e':
		switch {
		case asciiEqualFold(key, "eventID"):
			return &r.EventID
		case asciiEqualFold(key, "eventName"):
			return &r.EventName
		case asciiEqualFold(key, "eventSource"):
			return &r.EventSource
		case asciiEqualFold(key, "eventTime"):
			return &r.EventTime
		case asciiEqualFold(key, "eventType"):
			return &r.EventType
		case asciiEqualFold(key, "errorCode"):
			return &r.ErrorCode
		case asciiEqualFold(key, "errorMessage"):
			return &r.ErrorMessage
		}
	case 'a':
		if asciiEqualFold(key, "awsRegion") {
			return &r.AWSRegion
		}
	case 'r':
		if asciiEqualFold(key, "recipientAccountId") {
			return &r.RecipientAccountID
		}
	case 's':
		if asciiEqualFold(key, "sourceIPAddress") {
			return &r.SourceIPAddress
		}
	case 'u':
		if asciiEqualFold(key, "userAgent") {
			return &r.UserAgent
		}
	}
	return nil
}

func (r *rawRecord) rawField(key []byte) *json.RawMessage {
	switch {
	case asciiEqualFold(key, "readOnly"):
		return &r.ReadOnly
	case asciiEqualFold(key, "sessionCredentialFromConsole"):
		return &r.SessionCredentialFromConsole
	case asciiEqualFold(key, "requestParameters"):
		return &r.RequestParameters
	case asciiEqualFold(key, "responseElements"):
		return &r.ResponseElements
	case asciiEqualFold(key, "resources"):
		return &r.Resources
	case asciiEqualFold(key, "serviceEventDetails"):
		return &r.ServiceEventDetails
	case asciiEqualFold(key, "additionalEventData"):
		return &r.AdditionalEventData
	}
	return nil
}

// setString stores a JSON string value; a plain ASCII one is taken as it
// is, anything else (escapes, bytes encoding/json would check as UTF-8) is
// unquoted by encoding/json. Other types leave p unchanged, as
// encoding/json does.
func setString(p *string, v []byte) {
	if len(v) < 2 || v[0] != '"' {
		return
	}
	for _, c := range v[1 : len(v)-1] {
		if c == '\\' || c >= 0x80 {
			_ = json.Unmarshal(v, p)
			return
		}
	}
	*p = string(v[1 : len(v)-1])
}

package bot

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// redacted replaces what must not reach a channel.
const redacted = "[redacted]"

// secretKeys are the JSON keys (lower-cased, without '-' and '_') whose
// values are credentials wherever they appear in an event: STS responses
// carry accessKeyId/secretAccessKey/sessionToken, console logins and
// database calls carry passwords, and some requests carry private keys.
var secretKeys = []string{
	"accesskeyid", "secretaccesskey", "sessiontoken", "password", "masteruserpassword",
	"newpassword", "oldpassword", "secret", "secretstring", "secretbinary", "privatekey",
	"credentials", "xamzsecuritytoken", "authorization", "token", "clientsecret",
}

// secretValues are credential shapes that can hide in any string: AWS
// access key ids, and anything after a "password=" or "token=" in a URL.
var secretValues = []*regexp.Regexp{
	regexp.MustCompile(`\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\b`),
	regexp.MustCompile(`(?i)((?:password|passwd|pwd|token|secret|x-amz-security-token)=)[^&\s"]+`),
}

func secretKey(k string) bool {
	k = strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(k))
	for _, s := range secretKeys {
		if k == s || strings.HasSuffix(k, s) && s != "token" && s != "secret" {
			return true
		}
	}
	return false
}

// Redact removes credentials from an event's JSON: values under
// credential keys at any depth, and credential shapes inside strings.
// Input that is not JSON is redacted as text.
func Redact(raw []byte) []byte {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return redactText(raw)
	}
	v = redactValue(v)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return redactText(raw)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if secretKey(k) && x != nil {
				t[k] = redacted
				continue
			}
			t[k] = redactValue(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = redactValue(x)
		}
		return t
	case string:
		return string(redactText([]byte(t)))
	}
	return v
}

func redactText(b []byte) []byte {
	b = secretValues[0].ReplaceAll(b, []byte(redacted))
	return secretValues[1].ReplaceAll(b, []byte("${1}"+redacted))
}

package record

import (
	"regexp"
	"strings"
	"unicode"
)

// readOnlyOf is the record's readOnly flag; when a record lacks it, the flag
// CloudTrail would have written is inferred from the event name.
//
// ReadOnly is CloudTrail's notion, not "changed nothing": CloudTrail records
// ConsoleLogin, CheckMfa and the credential-issuing calls (GetSessionToken,
// GetFederationToken, GetSigninToken) as readOnly=false, and AssumeRole as
// readOnly=true. The inference follows CloudTrail so that a lookup on the
// ReadOnly attribute answers the same with or without the field; whether an
// event is a change is the engine catalogue's call.
func readOnlyOf(r rawRecord) bool {
	if v, ok := jsonBool(r.ReadOnly); ok {
		return v
	}
	return inferReadOnly(r.EventName)
}

// readVerbs are the leading words of API names that only read.
var readVerbs = map[string]bool{
	"Get": true, "List": true, "Describe": true, "Lookup": true, "Head": true,
	"Search": true, "Scan": true, "Query": true, "Check": true, "Validate": true,
	"Estimate": true, "Preview": true, "Simulate": true, "Select": true,
	"Download": true, "Filter": true, "Test": true, "Discover": true,
	"Assume":  true, // AssumeRole, AssumeRoleWithSAML, AssumeRoleWithWebIdentity
	"Decrypt": true, "Encrypt": true, "Generate": true, "Verify": true,
	"Re": true, // ReEncrypt
}

// readPrefixes catch batch reads, whose leading word is "Batch".
var readPrefixes = []string{"BatchGet", "BatchDescribe", "BatchCheck"}

// writePrefixes start like a read but CloudTrail records them as writes: they
// issue credentials or sessions, create reports, or register identities.
var writePrefixes = []string{
	"GetSessionToken", "GetFederationToken", "GetSigninToken", "CheckMfa",
	"GenerateCredentialReport", "GenerateServiceLastAccessedDetails",
	"GenerateOrganizationsAccessReport",
	"VerifyEmail", "VerifyDomain", // SES identity registration
}

func inferReadOnly(name string) bool {
	base := stripAPIVersion(name)
	for _, p := range writePrefixes {
		if strings.HasPrefix(base, p) {
			return false
		}
	}
	for _, p := range readPrefixes {
		if strings.HasPrefix(base, p) {
			return true
		}
	}
	return readVerbs[leadingWord(base)]
}

// leadingWord is the first capitalised word of an API name ("Describe" in
// "DescribeInstances", "Re" in "ReEncrypt").
func leadingWord(name string) string {
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) {
			return name[:i]
		}
	}
	return name
}

// apiVersionSuffix is the API version some services append to event names:
// Lambda ("UpdateFunctionCode20150331v2", "PutFunctionConcurrency20171031")
// and CloudFront ("UpdateDistribution2020_05_31").
var apiVersionSuffix = regexp.MustCompile(`(?:\d{8}(?:v\d+)?|\d{4}_\d{2}_\d{2})$`)

// stripAPIVersion returns the event name without its API-version suffix.
func stripAPIVersion(name string) string {
	loc := apiVersionSuffix.FindStringIndex(name)
	if loc == nil || loc[0] == 0 {
		return name
	}
	return name[:loc[0]]
}

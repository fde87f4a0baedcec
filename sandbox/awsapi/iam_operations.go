package awsapi

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

type iamForm map[string][]string

func (f iamForm) get(k string) string {
	if v := f[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// required returns a parameter IAM requires, or the ValidationError IAM sends without it.
func (f iamForm) required(k string) (string, *iamFailure) {
	v := f.get(k)
	if v == "" {
		return "", iamValidation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", iamLowerFirst(k))
	}
	return v, nil
}

func iamLowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func (s *iamService) requireRole(f iamForm) (*iamRoleEntry, *iamFailure) {
	name, fail := f.required("RoleName")
	if fail != nil {
		return nil, fail
	}
	role, ok := s.role(name)
	if !ok {
		return nil, iamNoSuchEntity("The role with name %s cannot be found.", name)
	}
	return role, nil
}

func (s *iamService) requirePolicy(f iamForm) (*iamPolicyEntry, *iamFailure) {
	arn, fail := f.required("PolicyArn")
	if fail != nil {
		return nil, fail
	}
	if _, _, ok := iamSplitARN(arn, "policy"); !ok {
		return nil, &iamFailure{http.StatusBadRequest, "InvalidInput", fmt.Sprintf("ARN %s is not valid.", arn)}
	}
	p := s.policies[arn]
	if p == nil {
		return nil, iamNoSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	return p, nil
}

// page applies IAM's MaxItems/Marker paging to n items.
func (f iamForm) page(n int, fingerprint string) (start, end int, next string, fail *iamFailure) {
	maxItems := iamDefaultMaxItems
	if v := f.get("MaxItems"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 1 || m > iamMaxItems {
			return 0, 0, "", iamValidation("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and %d", v, iamMaxItems)
		}
		maxItems = m
	}
	if marker := f.get("Marker"); marker != "" {
		raw, err := base64.RawURLEncoding.DecodeString(marker)
		offset, fp, ok := strings.Cut(string(raw), ":")
		at, err2 := strconv.Atoi(offset)
		if err != nil || err2 != nil || !ok || fp != fingerprint || at < 0 || at > n {
			return 0, 0, "", iamValidation("Invalid Marker.")
		}
		start = at
	}
	end = min(start+maxItems, n)
	if end < n {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end) + ":" + fingerprint))
	}
	return start, end, next, nil
}

// iamID derives a stable unique id (AROA…, ANPA…) from an ARN.
func iamID(prefix, arn string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	h := fnv.New128a()
	_, _ = h.Write([]byte(arn))
	sum := h.Sum(nil)
	out := []byte(prefix)
	for i := 0; len(out) < len(prefix)+17; i++ {
		out = append(out, alphabet[sum[i%len(sum)]%32])
	}
	return string(out)
}

// iamEncodeDocument percent-encodes a policy document per RFC 3986, as IAM
// returns every policy document.
func iamEncodeDocument(doc []byte) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for _, c := range doc {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// iamDefaultSessionSeconds is the MaxSessionDuration IAM gives a role by default.
const iamDefaultSessionSeconds = 3600

func iamTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

type iamRoleXML struct {
	Path                     string `xml:"Path"`
	RoleName                 string `xml:"RoleName"`
	RoleID                   string `xml:"RoleId"`
	Arn                      string `xml:"Arn"`
	CreateDate               string `xml:"CreateDate"`
	AssumeRolePolicyDocument string `xml:"AssumeRolePolicyDocument,omitempty"`
	MaxSessionDuration       int    `xml:"MaxSessionDuration"`
}

func (s *iamService) getRole(f iamForm) (any, *iamFailure) {
	role, fail := s.requireRole(f)
	if fail != nil {
		return nil, fail
	}
	out := struct {
		XMLName xml.Name   `xml:"GetRoleResult"`
		Role    iamRoleXML `xml:"Role"`
	}{Role: iamRoleXML{Path: role.path, RoleName: role.name, RoleID: orDefault(role.id, iamID("AROA", role.arn)), Arn: role.arn,
		CreateDate: iamTime(role.created), MaxSessionDuration: iamDefaultSessionSeconds}}
	if len(role.trust) > 0 {
		out.Role.AssumeRolePolicyDocument = iamEncodeDocument(role.trust)
	}
	return out, nil
}

type iamAttachedXML struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

func (s *iamService) listAttachedRolePolicies(f iamForm) (any, *iamFailure) {
	role, fail := s.requireRole(f)
	if fail != nil {
		return nil, fail
	}
	prefix := f.get("PathPrefix")
	var all []iamAttachedXML
	for _, arn := range role.attached {
		path, name, ok := iamSplitARN(arn, "policy")
		if !ok || !strings.HasPrefix(path, prefix) {
			continue
		}
		all = append(all, iamAttachedXML{PolicyName: name, PolicyArn: arn})
	}
	start, end, next, fail := f.page(len(all), monFingerprint("attached", role.arn, prefix))
	if fail != nil {
		return nil, fail
	}
	return struct {
		XMLName          xml.Name         `xml:"ListAttachedRolePoliciesResult"`
		AttachedPolicies []iamAttachedXML `xml:"AttachedPolicies>member"`
		IsTruncated      bool             `xml:"IsTruncated"`
		Marker           string           `xml:"Marker,omitempty"`
	}{AttachedPolicies: all[start:end], IsTruncated: next != "", Marker: next}, nil
}

func (s *iamService) listRolePolicies(f iamForm) (any, *iamFailure) {
	role, fail := s.requireRole(f)
	if fail != nil {
		return nil, fail
	}
	names := make([]string, 0, len(role.inline))
	for name := range role.inline {
		names = append(names, name)
	}
	sort.Strings(names)
	start, end, next, fail := f.page(len(names), monFingerprint("inline", role.arn))
	if fail != nil {
		return nil, fail
	}
	return struct {
		XMLName     xml.Name `xml:"ListRolePoliciesResult"`
		PolicyNames []string `xml:"PolicyNames>member"`
		IsTruncated bool     `xml:"IsTruncated"`
		Marker      string   `xml:"Marker,omitempty"`
	}{PolicyNames: names[start:end], IsTruncated: next != "", Marker: next}, nil
}

func (s *iamService) getRolePolicy(f iamForm) (any, *iamFailure) {
	role, fail := s.requireRole(f)
	if fail != nil {
		return nil, fail
	}
	name, fail := f.required("PolicyName")
	if fail != nil {
		return nil, fail
	}
	doc, ok := role.inline[name]
	if !ok {
		return nil, iamNoSuchEntity("The role policy with name %s cannot be found.", name)
	}
	return struct {
		XMLName        xml.Name `xml:"GetRolePolicyResult"`
		RoleName       string   `xml:"RoleName"`
		PolicyName     string   `xml:"PolicyName"`
		PolicyDocument string   `xml:"PolicyDocument"`
	}{RoleName: role.name, PolicyName: name, PolicyDocument: iamEncodeDocument(doc)}, nil
}

func (s *iamService) getPolicy(f iamForm) (any, *iamFailure) {
	p, fail := s.requirePolicy(f)
	if fail != nil {
		return nil, fail
	}
	created := p.versions[len(p.versions)-1].Created
	updated := p.versions[0].Created
	type policyXML struct {
		PolicyName                    string `xml:"PolicyName"`
		PolicyID                      string `xml:"PolicyId"`
		Arn                           string `xml:"Arn"`
		Path                          string `xml:"Path"`
		DefaultVersionID              string `xml:"DefaultVersionId"`
		AttachmentCount               int    `xml:"AttachmentCount"`
		PermissionsBoundaryUsageCount int    `xml:"PermissionsBoundaryUsageCount"`
		IsAttachable                  bool   `xml:"IsAttachable"`
		CreateDate                    string `xml:"CreateDate"`
		UpdateDate                    string `xml:"UpdateDate"`
	}
	return struct {
		XMLName xml.Name  `xml:"GetPolicyResult"`
		Policy  policyXML `xml:"Policy"`
	}{Policy: policyXML{
		PolicyName: p.name, PolicyID: iamID("ANPA", p.arn), Arn: p.arn, Path: p.path,
		DefaultVersionID: p.defaultVersion, AttachmentCount: p.attachments, IsAttachable: true,
		CreateDate: iamTime(created), UpdateDate: iamTime(updated),
	}}, nil
}

type iamVersionXML struct {
	Document         string `xml:"Document,omitempty"`
	VersionID        string `xml:"VersionId"`
	IsDefaultVersion bool   `xml:"IsDefaultVersion"`
	CreateDate       string `xml:"CreateDate"`
}

func (s *iamService) listPolicyVersions(f iamForm) (any, *iamFailure) {
	p, fail := s.requirePolicy(f)
	if fail != nil {
		return nil, fail
	}
	start, end, next, fail := f.page(len(p.versions), monFingerprint("versions", p.arn))
	if fail != nil {
		return nil, fail
	}
	versions := make([]iamVersionXML, 0, end-start)
	for _, v := range p.versions[start:end] {
		versions = append(versions, iamVersionXML{VersionID: v.ID, IsDefaultVersion: v.ID == p.defaultVersion, CreateDate: iamTime(v.Created)})
	}
	return struct {
		XMLName     xml.Name        `xml:"ListPolicyVersionsResult"`
		Versions    []iamVersionXML `xml:"Versions>member"`
		IsTruncated bool            `xml:"IsTruncated"`
		Marker      string          `xml:"Marker,omitempty"`
	}{Versions: versions, IsTruncated: next != "", Marker: next}, nil
}

func (s *iamService) getPolicyVersion(f iamForm) (any, *iamFailure) {
	p, fail := s.requirePolicy(f)
	if fail != nil {
		return nil, fail
	}
	id, fail := f.required("VersionId")
	if fail != nil {
		return nil, fail
	}
	if !iamVersionID.MatchString(id) {
		return nil, iamValidation("1 validation error detected: Value '%s' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?", id)
	}
	for _, v := range p.versions {
		if v.ID == id {
			return struct {
				XMLName       xml.Name      `xml:"GetPolicyVersionResult"`
				PolicyVersion iamVersionXML `xml:"PolicyVersion"`
			}{PolicyVersion: iamVersionXML{
				Document: iamEncodeDocument(v.Document), VersionID: v.ID,
				IsDefaultVersion: v.ID == p.defaultVersion, CreateDate: iamTime(v.Created),
			}}, nil
		}
	}
	return nil, iamNoSuchEntity("Policy %s version %s does not exist or is not attachable.", p.arn, id)
}

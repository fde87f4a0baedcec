package awsapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation/scenario"
)

const (
	iamXMLNS           = "https://iam.amazonaws.com/doc/2010-05-08/"
	iamAPIVersion      = "2010-05-08"
	iamDefaultMaxItems = 100
	iamMaxItems        = 1000
)

// iamService answers the IAM role and policy reads over awsQuery from the
// scenario's iam.json.
type iamService struct {
	aws      *Emulator
	account  string
	roles    []iamRoleEntry
	policies map[string]*iamPolicyEntry // by ARN
	loadErr  error
}

type iamRoleEntry struct {
	name, arn, path string
	id              string    // RoleId; derived from the ARN when Config records none
	created         time.Time // CreateDate
	trust           json.RawMessage
	attached        []string
	inline          map[string]json.RawMessage
}

type iamPolicyEntry struct {
	arn, name, path string
	defaultVersion  string
	versions        []scenario.IAMPolicyVersion // newest first
	attachments     int
}

func newIAMService(a *Emulator) *iamService {
	s := &iamService{aws: a, account: a.sc.Meta.Account, policies: map[string]*iamPolicyEntry{}}
	s.loadErr = s.load(a.sc.IAM, a.sc.Meta.Now)
	if s.loadErr == nil {
		s.loadErr = s.addTopologyRoles(a.sc.Topology.Resources, a.sc.Meta.Now)
	}
	return s
}

func (s *iamService) load(f scenario.IAMFile, now time.Time) error {
	for i, p := range f.Policies {
		path, name, ok := iamSplitARN(p.ARN, "policy")
		if !ok {
			return fmt.Errorf("scenario iam.json policies[%d]: arn %q is not a policy ARN", i, p.ARN)
		}
		if _, dup := s.policies[p.ARN]; dup {
			return fmt.Errorf("scenario iam.json policies[%d]: %s is listed twice", i, p.ARN)
		}
		if len(p.Versions) == 0 {
			return fmt.Errorf("scenario iam.json policies[%d] (%s): no versions", i, p.ARN)
		}
		e := &iamPolicyEntry{arn: p.ARN, name: name, path: path, defaultVersion: p.DefaultVersion}
		e.versions = slices.Clone(p.Versions)
		sort.SliceStable(e.versions, func(a, b int) bool { return e.versions[a].Created.After(e.versions[b].Created) })
		seen := map[string]bool{}
		for _, v := range e.versions {
			switch {
			case !iamVersionID.MatchString(v.ID):
				return fmt.Errorf("scenario iam.json policies[%d] (%s): version id %q is not like v1", i, p.ARN, v.ID)
			case seen[v.ID]:
				return fmt.Errorf("scenario iam.json policies[%d] (%s): version %s is listed twice", i, p.ARN, v.ID)
			case !json.Valid(v.Document) || len(bytes.TrimSpace(v.Document)) == 0:
				return fmt.Errorf("scenario iam.json policies[%d] (%s): version %s has no JSON document", i, p.ARN, v.ID)
			case v.Created.IsZero():
				return fmt.Errorf("scenario iam.json policies[%d] (%s): version %s has no created time", i, p.ARN, v.ID)
			}
			seen[v.ID] = true
		}
		if e.defaultVersion == "" {
			e.defaultVersion = e.versions[0].ID
		} else if !seen[e.defaultVersion] {
			return fmt.Errorf("scenario iam.json policies[%d] (%s): default_version %s is not among its versions", i, p.ARN, e.defaultVersion)
		}
		s.policies[p.ARN] = e
	}
	for i, r := range f.Roles {
		e := iamRoleEntry{name: r.Name, arn: r.ARN, path: "/", trust: r.AssumeRolePolicy, attached: r.Attached, inline: r.Inline,
			created: now.Add(-iamRoleAge).Truncate(24 * time.Hour)}
		if r.ARN != "" {
			path, name, ok := iamSplitARN(r.ARN, "role")
			if !ok {
				return fmt.Errorf("scenario iam.json roles[%d]: arn %q is not a role ARN", i, r.ARN)
			}
			if e.name == "" {
				e.name = name
			} else if e.name != name {
				return fmt.Errorf("scenario iam.json roles[%d]: name %q does not match arn %s", i, r.Name, r.ARN)
			}
			e.path = path
		}
		if e.name == "" {
			return fmt.Errorf("scenario iam.json roles[%d]: needs a name or an arn", i)
		}
		if e.arn == "" {
			e.arn = "arn:aws:iam::" + s.account + ":role/" + e.name
		}
		if _, dup := s.role(e.name); dup {
			return fmt.Errorf("scenario iam.json roles[%d]: role %s is listed twice", i, e.name)
		}
		for name, doc := range r.Inline {
			if !json.Valid(doc) {
				return fmt.Errorf("scenario iam.json roles[%d] (%s): inline policy %q is not JSON", i, e.name, name)
			}
		}
		for _, arn := range r.Attached {
			if p := s.policies[arn]; p != nil {
				p.attachments++
			}
		}
		s.roles = append(s.roles, e)
	}
	return nil
}

var iamVersionID = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)

// iamSplitARN splits arn:aws:iam::ACCOUNT:KIND/PATH/NAME into its path and name.
func iamSplitARN(arn, kind string) (path, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" {
		return "", "", false
	}
	rest, ok := strings.CutPrefix(parts[5], kind+"/")
	if !ok || rest == "" || strings.HasSuffix(rest, "/") {
		return "", "", false
	}
	i := strings.LastIndex(rest, "/")
	return "/" + rest[:i+1], rest[i+1:], true
}

// role looks a role up by name; IAM names are case-insensitive.
func (s *iamService) role(name string) (*iamRoleEntry, bool) {
	for i := range s.roles {
		if strings.EqualFold(s.roles[i].name, name) {
			return &s.roles[i], true
		}
	}
	return nil, false
}

// iamFailure is an IAM error answer.
type iamFailure struct {
	status    int
	code, msg string
}

func iamNoSuchEntity(format string, args ...any) *iamFailure {
	return &iamFailure{http.StatusNotFound, "NoSuchEntity", fmt.Sprintf(format, args...)}
}

func iamValidation(format string, args ...any) *iamFailure {
	return &iamFailure{http.StatusBadRequest, "ValidationError", fmt.Sprintf(format, args...)}
}

func (s *iamService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		iamWriteError(w, http.StatusBadRequest, "InvalidAction", "the sandbox serves IAM's query API over POST")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		iamWriteError(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	action := r.PostForm.Get("Action")
	handlers := map[string]func(iamForm) (any, *iamFailure){
		"GetRole":                  s.getRole,
		"ListAttachedRolePolicies": s.listAttachedRolePolicies,
		"ListRolePolicies":         s.listRolePolicies,
		"GetRolePolicy":            s.getRolePolicy,
		"GetPolicy":                s.getPolicy,
		"ListPolicyVersions":       s.listPolicyVersions,
		"GetPolicyVersion":         s.getPolicyVersion,
	}
	handle, ok := handlers[action]
	if !ok {
		iamWriteError(w, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", action, iamAPIVersion))
		return
	}
	if !s.aws.begin(w, r, "iam:"+action, iamWriteError) {
		return
	}
	if v := r.PostForm.Get("Version"); v != iamAPIVersion {
		iamWriteError(w, http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("Version %q is not %s", v, iamAPIVersion))
		return
	}
	if s.loadErr != nil {
		iamWriteError(w, http.StatusInternalServerError, "ServiceFailure", "sandbox: "+s.loadErr.Error())
		return
	}
	result, fail := handle(iamForm(r.PostForm))
	if fail != nil {
		iamWriteError(w, fail.status, fail.code, fail.msg)
		return
	}
	body, err := xml.Marshal(result)
	if err != nil {
		iamWriteError(w, http.StatusInternalServerError, "ServiceFailure", "sandbox: encode response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	fmt.Fprintf(w, `<%sResponse xmlns="%s">%s<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		action, iamXMLNS, body, newUUID(), action)
}

// iamWriteError writes IAM's query error document.
func iamWriteError(w http.ResponseWriter, status int, code, msg string) {
	fault := "Sender"
	if status >= 500 {
		fault = "Receiver"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>`, iamXMLNS, fault, iamEscape(code))
	_ = xml.EscapeText(&b, []byte(msg))
	fmt.Fprintf(&b, `</Message></Error><RequestId>%s</RequestId></ErrorResponse>`, newUUID())
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func iamEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

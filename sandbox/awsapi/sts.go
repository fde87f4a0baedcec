package awsapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

const (
	stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
	// temporaryKeyPrefix starts every access key AssumeRole issues, as
	// AWS's temporary keys start with ASIA.
	temporaryKeyPrefix = "ASIA"
	// staticUser is the IAM user the home account's static keys belong to.
	staticUser = "trailhound"
	// orgID is the organization's id in the account ARNs ListAccounts returns.
	orgID = "o-sandbox0001"
)

// stsService answers AssumeRole and GetCallerIdentity: AssumeRole issues
// temporary keys that open the role's account, when the account holds
// Trailhound's member role.
type stsService struct {
	org *organization

	once  sync.Once
	h     http.Handler
	mu    sync.Mutex
	calls map[string]int // role account → AssumeRole requests
}

func (s *stsService) handler() http.Handler {
	s.once.Do(func() {
		s.calls = map[string]int{}
		s.h = &queryService{a: s.org.homeWorld(), service: "sts", version: "2011-06-15", xmlns: stsNamespace,
			ops: map[string]queryOp{"AssumeRole": s.assumeRole, "GetCallerIdentity": s.getCallerIdentity}}
	})
	return s.h
}

func (s *stsService) counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// homeWorld is the world of the static credentials' account.
func (o *organization) homeWorld() *Emulator { return o.worlds[o.home] }

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumeRoleResult struct {
	Credentials     stsCredentials `xml:"Credentials"`
	AssumedRoleUser struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string `xml:"Arn"`
	} `xml:"AssumedRoleUser"`
}

type callerIdentityResult struct {
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
}

var roleSessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func (s *stsService) assumeRole(r *http.Request, f queryForm) (any, *apiError) {
	now := arrival(r)
	caller, apiErr := s.org.account(requestKey(r), now)
	if apiErr != nil {
		return nil, apiErr
	}
	roleARN, session := f.get("RoleArn"), f.get("RoleSessionName")
	if !roleSessionName.MatchString(session) {
		return nil, validationError("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", session)
	}
	duration, apiErr := intParam(f, "DurationSeconds", 3600, 900, 43200, validationError)
	if apiErr != nil {
		return nil, apiErr
	}
	arn, ok := investigation.ParseARN(roleARN)
	if !ok || arn.Service != "iam" || !strings.HasPrefix(arn.Resource, "role/") {
		return nil, validationError("%s is invalid", roleARN)
	}
	s.mu.Lock()
	s.calls[arn.Account]++
	s.mu.Unlock()
	name := arn.Resource[strings.LastIndex(arn.Resource, "/")+1:]
	if !s.org.member[arn.Account] || name != MemberRoleName {
		return nil, &apiError{status: http.StatusForbidden, code: "AccessDenied",
			msg: "User: " + s.org.callerARN(caller, requestKey(r)) + " is not authorized to perform: sts:AssumeRole on resource: " + roleARN}
	}
	key := issuedKey{account: arn.Account, role: name, session: session, expires: now.Add(time.Duration(duration) * time.Second)}
	id := temporaryKeyPrefix + strings.ToUpper(randomHex(8))
	s.org.mu.Lock()
	s.org.keys[id] = key
	s.org.mu.Unlock()
	var out assumeRoleResult
	out.Credentials = stsCredentials{AccessKeyID: id, SecretAccessKey: randomHex(20), SessionToken: "sandbox-" + randomHex(32),
		Expiration: key.expires.UTC().Format(time.RFC3339)}
	out.AssumedRoleUser.AssumedRoleID = "AROA" + strings.ToUpper(randomHex(8)) + ":" + session
	out.AssumedRoleUser.Arn = "arn:aws:sts::" + arn.Account + ":assumed-role/" + name + "/" + session
	return out, nil
}

func (s *stsService) getCallerIdentity(r *http.Request, _ queryForm) (any, *apiError) {
	key := requestKey(r)
	acct, apiErr := s.org.account(key, arrival(r))
	if apiErr != nil {
		return nil, apiErr
	}
	return callerIdentityResult{UserID: key, Account: acct, Arn: s.org.callerARN(acct, key)}, nil
}

// callerARN is who a key belongs to: an assumed-role session, or the home
// account's user.
func (o *organization) callerARN(account, key string) string {
	o.mu.Lock()
	k, issued := o.keys[key]
	o.mu.Unlock()
	if issued {
		return "arn:aws:sts::" + account + ":assumed-role/" + k.role + "/" + k.session
	}
	return "arn:aws:iam::" + account + ":user/" + staticUser
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// organizationsHandler serves ListAccounts to the home account, the
// organization's management account.
func (o *organization) organizationsHandler() http.Handler {
	return &lazyHandler{build: func() http.Handler {
		return &jsonService{a: o.homeWorld(), service: "organizations", version: "1.1",
			ops: map[string]jsonOp{"ListAccounts": o.listAccounts}}
	}}
}

// lazyHandler builds its handler at the first request, once the worlds exist.
type lazyHandler struct {
	once  sync.Once
	build func() http.Handler
	h     http.Handler
}

func (l *lazyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.once.Do(func() { l.h = l.build() })
	l.h.ServeHTTP(w, r)
}

type orgAccount struct {
	ID              string       `json:"Id"`
	Arn             string       `json:"Arn"`
	Email           string       `json:"Email"`
	Name            string       `json:"Name"`
	Status          string       `json:"Status"`
	JoinedMethod    string       `json:"JoinedMethod"`
	JoinedTimestamp epochSeconds `json:"JoinedTimestamp"`
}

// orgPageSize is ListAccounts' largest page.
const orgPageSize = 20

func (o *organization) listAccounts(r *http.Request, body []byte) (any, *apiError) {
	caller, apiErr := o.account(requestKey(r), arrival(r))
	if apiErr != nil {
		return nil, apiErr
	}
	if !o.multi() {
		return nil, clientError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
	}
	if caller != o.home {
		return nil, clientError("AccessDeniedException", "You don't have permissions to access this resource.")
	}
	var in struct {
		NextToken  string `json:"NextToken"`
		MaxResults int    `json:"MaxResults"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, clientError("InvalidInputException", "%v", err)
		}
	}
	size := orgPageSize
	if in.MaxResults > 0 && in.MaxResults < size {
		size = in.MaxResults
	}
	ids := o.accountsSorted()
	start, end, next, ok := pageWindow(in.NextToken, size, len(ids), "ListAccounts")
	if !ok {
		return nil, clientError("InvalidInputException", "You provided an invalid value for the NextToken parameter.")
	}
	out := struct {
		Accounts  []orgAccount `json:"Accounts"`
		NextToken string       `json:"NextToken,omitempty"`
	}{Accounts: []orgAccount{}, NextToken: next}
	for _, id := range ids[start:end] {
		out.Accounts = append(out.Accounts, orgAccount{ID: id, Name: o.names[id], Email: "aws+" + id + "@example.com",
			Arn: "arn:aws:organizations::" + o.home + ":account/" + orgID + "/" + id, Status: "ACTIVE", JoinedMethod: "CREATED"})
	}
	return out, nil
}

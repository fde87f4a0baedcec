package tools

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/trailhound/trailhound/investigation"
)

// Credential lifetimes of the member-account roles.
const (
	// DefaultRoleName is the read-only role Trailhound assumes in each
	// account (deploy/member-role.yaml creates it).
	DefaultRoleName = "TrailhoundReadOnly"
	// RoleSessionDuration is how long assumed credentials last: one
	// AssumeRole per account per hour at most.
	RoleSessionDuration = time.Hour
	// RoleRefreshWindow is how long before expiry credentials are renewed,
	// so no call is signed with credentials about to lapse in flight.
	RoleRefreshWindow = 5 * time.Minute
	// DeniedRetryAfter is how long a refused AssumeRole is remembered: a
	// storm of alarms in an account without the role asks AWS once.
	DeniedRetryAfter = 5 * time.Minute
	// assumeRoleTimeout bounds one AssumeRole call.
	assumeRoleTimeout = 10 * time.Second
	// maxSessionName is STS's limit on a role session name.
	maxSessionName = 64
)

// AccountsOptions say how Trailhound reaches accounts other than its own.
type AccountsOptions struct {
	// Home is the account the base credentials belong to, read directly.
	Home string
	// RoleName names the role to assume in each account; "{account}" in it
	// is replaced by the account id. Default DefaultRoleName.
	RoleName string
	// Roles overrides the role per account: a role name or a full role ARN.
	Roles map[string]string
	// ExternalID is passed to every AssumeRole (the member roles' trust
	// policy requires it).
	ExternalID string
	// Allowed, when set, is the only accounts Trailhound may read.
	Allowed []string
	// Organization, when set, lists the organization's accounts: their
	// names, and where the owner of a resource known by id alone is looked
	// for.
	Organization *Organization
	// RequireMember restricts reads to the organization's member accounts.
	RequireMember bool
	// Now is the clock that ages remembered refusals; time.Now when nil.
	Now func() time.Time
}

// Accounts hands out the adapters of each account: the base credentials'
// own, and for every other account adapters on credentials of its
// read-only role, assumed once per credential lifetime and renewed before
// expiry. One CloudTrail pacer serves them all, keyed by account and region.
type Accounts struct {
	opts  AccountsOptions
	base  aws.Config
	home  *AWS
	pacer *Pacer
	sts   *sts.Client

	mu       sync.Mutex
	accounts map[string]*memberAccount
}

// memberAccount is one account reached through its role.
type memberAccount struct {
	role  string
	aws   *AWS
	creds *aws.CredentialsCache

	mu     sync.Mutex // held while the credentials are checked or renewed
	denied *investigation.AccountError
	until  time.Time // when denied stops being remembered
}

// NewAccounts builds the accounts on base, whose credentials are the home
// account's. home is the home account's adapters (sharing base).
func NewAccounts(base aws.Config, home *AWS, opts AccountsOptions) *Accounts {
	if opts.RoleName == "" {
		opts.RoleName = DefaultRoleName
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	pacer := home.Trail.opts.Pacer
	return &Accounts{opts: opts, base: base, home: home, pacer: pacer,
		sts: sts.NewFromConfig(base), accounts: map[string]*memberAccount{}}
}

// Home is the account of the base credentials.
func (m *Accounts) Home() string { return m.opts.Home }

// RoleARN is the role Trailhound assumes in account.
func (m *Accounts) RoleARN(account string) string {
	name := strings.ReplaceAll(m.opts.RoleName, "{account}", account)
	if o := m.opts.Roles[account]; o != "" {
		if strings.HasPrefix(o, "arn:") {
			return o
		}
		name = o
	}
	return investigation.ARN{Partition: orDefault(investigation.PartitionOf(m.base.Region), "aws"), Service: "iam",
		Account: account, Resource: "role/" + name}.String()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// For returns the adapters that read account, or why it may not be read:
// an *investigation.AccountError when the account is not allowed, not a
// member, or its role cannot be assumed. "" is the home account.
func (m *Accounts) For(ctx context.Context, account string) (*AWS, error) {
	if account == "" || account == m.opts.Home {
		return m.home, nil
	}
	if len(m.opts.Allowed) > 0 && !slices.Contains(m.opts.Allowed, account) {
		return nil, &investigation.AccountError{Account: account,
			Reason: "not in Trailhound's account allowlist (setting accounts): no call was made"}
	}
	if m.opts.RequireMember && m.opts.Organization != nil {
		members, err := m.opts.Organization.Accounts(ctx)
		if err != nil {
			return nil, &investigation.AccountError{Account: account,
				Reason: "membership of the organization could not be checked (" + string(investigation.ReasonOf(err)) + "): no call was made"}
		}
		if _, ok := members[account]; !ok {
			return nil, &investigation.AccountError{Account: account,
				Reason: "not a member of the organization: no call was made"}
		}
	}
	acct := m.member(account)
	// One caller at a time per account: the one that finds the credentials
	// missing or expiring calls STS, the others then find them cached, or
	// find the refusal it remembered.
	acct.mu.Lock()
	defer acct.mu.Unlock()
	if acct.denied != nil && m.opts.Now().Before(acct.until) {
		return nil, acct.denied
	}
	// The cache holds the credentials for their lifetime and renews them
	// ahead of expiry.
	actx, cancel := context.WithTimeout(ctx, assumeRoleTimeout)
	defer cancel()
	if _, err := acct.creds.Retrieve(actx); err != nil {
		return nil, m.refused(account, acct, err)
	}
	return acct.aws, nil
}

// member returns account's entry, building it on first use.
func (m *Accounts) member(account string) *memberAccount {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.accounts[account]; ok {
		return a
	}
	role := m.RoleARN(account)
	cache := aws.NewCredentialsCache(&assumeRole{client: m.sts, role: role, externalID: m.opts.ExternalID},
		func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = RoleRefreshWindow })
	cfg := m.base.Copy()
	cfg.Credentials = cache
	a := &memberAccount{role: role, creds: cache, aws: newAWS(cfg, account, m.pacer)}
	m.accounts[account] = a
	return a
}

// refused turns a failed AssumeRole into what a person can act on. A denial
// is remembered for DeniedRetryAfter; other failures (network, throttling)
// are not, and are returned as they are. The caller holds acct.mu.
func (m *Accounts) refused(account string, acct *memberAccount, err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) || (ae.ErrorCode() != "AccessDenied" && ae.ErrorCode() != "AccessDeniedException") {
		return Wrap("sts:AssumeRole", "assume "+acct.role, err)
	}
	denied := &investigation.AccountError{Account: account,
		Reason: fmt.Sprintf("AssumeRole into %s was denied: the role is missing in that account, or its trust policy does not trust Trailhound's role with the configured external ID", acct.role)}
	acct.denied, acct.until = denied, m.opts.Now().Add(DeniedRetryAfter)
	return denied
}

// assumeRole is stscreds' AssumeRole provider with a session name that says
// which alarm the credentials were first assumed for, so the member
// account's own trail shows why Trailhound came.
type assumeRole struct {
	client           *sts.Client
	role, externalID string
}

func (p *assumeRole) Retrieve(ctx context.Context) (aws.Credentials, error) {
	session := SessionName(investigation.AlarmNameFrom(ctx))
	prov := stscreds.NewAssumeRoleProvider(p.client, p.role, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = session
		o.Duration = RoleSessionDuration
		if p.externalID != "" {
			o.ExternalID = aws.String(p.externalID)
		}
	})
	return prov.Retrieve(ctx)
}

var sessionUnsafe = regexp.MustCompile(`[^\w+=,.@-]+`)

// SessionName is the role session name for an alarm: "trailhound-" and the
// alarm's name in the characters STS accepts, within its 64.
func SessionName(alarm string) string {
	s := "trailhound"
	if alarm = strings.Trim(sessionUnsafe.ReplaceAllString(alarm, "-"), "-"); alarm != "" {
		s += "-" + alarm
	}
	if len(s) > maxSessionName {
		s = s[:maxSessionName]
	}
	return s
}

// candidates are the accounts a resource's owner may be: the home account,
// the allowlist and the organization's accounts when it can be listed.
func (m *Accounts) candidates(ctx context.Context) []string {
	set := map[string]bool{m.opts.Home: true}
	for _, a := range m.opts.Allowed {
		set[a] = true
	}
	if m.opts.Organization != nil {
		if members, err := m.opts.Organization.Accounts(ctx); err == nil {
			for a := range members {
				set[a] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// AccountName is an account's name in the organization, "" when the
// organization's accounts cannot be listed.
func (m *Accounts) AccountName(ctx context.Context, account string) string {
	if m.opts.Organization == nil || account == "" {
		return ""
	}
	names, err := m.opts.Organization.Accounts(ctx)
	if err != nil {
		return ""
	}
	return names[account]
}

// callerTimeout bounds the GetCallerIdentity that names the home account.
const callerTimeout = 10 * time.Second

// CallerAccount is the account cfg's credentials belong to.
func CallerAccount(ctx context.Context, cfg aws.Config) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, callerTimeout)
	defer cancel()
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", Wrap("sts:GetCallerIdentity", "find the credentials' own account", err)
	}
	return aws.ToString(out.Account), nil
}

package tools

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

const (
	// OrganizationTTL is how long the organization's account list is kept:
	// accounts join and leave rarely, and one ListAccounts walk serves
	// every triage meanwhile.
	OrganizationTTL = 15 * time.Minute
	// maxOrganizationPages bounds one ListAccounts walk (20 accounts a page).
	maxOrganizationPages = 50
	// organizationTimeout bounds one ListAccounts walk.
	organizationTimeout = 20 * time.Second
)

// Organization reads the accounts of the AWS Organization the base
// credentials can list (the management account, or a delegated
// administrator), for membership checks and account names.
type Organization struct {
	client *organizations.Client
	now    func() time.Time

	mu       sync.Mutex
	at       time.Time
	accounts map[string]string // id → name
	err      error
}

// NewOrganization reads the organization with cfg's credentials.
func NewOrganization(cfg aws.Config) *Organization {
	return &Organization{now: time.Now, client: organizations.NewFromConfig(cfg, func(o *organizations.Options) {
		// Organizations is a global service served from us-east-1.
		o.Region = "us-east-1"
	})}
}

// Accounts returns the organization's accounts by id with their names. A
// failure (AccessDenied when ListAccounts is not allowed) is kept for the
// TTL too, so a bot without the permission asks once.
func (o *Organization) Accounts(ctx context.Context) (map[string]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.at.IsZero() && o.now().Sub(o.at) < OrganizationTTL {
		return o.accounts, o.err
	}
	ctx, cancel := context.WithTimeout(ctx, organizationTimeout)
	defer cancel()
	accounts := map[string]string{}
	var err error
	p := organizations.NewListAccountsPaginator(o.client, &organizations.ListAccountsInput{})
	for page := 0; p.HasMorePages() && page < maxOrganizationPages; page++ {
		out, perr := p.NextPage(ctx)
		if perr != nil {
			err = Wrap("organizations:ListAccounts", "list the organization's accounts", perr)
			break
		}
		for _, a := range out.Accounts {
			accounts[aws.ToString(a.Id)] = aws.ToString(a.Name)
		}
	}
	if err != nil {
		accounts = nil
	}
	o.at, o.accounts, o.err = o.now(), accounts, err
	return accounts, err
}

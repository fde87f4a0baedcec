package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

var (
	accountID  = regexp.MustCompile(`^[0-9]{12}$`)
	roleName   = regexp.MustCompile(`^[\w+=,.@{}-]{1,64}$`)
	roleARN    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	externalID = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

// validateAccounts checks the settings that reach other accounts and the
// access portal, naming each one at fault.
func (c Config) validateAccounts() []error {
	var errs []error
	bad := func(env, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", env, fmt.Sprintf(format, args...)))
	}
	for _, a := range c.Accounts {
		if !accountID.MatchString(a) {
			bad("TRAILHOUND_ACCOUNTS", "%q is not a 12-digit account id", a)
		}
	}
	if c.MemberRole != "" && !roleName.MatchString(c.MemberRole) {
		bad("TRAILHOUND_MEMBER_ROLE", "%q is not a role name", c.MemberRole)
	}
	for acct, role := range c.MemberRoles {
		switch {
		case !accountID.MatchString(acct):
			bad("TRAILHOUND_MEMBER_ROLES", "%q is not a 12-digit account id", acct)
		case !roleName.MatchString(role) && !roleARN.MatchString(role):
			bad("TRAILHOUND_MEMBER_ROLES", "%s: %q is neither a role name nor a role ARN", acct, role)
		}
	}
	if len(c.MemberRoles) > 0 && c.MemberRole == "" {
		bad("TRAILHOUND_MEMBER_ROLE", "required with TRAILHOUND_MEMBER_ROLES: the role of the accounts without an override")
	}
	switch {
	case c.MemberRole != "" && c.ExternalID == "":
		bad("TRAILHOUND_EXTERNAL_ID", "required with TRAILHOUND_MEMBER_ROLE: the member roles trust Trailhound only with it")
	case c.ExternalID != "" && (!externalID.MatchString(c.ExternalID) || len(c.ExternalID) < 2 || len(c.ExternalID) > 1224):
		bad("TRAILHOUND_EXTERNAL_ID", "must be 2 to 1224 characters of letters, digits and +=,.@:/-")
	}
	if c.OrganizationCheck && c.MemberRole == "" {
		bad("TRAILHOUND_ORGANIZATION_CHECK", "only applies with TRAILHOUND_MEMBER_ROLE")
	}
	if c.PortalURL != "" {
		if u, err := url.Parse(c.PortalURL); err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			bad("TRAILHOUND_PORTAL_URL", "must be the access portal's https start URL, e.g. https://d-1234567890.awsapps.com/start")
		}
		if c.PortalRole == "" {
			bad("TRAILHOUND_PORTAL_ROLE", "required with TRAILHOUND_PORTAL_URL: the permission set links sign in with")
		}
	}
	if c.PortalRole != "" && (!roleName.MatchString(c.PortalRole) || strings.ContainsAny(c.PortalRole, "{}")) {
		bad("TRAILHOUND_PORTAL_ROLE", "%q is not a permission set name", c.PortalRole)
	}
	return errs
}

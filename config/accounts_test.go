package config

import (
	"strings"
	"testing"
)

func TestAccountSettings(t *testing.T) {
	good := merge(validEnv, map[string]string{
		"TRAILHOUND_MEMBER_ROLE": "TrailhoundReadOnly", "TRAILHOUND_EXTERNAL_ID": "trailhound-7f3a",
		"TRAILHOUND_MEMBER_ROLES":       "111122223333=LegacyReader, 444455556666=arn:aws:iam::444455556666:role/ops/Reader",
		"TRAILHOUND_ORGANIZATION_CHECK": "true", "TRAILHOUND_ACCOUNTS": "111122223333,444455556666",
		"TRAILHOUND_PORTAL_URL": "https://d-1234567890.awsapps.com/start", "TRAILHOUND_PORTAL_ROLE": "ReadOnlyAccess",
	})
	c, err := Load(nil, env(good))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ValidateBot(); err != nil {
		t.Fatalf("valid account settings rejected: %v", err)
	}
	if c.MemberRoles["444455556666"] != "arn:aws:iam::444455556666:role/ops/Reader" || !c.OrganizationCheck {
		t.Errorf("settings not read: %+v", c)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"role without external id", map[string]string{"TRAILHOUND_EXTERNAL_ID": ""}, "TRAILHOUND_EXTERNAL_ID: required with TRAILHOUND_MEMBER_ROLE"},
		{"override without role", map[string]string{"TRAILHOUND_MEMBER_ROLE": "", "TRAILHOUND_ORGANIZATION_CHECK": "false"}, "TRAILHOUND_MEMBER_ROLE: required with TRAILHOUND_MEMBER_ROLES"},
		{"override of a bad account", map[string]string{"TRAILHOUND_MEMBER_ROLES": "prod=Reader"}, `TRAILHOUND_MEMBER_ROLES: "prod" is not a 12-digit account id`},
		{"bad allowlist entry", map[string]string{"TRAILHOUND_ACCOUNTS": "prod-payments"}, `TRAILHOUND_ACCOUNTS: "prod-payments" is not a 12-digit`},
		{"portal without role", map[string]string{"TRAILHOUND_PORTAL_ROLE": ""}, "TRAILHOUND_PORTAL_ROLE: required with TRAILHOUND_PORTAL_URL"},
		{"portal over http", map[string]string{"TRAILHOUND_PORTAL_URL": "http://d-1234567890.awsapps.com/start"}, "TRAILHOUND_PORTAL_URL: must be the access portal's https start URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(nil, env(merge(good, tc.env)))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.ValidateBot(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := Load(nil, env(merge(validEnv, map[string]string{"TRAILHOUND_MEMBER_ROLES": "111122223333"}))); err == nil {
		t.Error("a role override without = was accepted")
	}
}

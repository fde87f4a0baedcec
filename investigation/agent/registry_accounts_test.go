package agent

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

// allowOnly admits the listed accounts.
type allowOnly []string

func (a allowOnly) Readable(_ context.Context, account string) error {
	for _, x := range a {
		if x == account {
			return nil
		}
	}
	return &investigation.AccountError{Account: account, Reason: "not in the allowlist"}
}

// accountSeen records the context's account of each role read.
type accountSeen struct {
	*registryFakes
	accounts []string
}

func (s *accountSeen) GetRole(ctx context.Context, role string) (IAMRole, error) {
	s.accounts = append(s.accounts, investigation.AccountFrom(ctx))
	return s.registryFakes.GetRole(ctx, role)
}

func TestRegistryAccountInput(t *testing.T) {
	f := &accountSeen{registryFakes: &registryFakes{}}
	b := allBackends(f.registryFakes)
	b.IAM = f

	single, err := NewRegistry(b, RegistryOptions{DefaultRegion: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range single.Specs() {
		if strings.Contains(string(tool.InputSchema), `"account"`) {
			t.Errorf("%s offers an account input without accounts to route to", tool.Name)
		}
	}

	multi, err := NewRegistry(b, RegistryOptions{DefaultRegion: "us-east-1", Accounts: allowOnly{"111111111111"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range multi.Specs() {
		if !strings.Contains(string(tool.InputSchema), `"account"`) {
			t.Errorf("%s offers no account input", tool.Name)
		}
	}
	ctx := investigation.WithAccount(context.Background(), "222222222222")
	cases := []struct {
		name, input, wantAccount, wantErr string
	}{
		{name: "context's account", input: `{"role_name":"r"}`, wantAccount: "222222222222"},
		{name: "named allowed account", input: `{"role_name":"r","account":"111111111111"}`, wantAccount: "111111111111"},
		{name: "named refused account", input: `{"role_name":"r","account":"333333333333"}`, wantErr: "not in the allowlist"},
		{name: "malformed account", input: `{"role_name":"r","account":"12"}`, wantErr: "input.account"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.accounts = nil
			_, err := multi.Call(ctx, "get_role", json.RawMessage(tc.input))
			if tc.wantErr != "" {
				var inErr *InputError
				if !errors.As(err, &inErr) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want an input error with %q", err, tc.wantErr)
				}
				if len(f.accounts) != 0 {
					t.Errorf("the backend was called for a refused input")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(f.accounts) != 1 || f.accounts[0] != tc.wantAccount {
				t.Errorf("read in %v, want %s", f.accounts, tc.wantAccount)
			}
		})
	}
}

package tools

import (
	"context"
	"encoding/json"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
)

// The agent's reads on Accounts, routed as the engine's are: to the account
// an ARN in the call names, else the context's (investigation.WithAccount).

// Roles routes role and managed-policy reads by the ARN's account.
func (m *Accounts) Roles() agent.IAMReader { return accountIAM{m} }

func (i accountIAM) reader(ctx context.Context, arn string) (*IAM, error) {
	a, err := i.m.For(ctx, accountFor(ctx, arnAccount(arn)))
	if err != nil {
		return nil, err
	}
	return a.IAM, nil
}

func (i accountIAM) GetRole(ctx context.Context, role string) (agent.IAMRole, error) {
	r, err := i.reader(ctx, role)
	if err != nil {
		return agent.IAMRole{}, err
	}
	return r.GetRole(ctx, role)
}

func (i accountIAM) ListAttachedRolePolicies(ctx context.Context, role string) ([]agent.AttachedPolicy, bool, error) {
	r, err := i.reader(ctx, role)
	if err != nil {
		return nil, false, err
	}
	return r.ListAttachedRolePolicies(ctx, role)
}

func (i accountIAM) ListRolePolicies(ctx context.Context, role string) ([]string, bool, error) {
	r, err := i.reader(ctx, role)
	if err != nil {
		return nil, false, err
	}
	return r.ListRolePolicies(ctx, role)
}

func (i accountIAM) GetRolePolicy(ctx context.Context, role, policy string) (json.RawMessage, error) {
	r, err := i.reader(ctx, role)
	if err != nil {
		return nil, err
	}
	return r.GetRolePolicy(ctx, role, policy)
}

func (i accountIAM) GetPolicy(ctx context.Context, policyARN string) (agent.ManagedPolicy, error) {
	r, err := i.reader(ctx, policyARN)
	if err != nil {
		return agent.ManagedPolicy{}, err
	}
	return r.GetPolicy(ctx, policyARN)
}

func (i accountIAM) ListPolicyVersions(ctx context.Context, policyARN string) ([]investigation.PolicyVersion, bool, error) {
	r, err := i.reader(ctx, policyARN)
	if err != nil {
		return nil, false, err
	}
	return r.ListPolicyVersions(ctx, policyARN)
}

func (i accountIAM) GetPolicyVersion(ctx context.Context, policyARN, versionID string) (investigation.PolicyVersion, error) {
	r, err := i.reader(ctx, policyARN)
	if err != nil {
		return investigation.PolicyVersion{}, err
	}
	return r.GetPolicyVersion(ctx, policyARN, versionID)
}

// AlarmHistory routes alarm definitions and history by the context's account.
func (m *Accounts) AlarmHistory() agent.AlarmReader { return accountAlarms{m} }

func (al accountAlarms) DescribeAlarmHistory(ctx context.Context, q agent.AlarmHistoryQuery) ([]agent.AlarmHistoryItem, bool, error) {
	a, err := al.m.For(ctx, accountFor(ctx, ""))
	if err != nil {
		return nil, false, err
	}
	return a.Alarms.DescribeAlarmHistory(ctx, q)
}

// Insights routes Logs Insights queries by the group ARN's account.
func (m *Accounts) Insights() agent.ErrorSignatureCounter { return accountLogs{m} }

func (l accountLogs) ErrorSignatures(ctx context.Context, group string, start, end time.Time) ([]agent.SignatureCount, error) {
	a, err := l.m.For(ctx, accountFor(ctx, arnAccount(group)))
	if err != nil {
		return nil, err
	}
	return a.Logs.ErrorSignatures(ctx, group, start, end)
}

// ConfigHistory routes AWS Config history by the context's account.
func (m *Accounts) ConfigHistory() agent.ConfigHistory { return accountConfig{m} }

type accountConfig struct{ m *Accounts }

func (c accountConfig) ResourceConfigHistory(ctx context.Context, region, resourceType, resourceID string, limit int) (json.RawMessage, error) {
	a, err := c.m.For(ctx, accountFor(ctx, arnAccount(resourceID)))
	if err != nil {
		return nil, err
	}
	return a.Config.ResourceConfigHistory(ctx, region, resourceType, resourceID, limit)
}

// Inventory routes describes by the account of the first ARN the call
// names (its parent's, else its resources'), else the context's.
func (m *Accounts) Inventory() agent.Describer { return accountInventory{m} }

type accountInventory struct{ m *Accounts }

func (v accountInventory) Describe(ctx context.Context, call agent.DescribeCall) (json.RawMessage, error) {
	named := arnAccount(call.Parent)
	for _, id := range call.IDs {
		if named != "" {
			break
		}
		named = arnAccount(id)
	}
	a, err := v.m.For(ctx, accountFor(ctx, named))
	if err != nil {
		return nil, err
	}
	return a.Inventory.Describe(ctx, call)
}

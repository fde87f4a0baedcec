package main

import (
	"context"

	"github.com/trailhound/trailhound/bot"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/tools"
)

// accountLabels gives a report what it needs to speak of several accounts:
// their names, and with an access portal, event links that sign the reader
// in to each event's account.
type accountLabels struct {
	accounts              *tools.Accounts // nil: one account, nothing to name
	portalURL, portalRole string
}

func (l accountLabels) apply(ctx context.Context, rep *investigation.Report) {
	if rep == nil || l.accounts == nil {
		return
	}
	names := map[string]string{}
	for _, id := range rep.Accounts() {
		if n := l.accounts.AccountName(ctx, id); n != "" {
			names[id] = n
		}
	}
	if len(names) > 0 {
		rep.AccountNames = names
	}
	if l.portalURL == "" || l.portalRole == "" {
		return
	}
	for i := range rep.Candidates {
		for j := range rep.Candidates[i].Events {
			e := &rep.Candidates[i].Events[j]
			account := e.Account
			if account == "" {
				account = rep.Alarm.Account
			}
			if account != "" && e.Link != "" {
				e.Link = investigation.PortalLink(l.portalURL, l.portalRole, account, e.Link)
			}
		}
	}
}

// labelledTriager applies the labels to every report of next.
type labelledTriager struct {
	next   bot.Triager
	labels accountLabels
}

func (t labelledTriager) Triage(ctx context.Context, a investigation.Alarm, progress func(engine.Progress)) (*investigation.Report, error) {
	rep, err := t.next.Triage(ctx, a, progress)
	if err == nil {
		t.labels.apply(ctx, rep)
	}
	return rep, err
}

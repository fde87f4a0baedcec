package engine

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/catalogue"
)

// referenceGroups is grouping as plainly stated: every change sorted by
// time (ties by the order found), a new group for a key whenever its last
// change is more than GroupSpan old, and each group represented by the
// first of its best-scored events.
func referenceGroups(t *triage, onset time.Time) []*group {
	order := make([]int, len(t.changes))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(t.changes[a].Time.UnixNano(), t.changes[b].Time.UnixNano())
	})
	open := map[int]*group{}
	var out []*group
	for _, i := range order {
		f := t.changes[i]
		g := open[f.group]
		if g == nil || f.Time.Sub(g.last()) > GroupSpan {
			g = &group{}
			open[f.group] = g
			out = append(out, g)
		}
		g.events = append(g.events, f)
		if b := t.breakdown(f, onset, 0); g.rep == nil || b.Total() > g.score {
			g.rep, g.score, g.breakdown = f, b.Total(), b
		}
	}
	for _, g := range out {
		if at := t.effectiveTime(g.rep); !at.Equal(g.rep.Time) {
			g.at = at
		}
	}
	return out
}

func TestGroupsMatchReference(t *testing.T) {
	kinds := catalogue.Catalogue()
	targets := []*scoped{
		{Resource: investigation.Resource{Type: investigation.TypeIAMRole, ID: "role-a"}, Layer: 1},
		{Resource: investigation.Resource{Type: investigation.TypeIAMRole, ID: "role-b"}, Layer: 2},
		{Resource: investigation.Resource{Type: investigation.TypeIAMRole, ID: "role-c"}, Layer: 2},
	}
	actors := []investigation.ActorKind{investigation.ActorConsole, investigation.ActorHuman, investigation.ActorAutomation, investigation.ActorService}
	tests := []struct {
		name            string
		changes, actors int
		span            time.Duration // how far back the changes spread
		step            time.Duration // their time resolution: coarse steps make ties
	}{
		{"none", 0, 1, time.Hour, time.Second},
		{"one", 1, 1, time.Hour, time.Second},
		{"sparse", 50, 5, 6 * time.Hour, time.Second},
		{"dense ties", 2000, 3, 30 * time.Minute, time.Minute},
		{"one key, long runs", 500, 1, 24 * time.Hour, time.Second},
		{"nanoseconds", 3000, 10, 2 * time.Hour, time.Nanosecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.changes), 7))
			tr := &triage{engine: &Engine{}, alarm: lambdaAlarm("eu-west-1"), symptom: symptom, now: symptom}
			for i := 0; i < tc.changes; i++ {
				k := kinds[rng.IntN(len(kinds))]
				ago := time.Duration(rng.Int64N(int64(tc.span/tc.step))) * tc.step
				f := &found{Event: investigation.Event{
					ID: fmt.Sprintf("ev-%05d", i), Name: k.Name, Source: k.Source, Time: symptom.Add(-ago),
					Actor: investigation.Actor{Name: fmt.Sprintf("user-%d", rng.IntN(tc.actors)), Kind: actors[rng.IntN(len(actors))]},
				}, Target: targets[rng.IntN(len(targets))], Kind: k}
				tr.assignGroup(f)
				tr.changes = append(tr.changes, f)
			}
			onset := tr.onset()
			got, want := tr.groups(onset), referenceGroups(tr, onset)
			if len(got) != len(want) {
				t.Fatalf("%d groups, want %d", len(got), len(want))
			}
			for i, g := range got {
				w := want[i]
				if !slices.Equal(g.events, w.events) || g.rep != w.rep || g.score != w.score || g.breakdown != w.breakdown ||
					!g.first().Equal(w.first()) || !g.last().Equal(w.last()) || !g.at.Equal(w.at) {
					t.Fatalf("group %d: rep %s score %v with %d events, want rep %s score %v with %d events",
						i, g.rep.ID, g.score, len(g.events), w.rep.ID, w.score, len(w.events))
				}
			}
		})
	}
}

// TestProducedMaskMatchesKinds checks the marks a group carries against
// asking its change's kind, for kinds the logs hold and kinds they do not.
func TestProducedMaskMatchesKinds(t *testing.T) {
	all := []investigation.ErrorKind{investigation.ErrAccessDenied, investigation.ErrNetwork, investigation.ErrThrottled,
		investigation.ErrKMS, investigation.ErrNotFound, investigation.ErrAuth, investigation.ErrDNS, investigation.ErrConfig,
		investigation.ErrExhaustion, investigation.ErrUnavailable, investigation.ErrApplication}
	quiet := catalogue.Catalogue()[0]
	quiet.NoSymptoms = true
	kinds := append(catalogue.Catalogue(), quiet)
	for _, logged := range [][]investigation.ErrorKind{nil, all[:1], all[3:7], all} {
		tr := &triage{more: &further{logKinds: logged}}
		for _, k := range kinds {
			g := &group{rep: &found{Kind: k}, produced: tr.producedMask(k)}
			for _, e := range all {
				bit, ok := tr.kindBit(e)
				if got, want := g.produces(e, bit, ok), k.Produces(e); got != want {
					t.Fatalf("logs of %v: %s produces %s = %v, want %v", logged, k.Name, e, got, want)
				}
			}
		}
	}
}

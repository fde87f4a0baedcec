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

// inOrder sorts groups as a plain sort of every change would have formed them.
func inOrder(groups []*group) []*group {
	slices.SortFunc(groups, func(a, b *group) int {
		switch {
		case a.before(b):
			return -1
		case b.before(a):
			return 1
		}
		return 0
	})
	return groups
}

// randomTriage holds n changes by a few actors on three roles, spread over
// span before the symptom at the given clock resolution.
func randomTriage(n, actors int, span, step time.Duration) *triage {
	kinds := catalogue.Catalogue()
	targets := []*scoped{
		{Resource: investigation.Resource{Type: investigation.TypeIAMRole, ID: "role-a"}, Layer: 1},
		{Resource: investigation.Resource{Type: investigation.TypeIAMRole, ID: "role-b"}, Layer: 2},
		{Resource: investigation.Resource{Type: investigation.TypeIAMRole, ID: "role-c"}, Layer: 2},
	}
	via := []investigation.ActorKind{investigation.ActorConsole, investigation.ActorHuman, investigation.ActorAutomation, investigation.ActorService}
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	tr := &triage{engine: &Engine{}, alarm: lambdaAlarm("eu-west-1"), symptom: symptom, now: symptom}
	for i := 0; i < n; i++ {
		k := kinds[rng.IntN(len(kinds))]
		ago := time.Duration(rng.Int64N(int64(span/step))) * step
		f := &found{Event: investigation.Event{
			ID: fmt.Sprintf("ev-%05d", i), Name: k.Name, Source: k.Source, Time: symptom.Add(-ago),
			Actor: investigation.Actor{Name: fmt.Sprintf("user-%d", rng.IntN(actors)), Kind: via[rng.IntN(len(via))]},
		}, Target: targets[rng.IntN(len(targets))], Kind: k}
		tr.changes = append(tr.changes, f)
	}
	// Keys interned last found first, so that key order and time order
	// disagree wherever they can.
	for i := len(tr.changes) - 1; i >= 0; i-- {
		tr.assignGroup(tr.changes[i])
	}
	return tr
}

func TestGroupsMatchReference(t *testing.T) {
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
			tr := randomTriage(tc.changes, tc.actors, tc.span, tc.step)
			onset := tr.onset()
			got, want := inOrder(tr.groups(onset)), referenceGroups(tr, onset)
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

// TestJudgeIgnoresGroupOrder checks that weighing the groups key by key
// gives what weighing them in the order of their first calls gives, ties
// included: coarse clocks make many changes equal in score and time.
func TestJudgeIgnoresGroupOrder(t *testing.T) {
	for _, withLogs := range []bool{false, true} {
		for _, n := range []int{10, 300, 3000} {
			t.Run(fmt.Sprintf("logs=%v/%d", withLogs, n), func(t *testing.T) {
				judged := func(sorted bool) ([]*group, *triage) {
					tr := randomTriage(n, 6, time.Hour, 10*time.Minute)
					if withLogs {
						tr.logs = newLogEvidence([]string{"/aws/lambda/checkout"}, accessDenied(10, 20), symptom)
					}
					onset := tr.rankingOnset()
					groups := tr.groups(onset)
					if sorted {
						groups = inOrder(slices.Clone(groups))
					}
					tr.judge(groups, onset)
					return inOrder(groups), tr
				}
				got, gotT := judged(false)
				want, wantT := judged(true)
				if len(got) != len(want) {
					t.Fatalf("%d groups, want %d", len(got), len(want))
				}
				corroborated := 0
				for i, g := range got {
					w := want[i]
					if g.rep.ID != w.rep.ID || g.score != w.score || g.breakdown != w.breakdown || (g.corrob == nil) != (w.corrob == nil) ||
						g.corrobName != w.corrobName || g.unexplained != w.unexplained || (g.contradicted == nil) != (w.contradicted == nil) {
						t.Fatalf("group %d (%s): score %v corroborated %v, want %s score %v corroborated %v",
							i, g.rep.ID, g.score, g.corrob != nil, w.rep.ID, w.score, w.corrob != nil)
					}
					if g.corrob != nil {
						corroborated++
					}
				}
				if withLogs && corroborated == 0 {
					t.Fatal("no group corroborated: the test weighs nothing")
				}
				if len(gotT.ranked) != len(wantT.ranked) {
					t.Fatalf("%d ranked, want %d", len(gotT.ranked), len(wantT.ranked))
				}
				for i := range gotT.ranked {
					if g, w := gotT.ranked[i], wantT.ranked[i]; g.rep.ID != w.rep.ID || g.score != w.score {
						t.Fatalf("rank %d: %s %v, want %s %v", i+1, g.rep.ID, g.score, w.rep.ID, w.score)
					}
				}
			})
		}
	}
}

// TestCorroborationTieGoesToEarlierGroup: of two equally good explanations
// made at the same moment, the one found first is credited, however their
// keys were interned.
func TestCorroborationTieGoesToEarlierGroup(t *testing.T) {
	k, ok := catalogue.KindOf("iam.amazonaws.com", "DetachRolePolicy")
	if !ok {
		t.Fatal("DetachRolePolicy not catalogued")
	}
	role := &scoped{Resource: investigation.Resource{Type: investigation.TypeIAMRole, ID: "role-b"}, Layer: 2}
	for _, interned := range [][]int{{0, 1}, {1, 0}} {
		tr := &triage{engine: &Engine{}, alarm: lambdaAlarm("eu-west-1"), symptom: symptom, now: symptom}
		for _, actor := range []string{"ana", "ben"} {
			tr.changes = append(tr.changes, &found{Event: investigation.Event{
				ID: "ev-" + actor, Name: k.Name, Source: k.Source, Time: symptom.Add(-15 * time.Minute),
				Actor: investigation.Actor{Name: actor, Kind: investigation.ActorHuman},
			}, Target: role, Kind: k})
		}
		for _, i := range interned {
			tr.assignGroup(tr.changes[i])
		}
		tr.logs = newLogEvidence([]string{"/aws/lambda/checkout"}, accessDenied(10, 20), symptom)
		onset := tr.rankingOnset()
		groups := tr.groups(onset)
		tr.judge(groups, onset)
		for _, g := range groups {
			if credited, want := g.corrob != nil, g.rep.ID == "ev-ana"; credited != want {
				t.Errorf("keys interned %v: %s corroborated %v, want %v", interned, g.rep.ID, credited, want)
			}
		}
	}
}

package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/catalogue"
)

// BenchmarkRank ranks 100,000 pre-fetched changes against a 50-resource
// scope (DESIGN §9: ≤ 100 ms, ≤ 64 MB).
func BenchmarkRank(b *testing.B) {
	targets, seen, all, groupIDs := benchChanges()
	lines := accessDenied(10, 200)
	logs := newLogEvidence([]string{"/aws/lambda/checkout"}, lines, symptom)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for b.Loop() {
		t := &triage{engine: &Engine{}, alarm: lambdaAlarm("eu-west-1"), symptom: symptom, now: symptom.Add(10 * time.Minute),
			targets: targets, seen: seen, changes: all, groupIDs: groupIDs, logs: logs}
		t.rank()
		if len(t.cands) != MaxCandidates {
			b.Fatalf("%d candidates", len(t.cands))
		}
	}
	// On a shared machine wall time per op reads the load; CPU time per op
	// reads the work.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is the process's user and system time so far, in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// benchChanges is 100,000 pre-fetched changes of random kinds, times and
// actors on a 50-resource scope, with their group keys.
func benchChanges() ([]*scoped, map[string]*found, []*found, map[groupKey]int) {
	const changes, resources = 100_000, 50
	kinds := catalogue.Catalogue()
	rng := rand.New(rand.NewPCG(1, 2))
	targets := make([]*scoped, resources)
	for i := range targets {
		layer := 1
		if i >= 5 {
			layer = 2
		}
		targets[i] = &scoped{Resource: investigation.Resource{Type: investigation.TypeIAMRole, ID: fmt.Sprintf("res-%02d", i)}, Layer: layer}
	}
	seen := make(map[string]*found, changes)
	var all []*found
	for i := 0; i < changes; i++ {
		k := kinds[rng.IntN(len(kinds))]
		ev := investigation.Event{
			ID: fmt.Sprintf("ev-%06d", i), Name: k.Name, Source: k.Source,
			Time:  symptom.Add(-time.Duration(rng.IntN(3600)) * time.Second),
			Actor: investigation.Actor{Name: fmt.Sprintf("user-%d", rng.IntN(20)), Kind: investigation.ActorKind([]investigation.ActorKind{investigation.ActorConsole, investigation.ActorHuman, investigation.ActorAutomation, investigation.ActorService}[rng.IntN(4)])},
		}
		f := &found{Event: ev, Target: targets[rng.IntN(resources)], Kind: k}
		seen[ev.ID] = f
		all = append(all, f)
	}
	base := &triage{}
	for _, f := range all {
		base.assignGroup(f)
	}
	return targets, seen, all, base.groupIDs
}

// BenchmarkReadAroundAhead chooses, among 100,000 changes, the histories to
// read before ranking: the grouping pass ranking also makes, done once more
// while the evidence lookups run.
func BenchmarkReadAroundAhead(b *testing.B) {
	targets, seen, all, groupIDs := benchChanges()
	hist := &countingHistory{asked: map[aroundKey]int{}}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for b.Loop() {
		t := &triage{engine: &Engine{Topology: hist}, alarm: lambdaAlarm("eu-west-1"), symptom: symptom, now: symptom.Add(10 * time.Minute),
			targets: targets, seen: seen, changes: all, groupIDs: groupIDs}
		t.readAroundAhead(context.Background())
		t.reads.Wait()
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	if len(hist.asked) == 0 {
		b.Fatal("no history read ahead")
	}
}

package tools_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/tools"
)

// BenchmarkLookupEvents walks a resource with three pages of events through
// a sandbox answering in 50 ms and enforcing LookupEvents' 2 TPS, with the
// production pacer, serially and from four goroutines at once (as
// concurrent triages). It reports requests per second reaching the sandbox,
// throttled answers, and the median wall time of one lookup.
func BenchmarkLookupEvents(b *testing.B) {
	for _, concurrency := range []int{1, 4} {
		b.Run(map[int]string{1: "serial", 4: "4-concurrent"}[concurrency], func(b *testing.B) {
			a, rec, cfg := testSandbox(b, writeScenario(b, busyTrail(0, 120, "checkout", testRegion), scenario.LogsFile{}), tools.AWSOptions{})
			a.SetLatency(50 * time.Millisecond)
			a.SetThrottle(true)
			trail := tools.NewCloudTrail(cfg, tools.CloudTrailOptions{})
			q := investigation.Lookup{Key: investigation.AttrResourceName, Value: "checkout"}

			var mu sync.Mutex
			var durations []time.Duration
			work := make(chan struct{})
			var wg sync.WaitGroup
			for range concurrency {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range work {
						start := time.Now()
						res, err := trail.Lookup(context.Background(), q)
						if err != nil || len(res.Events) != 90 {
							b.Errorf("lookup: %v, %d events", err, len(res.Events))
						}
						mu.Lock()
						durations = append(durations, time.Since(start))
						mu.Unlock()
					}
				}()
			}
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				work <- struct{}{}
			}
			close(work)
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()

			sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
			requests := len(rec.of("LookupEvents|" + testRegion))
			b.ReportMetric(float64(requests)/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(durations[len(durations)/2].Milliseconds()), "p50-ms/lookup")
			b.ReportMetric(float64(rec.answered("ThrottlingException")), "throttled")
			b.ReportMetric(0, "ns/op")
		})
	}
}

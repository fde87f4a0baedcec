package scenario

import (
	"sort"
	"time"
)

// Result is one scenario's outcome in an eval run.
type Result struct {
	Scenario   string `json:"scenario"`
	Title      string `json:"title"`
	Grade      Grade  `json:"grade"`
	Rank1      string `json:"rank1,omitempty"`
	Confidence string `json:"confidence,omitempty"`
	BlindSpot  string `json:"blind_spot,omitempty"`
	Lookups    int    `json:"lookups"`
	Resources  int    `json:"resources_walked"`
	// DurationMS is the triage's own time, from the alarm to its report.
	DurationMS int64 `json:"duration_ms"`
	// FloorMS is the shortest the triage could take: its LookupEvents calls
	// at the rate CloudTrail allows, the last one's round trip included.
	FloorMS   int64  `json:"floor_ms,omitempty"`
	Throttled int    `json:"throttled,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Summary is the corpus score (DESIGN §5).
type Summary struct {
	Scenarios      int     `json:"scenarios"`
	Errors         int     `json:"errors"`
	CauseScenarios int     `json:"cause_scenarios"`
	Top1           float64 `json:"top1"`
	Top3           float64 `json:"top3"`
	Category       float64 `json:"category"`
	BlindScenarios int     `json:"blind_spot_scenarios"`
	BlindHonest    int     `json:"blind_spot_honest"`
	FalseHigh      int     `json:"false_high"`
	Fabricated     int     `json:"fabricated"`
	LookupsPerRun  float64 `json:"lookups_per_triage"`
	MinimumPerRun  float64 `json:"lookups_minimum_per_triage"`
	DurationP50MS  int64   `json:"duration_p50_ms"`
	DurationP95MS  int64   `json:"duration_p95_ms"`
	// OverFloorP50 and OverFloorP95 are duration/floor across the triages
	// that had a floor: how close to the physical limit they came.
	OverFloorP50    float64 `json:"over_floor_p50,omitempty"`
	OverFloorP95    float64 `json:"over_floor_p95,omitempty"`
	Throttled       int     `json:"throttled"`
	MissingExpected int     `json:"missing_expect"`
	// NextStepScenarios are the cause scenarios whose expect names previous
	// values; NextStep how many of them rank 1 right with a next step naming one.
	NextStepScenarios int `json:"next_step_scenarios"`
	NextStep          int `json:"next_step_previous_value"`
	// CoverageScenarios expect a gap in trail coverage stated; CoverageHonest
	// how many reports name it with no candidate marked high.
	CoverageScenarios int `json:"coverage_gap_scenarios"`
	CoverageHonest    int `json:"coverage_gap_honest"`
}

// Summarize scores the results of a run over scenarios folders.
func Summarize(rows []Result, scenarios int) Summary {
	s := Summary{Scenarios: scenarios}
	var top1, top3, cat, lookups, minimum int
	var durations []int64
	var over []float64
	for _, r := range rows {
		if r.Error != "" {
			s.Errors++
			continue
		}
		durations = append(durations, r.DurationMS)
		if r.FloorMS > 0 {
			over = append(over, float64(r.DurationMS)/float64(r.FloorMS))
		}
		s.Throttled += r.Throttled
		lookups += r.Lookups
		minimum += r.Resources
		g := r.Grade
		s.FalseHigh += g.FalseHigh
		s.Fabricated += g.Fabricated
		if g.HasGap {
			s.CoverageScenarios++
			s.CoverageHonest += count(g.GapHonest)
		}
		if !g.HasCause {
			s.BlindScenarios++
			if g.Honest {
				s.BlindHonest++
			}
			continue
		}
		s.CauseScenarios++
		top1 += count(g.Top1)
		top3 += count(g.Top3)
		cat += count(g.Top1 && g.Category)
		if g.HasPrevious {
			s.NextStepScenarios++
			s.NextStep += count(g.NextStep)
		}
	}
	if s.CauseScenarios > 0 {
		s.Top1 = pct(top1, s.CauseScenarios)
		s.Top3 = pct(top3, s.CauseScenarios)
		s.Category = pct(cat, s.CauseScenarios)
	}
	if n := len(durations); n > 0 {
		sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
		s.DurationP50MS = durations[(n-1)/2]
		s.DurationP95MS = durations[(n*95+99)/100-1]
		s.LookupsPerRun = float64(lookups) / float64(n)
		s.MinimumPerRun = float64(minimum) / float64(n)
	}
	if n := len(over); n > 0 {
		sort.Float64s(over)
		s.OverFloorP50 = over[(n-1)/2]
		s.OverFloorP95 = over[(n*95+99)/100-1]
	}
	return s
}

func count(ok bool) int {
	if ok {
		return 1
	}
	return 0
}

// pct is n of of as a percentage rounded to one decimal.
func pct(n, of int) float64 { return float64(int(float64(n)/float64(of)*1000+0.5)) / 10 }

// LookupEventsFloor is the shortest time n LookupEvents calls can take at 2
// requests in each second, each answered after latency: two leave at once,
// the next two a second later, and so on.
func LookupEventsFloor(n int, latency time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration((n-1)/2)*time.Second + latency
}

// LookupEventsFloorByKey is the floor of calls counted per account and
// region: the rule holds per pair, so the pairs pace in parallel and the
// busiest one sets the floor.
func LookupEventsFloorByKey(calls map[string]int, latency time.Duration) time.Duration {
	var floor time.Duration
	for _, n := range calls {
		floor = max(floor, LookupEventsFloor(n, latency))
	}
	return floor
}

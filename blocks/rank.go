package blocks

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// ScoreParts names the components of a cause's score the way a reader asks
// about them, in the breakdown's order.
func ScoreParts(b investigation.ScoreBreakdown) []ScorePart {
	return []ScorePart{
		{"time (how close before the alarm)", b.Time},
		{"layer (how close to the alarm's resource)", b.Layer},
		{"kind (how often such a change breaks things)", b.Kind},
		{"corroboration (logs and errors that match)", b.Corroboration},
		{"actor (who made it)", b.Actor},
	}
}

// ScorePart is one named component of a score.
type ScorePart struct {
	Name  string
	Value float64
}

// RankBreakdown answers "why this rank" for one cause: its score, the
// components that add up to it (largest first) and the confidence they give.
func RankBreakdown(c investigation.Candidate) Message {
	parts := ScoreParts(c.Breakdown)
	sort.SliceStable(parts, func(i, j int) bool { return math.Abs(parts[i].Value) > math.Abs(parts[j].Value) })
	lines := []string{fmt.Sprintf("*#%d %s* scores %.2f (%s confidence):", c.Rank, dataLine(Headline(c), 200), c.Score, dataLine(string(c.Confidence), 20))}
	for _, p := range parts {
		v := p.Value
		if math.Abs(v) < 0.005 {
			v = 0 // not -0.00
		}
		lines = append(lines, fmt.Sprintf("• %s %+.2f", p.Name, v))
	}
	var b builder
	b.section("why-rank", strings.Join(lines, "\n"))
	return b.message(fmt.Sprintf("Why #%d ranks here: score %.2f", c.Rank, c.Score))
}

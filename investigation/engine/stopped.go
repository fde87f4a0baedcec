package engine

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// CloudWatch words a state reason one of two ways when the watched work
// stopped altogether: no datapoints at all, with missing data breaching (a
// Lambda function that is no longer invoked emits no Invocations), or
// datapoints that were all zero below a threshold.
var (
	noDatapoints   = regexp.MustCompile(`(?i)no datapoints were received .*treated as \[Breaching\]`)
	lowDatapoints  = regexp.MustCompile(`(?i)datapoints? \[([^\]]*)\] (?:was|were) less than`)
	datapointValue = regexp.MustCompile(`(-?[0-9.]+(?:[eE][-+]?[0-9]+)?) \(`)
)

// stoppedWork reports whether the alarm says its workload stopped working
// altogether, rather than working less or worse: its metric went missing
// with missing data breaching, or every breaching datapoint was zero on an
// alarm that fires below its threshold.
func stoppedWork(a investigation.Alarm) bool {
	if noDatapoints.MatchString(a.Reason) {
		return true
	}
	m := lowDatapoints.FindStringSubmatch(a.Reason)
	if m == nil {
		return false
	}
	values := datapointValue.FindAllStringSubmatch(m[1], -1)
	if len(values) == 0 {
		return false
	}
	for _, v := range values {
		f, err := strconv.ParseFloat(strings.TrimSpace(v[1]), 64)
		if err != nil || f != 0 {
			return false
		}
	}
	return true
}

package engine

import (
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

func TestStoppedWork(t *testing.T) {
	for _, tc := range []struct {
		reason string
		want   bool
	}{
		{"Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].", true},
		{"Threshold Crossed: 3 datapoints [0.0 (20/11/26 03:25:00), 0.0 (20/11/26 03:20:00), 0.0 (20/11/26 03:15:00)] were less than the threshold (1.0).", true},
		{"Threshold Crossed: 1 datapoint [0.0 (20/11/26 03:25:00)] was less than or equal to the threshold (0.0).", true},
		// Working less is not stopping: a lower limit may explain it.
		{"Threshold Crossed: 2 datapoints [12.0 (20/11/26 03:25:00), 0.0 (20/11/26 03:20:00)] were less than the threshold (50.0).", false},
		{"Threshold Crossed: 3 datapoints [0.0 (20/11/26 03:25:00)] were greater than the threshold (0.0).", false},
		{"Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching].", false},
		{"", false},
	} {
		if got := stoppedWork(investigation.Alarm{Reason: tc.reason}); got != tc.want {
			t.Errorf("%q: got %v, want %v", tc.reason, got, tc.want)
		}
	}
}

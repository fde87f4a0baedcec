package scenario

import (
	"testing"
	"time"
)

func TestLookupEventsFloor(t *testing.T) {
	const latency = 50 * time.Millisecond
	cases := []struct {
		name  string
		calls map[string]int
		want  time.Duration
	}{
		{"none", nil, 0},
		{"one call: its round trip", map[string]int{"1/us-east-1": 1}, latency},
		{"two leave together", map[string]int{"1/us-east-1": 2}, latency},
		{"the third a second later", map[string]int{"1/us-east-1": 3}, time.Second + latency},
		{"ten calls: five seconds", map[string]int{"1/us-east-1": 10}, 4*time.Second + latency},
		{"pairs pace apart: the busiest sets the floor",
			map[string]int{"1/eu-west-1": 7, "1/us-east-1": 4, "2/eu-west-1": 2}, 3*time.Second + latency},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := LookupEventsFloorByKey(c.calls, latency); got != c.want {
				t.Errorf("floor of %v = %v, want %v", c.calls, got, c.want)
			}
		})
	}
}

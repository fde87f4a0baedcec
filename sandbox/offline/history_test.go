package offline

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// TestConfigurationAround reads a queue's items on either side of a change
// from the history topology.json keeps.
func TestConfigurationAround(t *testing.T) {
	sc := load(t, "068-sqs-redrive-maxreceivecount-lowered")
	topo := NewTopology(sc)
	q := investigation.Resource{Type: "AWS::SQS::Queue", ID: "https://sqs.eu-west-1.amazonaws.com/123456789012/payment-events"}
	change := time.Date(2026, 11, 24, 11, 2, 18, 0, time.UTC)
	c, err := topo.ConfigurationAround(context.Background(), q, change)
	if err != nil {
		t.Fatal(err)
	}
	if !c.BeforeAt.Before(change) || !strings.Contains(string(c.Before), `maxReceiveCount\":10`) || c.After == nil {
		t.Errorf("around the change: %+v", c)
	}
	if _, err := topo.ConfigurationAround(context.Background(), q, c.BeforeAt); !errors.Is(err, investigation.ErrUnknownResource) {
		t.Errorf("nothing recorded before the first item: %v", err)
	}
}

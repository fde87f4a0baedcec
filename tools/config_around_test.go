package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/tools"
)

// configHistoryStub answers GetResourceConfigHistory from a list of items
// (capture time, configuration), honouring laterTime, earlierTime, order
// and limit the way AWS Config does. g, when set, holds the requests.
func configHistoryStub(t *testing.T, items map[time.Time]string, g *gate) (*tools.Topology, *[]map[string]any) {
	t.Helper()
	var mu sync.Mutex
	var asked []map[string]any
	var stub http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".GetResourceConfigHistory") {
			http.Error(w, "unexpected "+r.Header.Get("X-Amz-Target"), http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var in map[string]any
		_ = json.Unmarshal(body, &in)
		mu.Lock()
		asked = append(asked, in)
		mu.Unlock()
		later, _ := in["laterTime"].(float64)
		earlier, _ := in["earlierTime"].(float64)
		var best *time.Time
		for at := range items {
			s := float64(at.Unix())
			if (later != 0 && s > later) || (earlier != 0 && s < earlier) {
				continue
			}
			forward := in["chronologicalOrder"] == "Forward"
			if best == nil || (forward && at.Before(*best)) || (!forward && at.After(*best)) {
				best = &at
			}
		}
		out := map[string]any{"configurationItems": []any{}}
		if best != nil {
			out["configurationItems"] = []any{map[string]any{"resourceType": "AWS::Lambda::Function", "resourceId": "checkout",
				"configurationItemCaptureTime": float64(best.Unix()), "configurationItemStatus": "OK", "configuration": items[*best]}}
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(out)
	})
	if g != nil {
		stub = g.wrap(stub)
	}
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	isolateEnvironment(t)
	cfg, err := tools.LoadAWSConfig(context.Background(), tools.AWSOptions{Endpoint: srv.URL, Credentials: testCredentials, Region: testRegion, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &tools.Topology{Config: tools.NewConfigService(cfg, tools.ConfigServiceOptions{Timeout: 5 * time.Second})}, &asked
}

func TestConfigurationAround(t *testing.T) {
	change := time.Date(2026, 5, 14, 12, 5, 40, 0, time.UTC)
	fn := investigation.Resource{Type: investigation.TypeLambdaFunction, ID: "checkout", Region: testRegion}
	topo, asked := configHistoryStub(t, map[time.Time]string{
		change.Add(-48 * time.Hour):  `{"functionName":"checkout","timeout":15}`,
		change.Add(-2 * time.Hour):   `{"functionName":"checkout","timeout":30}`,
		change.Add(90 * time.Second): `{"functionName":"checkout","timeout":3}`,
	}, nil)
	c, err := topo.ConfigurationAround(context.Background(), fn, change)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(c.Before), `"timeout":30`) || !c.BeforeAt.Equal(change.Add(-2*time.Hour)) || !strings.Contains(string(c.After), `"timeout":3`) {
		t.Errorf("around the change: before %s at %s, after %s", c.Before, c.BeforeAt, c.After)
	}
	if len(*asked) != 2 {
		t.Errorf("%d calls, want one item on each side", len(*asked))
	}

	empty, _ := configHistoryStub(t, map[time.Time]string{change.Add(time.Minute): `{"timeout":3}`}, nil)
	if _, err := empty.ConfigurationAround(context.Background(), fn, change); !errors.Is(err, investigation.ErrUnknownResource) {
		t.Errorf("nothing before the change: %v", err)
	}
	describesOnly := &tools.Topology{}
	if _, err := describesOnly.ConfigurationAround(context.Background(), fn, change); !errors.Is(err, investigation.ErrUnknownResource) {
		t.Errorf("no AWS Config: %v", err)
	}
}

// TestConfigurationAroundSidesTogether: the items before and after the
// change are asked for at once, so the next steps wait one round trip.
func TestConfigurationAroundSidesTogether(t *testing.T) {
	change := time.Date(2026, 5, 14, 12, 5, 40, 0, time.UTC)
	fn := investigation.Resource{Type: investigation.TypeLambdaFunction, ID: "checkout", Region: testRegion}
	g := &gate{ops: map[string]bool{"GetResourceConfigHistory": true}, want: 2}
	topo, _ := configHistoryStub(t, map[time.Time]string{
		change.Add(-time.Hour):       `{"timeout":30}`,
		change.Add(30 * time.Second): `{"timeout":3}`,
	}, g)
	c, err := topo.ConfigurationAround(context.Background(), fn, change)
	if err != nil || !strings.Contains(string(c.Before), `30`) || !strings.Contains(string(c.After), `3}`) {
		t.Fatalf("around the change: %+v, %v", c, err)
	}
	if p := g.peakInFlight(); p != 2 {
		t.Errorf("at most %d history reads in flight, want both sides at once", p)
	}
}

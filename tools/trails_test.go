package tools_test

import (
	"slices"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/tools"
)

// TestTrailSetupsThroughTheSandbox reads trails.json's setups with the SDK:
// every region's trails, status with the stop time, basic and advanced
// selectors, each account only its own.
func TestTrailSetupsThroughTheSandbox(t *testing.T) {
	stopped := testNow.Add(-36 * time.Hour)
	delivered := stopped.Add(-10 * time.Minute)
	cases := []struct {
		name   string
		trails []scenario.Trail
		want   []investigation.TrailConfig
	}{
		{"default trail", nil, []investigation.TrailConfig{{Name: "management-events-" + testAccount, HomeRegion: testRegion,
			MultiRegion: true, Logging: true, ManagementEvents: true, ReadWriteType: "All"}}},
		{"no trail", []scenario.Trail{}, nil},
		{"single-region elsewhere, stopped", []scenario.Trail{{Account: testAccount, Name: "audit", HomeRegion: "eu-west-1",
			StoppedLogging: scenario.MaybeTime{Time: stopped}, LatestDelivery: scenario.MaybeTime{Time: delivered},
			ManagementEvents: true, ReadWriteType: "WriteOnly"}},
			[]investigation.TrailConfig{{Name: "audit", HomeRegion: "eu-west-1", StoppedLogging: stopped, LatestDelivery: delivered,
				ManagementEvents: true, ReadWriteType: "WriteOnly"}}},
		{"data events, another account's trail unseen", []scenario.Trail{
			{Account: testAccount, Name: "org", HomeRegion: testRegion, MultiRegion: true, Logging: true, ManagementEvents: true, ReadWriteType: "All",
				DataEvents: []scenario.DataEventScope{{ResourceType: "AWS::S3::Object", Values: []string{"arn:aws:s3:::exports/"}}}},
			{Account: "210987654321", Name: "theirs", HomeRegion: testRegion, MultiRegion: true, Logging: true}},
			[]investigation.TrailConfig{{Name: "org", HomeRegion: testRegion, MultiRegion: true, Logging: true, ManagementEvents: true, ReadWriteType: "All",
				DataEvents: []investigation.DataEventSelector{{ResourceType: "AWS::S3::Object", Values: []string{"arn:aws:s3:::exports/"}}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc := writeScenario(t, nil, scenario.LogsFile{})
			if tc.trails != nil {
				sc.Trails = &scenario.TrailsFile{Trails: tc.trails}
			}
			_, rec, cfg := testSandbox(t, sc, tools.AWSOptions{})
			got, err := tools.NewTrailSetups(cfg).Trails(testContext(t), testAccount, testRegion)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d trails %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				w.ARN = "arn:aws:cloudtrail:" + w.HomeRegion + ":" + testAccount + ":trail/" + w.Name
				g.StartedLogging = time.Time{}
				if tc.trails == nil {
					g.LatestDelivery = time.Time{}
				}
				if g.Name != w.Name || g.ARN != w.ARN || g.HomeRegion != w.HomeRegion || g.MultiRegion != w.MultiRegion ||
					g.Logging != w.Logging || !g.StoppedLogging.Equal(w.StoppedLogging) || !g.LatestDelivery.Equal(w.LatestDelivery) ||
					g.ManagementEvents != w.ManagementEvents || g.ReadWriteType != w.ReadWriteType ||
					!slices.EqualFunc(g.DataEvents, w.DataEvents, func(a, b investigation.DataEventSelector) bool {
						return a.ResourceType == b.ResourceType && slices.Equal(a.Values, b.Values)
					}) {
					t.Errorf("trail %d = %+v\nwant %+v", i, g, w)
				}
			}
			if len(tc.want) > 0 && rec.distinct("GetEventSelectors|"+tc.want[0].HomeRegion) != 1 {
				t.Errorf("GetEventSelectors not read from the trail's home region: %v", rec.times)
			}
		})
	}
}

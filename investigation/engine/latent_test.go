package engine

import (
	"context"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

func networkErrors(minutesBefore float64, n int, msg string) []investigation.LogLine {
	var out []investigation.LogLine
	for i := 0; i < n; i++ {
		out = append(out, investigation.LogLine{Group: "/aws/lambda/checkout", Time: at(minutesBefore - float64(i)*0.1), Message: msg})
	}
	return out
}

// A security-group revoke hours before bites when the function next
// restarts; the restart ranks below the revoke it exposed, and the report
// says when the revoke took effect.
func TestLatentChangeOutranksItsTrigger(t *testing.T) {
	sgRes := []investigation.EventResource{{Type: investigation.TypeSecurityGroup, Name: "sg-0abc"}}
	revoke := ev("revoke", "ec2.amazonaws.com", "RevokeSecurityGroupEgress", symptom.Add(-5*time.Hour), "eu-west-1", sgRes,
		params(`{"groupId":"sg-0abc"}`))
	deploy := ev("deploy", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", at(6), "eu-west-1", fn("checkout"))
	eng := &Engine{Trail: &fakeTrail{events: []investigation.Event{revoke, deploy}}, Topology: checkoutTopology,
		Logs: fakeLogs{"/aws/lambda/checkout": networkErrors(5, 10, "connect ETIMEDOUT 10.0.1.5:5432")},
		Now:  func() time.Time { return symptom.Add(10 * time.Minute) }}
	rep, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Candidates) < 2 || rep.Candidates[0].Events[0].EventID != "revoke" {
		t.Fatalf("candidates %+v, want the revoke first", rep.Candidates)
	}
	found := false
	for _, c := range rep.Candidates[0].Claims {
		found = found || contains(c.Text, "took effect")
	}
	if !found {
		t.Errorf("no claim says when the revoke took effect: %+v", rep.Candidates[0].Claims)
	}
}

func contains(s, sub string) bool { return len(sub) > 0 && len(s) >= len(sub) && indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// A change made after the errors of its kind began cannot have caused them.
func TestChangeAfterOnsetLoses(t *testing.T) {
	sgRes := []investigation.EventResource{{Type: investigation.TypeSecurityGroup, Name: "sg-0abc"}}
	early := ev("early", "ec2.amazonaws.com", "RevokeSecurityGroupEgress", at(9), "eu-west-1", sgRes)
	late := ev("late", "ec2.amazonaws.com", "RevokeSecurityGroupIngress", at(3), "eu-west-1", sgRes)
	eng := &Engine{Trail: &fakeTrail{events: []investigation.Event{early, late}}, Topology: checkoutTopology,
		Logs: fakeLogs{"/aws/lambda/checkout": networkErrors(8, 10, "connect ETIMEDOUT 10.0.1.5:5432")},
		Now:  func() time.Time { return symptom.Add(10 * time.Minute) }}
	rep, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Candidates) == 0 || rep.Candidates[0].Events[0].EventID != "early" {
		t.Fatalf("candidates %+v, want the change before the errors first", rep.Candidates)
	}
}

func TestBlindKindOf(t *testing.T) {
	onset := func(k investigation.ErrorKind, msg string) *KindOnset {
		l := investigation.LogLine{Message: msg}
		return &KindOnset{Kind: k, First: l, Count: 5, Sample: []investigation.LogLine{l, l, l, l, l}}
	}
	cases := []struct {
		name  string
		kinds []*KindOnset
		want  investigation.BlindSpotKind
	}{
		{"resets to an outside host", []*KindOnset{onset(investigation.ErrNetwork, "read ECONNRESET api.example.net")}, investigation.BlindNetwork},
		{"name does not resolve", []*KindOnset{onset(investigation.ErrDNS, "getaddrinfo ENOTFOUND api.example.net")}, investigation.BlindNetwork},
		{"slow answers", []*KindOnset{onset(investigation.ErrNetwork, "ReadTimeout: read timed out (5s)"), onset(investigation.ErrUnavailable, "503 Service Unavailable")}, investigation.BlindRuntime},
		{"out of space", []*KindOnset{onset(investigation.ErrExhaustion, "No space left on device")}, investigation.BlindRuntime},
		{"stack traces", []*KindOnset{onset(investigation.ErrApplication, "Traceback (most recent call last)")}, investigation.BlindApplication},
	}
	for _, tc := range cases {
		if got := blindKindOf(tc.kinds); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// Names in error lines become lookups: ARNs (an S3 object by its bucket)
// and the ids EC2 gives its resources.
func TestNamesInErrors(t *testing.T) {
	line := "AccessDenied: User arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: s3:GetObject on resource arn:aws:s3:::media-prod/a.jpg with an explicit deny in a VPC endpoint policy vpce-0f1b3d5a7c9e24680"
	got := namePatterns.FindAllString(line, -1)
	want := map[string]string{
		"arn:aws:sts::123456789012:assumed-role/r/s": "s",
		"arn:aws:s3:::media-prod/a.jpg":              "media-prod",
		"vpce-0f1b3d5a7c9e24680":                     "vpce-0f1b3d5a7c9e24680",
	}
	if len(got) != len(want) {
		t.Fatalf("names %v, want %d", got, len(want))
	}
	for _, n := range got {
		if id, ok := want[n]; !ok || resourceID(n) != id {
			t.Errorf("name %q → %q, want %q", n, resourceID(n), want[n])
		}
	}
	if m := actionPattern.FindStringSubmatch(line); m == nil || m[1] != "s3" {
		t.Errorf("action %v, want s3", m)
	}
}

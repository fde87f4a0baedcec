package changes

import (
	"errors"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

func TestResourceFromARN(t *testing.T) {
	tests := []struct {
		arn  string
		want investigation.Resource
		err  error
	}{
		{"arn:aws:lambda:eu-west-1:123456789012:function:checkout", investigation.Resource{Type: "AWS::Lambda::Function", ID: "checkout", Region: "eu-west-1"}, nil},
		{"arn:aws-cn:iam::123456789012:role/app/checkout-role", investigation.Resource{Type: "AWS::IAM::Role", ID: "checkout-role"}, nil},
		{"arn:aws:ecs:eu-west-1:123456789012:service/prod/web", investigation.Resource{Type: "AWS::ECS::Service", ID: "prod/web", Region: "eu-west-1"}, nil},
		{"arn:aws:sqs:eu-west-1:123456789012:orders", investigation.Resource{ID: "orders", Region: "eu-west-1"}, nil},
		{"arn:aws:lambda", investigation.Resource{}, ErrNotARN},
		{"arn:aws:iam::123456789012:role/", investigation.Resource{}, ErrNoResource},
	}
	for _, tc := range tests {
		got, err := ResourceFromARN(tc.arn)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: error %v, want %v", tc.arn, err, tc.err)
			continue
		}
		if tc.err == nil {
			tc.want.ARN = tc.arn
		}
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.arn, got, tc.want)
		}
	}
}

func TestWindowOfReadsTheAskersZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 19, 14, 7, 40, 0, time.UTC)
	w, err := WindowOf("15:00", 0, investigation.TimeReference{Now: now, Zone: berlin})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 3, 19, 14, 0, 0, 0, time.UTC); !w.End.Equal(want) || w.End.Sub(w.Start) != DefaultWindow {
		t.Errorf("window %v, want an hour ending at %v", w, want)
	}
	if w, _ := WindowOf("", 30*time.Minute, investigation.TimeReference{Now: now}); !w.End.Equal(now) || w.End.Sub(w.Start) != 30*time.Minute {
		t.Errorf("window %v, want 30m ending now", w)
	}
	if _, err := WindowOf("teatime", 0, investigation.TimeReference{Now: now}); err == nil {
		t.Error("teatime read as a time")
	}
}

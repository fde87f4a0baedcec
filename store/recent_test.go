package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestRecentTriagesNewestFirstAndBounded(t *testing.T) {
	s := openMiniredis(t)
	ctx := context.Background()
	base := time.Date(2026, 3, 19, 14, 0, 0, 0, time.UTC)
	for i := range MaxRecentTriages + 5 {
		th := ThreadRef{Channel: "C0ALERTS", TS: fmt.Sprintf("1700000000.%06d", i)}
		if err := s.RecordTriage(ctx, th, base.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.RecentTriages(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1700000000.000204", "1700000000.000203", "1700000000.000202"}
	if len(got) != 3 || got[0].TS != want[0] || got[1].TS != want[1] || got[2].TS != want[2] {
		t.Errorf("recent = %v, want %v", got, want)
	}
	all, _ := s.RecentTriages(ctx, 10_000)
	if len(all) != MaxRecentTriages {
		t.Errorf("%d remembered, want %d", len(all), MaxRecentTriages)
	}
	if err := s.RecordTriage(ctx, ThreadRef{Channel: "C0ALERTS"}, base); err == nil {
		t.Error("a thread without a ts was recorded")
	}
}

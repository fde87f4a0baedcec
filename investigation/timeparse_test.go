package investigation

import (
	"strings"
	"testing"
	"time"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func TestParseTime(t *testing.T) {
	berlin, ny := zone(t, "Europe/Berlin"), zone(t, "America/New_York")
	// 2026-03-19 15:30 in Berlin (CET, UTC+1) is 14:30 UTC and 10:30 in New York (EDT).
	now := time.Date(2026, 3, 19, 14, 30, 0, 0, time.UTC)
	alarm := time.Date(2026, 3, 19, 14, 2, 0, 0, time.UTC)
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		in   string
		zone *time.Location
		now  time.Time
		want time.Time
		err  string
	}{
		{"14:00", berlin, now, utc("2026-03-19T13:00:00Z"), ""},
		{"14:00", ny, now, time.Time{}, "today is still 3h30m0s ahead in America/New_York"},
		{"2pm", berlin, now, utc("2026-03-19T13:00:00Z"), ""},
		{"2 PM", berlin, now, utc("2026-03-19T13:00:00Z"), ""},
		{"9:15am", ny, now, utc("2026-03-19T13:15:00Z"), ""},
		{"12am", ny, now, utc("2026-03-19T04:00:00Z"), ""},
		{"14:00 UTC", berlin, now, utc("2026-03-19T14:00:00Z"), ""},
		{"10:00 Europe/Berlin", ny, now, utc("2026-03-19T09:00:00Z"), ""},
		{"14:00 +02:00", nil, now, utc("2026-03-19T12:00:00Z"), ""},
		{"yesterday 23:30", berlin, now, utc("2026-03-18T22:30:00Z"), ""},
		{"yesterday 23:30", ny, now, utc("2026-03-19T03:30:00Z"), ""},
		{"today 09:00", nil, now, utc("2026-03-19T09:00:00Z"), ""},
		{"10 minutes ago", berlin, now, utc("2026-03-19T14:20:00Z"), ""},
		{"2h ago", ny, now, utc("2026-03-19T12:30:00Z"), ""},
		{"2026-03-19T14:00Z", berlin, now, utc("2026-03-19T14:00:00Z"), ""},
		{"2026-03-19T14:00:00+01:00", berlin, now, utc("2026-03-19T13:00:00Z"), ""},
		{"2026-03-19 09:00", ny, now, utc("2026-03-19T13:00:00Z"), ""},
		{"2026-03-19T09:00", ny, now, utc("2026-03-19T13:00:00Z"), ""},
		{"the alarm", berlin, now, alarm, ""},
		{"now", berlin, now, now, ""},
		{"2026-03-20T14:00Z", berlin, now, time.Time{}, "in the future"},
		{"in 10 minutes", berlin, now, time.Time{}, "not a time"},
		{"2", berlin, now, time.Time{}, "ambiguous"},
		{"25:00", berlin, now, time.Time{}, "not a clock time"},
		{"13pm", berlin, now, time.Time{}, "1 to 12"},
		{"14:00 CST", berlin, now, time.Time{}, "ambiguous as a time zone"},
		{"14:00 Mars/Olympus", berlin, now, time.Time{}, "not a time zone"},
		{"teatime", berlin, now, time.Time{}, "not a time"},
		{"", berlin, now, time.Time{}, "no time"},
		// Berlin springs forward on 2026-03-29 at 02:00 → 03:00.
		{"02:30", berlin, utc("2026-03-29T10:00:00Z"), time.Time{}, "does not exist on 2026-03-29 in Europe/Berlin: the clocks jumped forward (from 02:00 to 03:00)"},
		{"03:30", berlin, utc("2026-03-29T10:00:00Z"), utc("2026-03-29T01:30:00Z"), ""},
		// Berlin falls back on 2026-10-25 at 03:00 → 02:00: 02:30 happens twice.
		{"02:30", berlin, utc("2026-10-25T10:00:00Z"), time.Time{}, "happens twice on 2026-10-25 in Europe/Berlin (clocks went back): 00:30 UTC or 01:30 UTC"},
		{"02:30 UTC", berlin, utc("2026-10-25T10:00:00Z"), utc("2026-10-25T02:30:00Z"), ""},
		{"02:30 +02:00", berlin, utc("2026-10-25T10:00:00Z"), utc("2026-10-25T00:30:00Z"), ""},
		// New York falls back on 2026-11-01 at 02:00 → 01:00.
		{"1:30am", ny, utc("2026-11-01T15:00:00Z"), time.Time{}, "happens twice on 2026-11-01 in America/New_York"},
		{"2:30am", ny, utc("2026-03-08T15:00:00Z"), time.Time{}, "does not exist on 2026-03-08 in America/New_York"},
	}
	for _, c := range cases {
		name := c.in
		if c.zone != nil {
			name += " in " + c.zone.String()
		}
		t.Run(name, func(t *testing.T) {
			got, err := ParseTime(c.in, TimeReference{Now: c.now, Zone: c.zone, Alarm: alarm})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("ParseTime(%q) = %v, %v; want error containing %q", c.in, got, err, c.err)
				}
				return
			}
			if err != nil || !got.Equal(c.want) {
				t.Fatalf("ParseTime(%q) = %v, %v; want %v", c.in, got.UTC(), err, c.want.UTC())
			}
		})
	}
}

func TestTheAlarmNeedsAnAlarm(t *testing.T) {
	_, err := ParseTime("the alarm", TimeReference{Now: time.Now()})
	if err == nil || !strings.Contains(err.Error(), "no alarm in this conversation") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseDurationAndWindow(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"1h", time.Hour, ""},
		{"90m", 90 * time.Minute, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"2 hours", 2 * time.Hour, ""},
		{"1.5h", 90 * time.Minute, ""},
		{"45 min", 45 * time.Minute, ""},
		{"30s", 0, "too short"},
		{"2d", 0, "too long"},
		{"0m", 0, "more than zero"},
		{"1 fortnight", 0, "not a unit"},
		{"soon", 0, "not a duration"},
		{"1h and then some", 0, "not a duration"},
		{"99999d", 0, "90 days"},
	}
	for _, c := range cases {
		got, err := ParseWindow(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseWindow(%q) = %v, %v; want error %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseWindow(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"14:00", "2pm", "14:00 UTC", "yesterday 23:30", "10 minutes ago", "2026-03-19T14:00Z", "the alarm", "02:30 Europe/Berlin", "1:30am -04:00", "2026-10-25 02:30"} {
		f.Add(s, int64(1773930600), "Europe/Berlin")
	}
	f.Add("2:30am", int64(1772982000), "America/New_York")
	f.Add("14:00", int64(0), "")
	f.Fuzz(func(t *testing.T, in string, unix int64, zoneName string) {
		loc, err := time.LoadLocation(zoneName)
		if err != nil || strings.ContainsAny(zoneName, ".") {
			loc = time.UTC
		}
		now := time.Unix(unix%(1<<40), 0)
		got, err := ParseTime(in, TimeReference{Now: now, Zone: loc, Alarm: now.Add(-time.Hour)})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if got.After(now.Add(futureSlack)) {
			t.Fatalf("ParseTime(%q) = %v, after now %v", in, got, now)
		}
	})
}

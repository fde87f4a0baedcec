package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccountsAndTrails reads the organization, the allowlist, the coverage
// gap, log groups' accounts and trails.json, and writes them back unchanged.
func TestAccountsAndTrails(t *testing.T) {
	dir := minimal(t)
	files := map[string]string{
		"scenario.json": `{"title":"t","account":"111111111111","region":"eu-west-1","now":"2026-04-13T16:45:00Z",
			"accounts":[{"id":"111111111111","name":"monitoring"},{"id":"444444444444","name":"sandbox-dev","member_role":false}],
			"allowed_accounts":["111111111111"]}`,
		"expect.json": `{"cause":["e1"],"coverage_gap":"logging_stopped"}`,
		"logs.json":   `{"groups":[{"name":"/aws/lambda/f","account":"444444444444","events":[]}]}`,
		"trails.json": `{"trails":[{"account":"111111111111","name":"org-trail","home_region":"us-east-1","multi_region":true,
			"bucket":"b","logging":false,"started_logging":"2025-01-01T00:00:00Z","stopped_logging":"2026-04-13T16:00:00Z",
			"latest_delivery":"","management_events":true,"read_write_type":"All",
			"data_events":[{"resource_type":"AWS::S3::Object","values":["arn:aws:s3:::orders-exports/"]}]}]}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sc, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := sc.Meta
	if len(m.Accounts) != 2 || !m.Accounts[0].HasMemberRole() || m.Accounts[1].HasMemberRole() || m.Accounts[1].Name != "sandbox-dev" {
		t.Errorf("accounts %+v", m.Accounts)
	}
	if len(m.AllowedAccounts) != 1 || m.AllowedAccounts[0] != "111111111111" {
		t.Errorf("allowed %v", m.AllowedAccounts)
	}
	if sc.Expect.CoverageGap != "logging_stopped" {
		t.Errorf("coverage gap %q", sc.Expect.CoverageGap)
	}
	if sc.Logs.Groups[0].Account != "444444444444" {
		t.Errorf("log group account %q", sc.Logs.Groups[0].Account)
	}
	if sc.Trails == nil || len(sc.Trails.Trails) != 1 {
		t.Fatalf("trails %+v", sc.Trails)
	}
	tr := sc.Trails.Trails[0]
	if tr.Logging || tr.StoppedLogging.Hour() != 16 || !tr.LatestDelivery.IsZero() || tr.StartedLogging.Year() != 2025 ||
		len(tr.DataEvents) != 1 || tr.DataEvents[0].Values[0] != "arn:aws:s3:::orders-exports/" || tr.ReadWriteType != "All" {
		t.Errorf("trail %+v", tr)
	}

	out := filepath.Join(t.TempDir(), "copy")
	if err := Write(out, sc); err != nil {
		t.Fatal(err)
	}
	again, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	again.Dir, again.TrailIn = sc.Dir, sc.TrailIn
	if a, b := mustJSON(t, sc), mustJSON(t, again); a != b {
		t.Errorf("reloaded scenario differs:\n%s\n%s", a, b)
	}
}

// TestNoTrailsFile: a scenario without trails.json has no trail setup, which
// readers take as the default, and writing it back adds none.
func TestNoTrailsFile(t *testing.T) {
	sc, err := Load(minimal(t))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Trails != nil || sc.Meta.Accounts != nil {
		t.Fatalf("trails %+v accounts %+v", sc.Trails, sc.Meta.Accounts)
	}
	out := filepath.Join(t.TempDir(), "copy")
	if err := Write(out, sc); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "trails.json")); !os.IsNotExist(err) {
		t.Errorf("trails.json written for a scenario without one: %v", err)
	}
}

func TestMalformedTrailsFileIsNamed(t *testing.T) {
	dir := minimal(t)
	if err := os.WriteFile(filepath.Join(dir, "trails.json"), []byte(`{"trails":[{"started_logging":"yesterday"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "trails.json") {
		t.Errorf("error %v does not name trails.json", err)
	}
}

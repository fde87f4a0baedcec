package record

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

// samplesDir holds public CloudTrail samples, each folder with its licence.
const samplesDir = "../../testdata/samples"

// cloudTrailDatasets are the sample folders holding CloudTrail records (or
// files that look like them).
var cloudTrailDatasets = []string{
	"invictus-ir_aws_dataset",
	"otrf_security-datasets_aws",
	"panther-analysis_cloudtrail_tests",
	"stratus-red-team_detonation-logs",
	"traildiscover",
	"zmallen_cloudtrail2sightings",
}

// expectedRejections are the sample files that are not CloudTrail files, with
// a fragment of the reason Decode must give.
var expectedRejections = map[string]string{
	"otrf_security-datasets_aws/ec2_proxy_s3_exfiltration_2020-09-14011940.json": "NDJSON",
	"zmallen_cloudtrail2sightings/aws.execution.ec2-user-data.json":              "invalid JSON at line 112",
	"panther-analysis_cloudtrail_tests/panther_cloudtrail_rule_tests.json":       `wraps one under "event"`,
}

// coverageFloors are the minimum share of successful mutating records
// (readOnly false, no errorCode) that must get at least one resource.
var coverageFloors = map[string]float64{
	"invictus-ir_aws_dataset":           0.97,
	"stratus-red-team_detonation-logs":  0.95,
	"traildiscover":                     0.90,
	"panther-analysis_cloudtrail_tests": 0.85, // hand-edited records, some without their parameters
	"zmallen_cloudtrail2sightings":      0.90,
}

// actsOnNoResource are successful writes that name no resource by nature:
// sign-in and session events, account-wide settings, agent messaging. They
// are left out of the coverage share.
var actsOnNoResource = map[string]bool{
	"GetSessionToken": true, "GetFederationToken": true, "Authenticate": true, "CreateToken": true,
	"EnableSerialConsoleAccess": true, "DisableSerialConsoleAccess": true,
	"EnableEbsEncryptionByDefault": true, "DisableEbsEncryptionByDefault": true,
	"UpdateMacieSession": true, "EnableRegion": true, "LeaveOrganization": true,
	"PutUseCaseForModelAccess": true, "CreateFoundationModelAgreement": true,
	"PutFoundationModelEntitlement": true, "DeleteModelInvocationLoggingConfiguration": true,
	"PutAccountDetails": true, "UpdateAccountSendingEnabled": true, "CreateCase": true,
	"AcceptAgreementRequest": true, "RequestServiceQuotaIncrease": true, "ChangePassword": true,
	"CreateSession": true, "TerminateSession": true, "ResumeSession": true,
	"SendHeartbeat": true, "CreateControlChannel": true, "UpdateSsoConfiguration": true,
}

type coverage struct {
	files, rejected, records int
	mutating, nameless       int // successful writes; those that name no resource by nature
	withResource             int
	failed, failedResource   int            // failed writes that carry requestParameters; those with a resource
	missing                  map[string]int // event source/name → mutating records without a resource
}

func (c *coverage) count(e investigation.Event) {
	c.records++
	if e.ReadOnly {
		return
	}
	if e.Failed() {
		// Refused calls are evidence too (an AccessDenied storm); they name
		// a resource when the request was recorded.
		if e.RequestJSON != nil {
			c.failed++
			if len(e.Resources) > 0 {
				c.failedResource++
			}
		}
		return
	}
	c.mutating++
	if len(e.Resources) > 0 {
		c.withResource++
		return
	}
	if e.Source == "signin.amazonaws.com" || actsOnNoResource[e.Name] {
		c.nameless++
		return
	}
	c.missing[e.Source+" "+e.Name]++
}

// share is the part of the successful writes that name a resource for which
// one was derived.
func (c *coverage) share() float64 {
	if c.mutating == c.nameless {
		return 1
	}
	return float64(c.withResource) / float64(c.mutating-c.nameless)
}

// sampleAndCorpusPaths are the paths of every sample file and every corpus
// scenario's trail file: the real records the raw checks are held against.
func sampleAndCorpusPaths(t testing.TB) []string {
	t.Helper()
	var paths []string
	for _, fs := range sampleFiles(t) {
		for _, f := range fs {
			paths = append(paths, filepath.Join(samplesDir, filepath.FromSlash(f)))
		}
	}
	corpus, _ := filepath.Glob("../../testdata/scenarios/*/trail/*.json*")
	paths = append(paths, corpus...)
	return paths
}

// sampleFiles lists every JSON sample (".json", ".json.gz", and
// traildiscover's ".json.cloudtrail") by dataset.
func sampleFiles(t testing.TB) map[string][]string {
	t.Helper()
	files := map[string][]string{}
	err := filepath.WalkDir(samplesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.Contains(strings.ToLower(d.Name()), ".json") {
			return nil
		}
		rel, err := filepath.Rel(samplesDir, path)
		if err != nil {
			return err
		}
		dataset, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		files[dataset] = append(files[dataset], filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatalf("list samples: %v", err)
	}
	return files
}

// TestSamples decodes every sample file: each either decodes or is rejected
// with a reason, the rejections are exactly the known non-CloudTrail files,
// and the share of mutating records that get a resource stays above a floor
// per dataset.
func TestSamples(t *testing.T) {
	files := sampleFiles(t)
	for _, dataset := range cloudTrailDatasets {
		if len(files[dataset]) == 0 {
			t.Errorf("no sample files under %s/%s", samplesDir, dataset)
		}
		cov := &coverage{missing: map[string]int{}}
		for _, rel := range files[dataset] {
			cov.files++
			data, err := os.ReadFile(filepath.Join(samplesDir, rel))
			if err != nil {
				t.Fatal(err)
			}
			events, stats, err := Decode(data)
			want, expectReject := expectedRejections[rel]
			switch {
			case err != nil && !expectReject:
				t.Errorf("%s: rejected: %v", rel, err)
			case err == nil && expectReject:
				t.Errorf("%s: decoded %d events, want a rejection mentioning %q", rel, len(events), want)
			case err != nil && !strings.Contains(err.Error(), want):
				t.Errorf("%s: rejected with %q, want a reason mentioning %q", rel, err, want)
			}
			if err != nil {
				cov.rejected++
				t.Logf("%s: rejected: %v", rel, err)
				if dataset == "panther-analysis_cloudtrail_tests" {
					events = unwrapPanther(t, data)
				}
			}
			before := *cov
			for _, e := range events {
				checkEvent(t, rel, e)
				cov.count(e)
			}
			t.Logf("%s: %d records (%d skipped), %d mutating, %d with a resource",
				rel, cov.records-before.records, stats.Skipped, cov.mutating-before.mutating,
				cov.withResource-before.withResource)
		}
		t.Logf("DATASET %s: %d files (%d rejected), %d records, %d successful mutating (%d name no resource), "+
			"%d with a resource (%.1f%% of those that name one); failed writes with parameters %d, %d with a resource; without: %s",
			dataset, cov.files, cov.rejected, cov.records, cov.mutating, cov.nameless, cov.withResource,
			100*cov.share(), cov.failed, cov.failedResource, topMissing(cov.missing, 100))
		if floor, ok := coverageFloors[dataset]; ok && cov.share() < floor {
			t.Errorf("%s: %.1f%% of successful mutating records have a resource, want at least %.0f%%",
				dataset, 100*cov.share(), 100*floor)
		}
	}
}

// unwrapPanther parses the records of Panther's rule-test list
// ([{"_rule","_test","_expected","event"}]), which Decode rightly refuses as a
// CloudTrail file, so their shapes still exercise Parse.
func unwrapPanther(t *testing.T, data []byte) []investigation.Event {
	t.Helper()
	var cases []struct {
		Event json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatalf("panther tests: %v", err)
	}
	var events []investigation.Event
	skipped := map[string]int{}
	for _, c := range cases {
		e, err := Parse(c.Event)
		if err != nil {
			skipped[err.Error()]++
			continue
		}
		events = append(events, e)
	}
	t.Logf("panther: %d of %d test events parse; skipped: %v", len(events), len(cases), skipped)
	return events
}

// checkEvent asserts what every parsed event must satisfy.
func checkEvent(t *testing.T, file string, e investigation.Event) {
	t.Helper()
	if e.ID == "" || e.Name == "" || e.Source == "" || e.Time.IsZero() || len(e.Raw) == 0 {
		t.Errorf("%s: incomplete event %+v", file, e)
	}
	for _, r := range e.Resources {
		if !strings.HasPrefix(r.Type, "AWS::") || strings.Count(r.Type, "::") != 2 || r.Name == "" {
			t.Errorf("%s: event %s %s: malformed resource %+v", file, e.Name, e.ID, r)
		}
	}
}

func topMissing(missing map[string]int, n int) string {
	keys := make([]string, 0, len(missing))
	for k := range missing {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if missing[a] != missing[b] {
			return missing[b] - missing[a]
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, k := range keys[:min(n, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s×%d", k, missing[k]))
	}
	return strings.Join(parts, ", ")
}

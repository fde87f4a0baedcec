package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/tools"
)

const (
	testAccount = "123456789012"
	testRegion  = "us-east-1"
	testGroup   = "/aws/lambda/checkout"
)

var (
	testNow         = time.Date(2026, 3, 5, 21, 0, 0, 0, time.UTC)
	testCredentials = credentials.NewStaticCredentialsProvider("AKIASANDBOXTEST", "sandbox-secret", "")
)

// ctRecord builds a CloudTrail record as CloudTrail writes it to S3.
func ctRecord(i int, name, source, region string, at time.Time, readOnly bool, params map[string]any) map[string]any {
	return map[string]any{
		"eventVersion": "1.09",
		"userIdentity": map[string]any{
			"type": "AssumedRole", "principalId": "AROAEXAMPLE:alice@example.com",
			"arn":       "arn:aws:sts::" + testAccount + ":assumed-role/AdministratorAccess/alice@example.com",
			"accountId": testAccount, "accessKeyId": "ASIAEXAMPLE000000001",
		},
		"eventTime":          at.UTC().Format(time.RFC3339),
		"eventSource":        source,
		"eventName":          name,
		"awsRegion":          region,
		"sourceIPAddress":    "198.51.100.7",
		"userAgent":          "aws-cli/2.15.0",
		"requestParameters":  params,
		"eventID":            fmt.Sprintf("%08d-aaaa-4bbb-8ccc-dddddddddddd", i),
		"readOnly":           readOnly,
		"eventType":          "AwsApiCall",
		"managementEvent":    true,
		"recipientAccountId": testAccount,
		"eventCategory":      "Management",
	}
}

// busyTrail is n events on the Lambda function fn in region, one a second
// back from testNow; every fourth is a read.
func busyTrail(first, n int, fn, region string) []map[string]any {
	var recs []map[string]any
	for i := range n {
		name, ro := "UpdateFunctionConfiguration20150331v2", false
		if i%4 == 3 {
			name, ro = "GetFunction20150331v2", true
		}
		recs = append(recs, ctRecord(first+i, name, "lambda.amazonaws.com", region, testNow.Add(-time.Duration(i)*time.Second), ro,
			map[string]any{"functionName": fn}))
	}
	return recs
}

func writeScenario(t testing.TB, records []map[string]any, logs scenario.LogsFile) *scenario.Scenario {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "trail"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("scenario.json", map[string]any{"title": "test", "account": testAccount, "region": testRegion, "now": testNow.Format(time.RFC3339)})
	write("alarm.json", map[string]any{"AlarmName": "checkout-errors"})
	write("logs.json", logs)
	if len(records) > 0 {
		write(filepath.Join("trail", "trail.json"), map[string]any{"Records": records})
	}
	sc, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

var signedRegion = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/`)

// arrivals records what reached the sandbox, per operation and the region
// the request was signed for ("LookupEvents|us-east-1"): when each request
// arrived, how many were first attempts (the SDK numbers its attempts in
// the amz-sdk-request header), and the error codes answered.
type arrivals struct {
	mu     sync.Mutex
	times  map[string][]time.Time
	firsts map[string]int
	errors map[string]int // error code → answers
}

func (a *arrivals) of(key string) []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := append([]time.Time(nil), a.times[key]...)
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// distinct is how many requests key received, retries not counted.
func (a *arrivals) distinct(key string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.firsts[key]
}

func (a *arrivals) answered(code string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.errors[code]
}

type codeRecorder struct {
	http.ResponseWriter
	rec *arrivals
}

func (c codeRecorder) WriteHeader(status int) {
	if code := c.Header().Get("X-Amzn-Errortype"); code != "" {
		c.rec.mu.Lock()
		c.rec.errors[code]++
		c.rec.mu.Unlock()
	}
	c.ResponseWriter.WriteHeader(status)
}

// testSandbox serves sc, recording arrivals, and returns the sandbox, the
// recorder and the configuration LoadAWSConfig builds for it.
func testSandbox(t testing.TB, sc *scenario.Scenario, o tools.AWSOptions) (*awsapi.Emulator, *arrivals, aws.Config) {
	t.Helper()
	a, err := awsapi.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	rec := &arrivals{times: map[string][]time.Time{}, firsts: map[string]int{}, errors: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if target := r.Header.Get("X-Amz-Target"); target != "" {
			now := time.Now()
			key := target[strings.LastIndex(target, ".")+1:]
			if m := signedRegion.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
				key += "|" + m[1]
			}
			rec.mu.Lock()
			rec.times[key] = append(rec.times[key], now)
			if strings.HasPrefix(r.Header.Get("Amz-Sdk-Request"), "attempt=1;") {
				rec.firsts[key]++
			}
			rec.mu.Unlock()
		}
		a.ServeHTTP(codeRecorder{ResponseWriter: w, rec: rec}, r)
	}))
	t.Cleanup(srv.Close)
	isolateEnvironment(t)
	o.Endpoint, o.Credentials, o.Region = srv.URL, testCredentials, testRegion
	cfg, err := tools.LoadAWSConfig(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return a, rec, cfg
}

// isolateEnvironment keeps the developer's AWS settings out of a test.
func isolateEnvironment(t testing.TB) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_PROFILE": "", "AWS_REGION": "",
		"AWS_DEFAULT_REGION": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_CLOUDTRAIL": "", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_MAX_ATTEMPTS": "", "AWS_RETRY_MODE": "",
	} {
		t.Setenv(k, v)
	}
}

// maxInWindow is the most arrivals any window of length d holds.
func maxInWindow(times []time.Time, d time.Duration) int {
	best := 0
	for i := range times {
		n := 0
		for _, t := range times[i:] {
			if t.Sub(times[i]) < d {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

// serveScenarioDir serves the scenario in dir on loopback with SDK clients
// signing for region.
func serveScenarioDir(t *testing.T, dir, region string) (*awsapi.Emulator, aws.Config) {
	t.Helper()
	sc, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := awsapi.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := a.Serve(testContext(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	isolateEnvironment(t)
	cfg, err := tools.LoadAWSConfig(testContext(t), tools.AWSOptions{
		Region:      region,
		Endpoint:    srv.URL(),
		Credentials: testCredentials,
		MaxAttempts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, cfg
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

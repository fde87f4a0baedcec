package awsapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
)

const (
	testAccount = "123456789012"
	testRegion  = "us-east-1"
)

var testNow = time.Date(2026, 3, 5, 21, 0, 0, 0, time.UTC)

var testCredentials = credentials.NewStaticCredentialsProvider("AKIASANDBOXTEST", "sandbox-secret", "")

// ctRecord builds a CloudTrail record as CloudTrail writes it to S3.
func ctRecord(id, name, source, region string, at time.Time, readOnly bool, user, accessKey string, params map[string]any) map[string]any {
	return map[string]any{
		"eventVersion": "1.09",
		"userIdentity": map[string]any{
			"type": "IAMUser", "principalId": "AIDA" + user, "arn": "arn:aws:iam::" + testAccount + ":user/" + user,
			"accountId": testAccount, "accessKeyId": accessKey, "userName": user,
		},
		"eventTime":          at.UTC().Format(time.RFC3339),
		"eventSource":        source,
		"eventName":          name,
		"awsRegion":          region,
		"sourceIPAddress":    "198.51.100.7",
		"userAgent":          "aws-cli/2.15.0",
		"requestParameters":  params,
		"responseElements":   nil,
		"requestID":          id + "-req",
		"eventID":            id,
		"readOnly":           readOnly,
		"eventType":          "AwsApiCall",
		"managementEvent":    true,
		"recipientAccountId": testAccount,
		"eventCategory":      "Management",
	}
}

// writeScenario writes a scenario folder with records spread over two trail
// files (none when there are no records) and the given log groups, and loads it.
func writeScenario(t testing.TB, records []map[string]any, logs scenario.LogsFile) *scenario.Scenario {
	t.Helper()
	dir := t.TempDir()
	meta := map[string]any{"title": "test", "account": testAccount, "region": testRegion, "now": testNow.Format(time.RFC3339)}
	alarm := map[string]any{
		"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:us-east-1:" + testAccount + ":ops-alarms",
		"Message": `{"AlarmName":"checkout-errors"}`,
	}
	writeJSON(t, filepath.Join(dir, "scenario.json"), meta)
	writeJSON(t, filepath.Join(dir, "alarm.json"), alarm)
	writeJSON(t, filepath.Join(dir, "logs.json"), logs)
	if err := os.MkdirAll(filepath.Join(dir, "trail"), 0o755); err != nil {
		t.Fatal(err)
	}
	if half := len(records) / 2; len(records) > 0 {
		writeJSON(t, filepath.Join(dir, "trail", "a.json"), map[string]any{"Records": records[:half]})
		writeJSON(t, filepath.Join(dir, "trail", "b.json"), map[string]any{"Records": records[half:]})
	}
	sc, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// serve starts a on an httptest server and returns a client configuration
// for it: static fake credentials, one attempt (so faults show unretried).
func serve(t testing.TB, a *awsapi.Emulator, region string) aws.Config {
	t.Helper()
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return aws.Config{
		Region:           region,
		Credentials:      testCredentials,
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: readOnlyBodies{http.DefaultTransport}},
	}
}

// readOnlyBodies hides WriteTo of the SDK's request bodies: once the SDK has
// closed one (at the response headers) its WriteTo answers io.EOF as an
// error, and net/http then closes the connection under the response being
// read. Production clients get the same fix from tools.LoadAWSConfig; here
// it keeps single-attempt tests from failing on it.
type readOnlyBodies struct{ next http.RoundTripper }

func (t readOnlyBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req = req.Clone(req.Context())
		req.Body = struct{ io.ReadCloser }{req.Body}
	}
	return t.next.RoundTrip(req)
}

func newAWS(t testing.TB, sc *scenario.Scenario) *awsapi.Emulator {
	t.Helper()
	a, err := awsapi.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func eventID(i int) string { return fmt.Sprintf("0000%04d-aaaa-4bbb-8ccc-dddddddddddd", i) }

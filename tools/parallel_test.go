package tools_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/tools"
)

// gateHold is how long the gate holds a request waiting for the others: a
// client that sends them one after another meets it on every request.
const gateHold = time.Second

// gate holds each request of its operations until want of them are in
// flight (or gateHold passes) and records the most it held at once, so a
// test fails when the requests it expects together arrive one by one.
// fail, when set, answers a request with an error instead, after a delay.
type gate struct {
	ops  map[string]bool
	want int
	fail func(op string, body []byte) (code string, delay time.Duration, failed bool)

	mu       sync.Mutex
	inFlight int
	peak     int
	opened   bool // reached is closed: want were in flight once
	reached  chan struct{}
}

func (g *gate) wrap(next http.Handler) http.Handler {
	g.reached = make(chan struct{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		op := operation(r, body)
		if !g.ops[op] {
			next.ServeHTTP(w, r)
			return
		}
		g.mu.Lock()
		g.inFlight++
		g.peak = max(g.peak, g.inFlight)
		if g.inFlight == g.want && !g.opened {
			g.opened = true
			close(g.reached)
		}
		g.mu.Unlock()
		select {
		case <-g.reached:
		case <-time.After(gateHold):
		}
		g.mu.Lock()
		g.inFlight--
		g.mu.Unlock()
		if g.fail != nil {
			if code, delay, failed := g.fail(op, body); failed {
				time.Sleep(delay)
				w.Header().Set("X-Amzn-Errortype", code)
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"__type":"` + code + `","message":"refused by the test"}`))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (g *gate) peakInFlight() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}

// operation names a request's API: the JSON protocols' target, the query
// protocol's Action.
func operation(r *http.Request, body []byte) string {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		return target[strings.LastIndex(target, ".")+1:]
	}
	form, _ := url.ParseQuery(string(body))
	return form.Get("Action")
}

// gatedSandbox serves sc through g with the configuration the product builds.
func gatedSandbox(t *testing.T, sc *scenario.Scenario, g *gate) aws.Config {
	t.Helper()
	a, err := awsapi.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g.wrap(a))
	t.Cleanup(srv.Close)
	isolateEnvironment(t)
	cfg, err := tools.LoadAWSConfig(context.Background(), tools.AWSOptions{Endpoint: srv.URL, Credentials: testCredentials,
		Region: testRegion, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func threeTrails() *scenario.TrailsFile {
	var trails []scenario.Trail
	for _, name := range []string{"audit", "security", "exports"} {
		trails = append(trails, scenario.Trail{Account: testAccount, Name: name, HomeRegion: testRegion, MultiRegion: true,
			Logging: true, ManagementEvents: true, ReadWriteType: "All"})
	}
	return &scenario.TrailsFile{Trails: trails}
}

var trailReads = map[string]bool{"DescribeTrails": true, "GetTrailStatus": true, "GetEventSelectors": true}

// TestTrailSetupsReadTogether: every trail's description, status and
// selectors are in flight at once, and the trails come back in ListTrails'
// order whatever order they were answered in.
func TestTrailSetupsReadTogether(t *testing.T) {
	sc := writeScenario(t, nil, scenario.LogsFile{})
	sc.Trails = threeTrails()
	g := &gate{ops: trailReads, want: 9}
	got, err := tools.NewTrailSetups(gatedSandbox(t, sc, g)).Trails(testContext(t), testAccount, testRegion)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tr := range got {
		if !tr.Logging || tr.ReadWriteType != "All" {
			t.Errorf("trail %s read incompletely: %+v", tr.Name, tr)
		}
		names = append(names, tr.Name)
	}
	if !slices.Equal(names, []string{"audit", "security", "exports"}) {
		t.Errorf("trails %v, want ListTrails' order", names)
	}
	if p := g.peakInFlight(); p != 9 {
		t.Errorf("at most %d trail reads in flight, want all 9 at once", p)
	}
}

// TestTrailSetupsFirstError: when two trails fail, the error is the first
// trail's, even when the later one fails sooner.
func TestTrailSetupsFirstError(t *testing.T) {
	sc := writeScenario(t, nil, scenario.LogsFile{})
	sc.Trails = threeTrails()
	g := &gate{ops: trailReads, want: 9, fail: func(op string, body []byte) (string, time.Duration, bool) {
		switch {
		case op == "GetTrailStatus" && bytes.Contains(body, []byte("trail/audit")):
			return "TrailNotFoundException", 200 * time.Millisecond, true
		case op == "DescribeTrails" && bytes.Contains(body, []byte("trail/exports")):
			return "TrailNotFoundException", 0, true
		}
		return "", 0, false
	}}
	_, err := tools.NewTrailSetups(gatedSandbox(t, sc, g)).Trails(testContext(t), testAccount, testRegion)
	if err == nil || !strings.Contains(err.Error(), "status of trail") || !strings.Contains(err.Error(), "trail/audit") {
		t.Fatalf("error %v, want the status of trail audit's", err)
	}
}

// TestIAMPolicyVersionsReadTogether: a policy's version documents are read
// at once, all five a managed policy may keep, and come back newest first.
func TestIAMPolicyVersionsReadTogether(t *testing.T) {
	const arn = "arn:aws:iam::123456789012:policy/checkout-data"
	sc := writeScenario(t, nil, scenario.LogsFile{})
	p := scenario.IAMPolicy{ARN: arn, DefaultVersion: "v5"}
	for i := 1; i <= 5; i++ {
		id := "v" + string(rune('0'+i))
		doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Sid": id, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}})
		p.Versions = append(p.Versions, scenario.IAMPolicyVersion{ID: id, Created: testNow.Add(time.Duration(i) * time.Hour), Document: doc})
	}
	sc.IAM.Policies = []scenario.IAMPolicy{p}
	g := &gate{ops: map[string]bool{"GetPolicyVersion": true}, want: 5}
	versions, err := tools.NewIAM(gatedSandbox(t, sc, g), tools.IAMOptions{}).PolicyVersions(testContext(t), arn)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range versions {
		if !bytes.Contains(v.Document, []byte(`"`+v.ID+`"`)) {
			t.Errorf("version %s holds another's document: %s", v.ID, v.Document)
		}
		ids = append(ids, v.ID)
	}
	if !slices.Equal(ids, []string{"v5", "v4", "v3", "v2", "v1"}) {
		t.Errorf("versions %v, want newest first", ids)
	}
	if p := g.peakInFlight(); p != 5 {
		t.Errorf("at most %d version reads in flight, want all 5", p)
	}
}

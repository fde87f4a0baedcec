package awsapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

const worldDir = "testdata/world"

var (
	worldStart = time.Date(2024, 5, 1, 11, 0, 0, 0, time.UTC)
	worldEnd   = time.Date(2024, 5, 1, 11, 20, 0, 0, time.UTC)
)

// signedPost sends body to the sandbox signed for service, as a client that
// speaks a protocol the Go SDK does not (query, JSON 1.0) would.
func signedPost(t *testing.T, cfg aws.Config, service, contentType string, header map[string]string, body string) (int, string) {
	t.Helper()
	return signedRequest(t, cfg, http.MethodPost, "/", service, contentType, header, body)
}

// signedRequest sends a SigV4-signed request for service to the sandbox.
func signedRequest(t *testing.T, cfg aws.Config, method, path, service, contentType string, header map[string]string, body string) (int, string) {
	t.Helper()
	ctx := invCtx(t)
	req, err := http.NewRequestWithContext(ctx, method, aws.ToString(cfg.BaseEndpoint)+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, cfg.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func cwQueryPost(t *testing.T, cfg aws.Config, form url.Values) (int, string) {
	form.Set("Version", "2010-08-01")
	return signedPost(t, cfg, "monitoring", "application/x-www-form-urlencoded; charset=utf-8", nil, form.Encode())
}

func cwJSONPost(t *testing.T, cfg aws.Config, op string, in any) (int, string) {
	b, _ := json.Marshal(in)
	return signedPost(t, cfg, "monitoring", "application/x-amz-json-1.0",
		map[string]string{"X-Amz-Target": "GraniteServiceVersion20100801." + op}, string(b))
}

// TestCloudWatchEveryProtocol asks the same questions over CBOR (the Go
// SDK), JSON 1.0 and the query protocol, and gets the same answers.
func TestCloudWatchEveryProtocol(t *testing.T) {
	_, cfg := invServe(t, worldDir)
	cw := cloudwatch.NewFromConfig(cfg)
	alarms, err := cw.DescribeAlarms(invCtx(t), &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"ingest-errors"}})
	if err != nil || len(alarms.MetricAlarms) != 1 {
		t.Fatalf("CBOR DescribeAlarms: %v %+v", err, alarms)
	}
	status, body := cwJSONPost(t, cfg, "DescribeAlarms", map[string]any{"AlarmNames": []string{"ingest-errors"}})
	if status != 200 || !strings.Contains(body, `"AlarmName":"ingest-errors"`) {
		t.Errorf("JSON 1.0 DescribeAlarms: %d %s", status, body)
	}
	status, body = cwQueryPost(t, cfg, url.Values{"Action": {"DescribeAlarms"}, "AlarmNames.member.1": {"ingest-errors"}})
	if status != 200 || !strings.Contains(body, "<MetricAlarms><member>") || !strings.Contains(body, "<AlarmName>ingest-errors</AlarmName>") {
		t.Errorf("query DescribeAlarms: %d %s", status, body)
	}

	status, body = cwJSONPost(t, cfg, "GetMetricData", map[string]any{
		"StartTime": worldStart.Unix(), "EndTime": worldEnd.Unix(), "ScanBy": "TimestampAscending",
		"MetricDataQueries": []any{map[string]any{"Id": "e", "MetricStat": map[string]any{"Period": 300, "Stat": "Sum",
			"Metric": map[string]any{"Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": []any{map[string]string{"Name": "FunctionName", "Value": "ingest"}}}}}},
	})
	if status != 200 || !strings.Contains(body, `"Values":[0,0,20,15]`) || !strings.Contains(body, `"Timestamps":[1714561200,`) {
		t.Errorf("JSON 1.0 GetMetricData: %d %s", status, body)
	}
	status, body = cwQueryPost(t, cfg, url.Values{"Action": {"GetMetricData"}, "StartTime": {"2024-05-01T11:00:00Z"}, "EndTime": {"2024-05-01T11:20:00Z"},
		"MetricDataQueries.member.1.Id": {"e"}, "MetricDataQueries.member.1.MetricStat.Period": {"300"}, "MetricDataQueries.member.1.MetricStat.Stat": {"Sum"},
		"MetricDataQueries.member.1.MetricStat.Metric.Namespace": {"AWS/Lambda"}, "MetricDataQueries.member.1.MetricStat.Metric.MetricName": {"Errors"},
		"MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name":  {"FunctionName"},
		"MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value": {"ingest"}})
	if status != 200 || !strings.Contains(body, "<Values><member>15</member><member>20</member><member>0</member><member>0</member></Values>") ||
		!strings.Contains(body, "<member>2024-05-01T11:15:00.000Z</member>") {
		t.Errorf("query GetMetricData: %d %s", status, body)
	}

	status, body = cwQueryPost(t, cfg, url.Values{"Action": {"DescribeAlarms"}, "MaxRecords": {"0"}})
	if status != 400 || !strings.Contains(body, "<Code>InvalidParameterValue</Code>") {
		t.Errorf("query error: %d %s", status, body)
	}
	status, body = cwJSONPost(t, cfg, "GetMetricData", map[string]any{"StartTime": worldStart.Unix(), "EndTime": worldEnd.Unix()})
	if status != 400 || !strings.Contains(body, "MissingRequiredParameterException") {
		t.Errorf("JSON 1.0 error: %d %s", status, body)
	}
}

func TestGetMetricData(t *testing.T) {
	_, cfg := invServe(t, worldDir)
	cw := cloudwatch.NewFromConfig(cfg)
	metric := func(name string) *cwtypes.Metric {
		return &cwtypes.Metric{Namespace: aws.String("AWS/Lambda"), MetricName: aws.String(name),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("ingest")}}}
	}
	out, err := cw.GetMetricData(invCtx(t), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(worldStart), EndTime: aws.Time(worldEnd),
		MetricDataQueries: []cwtypes.MetricDataQuery{
			{Id: aws.String("rate"), Expression: aws.String("100*(errors/calls)"), Label: aws.String("Error rate")},
			{Id: aws.String("errors"), MetricStat: &cwtypes.MetricStat{Metric: metric("Errors"), Period: aws.Int32(60), Stat: aws.String("Sum")}},
			{Id: aws.String("calls"), ReturnData: aws.Bool(false), MetricStat: &cwtypes.MetricStat{Metric: metric("Invocations"), Period: aws.Int32(60), Stat: aws.String("Sum")}},
			{Id: aws.String("avg"), MetricStat: &cwtypes.MetricStat{Metric: metric("Errors"), Period: aws.Int32(60), Stat: aws.String("Average")}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricDataResults) != 3 {
		t.Fatalf("want rate, errors and avg (calls is not returned), got %d results", len(out.MetricDataResults))
	}
	rate, errs, avg := out.MetricDataResults[0], out.MetricDataResults[1], out.MetricDataResults[2]
	if aws.ToString(rate.Label) != "Error rate" || len(rate.Values) != 20 || rate.Values[0] != 10 || rate.Values[5] != 60 {
		t.Errorf("rate = %s %v; want 100*errors/calls, newest first", aws.ToString(rate.Label), rate.Values)
	}
	if aws.ToString(errs.Label) != "Errors" || errs.StatusCode != cwtypes.StatusCodeComplete || !errs.Timestamps[0].After(errs.Timestamps[1]) {
		t.Errorf("errors = %+v; want the metric's name as label, Complete, newest first", errs)
	}
	if len(avg.Values) != 0 {
		t.Errorf("Average was never published for the series, got %v", avg.Values)
	}

	_, err = cw.GetMetricData(invCtx(t), &cloudwatch.GetMetricDataInput{StartTime: aws.Time(worldStart), EndTime: aws.Time(worldEnd),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("Bad"), Expression: aws.String("1")}}})
	if invCode(err) != "InvalidParameterValue" {
		t.Errorf("an id starting upper-case: %v", err)
	}

	stats, err := cw.GetMetricStatistics(invCtx(t), &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Errors"), Dimensions: metric("Errors").Dimensions,
		StartTime: aws.Time(worldStart), EndTime: aws.Time(worldEnd), Period: aws.Int32(600), Statistics: []cwtypes.Statistic{cwtypes.StatisticSum},
	})
	if err != nil || len(stats.Datapoints) != 2 || aws.ToFloat64(stats.Datapoints[1].Sum) != 35 {
		t.Fatalf("GetMetricStatistics: %v %+v", err, stats)
	}
}

// TestCloudWatchProtocolsAgree checks that query and JSON 1.0 carry the
// same history as CBOR does.
func TestCloudWatchProtocolsAgree(t *testing.T) {
	_, cfg := invServe(t, worldDir)
	out, err := cloudwatch.NewFromConfig(cfg).DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range out.MetricAlarms {
		names = append(names, aws.ToString(a.AlarmName))
	}
	_, jsonBody := cwJSONPost(t, cfg, "DescribeAlarms", map[string]any{})
	var doc struct{ MetricAlarms []struct{ AlarmName string } }
	if err := json.NewDecoder(bytes.NewReader([]byte(jsonBody))).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var jsonNames []string
	for _, a := range doc.MetricAlarms {
		jsonNames = append(jsonNames, a.AlarmName)
	}
	if !slices.Equal(names, jsonNames) || len(names) == 0 {
		t.Errorf("CBOR %v, JSON 1.0 %v", names, jsonNames)
	}
}

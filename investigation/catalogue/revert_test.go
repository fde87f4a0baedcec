package catalogue

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// catalogueSample is one CloudTrail record read from the repository's samples.
type catalogueSample struct {
	File      string
	EventID   string          `json:"eventID"`
	Source    string          `json:"eventSource"`
	Name      string          `json:"eventName"`
	ErrorCode string          `json:"errorCode"`
	Request   json.RawMessage `json:"requestParameters"`
}

// catalogueSampleDirs are the public CloudTrail datasets kept under
// testdata/samples with their licences.
var catalogueSampleDirs = []string{
	"invictus-ir_aws_dataset/CloudTrail",
	"stratus-red-team_detonation-logs",
	"panther-analysis_cloudtrail_tests",
	"traildiscover/events",
}

// catalogueSamples reads every record of the sample datasets once; files
// that are not CloudTrail JSON (licences, NDJSON, the deliberately broken
// file) are skipped.
func catalogueSamples(t *testing.T) []catalogueSample {
	t.Helper()
	samples, err := loadCatalogueSamples()
	if err != nil {
		t.Fatal(err)
	}
	return samples
}

var loadCatalogueSamples = sync.OnceValues(func() ([]catalogueSample, error) {
	var out []catalogueSample
	for _, dir := range catalogueSampleDirs {
		root := filepath.Join("..", "..", "testdata", "samples", filepath.FromSlash(dir))
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.Contains(d.Name(), ".json") {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			out = append(out, catalogueDecodeRecords(path, data)...)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read samples in %s: %w", root, err)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no CloudTrail samples found under testdata/samples")
	}
	return out, nil
})

// catalogueDecodeRecords accepts the shapes the datasets use: {"Records": […]},
// a bare array, one record, or panther's [{"event": record}].
func catalogueDecodeRecords(path string, data []byte) []catalogueSample {
	var wrapped struct {
		Records []json.RawMessage `json:"Records"`
	}
	var raws []json.RawMessage
	if json.Unmarshal(data, &wrapped) == nil && wrapped.Records != nil {
		raws = wrapped.Records
	} else if json.Unmarshal(data, &raws) != nil {
		raws = []json.RawMessage{data}
	}
	var out []catalogueSample
	for _, raw := range raws {
		var test struct {
			Event json.RawMessage `json:"event"`
		}
		if json.Unmarshal(raw, &test) == nil && len(test.Event) > 0 {
			raw = test.Event
		}
		var s catalogueSample
		if json.Unmarshal(raw, &s) != nil || s.Name == "" {
			continue
		}
		s.File = path
		out = append(out, s)
	}
	return out
}

// TestCatalogueRevertPlaceholdersMatchRealRequests checks, for every
// catalogued kind the samples hold a successful call of, that each
// placeholder names a key those requests really carry.
func TestCatalogueRevertPlaceholdersMatchRealRequests(t *testing.T) {
	keysByKind := map[catalogueKey]map[string]bool{}
	for _, s := range catalogueSamples(t) {
		k, ok := KindOf(s.Source, s.Name)
		if !ok || s.ErrorCode != "" {
			continue
		}
		var params map[string]any
		if json.Unmarshal(s.Request, &params) != nil || len(params) == 0 {
			continue
		}
		key := catalogueKey{k.Source, k.Name}
		if keysByKind[key] == nil {
			keysByKind[key] = map[string]bool{}
		}
		for p := range params {
			keysByKind[key][strings.ToLower(p)] = true
		}
	}
	if len(keysByKind) < 40 {
		t.Errorf("only %d catalogued kinds have samples; the datasets hold more", len(keysByKind))
	}
	// Keys a real request carries that the samples happen to lack, with why.
	missingFromSamples := map[catalogueKey]string{
		// The only sqs-sourced record is a hand-edited rule test; the same
		// dataset's other SetQueueAttributes record carries queueUrl.
		{srcSQS, "SetQueueAttributes"}: "queueUrl",
		// The only sample is a hand-written rule test; the API requires
		// FeatureName on RemoveRoleFromDBInstance.
		{srcRDS, "RemoveRoleFromDBInstance"}: "featureName",
	}
	checked := 0
	for key, keys := range keysByKind {
		k, _ := KindOf(key.source, key.name)
		for _, m := range catalogueFieldRe.FindAllStringSubmatch(k.Revert, -1) {
			matched := false
			for _, path := range revertFieldPaths(m[1]) {
				root, _, _ := strings.Cut(path, ".")
				matched = matched || keys[strings.ToLower(root)]
			}
			if !matched && missingFromSamples[key] != m[1] {
				t.Errorf("%s %s: placeholder {%s} names no key of its sampled requests %v", key.source, key.name, m[1], slices.Sorted(maps.Keys(keys)))
			}
			checked++
		}
	}
	t.Logf("%d placeholders of %d sampled kinds checked against real requests", checked, len(keysByKind))
}

// catalogueSampleRequest returns the requestParameters of one sample event.
func catalogueSampleRequest(t *testing.T, samples []catalogueSample, eventID string) (catalogueSample, json.RawMessage) {
	t.Helper()
	for _, s := range samples {
		if s.EventID == eventID {
			return s, s.Request
		}
	}
	t.Fatalf("sample event %s not found", eventID)
	return catalogueSample{}, nil
}

func TestRevertForRealRequests(t *testing.T) {
	samples := catalogueSamples(t)
	tests := []struct {
		name    string
		eventID string // a sample event; its own kind unless kind is set
		kind    string // source and name of the kind to apply, when it differs
		want    string
	}{
		{
			name:    "DetachRolePolicy",
			eventID: "a37eb8e4-ba93-43c3-8e3f-5c290d1fa477",
			want:    "Re-attach the managed policy arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore to the role stratus-red-team-ec2-steal-credentials-role (aws iam attach-role-policy --role-name stratus-red-team-ec2-steal-credentials-role --policy-arn arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore).",
		},
		{
			name:    "RevokeSecurityGroupIngress flat fields",
			eventID: "8733f811-267d-4c46-8e5b-000fe7c6a9f2",
			want:    "Re-authorize the removed inbound rule on the security group sg-04cfb7a4712d75b00: tcp ports 22-22 from 0.0.0.0/0 (aws ec2 authorize-security-group-ingress --group-id sg-04cfb7a4712d75b00 --protocol tcp --port 22-22 --cidr 0.0.0.0/0); the event's ipPermissions list every rule it removed.",
		},
		{
			// No sample revokes ingress in the nested shape; an authorize
			// request has the same shape, so its parameters stand in.
			name:    "RevokeSecurityGroupIngress nested ipPermissions",
			eventID: "7e96f0e7-4d78-423d-b3f5-391370685b30",
			kind:    "RevokeSecurityGroupIngress",
			want:    "Re-authorize the removed inbound rule on the security group sg-04cfb7a4712d75b00: tcp ports 443-443 from 0.0.0.0/0 (aws ec2 authorize-security-group-ingress --group-id sg-04cfb7a4712d75b00 --protocol tcp --port 443-443 --cidr 0.0.0.0/0); the event's ipPermissions list every rule it removed.",
		},
		{
			name:    "RevokeSecurityGroupEgress nested IPv4",
			eventID: "d2dedbf2-62a8-4362-bcad-aa1670e80c0f",
			want:    "Re-authorize the removed outbound rule on the security group sg-04cfb7a4712d75b00: -1 ports 0-0 to 0.0.0.0/0 with aws ec2 authorize-security-group-egress and the event's ipPermissions.",
		},
		{
			name:    "RevokeSecurityGroupEgress nested IPv6",
			eventID: "5966ab0e-411b-402f-81a9-d638a8c71a53",
			want:    "Re-authorize the removed outbound rule on the security group sg-04cfb7a4712d75b00: -1 ports 0-0 to ::/0 with aws ec2 authorize-security-group-egress and the event's ipPermissions.",
		},
		{
			name:    "DeleteNatGateway wrapped request",
			eventID: "de095443-8389-4aa2-9bcb-d3295a255169",
			want:    "Create a NAT gateway in the same public subnet and point the private route tables' default routes at it; the replacement gets a new id (the deleted one was nat-0dd264ee104155137).",
		},
		{
			name:    "DeleteFlowLogs content-wrapped id",
			eventID: "de58d903-38d7-4f30-a84b-b79d858e8376",
			want:    "Recreate the flow logs fl-064ed3a785e4a37ef with the same resource, traffic type and destination; traffic was not recorded in between.",
		},
		{
			name:    "DeleteRoute",
			eventID: "e8b3c695-16ee-45d5-b4b6-63df1a8e5a3c",
			want:    "Recreate the route 0.0.0.0/0 in the route table rtb-01a1e48796093c514 to its previous target (aws ec2 create-route --route-table-id rtb-01a1e48796093c514 --destination-cidr-block 0.0.0.0/0 with the previous --gateway-id or --nat-gateway-id).",
		},
		{
			name:    "PutSecretValue",
			eventID: "1b07449e-fb57-4fde-8fd7-e52f65ab368e",
			want:    "Move the AWSCURRENT label back to the previous version of the secret arn:aws:secretsmanager:us-east-1:123837392027:secret:stratus-red-team-retrieve-secret-7-nFvpuv (aws secretsmanager update-secret-version-stage --secret-id arn:aws:secretsmanager:us-east-1:123837392027:secret:stratus-red-team-retrieve-secret-7-nFvpuv --version-stage AWSCURRENT --move-to-version-id <previous version> --remove-from-version-id EFADA32A-134C-40A6-880A-6C1421FFD45F); the previous version keeps the AWSPREVIOUS label.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, params := catalogueSampleRequest(t, samples, tt.eventID)
			name := s.Name
			if tt.kind != "" {
				name = tt.kind
			}
			k, ok := KindOf(s.Source, name)
			if !ok {
				t.Fatalf("%s %s is not catalogued", s.Source, name)
			}
			if got := k.RevertFor(params); got != tt.want {
				t.Errorf("RevertFor(%s)\n got %q\nwant %q", params, got, tt.want)
			}
		})
	}
}

func TestRevertForDocumentedRequests(t *testing.T) {
	tests := []struct {
		source, name string
		params       string
		want         string
	}{
		{
			// The samples hold no PutFunctionConcurrency call. This is its
			// documented request (FunctionName in the path,
			// ReservedConcurrentExecutions in the body) as CloudTrail records
			// Lambda parameters, in lower camel case.
			srcLambda, "PutFunctionConcurrency",
			`{"functionName": "checkout", "reservedConcurrentExecutions": 0}`,
			"Set the function's reserved concurrency back to its previous value, or remove the reservation (aws lambda delete-function-concurrency --function-name checkout); this call reserved 0, and 0 stops every invocation.",
		},
		{
			srcLambda, "PutFunctionConcurrency",
			`{"functionName": "arn:aws:lambda:us-east-1:123456789012:function:checkout"}`,
			"Set the function's reserved concurrency back to its previous value, or remove the reservation (aws lambda delete-function-concurrency --function-name arn:aws:lambda:us-east-1:123456789012:function:checkout).",
		},
		{
			srcEC2, "StopInstances",
			`{"instancesSet": {"items": [{"instanceId": "i-0a"}, {"instanceId": "i-0b"}]}, "force": false}`,
			"Start the instances again (aws ec2 start-instances --instance-ids i-0a i-0b); public IPs not from Elastic IPs change on start.",
		},
		{
			srcRoute53, "ChangeResourceRecordSets",
			`{"hostedZoneId": "Z123", "changeBatch": {"changes": [{"action": "DELETE", "resourceRecordSet": {"name": "*.example.com.", "type": "A"}}]}}`,
			"Apply the opposite change in the hosted zone Z123 (DELETE '*.example.com.' A): recreate a deleted record, delete a created one, write the previous value back over an upsert (aws route53 change-resource-record-sets --hosted-zone-id <zone> --change-batch file://revert.json). Resolvers keep the old answer for the record's TTL.",
		},
		{
			srcAPIGateway, "CreateDeployment",
			`{"apiId": "a1b2c3", "stageName": "$default"}`,
			"Point the stage '$default' back at its previous deployment (aws apigatewayv2 update-stage --api-id a1b2c3 --stage-name '$default' --deployment-id <previous deployment>); aws apigateway get-deployments lists them.",
		},
	}
	for _, tt := range tests {
		k, ok := KindOf(tt.source, tt.name)
		if !ok {
			t.Fatalf("%s %s is not catalogued", tt.source, tt.name)
		}
		if got := k.RevertFor(json.RawMessage(tt.params)); got != tt.want {
			t.Errorf("%s RevertFor(%s)\n got %q\nwant %q", tt.name, tt.params, got, tt.want)
		}
	}
}

func TestRevertForFallsBackOnBadInput(t *testing.T) {
	k, _ := KindOf(srcIAM, "DetachRolePolicy")
	generic := "Re-attach the managed policy to the role."
	inputs := []string{
		``, `null`, `{`, `[]`, `"roleName"`, `42`, `{}`,
		`{"roleName": {"nested": true}, "policyArn": ["a", ["b"]]}`,
		`{"roleName": "", "policyArn": null}`,
		`{"roleName": "a\nb"}`,
		`{"roleName": "a\u0007b"}`,
		`{"roleName": "` + strings.Repeat("r", maxRevertValueLen+1) + `"}`,
		strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000),
	}
	for _, in := range inputs {
		if got := k.RevertFor(json.RawMessage(in)); got != generic {
			t.Errorf("RevertFor(%.40q) = %q, want %q", in, got, generic)
		}
	}
	partial := k.RevertFor(json.RawMessage(`{"roleName": "app"}`))
	if partial != "Re-attach the managed policy to the role app." {
		t.Errorf("partial parameters gave %q", partial)
	}
}

func TestRevertForTemplateRules(t *testing.T) {
	params := json.RawMessage(`{"name": "it's here", "ids": ["a", "b c"], "n": 7, "flag": true,
		"Wrapped": {"Id": {"tag": 1, "content": "x-1"}}, "list": [{"v": "1"}, {"w": "2"}, {"v": "3"}],
		"nested": [["a"]], "odd": "$(reboot)"}`)
	tests := map[string]string{
		"plain":                       "plain",
		"[a {name}]":                  `a 'it'\''s here'`,
		"[{ids}]":                     `a 'b c'`,
		"[{n} {flag}]":                "7 true",
		"[{wrapped.id}]":              "x-1",
		"[{list.*.v}]":                "1 3",
		"[{list.1.w}]":                "2",
		"[{list.9.v}]":                "",
		"[{nested}]":                  "",
		"[{odd}]":                     "'$(reboot)'",
		"[{missing|n}]":               "7",
		"[{missing | n}]":             "7",
		"x[ {missing}] y":             "x y",
		"top {missing.key} level":     "top <key> level",
		"top {n} level":               "top 7 level",
		"unclosed [bracket {n}":       "unclosed [bracket 7",
		"unclosed {brace":             "unclosed {brace",
		"[a][b {missing}][c]":         "ac",
		"stray ] bracket":             "stray ] bracket",
		"[{list.*.missing}]":          "",
		"[{}]":                        "",
		"[{n.deeper}]":                "",
		"[{ids.-1}]":                  "",
		"[{Name}]":                    `'it'\''s here'`,
		"[{flag}] and [{flag.value}]": "true and ",
	}
	for tmpl, want := range tests {
		if got := (ChangeKind{Revert: tmpl}).RevertFor(params); got != want {
			t.Errorf("template %q gave %q, want %q", tmpl, got, want)
		}
	}
}

// FuzzRevertFor checks that no request or template makes RevertFor panic,
// and that request values never bring control characters (line breaks that
// would forge extra lines in a Slack message) into the text.
func FuzzRevertFor(f *testing.F) {
	f.Add(`{"roleName": "r", "policyArn": "p"}`, "DetachRolePolicy")
	f.Add(`{"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcp"}]}}`, "RevokeSecurityGroupIngress")
	f.Add(`{"instancesSet": {"items": [1, null, {"instanceId": []}]}}`, "StopInstances")
	f.Add(`{"name": "a\nb", "x": {"content": "c\td"}}`, "[{name}] {x} [")
	f.Add(`[{]`, "DeleteRoute")
	hasControl := func(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) }
	f.Fuzz(func(t *testing.T, params, name string) {
		for _, source := range []string{srcIAM, srcEC2} {
			k, ok := KindOf(source, name)
			if !ok {
				k = GuessKind(source, name)
			}
			out := k.RevertFor(json.RawMessage(params))
			if out == "" || hasControl(out) {
				t.Errorf("revert for %s %q with %q = %q", source, name, params, out)
			}
		}
		if out := (ChangeKind{Revert: name}).RevertFor(json.RawMessage(params)); !hasControl(name) && hasControl(out) {
			t.Errorf("template %q with %q let a control character through: %q", name, params, out)
		}
	})
}

func TestRevertForSampleRequestsNeverLeakMarkup(t *testing.T) {
	rendered := 0
	for _, s := range catalogueSamples(t) {
		k, ok := KindOf(s.Source, s.Name)
		if !ok {
			continue
		}
		out := k.RevertFor(s.Request)
		if strings.ContainsAny(out, "{}[]") && !strings.ContainsAny(string(s.Request), "{}[]") {
			t.Errorf("%s %s: markup left in %q", s.Name, s.EventID, out)
		}
		if strings.Contains(out, "\n") {
			t.Errorf("%s %s: newline in %q", s.Name, s.EventID, out)
		}
		rendered++
	}
	if rendered == 0 {
		t.Fatal("no sample matched a catalogued kind")
	}
	t.Logf("%d sample events rendered", rendered)
}

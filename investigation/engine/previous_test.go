package engine

import (
	"strings"
	"testing"

	"github.com/trailhound/trailhound/investigation/catalogue"
)

func render(vs []catalogue.PreviousValue) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, v.Key+"="+v.Was+">"+v.Now)
	}
	return strings.Join(parts, "; ")
}

func TestReplacedValues(t *testing.T) {
	tests := []struct {
		name, request, before, want string
		ignore                      []string
	}{
		{"a scalar the request set", `{"functionName":"f","timeout":3}`, `{"request":{"functionName":"f","timeout":30}}`, "timeout=30>3", []string{"f"}},
		{"plural request field, singular response field", `{"vpcSecurityGroupIds":["sg-new"]}`,
			`{"response":{"vpcSecurityGroups":[{"vpcSecurityGroupId":"sg-old","status":"active"}]}}`, "vpcSecurityGroupIds=sg-old>sg-new", nil},
		{"a JSON patch path names the field, matched as a suffix", `{"patchOperations":[{"op":"replace","path":"/*/*/throttling/rateLimit","value":"10"}]}`,
			`{"methodSettings":{"*/*":{"throttlingRateLimit":1000}}}`, "rateLimit=1000>10", nil},
		{"JSON inside a string attribute", `{"attributes":{"RedrivePolicy":"{\"maxReceiveCount\":\"1\"}"}}`,
			`{"RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:dlq\",\"maxReceiveCount\":10}"}`, "maxReceiveCount=10>1", nil},
		{"call metadata is never a previous value", `{"description":"new","timeout":3}`, `{"description":"old","timeout":3}`, "", nil},
		{"unchanged values give nothing", `{"memorySize":512}`, `{"memorySize":512}`, "", nil},
		{"a field the earlier record lacks gives nothing", `{"memorySize":512}`, `{"timeout":3}`, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(replacedValues([]byte(tc.request), []byte(tc.before), tc.ignore...)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestChangedFields(t *testing.T) {
	before := `{"functionName":"f","lastModified":"2026-01-01","memorySize":1024,"environment":{"variables":{"TABLE":"orders-old","MODE":"x"}},"state":"Active"}`
	after := `{"functionName":"f","lastModified":"2026-02-01","memorySize":2048,"environment":{"variables":{"TABLE":"orders-new","MODE":"x"}},"state":"Pending"}`
	// CloudTrail hides the environment: the items tell it; the request's own field comes first.
	got := render(changedFields([]byte(before), []byte(after), []byte(`{"functionName":"f","memorySize":2048}`)))
	if got != "memorySize=1024>2048; TABLE=orders-old>orders-new" {
		t.Errorf("got %q", got)
	}
	if got := changedFields([]byte(before), []byte(before), nil); len(got) != 0 {
		t.Errorf("identical items: %v", got)
	}
}

func TestRemovedElement(t *testing.T) {
	table := `{"routeTableId":"rtb-1","routes":[{"destinationCidrBlock":"10.0.0.0/16","gatewayId":"local"},
		{"destinationCidrBlock":"0.0.0.0/0","natGatewayId":"nat-1","state":"active"}]}`
	got := render(removedElement([]byte(`{"routeTableId":"rtb-1","destinationCidrBlock":"0.0.0.0/0"}`), []byte(table), "rtb-1"))
	if got != "natGatewayId=nat-1>" {
		t.Errorf("removed route: got %q", got)
	}
	if got := removedElement([]byte(`{"destinationCidrBlock":"192.168.0.0/16"}`), []byte(table)); len(got) != 0 {
		t.Errorf("no such element: %v", got)
	}
	record := `{"hostedZoneId":"Z1","changeBatch":{"changes":[{"action":"DELETE","resourceRecordSet":{"name":"db.internal","type":"A","resourceRecords":[{"value":"10.0.7.25"}]}}]}}`
	if got := render(removedByRequest([]byte(record), "Z1")); !strings.Contains(got, "resourceRecords=10.0.7.25") || strings.Contains(got, "DELETE") {
		t.Errorf("deleted record: got %q", got)
	}
}

func TestAddressedElement(t *testing.T) {
	table := `{"routeTableId":"rtb-1","routes":[{"destinationCidrBlock":"0.0.0.0/0","natGatewayId":"nat-1"},{"destinationCidrBlock":"10.0.0.0/16","gatewayId":"local"}]}`
	req := `{"routeTableId":"rtb-1","destinationCidrBlock":"0.0.0.0/0","transitGatewayId":"tgw-1"}`
	if got := render(addressedElement([]byte(req), []byte(table), "rtb-1")); got != "natGatewayId=nat-1>nothing" {
		t.Errorf("got %q", got)
	}
}

func TestNarrowTo(t *testing.T) {
	listener := `{"listenerArn":"l-1","rules":[{"ruleArn":"r-1","targetGroupArn":"tg-a"},{"ruleArn":"r-2","targetGroupArn":"tg-b"}]}`
	if got := string(narrowTo([]byte(listener), []string{"r-2"})); !strings.Contains(got, "tg-b") || strings.Contains(got, "tg-a") {
		t.Errorf("narrowed to %s", got)
	}
	if got := string(narrowTo([]byte(listener), []string{"l-1"})); got != listener {
		t.Errorf("the record of the named resource itself must stay whole: %s", got)
	}
}

func TestSameResourceCall(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{`{"cluster":"prod","service":"api","desiredCount":2}`, `{"cluster":"prod","service":"api","taskDefinition":"api:7"}`, true},
		{`{"cluster":"staging","service":"api"}`, `{"cluster":"prod","service":"api"}`, false},
		{`{"roleName":"r","policyName":"a"}`, `{"roleName":"r","policyName":"b"}`, false},
		{`not json`, `{}`, true},
	}
	for _, tc := range tests {
		if got := sameResourceCall([]byte(tc.a), []byte(tc.b)); got != tc.want {
			t.Errorf("%s vs %s: %v", tc.a, tc.b, got)
		}
	}
}

func TestIsRemoval(t *testing.T) {
	for name, req := range map[string]string{"DeleteRoute": `{}`, "RevokeSecurityGroupIngress": `{}`,
		"ChangeResourceRecordSets": `{"changeBatch":{"changes":[{"action":"DELETE"}]}}`} {
		if !isRemoval(name, []byte(req)) {
			t.Errorf("%s %s is a removal", name, req)
		}
	}
	if isRemoval("ChangeResourceRecordSets", []byte(`{"changeBatch":{"changes":[{"action":"UPSERT"}]}}`)) || isRemoval("UpdateService", nil) {
		t.Error("an upsert or update is no removal")
	}
}

func TestPreviousVersion(t *testing.T) {
	tests := []struct{ request, response, want string }{
		{`{"name":"/app/url","overwrite":true}`, `{"version":9,"tier":"Standard"}`, "version=8>9"},
		{`{"launchTemplateId":"lt-1"}`, `{"launchTemplateVersion":{"versionNumber":14}}`, "version=13>14"},
		{`{"name":"/app/url"}`, `{"version":1}`, ""},          // a first version has none before it
		{`{"functionName":"f"}`, `{"version":"$LATEST"}`, ""}, // not a counter
		{`{"version":"7","name":"x"}`, `{"version":7}`, ""},   // the request chose it
	}
	for _, tc := range tests {
		if got := render(previousVersion([]byte(tc.request), []byte(tc.response))); got != tc.want {
			t.Errorf("%s / %s: got %q, want %q", tc.request, tc.response, got, tc.want)
		}
	}
}

func TestNameValuePairsAndWholeDocuments(t *testing.T) {
	// An RDS parameter is named by parameterName, its value in parameterValue.
	params := `{"dBParameterGroupName":"pg","parameters":[{"parameterName":"max_connections","parameterValue":"400","applyMethod":"pending-reboot"}]}`
	prior := `{"request":{"dBParameterGroupName":"pg","parameters":[{"parameterName":"max_connections","parameterValue":"1500","applyMethod":"pending-reboot"}]}}`
	if got := render(replacedValues([]byte(params), []byte(prior), "pg")); got != "max_connections=1500>400" {
		t.Errorf("parameter: got %q", got)
	}
	// A filter policy that only gained a key differs in no field it had: the
	// whole previous document is what to restore.
	set := `{"attributeName":"FilterPolicy","attributeValue":"{\"eventType\":[\"paid\"],\"region\":[\"us\"]}"}`
	before := `{"FilterPolicy":"{\"eventType\":[\"paid\"]}"}`
	if got := render(replacedValues([]byte(set), []byte(before))); got != `FilterPolicy={"eventType":["paid"]}>{"eventType":["paid"],"region":["us"]}` {
		t.Errorf("filter policy: got %q", got)
	}
}

func TestMentionsAny(t *testing.T) {
	doc := []byte(`{"clusterArn":"arn:aws:ecs:eu-west-1:1:cluster/prod-search"}`)
	if !mentionsAny(doc, []string{"prod-search"}) || mentionsAny(doc, []string{"staging-search"}) {
		t.Error("a cluster's name is mentioned inside its ARN, another cluster's is not")
	}
}

func TestDifference(t *testing.T) {
	tests := []struct {
		was, now []string
		want     string
	}{
		{[]string{"by-customer", "by-customer-v2"}, []string{"by-customer-v2"}, "k=by-customer>"},                                       // an index dropped
		{[]string{"AllowSNS", "Root"}, []string{"DenyOutside", "Root"}, "k=AllowSNS>DenyOutside"},                                       // a statement replaced
		{[]string{"sts:AssumeRole"}, []string{"sqs:SendMessage", "sts:AssumeRole"}, "k=sts:AssumeRole>sqs:SendMessage, sts:AssumeRole"}, // only gained
		{[]string{"30"}, []string{"3"}, "k=30>3"},
	}
	for _, tc := range tests {
		if got := render([]catalogue.PreviousValue{difference("k", tc.was, tc.now)}); got != tc.want {
			t.Errorf("%v -> %v: got %q, want %q", tc.was, tc.now, got, tc.want)
		}
	}
}

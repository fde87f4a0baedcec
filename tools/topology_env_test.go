package tools

import (
	"slices"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

func TestEnvironmentRefs(t *testing.T) {
	vars := map[string]string{
		"DB_SECRET_ARN":  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbC123",
		"ORDERS_TABLE":   "orders",
		"JOBS_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
		"CONFIG_PARAM":   "/svc/prod/flags",
		"DB_HOST":        "ledger.cluster-ro-abc123.eu-west-1.rds.amazonaws.com:5432",
		"CACHE_HOST":     "sessions.abc123.ng.0001.euw1.cache.amazonaws.com",
		"LOG_LEVEL":      "debug",                   // names nothing
		"PAYMENTS_URL":   "https://api.example.com", // a host outside AWS: no resource
		"TABLE_COMMENT":  "not a name, has spaces",
	}
	got := map[string]envRef{}
	for _, r := range environmentRefs(vars) {
		got[r.Variable] = r
	}
	want := map[string]envRef{
		"DB_SECRET_ARN":  {Type: "AWS::SecretsManager::Secret", ARN: vars["DB_SECRET_ARN"]},
		"ORDERS_TABLE":   {Type: investigation.TypeDynamoDBTable, ID: "orders"},
		"JOBS_QUEUE_URL": {Type: investigation.TypeSQSQueue, ID: "jobs", ARN: "arn:aws:sqs:eu-west-1:123456789012:jobs"},
		"CONFIG_PARAM":   {Type: "AWS::SSM::Parameter", ID: "/svc/prod/flags"},
		"DB_HOST":        {Type: investigation.TypeRDSCluster, ID: "ledger"},
		"CACHE_HOST":     {Type: investigation.TypeReplicationGroup, ID: "sessions"},
	}
	if len(got) != len(want) {
		t.Errorf("refs %+v, want exactly %v", got, slices.Sorted(func(yield func(string) bool) {
			for k := range want {
				if !yield(k) {
					return
				}
			}
		}))
	}
	for key, w := range want {
		g, ok := got[key]
		if !ok {
			t.Errorf("%s: no reference", key)
			continue
		}
		if g.Type != w.Type || (w.ID != "" && g.ID != w.ID) || (w.ARN != "" && g.ARN != w.ARN) {
			t.Errorf("%s = %+v, want %+v", key, g, w)
		}
	}
}

func TestConfigRefs(t *testing.T) {
	conf := []byte(`{
		"QueueArn": "arn:aws:sqs:eu-west-1:123456789012:orders",
		"KmsMasterKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
		"RedrivePolicy": "{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-west-1:123456789012:orders-dlq\",\"maxReceiveCount\":5}",
		"Tags": {"team": "orders", "runbook": "sg-notanid"},
		"VpcConfig": {"SecurityGroupIds": ["sg-0123456789abcdef0"], "RouteTable": "rtb-0e4a6c8b0d2f17935"},
		"Attachment": {"TransitGatewayRouteTableId": "tgw-rtb-0c1e3a5b7d9f24680"}
	}`)
	var got []string
	for _, r := range configRefs(conf) {
		got = append(got, r.Type+"|"+r.ID+"|"+r.Variable)
	}
	want := []string{
		"AWS::EC2::TransitGatewayRouteTable|tgw-rtb-0c1e3a5b7d9f24680|TransitGatewayRouteTableId",
		"AWS::KMS::Key|1234abcd-12ab-34cd-56ef-1234567890ab|KmsMasterKeyId",
		"AWS::SQS::Queue|orders|QueueArn",
		"AWS::SQS::Queue|orders-dlq|deadLetterTargetArn",
		"AWS::EC2::RouteTable|rtb-0e4a6c8b0d2f17935|RouteTable",
		"AWS::EC2::SecurityGroup|sg-0123456789abcdef0|SecurityGroupIds",
	}
	if !slices.Equal(got, want) {
		t.Errorf("refs\n%q\nwant\n%q", got, want)
	}
	s := newDepSet(investigation.Resource{Type: investigation.TypeSQSQueue, ID: "https://sqs.eu-west-1.amazonaws.com/123456789012/orders", Region: "eu-west-1"})
	s.configuration(s.parent, "arn:aws:sqs:eu-west-1:123456789012:orders", configRefs(conf))
	for _, d := range s.deps() {
		if d.ID == "orders" {
			t.Errorf("the queue is its own dependency: %+v", d)
		}
	}
}

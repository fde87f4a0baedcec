package awsapi_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	configtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
)

// discoveryScenario writes a scenario whose topology holds REST APIs: two
// that share a name in the scenario's region, one of that name in another
// region, and a function of that name too.
func discoveryScenario(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	topology := scenario.TopologyFile{Resources: []scenario.ConfigItem{
		{Type: "AWS::ApiGateway::RestApi", ID: "k3x9q2w7ve", Name: "public-api"},
		{Type: "AWS::ApiGateway::RestApi", ID: "a1b2c3d4e5", Name: "orders"},
		{Type: "AWS::ApiGateway::RestApi", ID: "f6g7h8i9j0", Name: "orders"},
		{Type: "AWS::ApiGateway::RestApi", ID: "z9y8x7w6v5", Name: "orders", Region: "us-west-2"},
		{Type: "AWS::ApiGateway::RestApi", ID: "m1n2b3v4c5"},
		{Type: "AWS::Lambda::Function", ID: "orders", Name: "orders"},
	}}
	files := map[string]any{
		"scenario.json": map[string]string{"title": "discovery", "account": "123456789012", "region": invRegion, "now": "2024-05-01T12:00:00Z"},
		"alarm.json":    map[string]string{"AlarmName": "orders-5xx"},
		"topology.json": topology,
	}
	for name, v := range files {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "trail"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// identifiers renders a listing as "id=name" lines, in the order answered.
func identifiers(ids []configtypes.ResourceIdentifier) string {
	lines := make([]string, 0, len(ids))
	for _, id := range ids {
		lines = append(lines, string(id.ResourceType)+" "+aws.ToString(id.ResourceId)+"="+aws.ToString(id.ResourceName))
	}
	return strings.Join(lines, "\n")
}

func TestConfigListDiscoveredResources(t *testing.T) {
	a, cfg := invServe(t, discoveryScenario(t))
	client := configservice.NewFromConfig(cfg)
	ctx := invCtx(t)
	const restAPI = configtypes.ResourceType("AWS::ApiGateway::RestApi")

	tests := []struct {
		name     string
		in       configservice.ListDiscoveredResourcesInput
		region   string
		want     []string
		wantCode string
	}{
		{name: "by name", in: configservice.ListDiscoveredResourcesInput{ResourceType: restAPI, ResourceName: aws.String("public-api")},
			want: []string{"AWS::ApiGateway::RestApi k3x9q2w7ve=public-api"}},
		{name: "a shared name lists every holder of the type", in: configservice.ListDiscoveredResourcesInput{ResourceType: restAPI, ResourceName: aws.String("orders")},
			want: []string{"AWS::ApiGateway::RestApi a1b2c3d4e5=orders", "AWS::ApiGateway::RestApi f6g7h8i9j0=orders"}},
		{name: "only the signed region", in: configservice.ListDiscoveredResourcesInput{ResourceType: restAPI, ResourceName: aws.String("orders")}, region: "us-west-2",
			want: []string{"AWS::ApiGateway::RestApi z9y8x7w6v5=orders"}},
		{name: "a name is matched whole", in: configservice.ListDiscoveredResourcesInput{ResourceType: restAPI, ResourceName: aws.String("order")}},
		{name: "by ids", in: configservice.ListDiscoveredResourcesInput{ResourceType: restAPI, ResourceIds: []string{"m1n2b3v4c5", "ghost", "k3x9q2w7ve"}},
			want: []string{"AWS::ApiGateway::RestApi k3x9q2w7ve=public-api", "AWS::ApiGateway::RestApi m1n2b3v4c5="}},
		{name: "every resource of the type", in: configservice.ListDiscoveredResourcesInput{ResourceType: restAPI, IncludeDeletedResources: true},
			want: []string{"AWS::ApiGateway::RestApi k3x9q2w7ve=public-api", "AWS::ApiGateway::RestApi a1b2c3d4e5=orders",
				"AWS::ApiGateway::RestApi f6g7h8i9j0=orders", "AWS::ApiGateway::RestApi m1n2b3v4c5="}},
		{name: "a type with nothing discovered", in: configservice.ListDiscoveredResourcesInput{ResourceType: configtypes.ResourceTypeTable}},
		{name: "ids and a name", in: configservice.ListDiscoveredResourcesInput{ResourceType: restAPI, ResourceIds: []string{"k3x9q2w7ve"}, ResourceName: aws.String("public-api")},
			wantCode: "ValidationException"},
		{name: "an id too long", in: configservice.ListDiscoveredResourcesInput{ResourceType: restAPI, ResourceIds: []string{strings.Repeat("x", 769)}},
			wantCode: "ValidationException"},
		{name: "not a resource type", in: configservice.ListDiscoveredResourcesInput{ResourceType: "RestApi"}, wantCode: "ValidationException"},
		{name: "limit above 100", in: configservice.ListDiscoveredResourcesInput{ResourceType: restAPI, Limit: 101}, wantCode: "InvalidLimitException"},
		{name: "token never issued", in: configservice.ListDiscoveredResourcesInput{ResourceType: restAPI, NextToken: aws.String("Zm9yZ2Vk")}, wantCode: "InvalidNextTokenException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []func(*configservice.Options)
			if tt.region != "" {
				opts = append(opts, invConfigRegion(tt.region))
			}
			out, err := client.ListDiscoveredResources(ctx, &tt.in, opts...)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			if got := identifiers(out.ResourceIdentifiers); got != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", got, strings.Join(tt.want, "\n"))
			}
			if out.NextToken != nil {
				t.Errorf("a single page handed out token %q", aws.ToString(out.NextToken))
			}
		})
	}

	t.Run("paging", func(t *testing.T) {
		in := &configservice.ListDiscoveredResourcesInput{ResourceType: restAPI, Limit: 1}
		var all []configtypes.ResourceIdentifier
		var token *string
		for page := 0; page < 10; page++ {
			in.NextToken = token
			out, err := client.ListDiscoveredResources(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.ResourceIdentifiers) != 1 {
				t.Fatalf("page %d holds %d identifiers, want the limit of 1", page, len(out.ResourceIdentifiers))
			}
			all = append(all, out.ResourceIdentifiers...)
			if token = out.NextToken; token == nil {
				break
			}
			// A token belongs to the listing it came from.
			_, err = client.ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{
				ResourceType: restAPI, ResourceName: aws.String("orders"), NextToken: token})
			if code := invCode(err); code != "InvalidNextTokenException" {
				t.Fatalf("a token of another listing: code %q (%v)", code, err)
			}
		}
		if got := identifiers(all); !strings.HasPrefix(got, "AWS::ApiGateway::RestApi k3x9q2w7ve") || len(all) != 4 {
			t.Errorf("paged listing:\n%s\nwant the 4 REST APIs of %s", got, invRegion)
		}
	})

	a.SetFault("config:ListDiscoveredResources", awsapi.Fault{ErrorCode: "AccessDeniedException"})
	_, err := client.ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{ResourceType: restAPI})
	if code := invCode(err); code != "AccessDeniedException" {
		t.Errorf("fault: code %q (%v), want AccessDeniedException", code, err)
	}
	// 12 table rows, 4 pages and 3 foreign tokens, the fault.
	if n := a.Calls()["config:ListDiscoveredResources"]; n != 20 {
		t.Errorf("calls counted = %d, want 20", n)
	}
}

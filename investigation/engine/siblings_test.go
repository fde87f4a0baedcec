package engine

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

// TestPeerRouteTableNotCounted: a route in another transit gateway route
// table that points at an attachment in scope edits that other table; the
// same call on the workload's own table counts.
func TestPeerRouteTableNotCounted(t *testing.T) {
	own := &scoped{Resource: investigation.Resource{Type: "AWS::EC2::TransitGatewayRouteTable", ID: "tgw-rtb-own"}, Layer: 2}
	attach := &scoped{Resource: investigation.Resource{Type: "AWS::EC2::TransitGatewayAttachment", ID: "tgw-attach-dx"}, Layer: 2}
	tr := &triage{targets: []*scoped{own, attach}}
	call := func(table string) investigation.Event {
		req, _ := json.Marshal(map[string]any{"ReplaceTransitGatewayRouteRequest": map[string]string{
			"TransitGatewayRouteTableId": table, "DestinationCidrBlock": "10.200.0.0/16", "TransitGatewayAttachmentId": "tgw-attach-dx"}})
		return investigation.Event{Name: "ReplaceTransitGatewayRoute", RequestJSON: req, Resources: []investigation.EventResource{
			{Type: "AWS::EC2::TransitGatewayRouteTable", Name: table}, {Type: "AWS::EC2::TransitGatewayAttachment", Name: "tgw-attach-dx"}}}
	}
	if !tr.peer(call("tgw-rtb-other"), attach) {
		t.Error("a route in another table, found through the attachment, was counted")
	}
	if tr.peer(call("tgw-rtb-own"), attach) {
		t.Error("a route in the workload's own table was not counted")
	}
	detach := investigation.Event{Name: "DetachRolePolicy", RequestJSON: json.RawMessage(`{"roleName":"r","policyArn":"arn:aws:iam::1:policy/p"}`)}
	if got := editedResource(detach); got != "" {
		t.Errorf("DetachRolePolicy edits %q; its request names no RolePolicy id", got)
	}
}

// TestSnapshotEpisodes: target health is read as a snapshot, timed when read.
func TestSnapshotEpisodes(t *testing.T) {
	th := &KindOnset{First: investigation.LogLine{Group: investigation.FeedGroup(investigation.FeedTargetHealth, "web-tg")}}
	events := &KindOnset{First: investigation.LogLine{Group: investigation.FeedGroup(investigation.FeedECSServiceEvents, "web")}}
	if !snapshot(th) || snapshot(events) {
		t.Errorf("snapshot(target health) = %v, snapshot(service events) = %v", snapshot(th), snapshot(events))
	}
}

// TestNamespaceWords: a custom namespace splits into the words a log group
// named after the same application holds; AWS's and agents' namespaces do not.
func TestNamespaceWords(t *testing.T) {
	for ns, want := range map[string]string{
		"ErpConnector":  "erp connector",
		"Settlement":    "settlement",
		"orders/api-v2": "orders api",
		"AWS/Lambda":    "",
		"CWAgent":       "",
		"PaymentsAPI":   "payments api",
	} {
		if got := strings.Join(namespaceWords(ns), " "); got != want {
			t.Errorf("namespaceWords(%q) = %q, want %q", ns, got, want)
		}
	}
	if !holdsAll("/erp/connector", []string{"erp", "connector"}) || holdsAll("/erp/gateway", []string{"erp", "connector"}) {
		t.Error("holdsAll")
	}
}

package awsapi

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// The VPC networking describes (route tables, subnets, network ACLs, VPC
// endpoints, NAT gateways, transit gateway route tables, VPCs) over
// topology.json. AWS Config records these resources in the describe API's
// own lowerCamel member names, which are also EC2's XML element names, so the
// configuration is written out as it is, lists renamed the way EC2 names
// them (routes → routeSet of <item>). Filters are read the same way:
// "association.subnet-id" looks up associations[].subnetId.

// ec2NetworkKind is one describe operation.
type ec2NetworkKind struct {
	configType string // AWS Config resource type
	idMember   string // the id member of the configuration, e.g. "routeTableId"
	idParam    string // the request's id list, e.g. "RouteTableId"
	resultSet  string // the response's list element
	notFound   string // the error code for an unknown id
}

var ec2NetworkKinds = map[string]ec2NetworkKind{
	"DescribeRouteTables":               {"AWS::EC2::RouteTable", "routeTableId", "RouteTableId", "routeTableSet", "InvalidRouteTableID.NotFound"},
	"DescribeSubnets":                   {"AWS::EC2::Subnet", "subnetId", "SubnetId", "subnetSet", "InvalidSubnetID.NotFound"},
	"DescribeNetworkAcls":               {"AWS::EC2::NetworkAcl", "networkAclId", "NetworkAclId", "networkAclSet", "InvalidNetworkAclID.NotFound"},
	"DescribeVpcEndpoints":              {"AWS::EC2::VPCEndpoint", "vpcEndpointId", "VpcEndpointId", "vpcEndpointSet", "InvalidVpcEndpointId.NotFound"},
	"DescribeNatGateways":               {"AWS::EC2::NatGateway", "natGatewayId", "NatGatewayId", "natGatewaySet", "NatGatewayNotFound"},
	"DescribeTransitGatewayRouteTables": {"AWS::EC2::TransitGatewayRouteTable", "transitGatewayRouteTableId", "TransitGatewayRouteTableIds", "transitGatewayRouteTables", "InvalidRouteTableID.NotFound"},
	"DescribeVpcs":                      {"AWS::EC2::VPC", "vpcId", "VpcId", "vpcSet", "InvalidVpcID.NotFound"},
}

// ec2RenamedMembers are the members whose XML name is not the API's.
var ec2RenamedMembers = map[string]string{"isDefault": "default"}

// ec2NetworkOp answers one of ec2NetworkKinds.
func (inv *inventory) ec2NetworkOp(action string) queryOp {
	kind := ec2NetworkKinds[action]
	return func(r *http.Request, f queryForm) (any, *apiError) {
		ids := f.list(kind.idParam)
		filters := f.filters("Filter", "Value")
		items, err := inv.ec2NetworkItems(kind, inv.a.requestRegion(r))
		if err != nil {
			return nil, badTopology(err)
		}
		for _, id := range ids {
			if !slices.ContainsFunc(items, func(m map[string]any) bool { return m[kind.idMember] == id }) {
				return nil, clientError(kind.notFound, "The %s ID '%s' does not exist", kind.idMember, id)
			}
		}
		out := ec2XMLList{name: kind.resultSet}
		for _, m := range items {
			if len(ids) > 0 && !containsString(ids, fmt.Sprint(m[kind.idMember])) {
				continue
			}
			if ec2MatchesFilters(m, filters) {
				out.items = append(out.items, m)
			}
		}
		return struct {
			Items ec2XMLList
		}{out}, nil
	}
}

// ec2NetworkItems reads the items of kind: their configuration, with the id
// and the VPC filled from the item and its relationships when left out.
func (inv *inventory) ec2NetworkItems(kind ec2NetworkKind, region string) ([]map[string]any, error) {
	var out []map[string]any
	for _, it := range inv.ofType(kind.configType, region) {
		m := map[string]any{}
		conf, err := configurationText(it)
		if err != nil {
			return nil, err
		}
		if conf != "" {
			dec := json.NewDecoder(strings.NewReader(conf))
			dec.UseNumber()
			if err := dec.Decode(&m); err != nil {
				return nil, fmt.Errorf("topology.json: %s %s: configuration: %w", it.Type, it.ID, err)
			}
		}
		if _, ok := m[kind.idMember]; !ok {
			m[kind.idMember] = it.ID
		}
		if vpc := firstOf(relatedIDs(it, "AWS::EC2::VPC")); vpc != "" && m["vpcId"] == nil && kind.idMember != "vpcId" {
			m["vpcId"] = vpc
		}
		if m["ownerId"] == nil {
			m["ownerId"] = inv.account
		}
		out = append(out, m)
	}
	return out, nil
}

// ec2MatchesFilters applies EC2 filters to a configuration: every filter
// must match, any of its values may.
func ec2MatchesFilters(m map[string]any, filters []queryFilter) bool {
	for _, q := range filters {
		if !q.matches(ec2FilterValues(m, q.name)...) {
			return false
		}
	}
	return true
}

// ec2FilterValues collects what a filter name points at: "tag:Name" the
// tag's values, "association.subnet-id" associations[].subnetId.
func ec2FilterValues(m map[string]any, name string) []string {
	if key, ok := strings.CutPrefix(name, "tag:"); ok {
		var out []string
		for _, t := range asList(m["tags"]) {
			if tm, ok := t.(map[string]any); ok && tm["key"] == key {
				out = append(out, fmt.Sprint(tm["value"]))
			}
		}
		return out
	}
	nodes := []any{m}
	for _, seg := range strings.Split(name, ".") {
		key := hyphenToCamel(seg)
		var next []any
		for _, n := range nodes {
			obj, ok := n.(map[string]any)
			if !ok {
				continue
			}
			for _, k := range []string{key, key + "s", strings.TrimSuffix(key, "y") + "ies", key + "Set"} {
				if v, ok := obj[k]; ok {
					next = append(next, asList(v)...)
					break
				}
			}
		}
		nodes = next
	}
	var out []string
	for _, n := range nodes {
		if _, isObj := n.(map[string]any); !isObj && n != nil {
			out = append(out, fmt.Sprint(n))
		}
	}
	return out
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func hyphenToCamel(s string) string {
	parts := strings.Split(s, "-")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// ec2XMLList is a list element of EC2's XML: <name><item>…</item></name>.
type ec2XMLList struct {
	name  string
	items []map[string]any
}

func (l ec2XMLList) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	list := make([]any, len(l.items))
	for i, m := range l.items {
		list[i] = m
	}
	return ec2EncodeList(e, l.name, list)
}

// ec2EncodeValue writes v as the element name in EC2's XML.
func ec2EncodeValue(e *xml.Encoder, name string, v any) error {
	if list, ok := v.([]any); ok {
		return ec2EncodeList(e, ec2ListName(name), list)
	}
	start := xml.StartElement{Name: xml.Name{Local: name}}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if x[k] == nil {
				continue
			}
			if err := ec2EncodeValue(e, orDefault(ec2RenamedMembers[k], k), x[k]); err != nil {
				return err
			}
		}
	default:
		if err := e.EncodeToken(xml.CharData(fmt.Sprint(x))); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

func ec2EncodeList(e *xml.Encoder, name string, list []any) error {
	start := xml.StartElement{Name: xml.Name{Local: name}}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, item := range list {
		if err := ec2EncodeValue(e, "item", item); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// ec2ListName is the XML name EC2 gives a list member: the singular with
// "Set" (routes → routeSet, entries → entrySet, routeTableIds → routeTableIdSet).
func ec2ListName(member string) string {
	switch {
	case strings.HasSuffix(member, "Set"):
		return member
	case strings.HasSuffix(member, "ies"):
		return strings.TrimSuffix(member, "ies") + "ySet"
	case strings.HasSuffix(member, "sses"):
		return strings.TrimSuffix(member, "es") + "Set"
	}
	return strings.TrimSuffix(member, "s") + "Set"
}

package awsapi

import (
	"net/http"
	"strconv"
	"strings"
)

// ELBv2 DescribeTargetGroups, DescribeTargetHealth and DescribeLoadBalancers
// (awsQuery) over topology.json's AWS::ElasticLoadBalancingV2 items. The json
// tags read the describe shape as AWS Config records it, the xml tags write
// the wire names.

type elbTargetGroup struct {
	TargetGroupArn             string      `json:"targetGroupArn" xml:"TargetGroupArn,omitempty"`
	TargetGroupName            string      `json:"targetGroupName" xml:"TargetGroupName,omitempty"`
	Protocol                   string      `json:"protocol" xml:"Protocol,omitempty"`
	ProtocolVersion            string      `json:"protocolVersion" xml:"ProtocolVersion,omitempty"`
	Port                       *int        `json:"port" xml:"Port,omitempty"`
	VpcID                      string      `json:"vpcId" xml:"VpcId,omitempty"`
	HealthCheckProtocol        string      `json:"healthCheckProtocol" xml:"HealthCheckProtocol,omitempty"`
	HealthCheckPort            string      `json:"healthCheckPort" xml:"HealthCheckPort,omitempty"`
	HealthCheckEnabled         *bool       `json:"healthCheckEnabled" xml:"HealthCheckEnabled,omitempty"`
	HealthCheckIntervalSeconds *int        `json:"healthCheckIntervalSeconds" xml:"HealthCheckIntervalSeconds,omitempty"`
	HealthCheckTimeoutSeconds  *int        `json:"healthCheckTimeoutSeconds" xml:"HealthCheckTimeoutSeconds,omitempty"`
	HealthyThresholdCount      *int        `json:"healthyThresholdCount" xml:"HealthyThresholdCount,omitempty"`
	UnhealthyThresholdCount    *int        `json:"unhealthyThresholdCount" xml:"UnhealthyThresholdCount,omitempty"`
	HealthCheckPath            string      `json:"healthCheckPath" xml:"HealthCheckPath,omitempty"`
	Matcher                    *elbMatcher `json:"matcher" xml:"Matcher,omitempty"`
	LoadBalancerArns           []string    `json:"loadBalancerArns" xml:"LoadBalancerArns>member,omitempty"`
	TargetType                 string      `json:"targetType" xml:"TargetType,omitempty"`
	IPAddressType              string      `json:"ipAddressType" xml:"IpAddressType,omitempty"`
	// TargetHealthDescriptions are the registered targets as
	// DescribeTargetHealth reports them. They are not part of the target
	// group's shape: topology.json may add them to its configuration, or
	// relate the group to its instances and functions.
	TargetHealthDescriptions []elbTargetHealthDescription `json:"targetHealthDescriptions" xml:"-"`
}

type elbMatcher struct {
	HTTPCode string `json:"httpCode" xml:"HttpCode,omitempty"`
	GrpcCode string `json:"grpcCode" xml:"GrpcCode,omitempty"`
}

type elbTargetHealthDescription struct {
	Target          *elbTarget       `json:"target" xml:"Target,omitempty"`
	HealthCheckPort string           `json:"healthCheckPort" xml:"HealthCheckPort,omitempty"`
	TargetHealth    *elbTargetHealth `json:"targetHealth" xml:"TargetHealth,omitempty"`
}

type elbTarget struct {
	ID               string `json:"id" xml:"Id"`
	Port             *int   `json:"port" xml:"Port,omitempty"`
	AvailabilityZone string `json:"availabilityZone" xml:"AvailabilityZone,omitempty"`
}

type elbTargetHealth struct {
	State       string `json:"state" xml:"State,omitempty"`
	Reason      string `json:"reason" xml:"Reason,omitempty"`
	Description string `json:"description" xml:"Description,omitempty"`
}

type elbLoadBalancer struct {
	LoadBalancerArn       string                `json:"loadBalancerArn" xml:"LoadBalancerArn,omitempty"`
	DNSName               string                `json:"dnsName" xml:"DNSName,omitempty"`
	CanonicalHostedZoneID string                `json:"canonicalHostedZoneId" xml:"CanonicalHostedZoneId,omitempty"`
	CreatedTime           *wireTime             `json:"createdTime" xml:"CreatedTime,omitempty"`
	LoadBalancerName      string                `json:"loadBalancerName" xml:"LoadBalancerName,omitempty"`
	Scheme                string                `json:"scheme" xml:"Scheme,omitempty"`
	VpcID                 string                `json:"vpcId" xml:"VpcId,omitempty"`
	State                 *elbLoadBalancerState `json:"state" xml:"State,omitempty"`
	Type                  string                `json:"type" xml:"Type,omitempty"`
	AvailabilityZones     []elbAvailabilityZone `json:"availabilityZones" xml:"AvailabilityZones>member,omitempty"`
	SecurityGroups        []string              `json:"securityGroups" xml:"SecurityGroups>member,omitempty"`
	IPAddressType         string                `json:"ipAddressType" xml:"IpAddressType,omitempty"`
}

type elbLoadBalancerState struct {
	Code   string `json:"code" xml:"Code,omitempty"`
	Reason string `json:"reason" xml:"Reason,omitempty"`
}

type elbAvailabilityZone struct {
	ZoneName string `json:"zoneName" xml:"ZoneName,omitempty"`
	SubnetID string `json:"subnetId" xml:"SubnetId,omitempty"`
}

type elbDescribeTargetGroupsOutput struct {
	TargetGroups []elbTargetGroup `xml:"TargetGroups>member"`
	NextMarker   string           `xml:"NextMarker,omitempty"`
}

type elbDescribeTargetHealthOutput struct {
	TargetHealthDescriptions []elbTargetHealthDescription `xml:"TargetHealthDescriptions>member"`
}

type elbDescribeLoadBalancersOutput struct {
	LoadBalancers []elbLoadBalancer `xml:"LoadBalancers>member"`
	NextMarker    string            `xml:"NextMarker,omitempty"`
}

func elbPageSize(f queryForm) (int, *apiError) {
	return intParam(f, "PageSize", 400, 1, 400, validationError)
}

func (inv *inventory) describeTargetGroups(r *http.Request, f queryForm) (any, *apiError) {
	arns := f.list("TargetGroupArns.member")
	names := f.list("Names.member")
	lbArn := f.get("LoadBalancerArn")
	given := 0
	for _, set := range []bool{len(arns) > 0, len(names) > 0, lbArn != ""} {
		if set {
			given++
		}
	}
	if given > 1 {
		return nil, validationError("Specify only one of target group ARNs, target group names or a load balancer ARN.")
	}
	size, apiErr := elbPageSize(f)
	if apiErr != nil {
		return nil, apiErr
	}
	tgs, lbs, err := inv.elbv2(inv.a.requestRegion(r))
	if err != nil {
		return nil, badTopology(err)
	}
	var picked []elbTargetGroup
	switch {
	case len(arns) > 0:
		for _, arn := range arns {
			tg, ok := findTargetGroup(tgs, func(tg elbTargetGroup) bool { return tg.TargetGroupArn == arn })
			if !ok {
				return nil, clientError("TargetGroupNotFound", "One or more target groups not found")
			}
			picked = append(picked, tg)
		}
	case len(names) > 0:
		for _, name := range names {
			tg, ok := findTargetGroup(tgs, func(tg elbTargetGroup) bool { return tg.TargetGroupName == name })
			if !ok {
				return nil, clientError("TargetGroupNotFound", "One or more target groups not found")
			}
			picked = append(picked, tg)
		}
	case lbArn != "":
		if _, ok := findLoadBalancer(lbs, func(lb elbLoadBalancer) bool { return lb.LoadBalancerArn == lbArn }); !ok {
			return nil, clientError("LoadBalancerNotFound", "One or more load balancers not found")
		}
		for _, tg := range tgs {
			if containsString(tg.LoadBalancerArns, lbArn) {
				picked = append(picked, tg)
			}
		}
	default:
		picked = tgs
	}
	start, end, next, ok := pageWindow(f.get("Marker"), size, len(picked),
		"DescribeTargetGroups|"+strings.Join(arns, ",")+"|"+strings.Join(names, ",")+"|"+lbArn)
	if !ok {
		return nil, validationError("Invalid Marker")
	}
	return elbDescribeTargetGroupsOutput{TargetGroups: picked[start:end], NextMarker: next}, nil
}

func (inv *inventory) describeTargetHealth(r *http.Request, f queryForm) (any, *apiError) {
	arn := f.get("TargetGroupArn")
	if arn == "" {
		return nil, validationError("1 validation error detected: Value null at 'targetGroupArn' failed to satisfy constraint: Member must not be null")
	}
	tgs, _, err := inv.elbv2(inv.a.requestRegion(r))
	if err != nil {
		return nil, badTopology(err)
	}
	tg, ok := findTargetGroup(tgs, func(tg elbTargetGroup) bool { return tg.TargetGroupArn == arn })
	if !ok {
		return nil, clientError("TargetGroupNotFound", "Target groups '%s' not found", arn)
	}
	var askedIDs []string
	for i := 1; ; i++ {
		id := f.get("Targets.member." + strconv.Itoa(i) + ".Id")
		if id == "" {
			break
		}
		askedIDs = append(askedIDs, id)
	}
	if len(askedIDs) == 0 {
		return elbDescribeTargetHealthOutput{TargetHealthDescriptions: tg.TargetHealthDescriptions}, nil
	}
	out := elbDescribeTargetHealthOutput{}
	for _, id := range askedIDs {
		desc, found := elbFindTarget(tg.TargetHealthDescriptions, id)
		if !found {
			// What the API answers for a target that is not registered.
			desc = elbTargetHealthDescription{
				Target: &elbTarget{ID: id},
				TargetHealth: &elbTargetHealth{
					State: "unused", Reason: "Target.NotRegistered",
					Description: "Target is not registered to the target group",
				},
			}
		}
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, desc)
	}
	return out, nil
}

func elbFindTarget(descs []elbTargetHealthDescription, id string) (elbTargetHealthDescription, bool) {
	for _, d := range descs {
		if d.Target != nil && d.Target.ID == id {
			return d, true
		}
	}
	return elbTargetHealthDescription{}, false
}

func (inv *inventory) describeLoadBalancers(r *http.Request, f queryForm) (any, *apiError) {
	arns := f.list("LoadBalancerArns.member")
	names := f.list("Names.member")
	if len(arns) > 0 && len(names) > 0 {
		return nil, validationError("Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	size, apiErr := elbPageSize(f)
	if apiErr != nil {
		return nil, apiErr
	}
	_, lbs, err := inv.elbv2(inv.a.requestRegion(r))
	if err != nil {
		return nil, badTopology(err)
	}
	var picked []elbLoadBalancer
	for _, arn := range arns {
		lb, ok := findLoadBalancer(lbs, func(lb elbLoadBalancer) bool { return lb.LoadBalancerArn == arn })
		if !ok {
			return nil, clientError("LoadBalancerNotFound", "One or more load balancers not found")
		}
		picked = append(picked, lb)
	}
	for _, name := range names {
		lb, ok := findLoadBalancer(lbs, func(lb elbLoadBalancer) bool { return lb.LoadBalancerName == name })
		if !ok {
			return nil, clientError("LoadBalancerNotFound", "Load balancers '[%s]' not found", name)
		}
		picked = append(picked, lb)
	}
	if len(arns)+len(names) == 0 {
		picked = lbs
	}
	start, end, next, ok := pageWindow(f.get("Marker"), size, len(picked),
		"DescribeLoadBalancers|"+strings.Join(arns, ",")+"|"+strings.Join(names, ","))
	if !ok {
		return nil, validationError("Invalid Marker")
	}
	return elbDescribeLoadBalancersOutput{LoadBalancers: picked[start:end], NextMarker: next}, nil
}

func findTargetGroup(all []elbTargetGroup, match func(elbTargetGroup) bool) (elbTargetGroup, bool) {
	for _, tg := range all {
		if match(tg) {
			return tg, true
		}
	}
	return elbTargetGroup{}, false
}

func findLoadBalancer(all []elbLoadBalancer, match func(elbLoadBalancer) bool) (elbLoadBalancer, bool) {
	for _, lb := range all {
		if match(lb) {
			return lb, true
		}
	}
	return elbLoadBalancer{}, false
}

// elbv2 returns the target groups and load balancers of region as the API
// shows them, each side completed from the other's relationships.
func (inv *inventory) elbv2(region string) ([]elbTargetGroup, []elbLoadBalancer, error) {
	var lbs []elbLoadBalancer
	lbTargetGroups := map[string][]string{} // load balancer ARN → target group ARNs it relates to
	for _, it := range inv.ofType("AWS::ElasticLoadBalancingV2::LoadBalancer", region) {
		var lb elbLoadBalancer
		if err := decodeConfiguration(it, &lb); err != nil {
			return nil, nil, err
		}
		lb.LoadBalancerArn = orDefault(lb.LoadBalancerArn, orDefault(it.ARN, arnOrEmpty(it.ID)))
		lb.LoadBalancerName = orDefault(lb.LoadBalancerName, orDefault(it.Name, elbNameFromARN(lb.LoadBalancerArn, "loadbalancer/")))
		lb.SecurityGroups = appendMissing(lb.SecurityGroups, relatedIDs(it, "AWS::EC2::SecurityGroup")...)
		lbTargetGroups[lb.LoadBalancerArn] = relatedARNs(it, "AWS::ElasticLoadBalancingV2::TargetGroup")
		lbs = append(lbs, lb)
	}
	var tgs []elbTargetGroup
	for _, it := range inv.ofType("AWS::ElasticLoadBalancingV2::TargetGroup", region) {
		var tg elbTargetGroup
		if err := decodeConfiguration(it, &tg); err != nil {
			return nil, nil, err
		}
		tg.TargetGroupArn = orDefault(tg.TargetGroupArn, orDefault(it.ARN, arnOrEmpty(it.ID)))
		tg.TargetGroupName = orDefault(tg.TargetGroupName, orDefault(it.Name, elbNameFromARN(tg.TargetGroupArn, "targetgroup/")))
		tg.LoadBalancerArns = appendMissing(tg.LoadBalancerArns, relatedARNs(it, "AWS::ElasticLoadBalancingV2::LoadBalancer")...)
		for _, lb := range lbs {
			if containsString(lbTargetGroups[lb.LoadBalancerArn], tg.TargetGroupArn) {
				tg.LoadBalancerArns = appendMissing(tg.LoadBalancerArns, lb.LoadBalancerArn)
			}
		}
		for _, id := range relatedIDs(it, "AWS::EC2::Instance") {
			tg.addTarget(id)
		}
		for _, arn := range relatedARNs(it, "AWS::Lambda::Function") {
			tg.addTarget(arn)
		}
		tgs = append(tgs, tg)
	}
	tgs, err := inv.applyTargetHealthFeed(tgs, region)
	return tgs, lbs, err
}

// addTarget registers id on the group's port, with no health known: the
// scenario did not say.
func (tg *elbTargetGroup) addTarget(id string) {
	if _, ok := elbFindTarget(tg.TargetHealthDescriptions, id); ok {
		return
	}
	target := &elbTarget{ID: id}
	if !strings.HasPrefix(id, "arn:") {
		target.Port = tg.Port
	}
	tg.TargetHealthDescriptions = append(tg.TargetHealthDescriptions, elbTargetHealthDescription{Target: target})
}

func arnOrEmpty(id string) string {
	if strings.HasPrefix(id, "arn:") {
		return id
	}
	return ""
}

// elbNameFromARN reads the name out of ".../loadbalancer/app/NAME/ID" or
// ".../targetgroup/NAME/ID".
func elbNameFromARN(arn, kind string) string {
	_, rest, ok := strings.Cut(arnResource(arn), kind)
	if !ok {
		return ""
	}
	parts := strings.Split(rest, "/")
	if kind == "loadbalancer/" && len(parts) == 3 {
		return parts[1]
	}
	return parts[0]
}

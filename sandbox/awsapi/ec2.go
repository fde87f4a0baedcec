package awsapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// EC2 DescribeInstances and DescribeSecurityGroups (ec2Query) over
// topology.json's AWS::EC2::Instance and AWS::EC2::SecurityGroup items. The
// json tags read the describe shape as AWS Config records it, the xml tags
// write EC2's wire names.

type ec2Instance struct {
	InstanceID          string                   `json:"instanceId" xml:"instanceId,omitempty"`
	ImageID             string                   `json:"imageId" xml:"imageId,omitempty"`
	State               *ec2InstanceState        `json:"state" xml:"instanceState,omitempty"`
	PrivateDNSName      string                   `json:"privateDnsName" xml:"privateDnsName,omitempty"`
	KeyName             string                   `json:"keyName" xml:"keyName,omitempty"`
	InstanceType        string                   `json:"instanceType" xml:"instanceType,omitempty"`
	LaunchTime          *wireTime                `json:"launchTime" xml:"launchTime,omitempty"`
	Placement           *ec2Placement            `json:"placement" xml:"placement,omitempty"`
	SubnetID            string                   `json:"subnetId" xml:"subnetId,omitempty"`
	VpcID               string                   `json:"vpcId" xml:"vpcId,omitempty"`
	PrivateIPAddress    string                   `json:"privateIpAddress" xml:"privateIpAddress,omitempty"`
	PublicIPAddress     string                   `json:"publicIpAddress" xml:"ipAddress,omitempty"`
	Architecture        string                   `json:"architecture" xml:"architecture,omitempty"`
	RootDeviceName      string                   `json:"rootDeviceName" xml:"rootDeviceName,omitempty"`
	BlockDeviceMappings []ec2BlockDeviceMapping  `json:"blockDeviceMappings" xml:"blockDeviceMapping>item,omitempty"`
	IamInstanceProfile  *ec2IamInstanceProfile   `json:"iamInstanceProfile" xml:"iamInstanceProfile,omitempty"`
	SecurityGroups      []ec2GroupIdentifier     `json:"securityGroups" xml:"groupSet>item,omitempty"`
	Tags                []ec2Tag                 `json:"tags" xml:"tagSet>item,omitempty"`
	NetworkInterfaces   []ec2InstanceNetworkCard `json:"networkInterfaces" xml:"networkInterfaceSet>item,omitempty"`
}

type ec2InstanceState struct {
	Code *int   `json:"code" xml:"code,omitempty"`
	Name string `json:"name" xml:"name,omitempty"`
}

type ec2Placement struct {
	AvailabilityZone string `json:"availabilityZone" xml:"availabilityZone,omitempty"`
	Tenancy          string `json:"tenancy" xml:"tenancy,omitempty"`
}

type ec2BlockDeviceMapping struct {
	DeviceName string          `json:"deviceName" xml:"deviceName,omitempty"`
	Ebs        *ec2EbsInstance `json:"ebs" xml:"ebs,omitempty"`
}

type ec2EbsInstance struct {
	VolumeID            string    `json:"volumeId" xml:"volumeId,omitempty"`
	Status              string    `json:"status" xml:"status,omitempty"`
	AttachTime          *wireTime `json:"attachTime" xml:"attachTime,omitempty"`
	DeleteOnTermination *bool     `json:"deleteOnTermination" xml:"deleteOnTermination,omitempty"`
}

type ec2IamInstanceProfile struct {
	Arn string `json:"arn" xml:"arn,omitempty"`
	ID  string `json:"id" xml:"id,omitempty"`
}

type ec2GroupIdentifier struct {
	GroupID   string `json:"groupId" xml:"groupId,omitempty"`
	GroupName string `json:"groupName" xml:"groupName,omitempty"`
}

type ec2Tag struct {
	Key   string `json:"key" xml:"key"`
	Value string `json:"value" xml:"value"`
}

type ec2InstanceNetworkCard struct {
	NetworkInterfaceID string               `json:"networkInterfaceId" xml:"networkInterfaceId,omitempty"`
	SubnetID           string               `json:"subnetId" xml:"subnetId,omitempty"`
	VpcID              string               `json:"vpcId" xml:"vpcId,omitempty"`
	PrivateIPAddress   string               `json:"privateIpAddress" xml:"privateIpAddress,omitempty"`
	Groups             []ec2GroupIdentifier `json:"groups" xml:"groupSet>item,omitempty"`
}

type ec2SecurityGroup struct {
	GroupID             string            `json:"groupId" xml:"groupId,omitempty"`
	GroupName           string            `json:"groupName" xml:"groupName,omitempty"`
	Description         string            `json:"description" xml:"groupDescription,omitempty"`
	OwnerID             string            `json:"ownerId" xml:"ownerId,omitempty"`
	VpcID               string            `json:"vpcId" xml:"vpcId,omitempty"`
	SecurityGroupArn    string            `json:"securityGroupArn" xml:"securityGroupArn,omitempty"`
	IPPermissions       []ec2IPPermission `json:"ipPermissions" xml:"ipPermissions>item,omitempty"`
	IPPermissionsEgress []ec2IPPermission `json:"ipPermissionsEgress" xml:"ipPermissionsEgress>item,omitempty"`
	Tags                []ec2Tag          `json:"tags" xml:"tagSet>item,omitempty"`
}

type ec2IPPermission struct {
	IPProtocol       string               `json:"ipProtocol" xml:"ipProtocol,omitempty"`
	FromPort         *int                 `json:"fromPort" xml:"fromPort,omitempty"`
	ToPort           *int                 `json:"toPort" xml:"toPort,omitempty"`
	UserIDGroupPairs []ec2UserIDGroupPair `json:"userIdGroupPairs" xml:"groups>item,omitempty"`
	IPRanges         []ec2IPRange         `json:"ipRanges" xml:"ipRanges>item,omitempty"`
	IPv6Ranges       []ec2IPv6Range       `json:"ipv6Ranges" xml:"ipv6Ranges>item,omitempty"`
	PrefixListIDs    []ec2PrefixListID    `json:"prefixListIds" xml:"prefixListIds>item,omitempty"`
}

type ec2UserIDGroupPair struct {
	UserID      string `json:"userId" xml:"userId,omitempty"`
	GroupID     string `json:"groupId" xml:"groupId,omitempty"`
	GroupName   string `json:"groupName" xml:"groupName,omitempty"`
	Description string `json:"description" xml:"description,omitempty"`
}

// ec2IPRange reads both the API's {"cidrIp": …} and the bare CIDR strings
// AWS Config lists under ipRanges.
type ec2IPRange struct {
	CidrIP      string `json:"cidrIp" xml:"cidrIp,omitempty"`
	Description string `json:"description" xml:"description,omitempty"`
}

func (r *ec2IPRange) UnmarshalJSON(b []byte) error {
	var cidr string
	if err := json.Unmarshal(b, &cidr); err == nil {
		r.CidrIP = cidr
		return nil
	}
	type plain ec2IPRange
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*r = ec2IPRange(p)
	return nil
}

type ec2IPv6Range struct {
	CidrIPv6    string `json:"cidrIpv6" xml:"cidrIpv6,omitempty"`
	Description string `json:"description" xml:"description,omitempty"`
}

type ec2PrefixListID struct {
	PrefixListID string `json:"prefixListId" xml:"prefixListId,omitempty"`
	Description  string `json:"description" xml:"description,omitempty"`
}

type ec2Reservation struct {
	ReservationID string        `xml:"reservationId,omitempty"`
	OwnerID       string        `xml:"ownerId"`
	Instances     []ec2Instance `xml:"instancesSet>item"`
}

type ec2DescribeInstancesOutput struct {
	Reservations []ec2Reservation `xml:"reservationSet>item"`
	NextToken    string           `xml:"nextToken,omitempty"`
}

type ec2DescribeSecurityGroupsOutput struct {
	SecurityGroups []ec2SecurityGroup `xml:"securityGroupInfo>item"`
	NextToken      string             `xml:"nextToken,omitempty"`
}

func (inv *inventory) describeInstances(r *http.Request, f queryForm) (any, *apiError) {
	ids := f.list("InstanceId")
	filters := f.filters("Filter", "Value")
	size, apiErr := ec2PageSize(f, len(ids) > 0, "instance IDs")
	if apiErr != nil {
		return nil, apiErr
	}
	all, err := inv.ec2Instances(inv.a.requestRegion(r))
	if err != nil {
		return nil, badTopology(err)
	}
	byID := map[string]ec2Instance{}
	for _, in := range all {
		byID[in.InstanceID] = in
	}
	var picked []ec2Instance
	if len(ids) > 0 {
		var missing []string
		for _, id := range ids {
			in, ok := byID[id]
			if !ok {
				missing = append(missing, id)
				continue
			}
			picked = append(picked, in)
		}
		if len(missing) > 0 {
			return nil, clientError("InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(missing, ", "))
		}
	} else {
		picked = all
	}
	var kept []ec2Instance
	for _, in := range picked {
		ok, apiErr := matchAll(filters, in.filterValues)
		if apiErr != nil {
			return nil, apiErr
		}
		if ok {
			kept = append(kept, in)
		}
	}
	start, end, next, ok := pageWindow(f.get("NextToken"), size, len(kept), "DescribeInstances|"+strings.Join(ids, ",")+fmt.Sprint(filters))
	if !ok {
		return nil, clientError("InvalidParameterValue", "The parameter NextToken is invalid.")
	}
	out := ec2DescribeInstancesOutput{NextToken: next}
	for _, in := range kept[start:end] {
		// Each instance in its own reservation: the scenario does not say
		// which were launched together.
		out.Reservations = append(out.Reservations, ec2Reservation{OwnerID: inv.account, Instances: []ec2Instance{in}})
	}
	return out, nil
}

func (inv *inventory) describeSecurityGroups(r *http.Request, f queryForm) (any, *apiError) {
	ids := f.list("GroupId")
	names := f.list("GroupName")
	filters := f.filters("Filter", "Value")
	size, apiErr := ec2PageSize(f, len(ids)+len(names) > 0, "group IDs or names")
	if apiErr != nil {
		return nil, apiErr
	}
	all, err := inv.securityGroups(inv.a.requestRegion(r))
	if err != nil {
		return nil, badTopology(err)
	}
	var picked []ec2SecurityGroup
	for _, id := range ids {
		sg, ok := findGroup(all, func(g ec2SecurityGroup) bool { return g.GroupID == id })
		if !ok {
			return nil, clientError("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
		}
		picked = append(picked, sg)
	}
	for _, name := range names {
		sg, ok := findGroup(all, func(g ec2SecurityGroup) bool { return g.GroupName == name })
		if !ok {
			return nil, clientError("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC", name)
		}
		picked = append(picked, sg)
	}
	if len(ids)+len(names) == 0 {
		picked = all
	}
	var kept []ec2SecurityGroup
	for _, sg := range picked {
		ok, apiErr := matchAll(filters, sg.filterValues)
		if apiErr != nil {
			return nil, apiErr
		}
		if ok {
			kept = append(kept, sg)
		}
	}
	start, end, next, ok := pageWindow(f.get("NextToken"), size, len(kept), "DescribeSecurityGroups|"+strings.Join(ids, ",")+"|"+strings.Join(names, ",")+fmt.Sprint(filters))
	if !ok {
		return nil, clientError("InvalidParameterValue", "The parameter NextToken is invalid.")
	}
	return ec2DescribeSecurityGroupsOutput{SecurityGroups: kept[start:end], NextToken: next}, nil
}

func findGroup(all []ec2SecurityGroup, match func(ec2SecurityGroup) bool) (ec2SecurityGroup, bool) {
	for _, g := range all {
		if match(g) {
			return g, true
		}
	}
	return ec2SecurityGroup{}, false
}

// ec2PageSize reads MaxResults, which EC2 accepts between 5 and 1000 and
// refuses beside explicit ids. Without it every match is one page.
func ec2PageSize(f queryForm, byID bool, what string) (int, *apiError) {
	if f.get("MaxResults") != "" && byID {
		return 0, clientError("InvalidParameterCombination", "The parameter MaxResults cannot be used with the parameter %s.", what)
	}
	return intParam(f, "MaxResults", 1000, 5, 1000, func(format string, args ...any) *apiError {
		return clientError("InvalidParameterValue", format, args...)
	})
}

// matchAll applies EC2 filters: every filter must match (AND), any of a
// filter's values may (OR). values answers the candidates for a filter name
// and false for a name the API does not know.
func matchAll(filters []queryFilter, values func(name string) ([]string, bool)) (bool, *apiError) {
	for _, q := range filters {
		candidates, known := values(q.name)
		if !known {
			return false, clientError("InvalidParameterValue", "The filter '%s' is invalid", q.name)
		}
		if !q.matches(candidates...) {
			return false, nil
		}
	}
	return true, nil
}

func (in ec2Instance) filterValues(name string) ([]string, bool) {
	if key, ok := strings.CutPrefix(name, "tag:"); ok {
		return tagValues(in.Tags, key), true
	}
	switch name {
	case "instance-id":
		return []string{in.InstanceID}, true
	case "instance-state-name":
		if in.State == nil {
			return nil, true
		}
		return []string{in.State.Name}, true
	case "instance-type":
		return []string{in.InstanceType}, true
	case "subnet-id":
		return []string{in.SubnetID}, true
	case "vpc-id":
		return []string{in.VpcID}, true
	case "instance.group-id":
		var ids []string
		for _, g := range in.SecurityGroups {
			ids = append(ids, g.GroupID)
		}
		return ids, true
	case "iam-instance-profile.arn":
		if in.IamInstanceProfile == nil {
			return nil, true
		}
		return []string{in.IamInstanceProfile.Arn}, true
	case "tag-key":
		return tagKeys(in.Tags), true
	}
	return nil, false
}

func (sg ec2SecurityGroup) filterValues(name string) ([]string, bool) {
	if key, ok := strings.CutPrefix(name, "tag:"); ok {
		return tagValues(sg.Tags, key), true
	}
	switch name {
	case "group-id":
		return []string{sg.GroupID}, true
	case "group-name":
		return []string{sg.GroupName}, true
	case "vpc-id":
		return []string{sg.VpcID}, true
	case "owner-id":
		return []string{sg.OwnerID}, true
	case "tag-key":
		return tagKeys(sg.Tags), true
	}
	return nil, false
}

func tagValues(tags []ec2Tag, key string) []string {
	var out []string
	for _, t := range tags {
		if t.Key == key {
			out = append(out, t.Value)
		}
	}
	return out
}

func tagKeys(tags []ec2Tag) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, t.Key)
	}
	return out
}

// ec2Instances returns the instances of region as the API shows them.
func (inv *inventory) ec2Instances(region string) ([]ec2Instance, error) {
	var out []ec2Instance
	for _, it := range inv.ofType("AWS::EC2::Instance", region) {
		var in ec2Instance
		if err := decodeConfiguration(it, &in); err != nil {
			return nil, err
		}
		in.InstanceID = orDefault(in.InstanceID, it.ID)
		in.SubnetID = orDefault(in.SubnetID, firstOf(relatedIDs(it, "AWS::EC2::Subnet")))
		in.VpcID = orDefault(in.VpcID, firstOf(relatedIDs(it, "AWS::EC2::VPC")))
		for _, id := range relatedIDs(it, "AWS::EC2::SecurityGroup") {
			if !in.hasGroup(id) {
				in.SecurityGroups = append(in.SecurityGroups, ec2GroupIdentifier{GroupID: id})
			}
		}
		if in.IamInstanceProfile == nil {
			if arn := firstOf(relatedARNs(it, "AWS::IAM::InstanceProfile")); arn != "" {
				in.IamInstanceProfile = &ec2IamInstanceProfile{Arn: arn}
			}
		}
		for _, vol := range relatedIDs(it, "AWS::EC2::Volume") {
			if !in.hasVolume(vol) {
				in.BlockDeviceMappings = append(in.BlockDeviceMappings, ec2BlockDeviceMapping{Ebs: &ec2EbsInstance{VolumeID: vol}})
			}
		}
		out = append(out, in)
	}
	return out, nil
}

func (in *ec2Instance) hasGroup(id string) bool {
	for _, g := range in.SecurityGroups {
		if g.GroupID == id {
			return true
		}
	}
	return false
}

func (in *ec2Instance) hasVolume(id string) bool {
	for _, m := range in.BlockDeviceMappings {
		if m.Ebs != nil && m.Ebs.VolumeID == id {
			return true
		}
	}
	return false
}

// securityGroups returns the security groups of region as the API shows them.
func (inv *inventory) securityGroups(region string) ([]ec2SecurityGroup, error) {
	var out []ec2SecurityGroup
	for _, it := range inv.ofType("AWS::EC2::SecurityGroup", region) {
		var sg ec2SecurityGroup
		if err := decodeConfiguration(it, &sg); err != nil {
			return nil, err
		}
		sg.GroupID = orDefault(sg.GroupID, it.ID)
		sg.GroupName = orDefault(sg.GroupName, it.Name)
		sg.OwnerID = orDefault(sg.OwnerID, inv.account)
		sg.VpcID = orDefault(sg.VpcID, firstOf(relatedIDs(it, "AWS::EC2::VPC")))
		sg.SecurityGroupArn = orDefault(sg.SecurityGroupArn, it.ARN)
		out = append(out, sg)
	}
	return out, nil
}

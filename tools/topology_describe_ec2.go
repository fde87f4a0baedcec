package tools

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// EC2Instance is an instance's configuration.
type EC2Instance struct {
	ID                 string            `json:"id"`
	Type               string            `json:"type,omitempty"`
	State              string            `json:"state,omitempty"`
	StateReason        string            `json:"state_reason,omitempty"`
	ImageID            string            `json:"image_id,omitempty"`
	LaunchTime         time.Time         `json:"launch_time,omitzero"`
	VpcID              string            `json:"vpc_id,omitempty"`
	SubnetID           string            `json:"subnet_id,omitempty"`
	PrivateIP          string            `json:"private_ip,omitempty"`
	SecurityGroups     []GroupRef        `json:"security_groups,omitempty"`
	InstanceProfileARN string            `json:"instance_profile_arn,omitempty"`
	Volumes            []AttachedVolume  `json:"volumes,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
}

// GroupRef names a security group.
type GroupRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// AttachedVolume is an EBS volume attached to an instance.
type AttachedVolume struct {
	ID     string `json:"id"`
	Device string `json:"device,omitempty"`
}

// SecurityGroup is a security group with its rules.
type SecurityGroup struct {
	ID          string              `json:"id"`
	Name        string              `json:"name,omitempty"`
	Description string              `json:"description,omitempty"`
	VpcID       string              `json:"vpc_id,omitempty"`
	Inbound     []SecurityGroupRule `json:"inbound,omitempty"`
	Outbound    []SecurityGroupRule `json:"outbound,omitempty"`
}

// SecurityGroupRule is one permission of a security group: a protocol and
// port range, and the sources (inbound) or destinations (outbound) it opens.
type SecurityGroupRule struct {
	Protocol    string   `json:"protocol"` // "-1" is every protocol
	FromPort    *int32   `json:"from_port,omitempty"`
	ToPort      *int32   `json:"to_port,omitempty"`
	CIDRs       []string `json:"cidrs,omitempty"`
	IPv6CIDRs   []string `json:"ipv6_cidrs,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	PrefixLists []string `json:"prefix_lists,omitempty"`
}

// ec2Region points one call at region; "" keeps the client's own.
func ec2Region(region string) func(*ec2.Options) {
	return func(o *ec2.Options) {
		if region != "" {
			o.Region = region
		}
	}
}

// Instances reads EC2 instances by id; more reports that the page bound
// stopped the listing.
func (v *Inventory) Instances(ctx context.Context, region string, ids []string) (instances []EC2Instance, more bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	pages := ec2.NewDescribeInstancesPaginator(v.ec2, &ec2.DescribeInstancesInput{InstanceIds: ids})
	for page := 0; pages.HasMorePages(); page++ {
		if page == v.opts.MaxPages {
			return instances, true, nil
		}
		out, err := pages.NextPage(ctx, ec2Region(region))
		if err != nil {
			return instances, false, Wrap(OpDescribeInstances, "describe instances "+strings.Join(ids, ", "), err)
		}
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				instances = append(instances, summarizeInstance(in))
			}
		}
	}
	return instances, false, nil
}

func summarizeInstance(in ec2types.Instance) EC2Instance {
	out := EC2Instance{
		ID:        aws.ToString(in.InstanceId),
		Type:      string(in.InstanceType),
		ImageID:   aws.ToString(in.ImageId),
		VpcID:     aws.ToString(in.VpcId),
		SubnetID:  aws.ToString(in.SubnetId),
		PrivateIP: aws.ToString(in.PrivateIpAddress),
	}
	if in.LaunchTime != nil {
		out.LaunchTime = in.LaunchTime.UTC()
	}
	if in.State != nil {
		out.State = string(in.State.Name)
	}
	if in.StateReason != nil {
		out.StateReason = aws.ToString(in.StateReason.Message)
	}
	for _, g := range in.SecurityGroups {
		out.SecurityGroups = append(out.SecurityGroups, GroupRef{ID: aws.ToString(g.GroupId), Name: aws.ToString(g.GroupName)})
	}
	if in.IamInstanceProfile != nil {
		out.InstanceProfileARN = aws.ToString(in.IamInstanceProfile.Arn)
	}
	for _, m := range in.BlockDeviceMappings {
		if m.Ebs != nil && m.Ebs.VolumeId != nil {
			out.Volumes = append(out.Volumes, AttachedVolume{ID: aws.ToString(m.Ebs.VolumeId), Device: aws.ToString(m.DeviceName)})
		}
	}
	for _, t := range in.Tags {
		if out.Tags == nil {
			out.Tags = map[string]string{}
		}
		out.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// SecurityGroups reads security groups by id; more reports that the page
// bound stopped the listing.
func (v *Inventory) SecurityGroups(ctx context.Context, region string, ids []string) (groups []SecurityGroup, more bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	pages := ec2.NewDescribeSecurityGroupsPaginator(v.ec2, &ec2.DescribeSecurityGroupsInput{GroupIds: ids})
	for page := 0; pages.HasMorePages(); page++ {
		if page == v.opts.MaxPages {
			return groups, true, nil
		}
		out, err := pages.NextPage(ctx, ec2Region(region))
		if err != nil {
			return groups, false, Wrap(OpDescribeSecurityGroups, "describe security groups "+strings.Join(ids, ", "), err)
		}
		for _, g := range out.SecurityGroups {
			groups = append(groups, summarizeSecurityGroup(g))
		}
	}
	return groups, false, nil
}

func summarizeSecurityGroup(g ec2types.SecurityGroup) SecurityGroup {
	out := SecurityGroup{
		ID:          aws.ToString(g.GroupId),
		Name:        aws.ToString(g.GroupName),
		Description: aws.ToString(g.Description),
		VpcID:       aws.ToString(g.VpcId),
	}
	for _, p := range g.IpPermissions {
		out.Inbound = append(out.Inbound, summarizeRule(p))
	}
	for _, p := range g.IpPermissionsEgress {
		out.Outbound = append(out.Outbound, summarizeRule(p))
	}
	return out
}

func summarizeRule(p ec2types.IpPermission) SecurityGroupRule {
	r := SecurityGroupRule{Protocol: aws.ToString(p.IpProtocol), FromPort: p.FromPort, ToPort: p.ToPort}
	for _, ip := range p.IpRanges {
		r.CIDRs = append(r.CIDRs, aws.ToString(ip.CidrIp))
	}
	for _, ip := range p.Ipv6Ranges {
		r.IPv6CIDRs = append(r.IPv6CIDRs, aws.ToString(ip.CidrIpv6))
	}
	for _, g := range p.UserIdGroupPairs {
		r.Groups = append(r.Groups, aws.ToString(g.GroupId))
	}
	for _, pl := range p.PrefixListIds {
		r.PrefixLists = append(r.PrefixLists, aws.ToString(pl.PrefixListId))
	}
	return r
}

// InstanceProfileRoles returns the names of the roles in an instance profile,
// given by name or ARN. IAM is global: no region.
func (v *Inventory) InstanceProfileRoles(ctx context.Context, profile string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	name := instanceProfileName(profile)
	out, err := v.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if err != nil {
		return nil, Wrap(OpGetInstanceProfile, "get instance profile "+name, err)
	}
	if out.InstanceProfile == nil {
		return nil, nil
	}
	var roles []string
	for _, r := range out.InstanceProfile.Roles {
		roles = append(roles, aws.ToString(r.RoleName))
	}
	return roles, nil
}

// instanceProfileName reads the name out of an instance profile ARN
// (arn:aws:iam::1:instance-profile/path/name); a name stays as it is.
func instanceProfileName(nameOrARN string) string {
	if rest, ok := strings.CutPrefix(nameOrARN, "arn:"); ok {
		if _, resource, found := strings.Cut(rest, ":instance-profile/"); found {
			return resource[strings.LastIndex(resource, "/")+1:]
		}
	}
	return nameOrARN
}

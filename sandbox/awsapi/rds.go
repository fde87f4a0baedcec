package awsapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// RDS DescribeDBInstances (awsQuery) over topology.json's AWS::RDS::DBInstance
// items. The json tags read the describe shape as AWS Config records it
// ("dBInstanceIdentifier" matches case-insensitively), the xml tags write the
// wire names, whose list members RDS names after the member type.

type rdsDBInstance struct {
	DBInstanceIdentifier   string                   `json:"dbInstanceIdentifier" xml:"DBInstanceIdentifier,omitempty"`
	DBInstanceArn          string                   `json:"dbInstanceArn" xml:"DBInstanceArn,omitempty"`
	DBInstanceClass        string                   `json:"dbInstanceClass" xml:"DBInstanceClass,omitempty"`
	Engine                 string                   `json:"engine" xml:"Engine,omitempty"`
	EngineVersion          string                   `json:"engineVersion" xml:"EngineVersion,omitempty"`
	DBInstanceStatus       string                   `json:"dbInstanceStatus" xml:"DBInstanceStatus,omitempty"`
	DbiResourceID          string                   `json:"dbiResourceId" xml:"DbiResourceId,omitempty"`
	DBClusterIdentifier    string                   `json:"dbClusterIdentifier" xml:"DBClusterIdentifier,omitempty"`
	Endpoint               *rdsEndpoint             `json:"endpoint" xml:"Endpoint,omitempty"`
	AvailabilityZone       string                   `json:"availabilityZone" xml:"AvailabilityZone,omitempty"`
	MultiAZ                *bool                    `json:"multiAZ" xml:"MultiAZ,omitempty"`
	StorageEncrypted       *bool                    `json:"storageEncrypted" xml:"StorageEncrypted,omitempty"`
	KmsKeyID               string                   `json:"kmsKeyId" xml:"KmsKeyId,omitempty"`
	MonitoringRoleArn      string                   `json:"monitoringRoleArn" xml:"MonitoringRoleArn,omitempty"`
	InstanceCreateTime     *wireTime                `json:"instanceCreateTime" xml:"InstanceCreateTime,omitempty"`
	PubliclyAccessible     *bool                    `json:"publiclyAccessible" xml:"PubliclyAccessible,omitempty"`
	VpcSecurityGroups      []rdsVpcSecurityGroup    `json:"vpcSecurityGroups" xml:"VpcSecurityGroups>VpcSecurityGroupMembership,omitempty"`
	DBParameterGroups      []rdsParameterGroup      `json:"dbParameterGroups" xml:"DBParameterGroups>DBParameterGroup,omitempty"`
	DBSubnetGroup          *rdsSubnetGroup          `json:"dbSubnetGroup" xml:"DBSubnetGroup,omitempty"`
	OptionGroupMemberships []rdsOptionGroup         `json:"optionGroupMemberships" xml:"OptionGroupMemberships>OptionGroupMembership,omitempty"`
	AssociatedRoles        []rdsInstanceRole        `json:"associatedRoles" xml:"AssociatedRoles>DBInstanceRole,omitempty"`
	PendingModifiedValues  *rdsPendingModifications `json:"pendingModifiedValues" xml:"PendingModifiedValues,omitempty"`
}

type rdsEndpoint struct {
	Address      string `json:"address" xml:"Address,omitempty"`
	Port         *int   `json:"port" xml:"Port,omitempty"`
	HostedZoneID string `json:"hostedZoneId" xml:"HostedZoneId,omitempty"`
}

type rdsVpcSecurityGroup struct {
	VpcSecurityGroupID string `json:"vpcSecurityGroupId" xml:"VpcSecurityGroupId,omitempty"`
	Status             string `json:"status" xml:"Status,omitempty"`
}

type rdsParameterGroup struct {
	DBParameterGroupName string `json:"dbParameterGroupName" xml:"DBParameterGroupName,omitempty"`
	ParameterApplyStatus string `json:"parameterApplyStatus" xml:"ParameterApplyStatus,omitempty"`
}

type rdsSubnetGroup struct {
	DBSubnetGroupName        string      `json:"dbSubnetGroupName" xml:"DBSubnetGroupName,omitempty"`
	DBSubnetGroupDescription string      `json:"dbSubnetGroupDescription" xml:"DBSubnetGroupDescription,omitempty"`
	VpcID                    string      `json:"vpcId" xml:"VpcId,omitempty"`
	SubnetGroupStatus        string      `json:"subnetGroupStatus" xml:"SubnetGroupStatus,omitempty"`
	Subnets                  []rdsSubnet `json:"subnets" xml:"Subnets>Subnet,omitempty"`
}

type rdsSubnet struct {
	SubnetIdentifier       string                  `json:"subnetIdentifier" xml:"SubnetIdentifier,omitempty"`
	SubnetAvailabilityZone *rdsSubnetAvailabilityZ `json:"subnetAvailabilityZone" xml:"SubnetAvailabilityZone,omitempty"`
	SubnetStatus           string                  `json:"subnetStatus" xml:"SubnetStatus,omitempty"`
}

type rdsSubnetAvailabilityZ struct {
	Name string `json:"name" xml:"Name,omitempty"`
}

type rdsOptionGroup struct {
	OptionGroupName string `json:"optionGroupName" xml:"OptionGroupName,omitempty"`
	Status          string `json:"status" xml:"Status,omitempty"`
}

type rdsInstanceRole struct {
	RoleArn     string `json:"roleArn" xml:"RoleArn,omitempty"`
	FeatureName string `json:"featureName" xml:"FeatureName,omitempty"`
	Status      string `json:"status" xml:"Status,omitempty"`
}

type rdsPendingModifications struct {
	DBInstanceClass string `json:"dbInstanceClass" xml:"DBInstanceClass,omitempty"`
	EngineVersion   string `json:"engineVersion" xml:"EngineVersion,omitempty"`
}

type rdsDescribeDBInstancesOutput struct {
	DBInstances []rdsDBInstance `xml:"DBInstances>DBInstance"`
	Marker      string          `xml:"Marker,omitempty"`
}

func (inv *inventory) describeDBInstances(r *http.Request, f queryForm) (any, *apiError) {
	size, apiErr := intParam(f, "MaxRecords", 100, 20, 100, func(format string, args ...any) *apiError {
		return clientError("InvalidParameterValue", format, args...)
	})
	if apiErr != nil {
		return nil, apiErr
	}
	all, err := inv.dbInstances(inv.a.requestRegion(r))
	if err != nil {
		return nil, badTopology(err)
	}
	id := f.get("DBInstanceIdentifier")
	filters := f.filters("Filters.Filter", "Values.Value")
	var picked []rdsDBInstance
	for _, db := range all {
		if id != "" && db.DBInstanceIdentifier != id && db.DBInstanceArn != id {
			continue
		}
		ok, apiErr := rdsMatchAll(filters, db)
		if apiErr != nil {
			return nil, apiErr
		}
		if ok {
			picked = append(picked, db)
		}
	}
	if id != "" && len(picked) == 0 {
		return nil, &apiError{status: http.StatusNotFound, code: "DBInstanceNotFound", msg: fmt.Sprintf("DBInstance %s not found.", id)}
	}
	start, end, next, ok := pageWindow(f.get("Marker"), size, len(picked), "DescribeDBInstances|"+id+fmt.Sprint(filters))
	if !ok {
		return nil, clientError("InvalidParameterValue", "The marker is not valid for this request.")
	}
	return rdsDescribeDBInstancesOutput{DBInstances: picked[start:end], Marker: next}, nil
}

// rdsMatchAll applies RDS filters: every filter must match one of its values.
func rdsMatchAll(filters []queryFilter, db rdsDBInstance) (bool, *apiError) {
	for _, q := range filters {
		var candidates []string
		switch q.name {
		case "db-instance-id":
			candidates = []string{db.DBInstanceIdentifier, db.DBInstanceArn}
		case "db-cluster-id":
			candidates = []string{db.DBClusterIdentifier}
		case "dbi-resource-id":
			candidates = []string{db.DbiResourceID}
		case "engine":
			candidates = []string{db.Engine}
		default:
			return false, clientError("InvalidParameterValue", "Unrecognized filter name: %s.", q.name)
		}
		if !containsAny(q.values, candidates) {
			return false, nil
		}
	}
	return true, nil
}

func containsAny(values, candidates []string) bool {
	for _, c := range candidates {
		if c != "" && containsString(values, c) {
			return true
		}
	}
	return false
}

// dbInstances returns the DB instances of region as the API shows them.
func (inv *inventory) dbInstances(region string) ([]rdsDBInstance, error) {
	var out []rdsDBInstance
	for _, it := range inv.ofType("AWS::RDS::DBInstance", region) {
		var db rdsDBInstance
		if err := decodeConfiguration(it, &db); err != nil {
			return nil, err
		}
		db.DBInstanceIdentifier = orDefault(db.DBInstanceIdentifier, orDefault(it.Name, rdsIdentifier(it.ID)))
		db.DBInstanceArn = orDefault(db.DBInstanceArn, it.ARN)
		db.KmsKeyID = orDefault(db.KmsKeyID, firstOf(relatedARNs(it, "AWS::KMS::Key")))
		for _, sg := range relatedIDs(it, "AWS::EC2::SecurityGroup") {
			if !db.hasSecurityGroup(sg) {
				db.VpcSecurityGroups = append(db.VpcSecurityGroups, rdsVpcSecurityGroup{VpcSecurityGroupID: sg})
			}
		}
		for _, pg := range relatedIDs(it, "AWS::RDS::DBParameterGroup") {
			if !db.hasParameterGroup(pg) {
				db.DBParameterGroups = append(db.DBParameterGroups, rdsParameterGroup{DBParameterGroupName: pg})
			}
		}
		if db.DBSubnetGroup == nil {
			if name := firstOf(relatedIDs(it, "AWS::RDS::DBSubnetGroup")); name != "" {
				db.DBSubnetGroup = &rdsSubnetGroup{DBSubnetGroupName: name}
			}
		}
		out = append(out, db)
	}
	return out, nil
}

// rdsIdentifier reads the identifier out of an "arn:…:db:NAME" id.
func rdsIdentifier(id string) string {
	if res := arnResource(id); res != "" {
		return strings.TrimPrefix(res, "db:")
	}
	return id
}

func (db *rdsDBInstance) hasSecurityGroup(id string) bool {
	for _, g := range db.VpcSecurityGroups {
		if g.VpcSecurityGroupID == id {
			return true
		}
	}
	return false
}

func (db *rdsDBInstance) hasParameterGroup(name string) bool {
	for _, g := range db.DBParameterGroups {
		if g.DBParameterGroupName == name {
			return true
		}
	}
	return false
}

// UnmarshalJSON also reads a bare group id, as topology.json may list a
// DB instance's security groups.
func (g *rdsVpcSecurityGroup) UnmarshalJSON(b []byte) error {
	var id string
	if json.Unmarshal(b, &id) == nil {
		*g = rdsVpcSecurityGroup{VpcSecurityGroupID: id, Status: "active"}
		return nil
	}
	type plain rdsVpcSecurityGroup
	return json.Unmarshal(b, (*plain)(g))
}

// UnmarshalJSON also reads a bare group name.
func (g *rdsParameterGroup) UnmarshalJSON(b []byte) error {
	var name string
	if json.Unmarshal(b, &name) == nil {
		*g = rdsParameterGroup{DBParameterGroupName: name, ParameterApplyStatus: "in-sync"}
		return nil
	}
	type plain rdsParameterGroup
	return json.Unmarshal(b, (*plain)(g))
}

// UnmarshalJSON also reads a bare subnet group name.
func (g *rdsSubnetGroup) UnmarshalJSON(b []byte) error {
	var name string
	if json.Unmarshal(b, &name) == nil {
		*g = rdsSubnetGroup{DBSubnetGroupName: name, SubnetGroupStatus: "Complete"}
		return nil
	}
	type plain rdsSubnetGroup
	return json.Unmarshal(b, (*plain)(g))
}

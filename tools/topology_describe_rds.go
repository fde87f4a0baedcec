package tools

import (
	"context"
	"fmt"

	"github.com/trailhound/trailhound/investigation"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// DBInstance is an RDS DB instance.
type DBInstance struct {
	ID                string            `json:"id"`
	ARN               string            `json:"arn,omitempty"`
	Class             string            `json:"class,omitempty"`
	Engine            string            `json:"engine,omitempty"`
	EngineVersion     string            `json:"engine_version,omitempty"`
	Status            string            `json:"status,omitempty"`
	ClusterID         string            `json:"cluster_id,omitempty"`
	Endpoint          string            `json:"endpoint,omitempty"`
	MultiAZ           bool              `json:"multi_az,omitempty"`
	StorageEncrypted  bool              `json:"storage_encrypted,omitempty"`
	KMSKeyID          string            `json:"kms_key_id,omitempty"`
	SecurityGroups    []string          `json:"security_groups,omitempty"`
	ParameterGroups   []ParameterGroup  `json:"parameter_groups,omitempty"`
	SubnetGroup       string            `json:"subnet_group,omitempty"`
	MonitoringRoleARN string            `json:"monitoring_role_arn,omitempty"`
	Roles             []string          `json:"roles,omitempty"`
	Pending           map[string]string `json:"pending_modifications,omitempty"`
}

// ParameterGroup is a parameter group a DB instance uses and whether its
// parameters are applied.
type ParameterGroup struct {
	Name        string `json:"name"`
	ApplyStatus string `json:"apply_status,omitempty"`
}

// rdsRegion points one call at region; "" keeps the client's own.
func rdsRegion(region string) func(*rds.Options) {
	return func(o *rds.Options) {
		if region != "" {
			o.Region = region
		}
	}
}

// DBInstance reads an RDS DB instance by identifier or ARN.
func (v *Inventory) DBInstance(ctx context.Context, region, id string) (DBInstance, error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	out, err := v.rds.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)}, rdsRegion(region))
	if err != nil {
		return DBInstance{}, Wrap(OpDescribeDBInstances, "describe DB instance "+id, err)
	}
	if len(out.DBInstances) == 0 {
		return DBInstance{}, &APIError{Op: OpDescribeDBInstances, Reason: investigation.ReasonNotFound, Err: fmt.Errorf("describe DB instance %s: none returned", id)}
	}
	return summarizeDBInstance(out.DBInstances[0]), nil
}

func summarizeDBInstance(db rdstypes.DBInstance) DBInstance {
	out := DBInstance{
		ID:                aws.ToString(db.DBInstanceIdentifier),
		ARN:               aws.ToString(db.DBInstanceArn),
		Class:             aws.ToString(db.DBInstanceClass),
		Engine:            aws.ToString(db.Engine),
		EngineVersion:     aws.ToString(db.EngineVersion),
		Status:            aws.ToString(db.DBInstanceStatus),
		ClusterID:         aws.ToString(db.DBClusterIdentifier),
		MultiAZ:           aws.ToBool(db.MultiAZ),
		StorageEncrypted:  aws.ToBool(db.StorageEncrypted),
		KMSKeyID:          aws.ToString(db.KmsKeyId),
		MonitoringRoleARN: aws.ToString(db.MonitoringRoleArn),
	}
	if e := db.Endpoint; e != nil && e.Address != nil {
		out.Endpoint = fmt.Sprintf("%s:%d", aws.ToString(e.Address), aws.ToInt32(e.Port))
	}
	for _, g := range db.VpcSecurityGroups {
		out.SecurityGroups = append(out.SecurityGroups, aws.ToString(g.VpcSecurityGroupId))
	}
	for _, g := range db.DBParameterGroups {
		out.ParameterGroups = append(out.ParameterGroups, ParameterGroup{Name: aws.ToString(g.DBParameterGroupName), ApplyStatus: aws.ToString(g.ParameterApplyStatus)})
	}
	if db.DBSubnetGroup != nil {
		out.SubnetGroup = aws.ToString(db.DBSubnetGroup.DBSubnetGroupName)
	}
	for _, r := range db.AssociatedRoles {
		out.Roles = append(out.Roles, aws.ToString(r.RoleArn))
	}
	if p := db.PendingModifiedValues; p != nil {
		pending := map[string]string{}
		for k, v := range map[string]*string{
			"db_instance_class": p.DBInstanceClass, "engine_version": p.EngineVersion,
			"storage_type": p.StorageType, "db_subnet_group": p.DBSubnetGroupName,
		} {
			if v != nil {
				pending[k] = *v
			}
		}
		if p.AllocatedStorage != nil {
			pending["allocated_storage_gib"] = fmt.Sprint(*p.AllocatedStorage)
		}
		if p.MultiAZ != nil {
			pending["multi_az"] = fmt.Sprint(*p.MultiAZ)
		}
		if len(pending) > 0 {
			out.Pending = pending
		}
	}
	return out
}

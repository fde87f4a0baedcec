package catalogue

import (
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// Trigger names what turns a latent change into a failure: the moment a
// workload next does the thing the change broke.
type Trigger string

const (
	// TriggerRestart: new tasks, instances or function environments open new
	// connections and assume roles afresh (deploys, restarts, scale-outs).
	TriggerRestart Trigger = "restart"
	// TriggerReboot: a database or instance restarts and reads its static
	// settings or its DHCP lease again.
	TriggerReboot Trigger = "reboot"
	// TriggerLaunch: a new instance is launched from a template.
	TriggerLaunch Trigger = "launch"
	// TriggerDeletion: the service carries out a scheduled deletion.
	TriggerDeletion Trigger = "deletion"
	// TriggerLoad: the next peak of load; it leaves no trace in the trail.
	TriggerLoad Trigger = "load"
	// TriggerExpiry: cached answers expire (DNS TTL); no trace in the trail.
	TriggerExpiry Trigger = "expiry"
)

// Delay says that a kind of change bites later than it is made, and when.
type Delay struct {
	// LookBack is how far before the symptom such a change may still be
	// the cause: the longest plausible wait for its trigger.
	LookBack time.Duration
	Trigger  Trigger
	// Why is the AWS behaviour that delays the effect, for the report.
	Why string
	// Touches are the resource types such a change acts on.
	Touches []string
}

// Look-backs per kind of delayed effect (INCIDENTS.md). Each is the longest
// wait for the trigger that is still common, so the longer walk stays bounded.
const (
	// lookBackRestart: connection tracking keeps existing flows alive, and
	// long-running tasks restart at least daily with deploys or scaling.
	lookBackRestart = 24 * time.Hour
	// lookBackReboot: static parameters and DHCP options wait for a reboot,
	// which weekly maintenance windows bring at the latest.
	lookBackReboot = 7 * 24 * time.Hour
	// lookBackLaunch: templates wait for the next scale-out or refresh;
	// daily peaks scale out at least once a day, quiet fleets within a week.
	lookBackLaunch = 7 * 24 * time.Hour
	// lookBackDeletion: KMS waits 7 to 30 days before deleting a key.
	lookBackDeletion = 31 * 24 * time.Hour
	// lookBackPeak: a lowered capacity meets the next daily peak within a day.
	lookBackPeak = 26 * time.Hour
	// lookBackTTL: resolvers cache a record for its TTL; two days covers the
	// longest TTLs in common use.
	lookBackTTL = 48 * time.Hour
	// lookBackTrust: a trust policy is checked when a session is next
	// assumed, at the next deploy or credential refresh.
	lookBackTrust = 24 * time.Hour
)

// Resource types the delayed kinds touch: their look-back is worth a lookup
// only when the scope holds such a resource.
var (
	sgTypes       = []string{investigation.TypeSecurityGroup}
	dhcpTypes     = []string{"AWS::EC2::VPC", "AWS::EC2::DHCPOptions", investigation.TypeEC2Instance}
	dbParamTypes  = []string{"AWS::RDS::DBParameterGroup", "AWS::RDS::DBClusterParameterGroup", investigation.TypeRDSInstance, investigation.TypeRDSCluster}
	templateTypes = []string{"AWS::EC2::LaunchTemplate", "AWS::AutoScaling::LaunchConfiguration", investigation.TypeAutoScalingGroup}
	keyTypes      = []string{investigation.TypeKMSKey}
	zoneTypes     = []string{investigation.TypeHostedZone, "AWS::Route53::RecordSet"}
	roleTypes     = []string{investigation.TypeIAMRole}
)

const (
	whySG       = "a security group tracks established connections, so removing a rule cuts only new ones"
	whyTemplate = "a launch template or configuration applies only to instances launched after it"
)

// delays lists the kinds whose effect waits for a trigger.
var delays = map[catalogueKey]Delay{
	{srcEC2, "RevokeSecurityGroupIngress"}:        {lookBackRestart, TriggerRestart, whySG, sgTypes},
	{srcEC2, "RevokeSecurityGroupEgress"}:         {lookBackRestart, TriggerRestart, whySG, sgTypes},
	{srcEC2, "AssociateDhcpOptions"}:              {lookBackReboot, TriggerReboot, "instances pick up new DHCP options when they renew their lease or reboot", dhcpTypes},
	{srcRDS, "ModifyDBParameterGroup"}:            {lookBackReboot, TriggerReboot, "static database parameters apply only at the next reboot", dbParamTypes},
	{srcRDS, "ModifyDBClusterParameterGroup"}:     {lookBackReboot, TriggerReboot, "static cluster parameters apply only at the next reboot", dbParamTypes},
	{srcEC2, "CreateLaunchTemplateVersion"}:       {lookBackLaunch, TriggerLaunch, whyTemplate, templateTypes},
	{srcEC2, "ModifyLaunchTemplate"}:              {lookBackLaunch, TriggerLaunch, whyTemplate, templateTypes},
	{srcAutoScaling, "CreateLaunchConfiguration"}: {lookBackLaunch, TriggerLaunch, whyTemplate, templateTypes},
	{srcKMS, "ScheduleKeyDeletion"}:               {lookBackDeletion, TriggerDeletion, "KMS deletes a key only at the end of its waiting period", keyTypes},
	{srcRoute53, "ChangeResourceRecordSets"}:      {lookBackTTL, TriggerExpiry, "resolvers keep the previous answer for the record's TTL", zoneTypes},
	{srcIAM, "UpdateAssumeRolePolicy"}:            {lookBackTrust, TriggerRestart, "a trust policy is checked only when a session is next assumed", roleTypes},
}

// capacityDelay applies to a change that lowered a limit: it bites at the next peak.
var capacityDelay = Delay{lookBackPeak, TriggerLoad, "a lowered capacity is reached only at the next peak of load", nil}

// DelayOf says whether a change of kind k bites later, and how. A change
// that lowered a limit (lowered, from Direction) waits for the next peak.
func DelayOf(k ChangeKind, lowered bool) (Delay, bool) {
	if d, ok := delays[catalogueKey{k.Source, stripAPIVersion(k.Name)}]; ok {
		return d, true
	}
	if lowered {
		return capacityDelay, true
	}
	return Delay{}, false
}

// DelayedKinds lists the event names whose effect waits for a trigger, with
// their source and delay, for the walk's longer look-back.
func DelayedKinds() []ChangeKind {
	out := make([]ChangeKind, 0, len(delays))
	for _, k := range Catalogue() {
		if _, ok := delays[catalogueKey{k.Source, k.Name}]; ok {
			out = append(out, k)
		}
	}
	return out
}

// triggers lists the calls that make a latent change bite, per trigger.
var triggers = map[catalogueKey]Trigger{
	{srcECS, "UpdateService"}:                  TriggerRestart,
	{srcECS, "RunTask"}:                        TriggerRestart,
	{srcECS, "StartTask"}:                      TriggerRestart,
	{srcECS, "CreateService"}:                  TriggerRestart,
	{srcEC2, "RunInstances"}:                   TriggerRestart,
	{srcEC2, "StartInstances"}:                 TriggerRestart,
	{srcEC2, "RebootInstances"}:                TriggerRestart,
	{srcAutoScaling, "SetDesiredCapacity"}:     TriggerRestart,
	{srcAutoScaling, "StartInstanceRefresh"}:   TriggerRestart,
	{srcLambda, "UpdateFunctionCode"}:          TriggerRestart,
	{srcLambda, "UpdateFunctionConfiguration"}: TriggerRestart,
	{srcLambda, "PublishVersion"}:              TriggerRestart,
	{srcRDS, "RebootDBInstance"}:               TriggerReboot,
	{srcRDS, "RebootDBCluster"}:                TriggerReboot,
	{srcRDS, "FailoverDBCluster"}:              TriggerReboot,
	{srcSSM, "SendCommand"}:                    TriggerReboot,
	{srcKMS, "DeleteKey"}:                      TriggerDeletion,
}

// triggerAlso: a trigger of one class also sets off latent changes of another.
// A reboot or a launch starts the workload afresh, so it opens new connections too.
var triggerAlso = map[Trigger][]Trigger{
	TriggerRestart: {TriggerLaunch, TriggerReboot},
}

// TriggersOf returns the triggers a recorded call sets off, or nil.
func TriggersOf(source, eventName string) []Trigger {
	name := stripAPIVersion(eventName)
	var out []Trigger
	if t, ok := triggers[catalogueKey{source, name}]; ok {
		out = append(out, t)
		out = append(out, triggerAlso[t]...)
	}
	return out
}

// Symptomless reports whether a kind only widens access (an added rule, an
// added permission): it cannot produce refusals or unreachable paths.
func Symptomless(k ChangeKind) bool { return widening[catalogueKey{k.Source, stripAPIVersion(k.Name)}] }

// widening lists kinds that only add access. An added allow rule cannot
// cut a connection or refuse a call.
var widening = map[catalogueKey]bool{
	{srcEC2, "AuthorizeSecurityGroupIngress"}: true,
	{srcEC2, "AuthorizeSecurityGroupEgress"}:  true,
	{srcLambda, "AddPermission"}:              true,
	{srcKMS, "CreateGrant"}:                   true,
	{srcKMS, "CancelKeyDeletion"}:             true,
	{srcKMS, "EnableKey"}:                     true,
}

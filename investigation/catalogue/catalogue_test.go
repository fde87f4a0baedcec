package catalogue

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/trailhound/trailhound/investigation"
)

// catalogueCategories is every category the investigation package declares.
var catalogueCategories = []investigation.Category{
	investigation.CategoryIAM, investigation.CategoryNetwork, investigation.CategoryDeployment, investigation.CategoryConfig, investigation.CategoryCapacity,
	investigation.CategoryDatabase, investigation.CategoryStorage, investigation.CategoryEncryption, investigation.CategoryDNS, investigation.CategoryLoadBalancing,
	investigation.CategorySecrets, investigation.CategoryMessaging, investigation.CategoryAPI, investigation.CategoryCDN, investigation.CategoryKubernetes,
	investigation.CategoryObservability, investigation.CategoryTagging,
}

// catalogueErrorKinds is every error kind signals.go declares.
var catalogueErrorKinds = []investigation.ErrorKind{
	investigation.ErrAccessDenied, investigation.ErrNetwork, investigation.ErrThrottled, investigation.ErrKMS, investigation.ErrNotFound, investigation.ErrAuth,
	investigation.ErrDNS, investigation.ErrConfig, investigation.ErrExhaustion, investigation.ErrUnavailable, investigation.ErrApplication,
}

func TestCatalogueCounts(t *testing.T) {
	kinds := Catalogue()
	bySource := map[string]int{}
	byCategory := map[investigation.Category]int{}
	for _, k := range kinds {
		bySource[k.Source]++
		byCategory[k.Category]++
	}
	if len(kinds) < 150 {
		t.Errorf("catalogue has %d event names, want at least 150", len(kinds))
	}
	if len(bySource) < 18 {
		t.Errorf("catalogue covers %d services, want at least 18", len(bySource))
	}
	for _, c := range catalogueCategories {
		if byCategory[c] == 0 {
			t.Errorf("no catalogued kind has category %q", c)
		}
	}
	sources := make([]string, 0, len(bySource))
	for s := range bySource {
		sources = append(sources, s)
	}
	slices.Sort(sources)
	for _, s := range sources {
		t.Logf("source %-40s %3d", s, bySource[s])
	}
	for _, c := range catalogueCategories {
		t.Logf("category %-15s %3d", c, byCategory[c])
	}
	t.Logf("total %d kinds, %d sources, %d categories", len(kinds), len(bySource), len(byCategory))
}

func TestCatalogueHasNoDuplicates(t *testing.T) {
	seen := map[catalogueKey]bool{}
	for _, k := range changeCatalogue {
		key := catalogueKey{k.Source, k.Name}
		if seen[key] {
			t.Errorf("%s %s is catalogued twice", k.Source, k.Name)
		}
		seen[key] = true
	}
}

// catalogueScale is the named weights; a kind must use one of them.
var catalogueScale = []float64{
	weightBreaking, weightReplacing, weightRisky, weightModerate,
	weightRoutine, weightPeripheral, weightMetadata,
}

var (
	catalogueNamePattern = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	// A requestParameters path: keys, array indexes or *, joined by dots.
	cataloguePathPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(\.([A-Za-z][A-Za-z0-9]*|[0-9]+|\*))*$`)
	catalogueFieldRe     = regexp.MustCompile(`\{([^{}]*)\}`)
)

func TestCatalogueKindsAreWellFormed(t *testing.T) {
	for _, k := range changeCatalogue {
		id := k.Source + " " + k.Name
		if !strings.HasSuffix(k.Source, ".amazonaws.com") || strings.ToLower(k.Source) != k.Source {
			t.Errorf("%s: source is not an event source host", id)
		}
		if !catalogueNamePattern.MatchString(k.Name) || stripAPIVersion(k.Name) != k.Name {
			t.Errorf("%s: name must be a plain API action without version suffix", id)
		}
		if k.Weight <= 0 || k.Weight > 1 {
			t.Errorf("%s: weight %v outside (0,1]", id, k.Weight)
		}
		if !slices.Contains(catalogueScale, k.Weight) {
			t.Errorf("%s: weight %v is not one of the named weights", id, k.Weight)
		}
		if !slices.Contains(catalogueCategories, k.Category) {
			t.Errorf("%s: unknown category %q", id, k.Category)
		}
		isTagCall := slices.ContainsFunc(eventNameWords(k.Name), func(w string) bool {
			return w == "Tag" || w == "Tags" || w == "Tagging" || w == "Untag"
		})
		if isTagCall != (k.Category == investigation.CategoryTagging) {
			t.Errorf("%s: tagging calls and only they belong to the tagging category", id)
		}
		if k.Category == investigation.CategoryTagging && k.Weight != weightMetadata {
			t.Errorf("%s: tagging must weigh weightMetadata", id)
		}
		for _, e := range k.SymptomKinds {
			if !slices.Contains(catalogueErrorKinds, e) {
				t.Errorf("%s: unknown symptom kind %q", id, e)
			}
		}
		if len(k.SymptomKinds) > 0 && slices.Equal(k.SymptomKinds, categorySymptoms[k.Category]) {
			t.Errorf("%s: SymptomKinds repeat the category's defaults; leave them empty", id)
		}
		checkRevertTemplate(t, id, k.Revert)
	}
}

// checkRevertTemplate checks the template syntax and that the generic
// rendering (no parameters) reads as a finished sentence.
func checkRevertTemplate(t *testing.T, id, tmpl string) {
	t.Helper()
	if strings.TrimSpace(tmpl) == "" {
		t.Errorf("%s: empty Revert", id)
		return
	}
	depth := 0
	for _, r := range tmpl {
		switch r {
		case '[':
			depth++
			if depth > 1 {
				t.Errorf("%s: nested optional segment in %q", id, tmpl)
			}
		case ']':
			depth--
			if depth < 0 {
				t.Errorf("%s: unbalanced ] in %q", id, tmpl)
			}
		}
	}
	if depth != 0 {
		t.Errorf("%s: unclosed [ in %q", id, tmpl)
	}
	// Placeholders live only in optional segments, so the generic text never
	// shows a <key> stand-in.
	outside := regexp.MustCompile(`\[[^\]]*\]`).ReplaceAllString(tmpl, "")
	if strings.ContainsAny(outside, "{}") {
		t.Errorf("%s: placeholder outside an optional segment in %q", id, tmpl)
	}
	for _, m := range catalogueFieldRe.FindAllStringSubmatch(tmpl, -1) {
		for _, path := range revertFieldPaths(m[1]) {
			if !cataloguePathPattern.MatchString(path) {
				t.Errorf("%s: placeholder path %q is not a requestParameters path", id, path)
			}
		}
	}
	generic := (ChangeKind{Revert: tmpl}).RevertFor(nil)
	for _, bad := range []string{"{", "}", "[", "]", "  ", " .", " ,", " ;", " :", "()", "( "} {
		if strings.Contains(generic, bad) {
			t.Errorf("%s: generic revert %q contains %q", id, generic, bad)
		}
	}
	if !strings.HasSuffix(generic, ".") {
		t.Errorf("%s: generic revert %q does not end a sentence", id, generic)
	}
}

func TestCatalogueHasNoReadOnlyCalls(t *testing.T) {
	readVerbs := []string{"Get", "List", "Describe", "Lookup", "Head", "Search", "Scan", "Query",
		"Select", "Check", "Estimate", "Preview", "Simulate", "Validate", "Verify", "View",
		"Decrypt", "Encrypt", "Generate", "Download", "Filter", "Poll", "Receive", "BatchGet",
		"Assume", "Console", "Invoke"}
	for _, k := range changeCatalogue {
		if notChangeSources[k.Source] {
			t.Errorf("%s %s: sign-in and STS calls are not changes", k.Source, k.Name)
		}
		for _, v := range readVerbs {
			if strings.HasPrefix(k.Name, v) && len(k.Name) > len(v) && k.Name[len(v)] >= 'A' && k.Name[len(v)] <= 'Z' {
				t.Errorf("%s %s: read-only verb %s", k.Source, k.Name, v)
			}
		}
	}
}

func TestCatalogueWellKnownKinds(t *testing.T) {
	want := map[string][]string{
		srcIAM: {"AttachRolePolicy", "DetachRolePolicy", "PutRolePolicy", "DeleteRolePolicy",
			"CreatePolicyVersion", "SetDefaultPolicyVersion", "DeletePolicyVersion", "UpdateAssumeRolePolicy",
			"PutRolePermissionsBoundary", "DeleteRolePermissionsBoundary", "RemoveRoleFromInstanceProfile",
			"DetachUserPolicy", "DeleteUserPolicy", "DetachGroupPolicy", "DeleteAccessKey", "UpdateAccessKey",
			"TagRole", "UntagRole", "TagPolicy"},
		srcEC2: {"RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "AuthorizeSecurityGroupIngress",
			"AuthorizeSecurityGroupEgress", "ModifySecurityGroupRules", "ModifyInstanceAttribute", "StopInstances",
			"TerminateInstances", "ModifyNetworkInterfaceAttribute", "ReplaceRoute", "DeleteRoute", "CreateRoute",
			"ReplaceNetworkAclEntry", "CreateNetworkAclEntry", "DeleteNetworkAclEntry", "ReplaceNetworkAclAssociation",
			"DeleteNatGateway", "DeleteVpcEndpoints", "ModifyVpcEndpoint", "DisassociateRouteTable", "DetachVolume",
			"ModifyVolume", "CreateTags", "DeleteTags"},
		srcLambda: {"UpdateFunctionCode", "UpdateFunctionConfiguration", "PutFunctionConcurrency",
			"DeleteFunctionConcurrency", "UpdateAlias", "PublishVersion", "AddPermission", "RemovePermission",
			"UpdateEventSourceMapping", "DeleteEventSourceMapping", "PutProvisionedConcurrencyConfig"},
		srcECS:            {"UpdateService", "RegisterTaskDefinition", "DeregisterTaskDefinition", "DeleteService", "UpdateCapacityProvider", "PutClusterCapacityProviders"},
		srcEKS:            {"UpdateClusterConfig", "UpdateClusterVersion", "UpdateNodegroupConfig", "UpdateNodegroupVersion", "DeleteNodegroup", "AssociateAccessPolicy", "DisassociateAccessPolicy", "DeleteAccessEntry"},
		srcRDS:            {"ModifyDBInstance", "RebootDBInstance", "FailoverDBCluster", "ModifyDBParameterGroup", "ModifyDBClusterParameterGroup", "StopDBInstance", "DeleteDBInstance", "ModifyDBCluster"},
		srcDynamoDB:       {"UpdateTable", "DeleteTable", "UpdateTimeToLive", "UpdateContinuousBackups"},
		srcELB:            {"ModifyListener", "DeleteListener", "ModifyRule", "DeleteRule", "ModifyTargetGroup", "ModifyTargetGroupAttributes", "DeregisterTargets", "RegisterTargets", "SetSecurityGroups", "SetSubnets", "ModifyLoadBalancerAttributes", "AddTags"},
		srcAutoScaling:    {"UpdateAutoScalingGroup", "SetDesiredCapacity", "SuspendProcesses", "PutScalingPolicy", "DeleteScalingPolicy", "PutScheduledUpdateGroupAction", "TerminateInstanceInAutoScalingGroup", "DetachLoadBalancerTargetGroups"},
		srcKMS:            {"DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy", "RevokeGrant", "RetireGrant", "CreateGrant", "UpdateAlias", "DeleteAlias", "DisableKeyRotation", "TagResource"},
		srcS3:             {"PutBucketPolicy", "DeleteBucketPolicy", "PutBucketPublicAccessBlock", "PutBucketAcl", "PutBucketCors", "PutBucketLifecycle", "PutBucketEncryption", "PutBucketVersioning", "DeleteBucket", "PutBucketOwnershipControls", "PutBucketTagging"},
		srcRoute53:        {"ChangeResourceRecordSets", "DeleteHostedZone", "AssociateVPCWithHostedZone", "DisassociateVPCFromHostedZone", "UpdateHealthCheck"},
		srcCloudFormation: {"UpdateStack", "ExecuteChangeSet", "DeleteStack", "CreateStack", "UpdateStackSet"},
		srcAPIGateway:     {"CreateDeployment", "UpdateStage", "UpdateMethod", "UpdateAuthorizer", "DeleteStage", "UpdateIntegration", "UpdateRoute", "UpdateApi"},
		srcSQS:            {"SetQueueAttributes", "DeleteQueue", "PurgeQueue", "RemovePermission", "AddPermission", "TagQueue"},
		srcSNS:            {"SetTopicAttributes", "Unsubscribe", "DeleteTopic", "SetSubscriptionAttributes", "RemovePermission"},
		srcSecrets:        {"PutSecretValue", "UpdateSecret", "RotateSecret", "DeleteSecret", "UpdateSecretVersionStage", "PutResourcePolicy"},
		srcSSM:            {"PutParameter", "DeleteParameter", "DeleteParameters", "LabelParameterVersion", "AddTagsToResource"},
		srcCloudFront:     {"UpdateDistribution", "DeleteDistribution", "PublishFunction", "AssociateAlias"},
		srcEvents:         {"PutRule", "DisableRule", "DeleteRule", "RemoveTargets", "PutTargets"},
		srcElastiCache:    {"ModifyReplicationGroup", "ModifyCacheCluster", "RebootCacheCluster"},
		srcCloudWatch:     {"DeleteAlarms", "PutMetricAlarm", "DisableAlarmActions"},
		srcLogs:           {"PutRetentionPolicy", "DeleteLogGroup"},
		srcCloudTrail:     {"StopLogging", "DeleteTrail"},
		srcWAF:            {"UpdateWebACL"},
	}
	for source, names := range want {
		for _, name := range names {
			if _, ok := KindOf(source, name); !ok {
				t.Errorf("%s %s is not catalogued", source, name)
			}
		}
	}
}

func TestCatalogueWeightsRankAsAnSREWould(t *testing.T) {
	weight := func(source, name string) float64 {
		k, ok := KindOf(source, name)
		if !ok {
			t.Fatalf("%s %s is not catalogued", source, name)
		}
		return k.Weight
	}
	high := [][2]string{
		{srcIAM, "DetachRolePolicy"}, {srcIAM, "DeleteRolePolicy"}, {srcEC2, "RevokeSecurityGroupIngress"},
		{srcKMS, "DisableKey"}, {srcKMS, "ScheduleKeyDeletion"}, {srcDynamoDB, "DeleteTable"},
		{srcS3, "PutBucketPolicy"}, {srcLambda, "PutFunctionConcurrency"}, {srcELB, "DeregisterTargets"},
	}
	for _, k := range high {
		if w := weight(k[0], k[1]); w < weightReplacing {
			t.Errorf("%s %s weighs %v, want at least %v", k[0], k[1], w, weightReplacing)
		}
	}
	pairs := []struct{ heavier, lighter [2]string }{
		{[2]string{srcIAM, "DetachRolePolicy"}, [2]string{srcIAM, "AttachRolePolicy"}},
		{[2]string{srcEC2, "RevokeSecurityGroupIngress"}, [2]string{srcEC2, "AuthorizeSecurityGroupIngress"}},
		{[2]string{srcKMS, "DisableKey"}, [2]string{srcKMS, "CreateGrant"}},
		{[2]string{srcDynamoDB, "DeleteTable"}, [2]string{srcDynamoDB, "UpdateContinuousBackups"}},
		{[2]string{srcECS, "UpdateService"}, [2]string{srcECS, "RegisterTaskDefinition"}},
		{[2]string{srcLambda, "UpdateAlias"}, [2]string{srcLambda, "PublishVersion"}},
		{[2]string{srcEC2, "DeleteRoute"}, [2]string{srcEC2, "CreateRoute"}},
		{[2]string{srcCloudFormation, "DeleteStack"}, [2]string{srcCloudFormation, "CreateStack"}},
		{[2]string{srcIAM, "CreatePolicy"}, [2]string{srcIAM, "TagRole"}},
		{[2]string{srcCloudWatch, "PutMetricAlarm"}, [2]string{srcCloudTrail, "StopLogging"}},
	}
	for _, p := range pairs {
		if h, l := weight(p.heavier[0], p.heavier[1]), weight(p.lighter[0], p.lighter[1]); h <= l {
			t.Errorf("%s (%v) should outweigh %s (%v)", p.heavier[1], h, p.lighter[1], l)
		}
	}
}

func TestCatalogueSymptomOverrides(t *testing.T) {
	tests := []struct {
		source, name string
		want         []investigation.ErrorKind
	}{
		{srcLambda, "PutFunctionConcurrency", []investigation.ErrorKind{investigation.ErrThrottled}},
		{srcKMS, "DisableKey", []investigation.ErrorKind{investigation.ErrKMS}},
		{srcRoute53, "ChangeResourceRecordSets", []investigation.ErrorKind{investigation.ErrDNS}},
		{srcLambda, "UpdateFunctionConfiguration", []investigation.ErrorKind{investigation.ErrConfig, investigation.ErrExhaustion, investigation.ErrNetwork}},
		{srcIAM, "DeleteAccessKey", []investigation.ErrorKind{investigation.ErrAuth}},
		{srcEC2, "ModifyVpcAttribute", []investigation.ErrorKind{investigation.ErrDNS}},
		{srcWAF, "UpdateWebACL", []investigation.ErrorKind{investigation.ErrAccessDenied}},
		{srcIAM, "DetachRolePolicy", []investigation.ErrorKind{investigation.ErrAccessDenied}},
	}
	for _, tt := range tests {
		k, ok := KindOf(tt.source, tt.name)
		if !ok {
			t.Fatalf("%s %s is not catalogued", tt.source, tt.name)
		}
		got := k.Symptoms()
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s symptoms %v lack %q", tt.name, got, w)
			}
		}
	}
}

func TestKindOfStripsAPIVersionSuffixes(t *testing.T) {
	tests := []struct {
		source, event, want string
		found               bool
	}{
		{srcLambda, "UpdateFunctionCode20150331v2", "UpdateFunctionCode", true},
		{srcLambda, "UpdateFunctionConfiguration20150331v2", "UpdateFunctionConfiguration", true},
		{srcLambda, "PutFunctionConcurrency20171031", "PutFunctionConcurrency", true},
		{srcLambda, "DeleteFunctionConcurrency20171031", "DeleteFunctionConcurrency", true},
		{srcLambda, "AddPermission20150331v2", "AddPermission", true},
		{srcLambda, "AddPermission20150331", "AddPermission", true},
		{srcLambda, "UpdateEventSourceMapping20150331", "UpdateEventSourceMapping", true},
		{srcLambda, "TagResource20170331v2", "TagResource", true},
		{srcLambda, "UpdateAlias20150331", "UpdateAlias", true},
		{srcLambda, "PutProvisionedConcurrencyConfig", "PutProvisionedConcurrencyConfig", true},
		{srcCloudFront, "UpdateDistribution2020_05_31", "UpdateDistribution", true},
		{srcCloudFront, "PublishFunction2020_05_31", "PublishFunction", true},
		{srcIAM, "DetachRolePolicy", "DetachRolePolicy", true},
		{srcLambda, "UpdateFunctionCode20151399", "", false}, // not a date
		{srcLambda, "UpdateFunctionCode2015033", "", false},  // seven digits
		{srcIAM, "UpdateFunctionCode20150331v2", "", false},  // wrong source
		{srcLambda, "GetFunction20150331v2", "", false},      // read-only, never catalogued
		{srcLambda, "", "", false},
		{"", "UpdateFunctionCode", "", false},
	}
	for _, tt := range tests {
		k, ok := KindOf(tt.source, tt.event)
		if ok != tt.found || k.Name != tt.want {
			t.Errorf("KindOf(%q, %q) = %q, %v; want %q, %v", tt.source, tt.event, k.Name, ok, tt.want, tt.found)
		}
	}
}

func TestKindOfStripAPIVersionRule(t *testing.T) {
	tests := map[string]string{
		"Foo20150331":       "Foo",
		"Foo20150331v12":    "Foo",
		"Foo2020_05_31":     "Foo",
		"Foo20150331v":      "Foo20150331v",
		"20150331":          "20150331",
		"Foo120150331":      "Foo120150331",
		"Foo19990331":       "Foo19990331",
		"Foo20151331":       "Foo20151331",
		"Foo2020-05-31":     "Foo2020-05-31",
		"Foov2":             "Foov2",
		"CreateRoute53Zone": "CreateRoute53Zone",
		"":                  "",
	}
	for in, want := range tests {
		if got := stripAPIVersion(in); got != want {
			t.Errorf("stripAPIVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKindOfAndCatalogueReturnCopies(t *testing.T) {
	k, ok := KindOf(srcKMS, "DisableKey")
	if !ok || len(k.SymptomKinds) == 0 {
		t.Fatal("DisableKey should be catalogued with its own symptoms")
	}
	k.SymptomKinds[0] = investigation.ErrApplication
	again, _ := KindOf(srcKMS, "DisableKey")
	if again.SymptomKinds[0] != investigation.ErrKMS {
		t.Error("changing a looked-up kind changed the catalogue")
	}

	all := Catalogue()
	if len(all) != len(changeCatalogue) {
		t.Fatalf("Catalogue() has %d kinds, catalogue %d", len(all), len(changeCatalogue))
	}
	if !slices.IsSortedFunc(all, func(a, b ChangeKind) int {
		if c := strings.Compare(a.Source, b.Source); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	}) {
		t.Error("Catalogue() is not sorted by source then name")
	}
	all[0].Name = "Changed"
	for i := range all {
		if all[i].Source == srcKMS && all[i].Name == "DisableKey" {
			all[i].SymptomKinds[0] = investigation.ErrApplication
		}
	}
	if _, ok := KindOf(Catalogue()[0].Source, Catalogue()[0].Name); !ok {
		t.Error("changing Catalogue()'s result changed the catalogue")
	}
	if again, _ := KindOf(srcKMS, "DisableKey"); again.SymptomKinds[0] != investigation.ErrKMS {
		t.Error("changing Catalogue()'s symptoms changed the catalogue")
	}
}

func TestGuessKind(t *testing.T) {
	tests := []struct {
		source, event string
		category      investigation.Category
		weight        float64
		revertHas     string
	}{
		{srcIAM, "DeleteSAMLProvider", investigation.CategoryIAM, weightBreaking * guessDiscount, "removed"},
		{srcIAM, "DetachSomethingNew", investigation.CategoryIAM, weightBreaking * guessDiscount, "AttachSomethingNew"},
		{srcEC2, "DeleteCarrierGateway", investigation.CategoryNetwork, weightBreaking * guessDiscount, "removed"},
		{srcEC2, "ModifyVolumeAttribute", investigation.CategoryStorage, weightRisky * guessDiscount, "replaced"},
		{srcEC2, "ModifyInstanceCapacityReservationAttributes", investigation.CategoryCapacity, weightRisky * guessDiscount, "replaced"},
		{srcEC2, "DisableVpcClassicLink", investigation.CategoryNetwork, weightBreaking * guessDiscount, "EnableVpcClassicLink"},
		{srcEC2, "DisassociateIamInstanceProfileX", investigation.CategoryIAM, weightBreaking * guessDiscount, "AssociateIamInstanceProfileX"},
		{srcLambda, "DeleteCodeSigningConfig20200422", investigation.CategoryDeployment, weightBreaking * guessDiscount, "DeleteCodeSigningConfig"},
		{srcS3, "PutBucketIntelligentTieringConfiguration", investigation.CategoryStorage, weightRisky * guessDiscount, "replaced"},
		{srcS3, "PutBucketTagging", investigation.CategoryTagging, weightMetadata * guessDiscount, "tags"},
		{srcSQS, "TagQueue", investigation.CategoryTagging, weightMetadata * guessDiscount, "tags"},
		{srcSSM, "UpdateDocument", investigation.CategoryConfig, weightRisky * guessDiscount, "replaced"},
		{srcSSM, "DeleteParameterGroup", investigation.CategorySecrets, weightBreaking * guessDiscount, "removed"},
		{srcECR, "BatchDeleteImage", investigation.CategoryDeployment, weightBreaking * guessDiscount, "removed"},
		{srcCloudWatch, "DeleteDashboards", investigation.CategoryObservability, weightPeripheral * guessDiscount, "removed"},
		{srcRDS, "StartDBCluster", investigation.CategoryDatabase, weightModerate * guessDiscount, "StopDBCluster"},
		{"widgets.amazonaws.com", "CreateWidget", investigation.CategoryConfig, weightModerate * guessDiscount, "DeleteWidget"},
		{"widgets.amazonaws.com", "FrobnicateWidget", investigation.CategoryConfig, weightRoutine * guessDiscount, "FrobnicateWidget"},
		{srcEC2, "BatchAssociateThing", investigation.CategoryNetwork, weightModerate * guessDiscount, "BatchAssociateThing changed"},
		{srcKMS, "Decrypt", investigation.CategoryEncryption, 0, "Not a change"},
		{srcDynamoDB, "BatchGetItem", investigation.CategoryDatabase, 0, "Not a change"},
		{srcEC2, "DescribeInstances", investigation.CategoryConfig, 0, "Not a change"},
		{"sts.amazonaws.com", "AssumeRole", investigation.CategoryConfig, 0, "Not a change"},
		{"signin.amazonaws.com", "ConsoleLogin", investigation.CategoryConfig, 0, "Not a change"},
		{"", "", investigation.CategoryConfig, weightRoutine * guessDiscount, "the call"},
		{srcIAM, "Delete{x}[y]", investigation.CategoryIAM, weightBreaking * guessDiscount, "the call"},
	}
	for _, tt := range tests {
		k := GuessKind(tt.source, tt.event)
		if k.Category != tt.category || k.Weight != tt.weight || !strings.Contains(k.Revert, tt.revertHas) {
			t.Errorf("GuessKind(%q, %q) = %s %v %q; want %s %v containing %q",
				tt.source, tt.event, k.Category, k.Weight, k.Revert, tt.category, tt.weight, tt.revertHas)
		}
		if rendered := k.RevertFor(nil); rendered != k.Revert {
			t.Errorf("GuessKind(%q, %q) revert %q has template markup", tt.source, tt.event, k.Revert)
		}
		if k.Source != tt.source {
			t.Errorf("GuessKind(%q, %q) source = %q", tt.source, tt.event, k.Source)
		}
	}
}

func TestGuessKindRanksBelowCatalogue(t *testing.T) {
	for _, verb := range []string{"Delete", "Revoke", "Detach", "Disable", "Put", "Update", "Create", "Frob"} {
		if g := GuessKind(srcIAM, verb+"Thing"); g.Weight >= weightRisky {
			t.Errorf("guessed %sThing weighs %v, not below weightRisky", verb, g.Weight)
		}
	}
	for _, k := range changeCatalogue {
		if k.Weight < weightRisky {
			continue
		}
		if g := GuessKind(k.Source, k.Name); g.Weight >= k.Weight {
			t.Errorf("guess for %s %s weighs %v, catalogued %v", k.Source, k.Name, g.Weight, k.Weight)
		}
	}
}

// catalogueSample is one CloudTrail record read from the repository's samples.
type catalogueSample struct {
	File      string
	EventID   string          `json:"eventID"`
	Source    string          `json:"eventSource"`
	Name      string          `json:"eventName"`
	ErrorCode string          `json:"errorCode"`
	Request   json.RawMessage `json:"requestParameters"`
}

// catalogueSampleDirs are the public CloudTrail datasets kept under
// testdata/samples with their licences.
var catalogueSampleDirs = []string{
	"invictus-ir_aws_dataset/CloudTrail",
	"stratus-red-team_detonation-logs",
	"panther-analysis_cloudtrail_tests",
	"traildiscover/events",
}

// catalogueSamples reads every record of the sample datasets once; files
// that are not CloudTrail JSON (licences, NDJSON, the deliberately broken
// file) are skipped.
func catalogueSamples(t *testing.T) []catalogueSample {
	t.Helper()
	samples, err := loadCatalogueSamples()
	if err != nil {
		t.Fatal(err)
	}
	return samples
}

var loadCatalogueSamples = sync.OnceValues(func() ([]catalogueSample, error) {
	var out []catalogueSample
	for _, dir := range catalogueSampleDirs {
		root := filepath.Join("..", "..", "testdata", "samples", filepath.FromSlash(dir))
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.Contains(d.Name(), ".json") {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			out = append(out, catalogueDecodeRecords(path, data)...)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read samples in %s: %w", root, err)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no CloudTrail samples found under testdata/samples")
	}
	return out, nil
})

// catalogueDecodeRecords accepts the shapes the datasets use: {"Records": […]},
// a bare array, one record, or panther's [{"event": record}].
func catalogueDecodeRecords(path string, data []byte) []catalogueSample {
	var wrapped struct {
		Records []json.RawMessage `json:"Records"`
	}
	var raws []json.RawMessage
	if json.Unmarshal(data, &wrapped) == nil && wrapped.Records != nil {
		raws = wrapped.Records
	} else if json.Unmarshal(data, &raws) != nil {
		raws = []json.RawMessage{data}
	}
	var out []catalogueSample
	for _, raw := range raws {
		var test struct {
			Event json.RawMessage `json:"event"`
		}
		if json.Unmarshal(raw, &test) == nil && len(test.Event) > 0 {
			raw = test.Event
		}
		var s catalogueSample
		if json.Unmarshal(raw, &s) != nil || s.Name == "" {
			continue
		}
		s.File = path
		out = append(out, s)
	}
	return out
}

// TestCatalogueRevertPlaceholdersMatchRealRequests checks, for every
// catalogued kind the samples hold a successful call of, that each
// placeholder names a key those requests really carry.
func TestCatalogueRevertPlaceholdersMatchRealRequests(t *testing.T) {
	keysByKind := map[catalogueKey]map[string]bool{}
	for _, s := range catalogueSamples(t) {
		k, ok := KindOf(s.Source, s.Name)
		if !ok || s.ErrorCode != "" {
			continue
		}
		var params map[string]any
		if json.Unmarshal(s.Request, &params) != nil || len(params) == 0 {
			continue
		}
		key := catalogueKey{k.Source, k.Name}
		if keysByKind[key] == nil {
			keysByKind[key] = map[string]bool{}
		}
		for p := range params {
			keysByKind[key][strings.ToLower(p)] = true
		}
	}
	if len(keysByKind) < 40 {
		t.Errorf("only %d catalogued kinds have samples; the datasets hold more", len(keysByKind))
	}
	// Keys a real request carries that the samples happen to lack, with why.
	missingFromSamples := map[catalogueKey]string{
		// The only sqs-sourced record is a hand-edited rule test; the same
		// dataset's other SetQueueAttributes record carries queueUrl.
		{srcSQS, "SetQueueAttributes"}: "queueUrl",
		// The only sample is a hand-written rule test; the API requires
		// FeatureName on RemoveRoleFromDBInstance.
		{srcRDS, "RemoveRoleFromDBInstance"}: "featureName",
	}
	checked := 0
	for key, keys := range keysByKind {
		k, _ := KindOf(key.source, key.name)
		for _, m := range catalogueFieldRe.FindAllStringSubmatch(k.Revert, -1) {
			matched := false
			for _, path := range revertFieldPaths(m[1]) {
				root, _, _ := strings.Cut(path, ".")
				matched = matched || keys[strings.ToLower(root)]
			}
			if !matched && missingFromSamples[key] != m[1] {
				t.Errorf("%s %s: placeholder {%s} names no key of its sampled requests %v", key.source, key.name, m[1], slices.Sorted(maps.Keys(keys)))
			}
			checked++
		}
	}
	t.Logf("%d placeholders of %d sampled kinds checked against real requests", checked, len(keysByKind))
}

// catalogueSampleRequest returns the requestParameters of one sample event.
func catalogueSampleRequest(t *testing.T, samples []catalogueSample, eventID string) (catalogueSample, json.RawMessage) {
	t.Helper()
	for _, s := range samples {
		if s.EventID == eventID {
			return s, s.Request
		}
	}
	t.Fatalf("sample event %s not found", eventID)
	return catalogueSample{}, nil
}

func TestRevertForRealRequests(t *testing.T) {
	samples := catalogueSamples(t)
	tests := []struct {
		name    string
		eventID string // a sample event; its own kind unless kind is set
		kind    string // source and name of the kind to apply, when it differs
		want    string
	}{
		{
			name:    "DetachRolePolicy",
			eventID: "a37eb8e4-ba93-43c3-8e3f-5c290d1fa477",
			want:    "Re-attach the managed policy arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore to the role stratus-red-team-ec2-steal-credentials-role (aws iam attach-role-policy --role-name stratus-red-team-ec2-steal-credentials-role --policy-arn arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore).",
		},
		{
			name:    "RevokeSecurityGroupIngress flat fields",
			eventID: "8733f811-267d-4c46-8e5b-000fe7c6a9f2",
			want:    "Re-authorize the removed inbound rule on the security group sg-04cfb7a4712d75b00: tcp ports 22-22 from 0.0.0.0/0 (aws ec2 authorize-security-group-ingress --group-id sg-04cfb7a4712d75b00 --protocol tcp --port 22-22 --cidr 0.0.0.0/0); the event's ipPermissions list every rule it removed.",
		},
		{
			// No sample revokes ingress in the nested shape; an authorize
			// request has the same shape, so its parameters stand in.
			name:    "RevokeSecurityGroupIngress nested ipPermissions",
			eventID: "7e96f0e7-4d78-423d-b3f5-391370685b30",
			kind:    "RevokeSecurityGroupIngress",
			want:    "Re-authorize the removed inbound rule on the security group sg-04cfb7a4712d75b00: tcp ports 443-443 from 0.0.0.0/0 (aws ec2 authorize-security-group-ingress --group-id sg-04cfb7a4712d75b00 --protocol tcp --port 443-443 --cidr 0.0.0.0/0); the event's ipPermissions list every rule it removed.",
		},
		{
			name:    "RevokeSecurityGroupEgress nested IPv4",
			eventID: "d2dedbf2-62a8-4362-bcad-aa1670e80c0f",
			want:    "Re-authorize the removed outbound rule on the security group sg-04cfb7a4712d75b00: -1 ports 0-0 to 0.0.0.0/0 with aws ec2 authorize-security-group-egress and the event's ipPermissions.",
		},
		{
			name:    "RevokeSecurityGroupEgress nested IPv6",
			eventID: "5966ab0e-411b-402f-81a9-d638a8c71a53",
			want:    "Re-authorize the removed outbound rule on the security group sg-04cfb7a4712d75b00: -1 ports 0-0 to ::/0 with aws ec2 authorize-security-group-egress and the event's ipPermissions.",
		},
		{
			name:    "DeleteNatGateway wrapped request",
			eventID: "de095443-8389-4aa2-9bcb-d3295a255169",
			want:    "Create a NAT gateway in the same public subnet and point the private route tables' default routes at it; the replacement gets a new id (the deleted one was nat-0dd264ee104155137).",
		},
		{
			name:    "DeleteFlowLogs content-wrapped id",
			eventID: "de58d903-38d7-4f30-a84b-b79d858e8376",
			want:    "Recreate the flow logs fl-064ed3a785e4a37ef with the same resource, traffic type and destination; traffic was not recorded in between.",
		},
		{
			name:    "DeleteRoute",
			eventID: "e8b3c695-16ee-45d5-b4b6-63df1a8e5a3c",
			want:    "Recreate the route 0.0.0.0/0 in the route table rtb-01a1e48796093c514 to its previous target (aws ec2 create-route --route-table-id rtb-01a1e48796093c514 --destination-cidr-block 0.0.0.0/0 with the previous --gateway-id or --nat-gateway-id).",
		},
		{
			name:    "PutSecretValue",
			eventID: "1b07449e-fb57-4fde-8fd7-e52f65ab368e",
			want:    "Move the AWSCURRENT label back to the previous version of the secret arn:aws:secretsmanager:us-east-1:123837392027:secret:stratus-red-team-retrieve-secret-7-nFvpuv (aws secretsmanager update-secret-version-stage --secret-id arn:aws:secretsmanager:us-east-1:123837392027:secret:stratus-red-team-retrieve-secret-7-nFvpuv --version-stage AWSCURRENT --move-to-version-id <previous version> --remove-from-version-id EFADA32A-134C-40A6-880A-6C1421FFD45F); the previous version keeps the AWSPREVIOUS label.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, params := catalogueSampleRequest(t, samples, tt.eventID)
			name := s.Name
			if tt.kind != "" {
				name = tt.kind
			}
			k, ok := KindOf(s.Source, name)
			if !ok {
				t.Fatalf("%s %s is not catalogued", s.Source, name)
			}
			if got := k.RevertFor(params); got != tt.want {
				t.Errorf("RevertFor(%s)\n got %q\nwant %q", params, got, tt.want)
			}
		})
	}
}

func TestRevertForDocumentedRequests(t *testing.T) {
	tests := []struct {
		source, name string
		params       string
		want         string
	}{
		{
			// The samples hold no PutFunctionConcurrency call. This is its
			// documented request (FunctionName in the path,
			// ReservedConcurrentExecutions in the body) as CloudTrail records
			// Lambda parameters, in lower camel case.
			srcLambda, "PutFunctionConcurrency",
			`{"functionName": "checkout", "reservedConcurrentExecutions": 0}`,
			"Set the function's reserved concurrency back to its previous value, or remove the reservation (aws lambda delete-function-concurrency --function-name checkout); this call reserved 0, and 0 stops every invocation.",
		},
		{
			srcLambda, "PutFunctionConcurrency",
			`{"functionName": "arn:aws:lambda:us-east-1:123456789012:function:checkout"}`,
			"Set the function's reserved concurrency back to its previous value, or remove the reservation (aws lambda delete-function-concurrency --function-name arn:aws:lambda:us-east-1:123456789012:function:checkout).",
		},
		{
			srcEC2, "StopInstances",
			`{"instancesSet": {"items": [{"instanceId": "i-0a"}, {"instanceId": "i-0b"}]}, "force": false}`,
			"Start the instances again (aws ec2 start-instances --instance-ids i-0a i-0b); public IPs not from Elastic IPs change on start.",
		},
		{
			srcRoute53, "ChangeResourceRecordSets",
			`{"hostedZoneId": "Z123", "changeBatch": {"changes": [{"action": "DELETE", "resourceRecordSet": {"name": "*.example.com.", "type": "A"}}]}}`,
			"Apply the opposite change in the hosted zone Z123 (DELETE '*.example.com.' A): recreate a deleted record, delete a created one, write the previous value back over an upsert (aws route53 change-resource-record-sets --hosted-zone-id <zone> --change-batch file://revert.json). Resolvers keep the old answer for the record's TTL.",
		},
		{
			srcAPIGateway, "CreateDeployment",
			`{"apiId": "a1b2c3", "stageName": "$default"}`,
			"Point the stage '$default' back at its previous deployment (aws apigatewayv2 update-stage --api-id a1b2c3 --stage-name '$default' --deployment-id <previous deployment>); aws apigateway get-deployments lists them.",
		},
	}
	for _, tt := range tests {
		k, ok := KindOf(tt.source, tt.name)
		if !ok {
			t.Fatalf("%s %s is not catalogued", tt.source, tt.name)
		}
		if got := k.RevertFor(json.RawMessage(tt.params)); got != tt.want {
			t.Errorf("%s RevertFor(%s)\n got %q\nwant %q", tt.name, tt.params, got, tt.want)
		}
	}
}

func TestRevertForFallsBackOnBadInput(t *testing.T) {
	k, _ := KindOf(srcIAM, "DetachRolePolicy")
	generic := "Re-attach the managed policy to the role."
	inputs := []string{
		``, `null`, `{`, `[]`, `"roleName"`, `42`, `{}`,
		`{"roleName": {"nested": true}, "policyArn": ["a", ["b"]]}`,
		`{"roleName": "", "policyArn": null}`,
		`{"roleName": "a\nb"}`,
		`{"roleName": "a\u0007b"}`,
		`{"roleName": "` + strings.Repeat("r", maxRevertValueLen+1) + `"}`,
		strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000),
	}
	for _, in := range inputs {
		if got := k.RevertFor(json.RawMessage(in)); got != generic {
			t.Errorf("RevertFor(%.40q) = %q, want %q", in, got, generic)
		}
	}
	partial := k.RevertFor(json.RawMessage(`{"roleName": "app"}`))
	if partial != "Re-attach the managed policy to the role app." {
		t.Errorf("partial parameters gave %q", partial)
	}
}

func TestRevertForTemplateRules(t *testing.T) {
	params := json.RawMessage(`{"name": "it's here", "ids": ["a", "b c"], "n": 7, "flag": true,
		"Wrapped": {"Id": {"tag": 1, "content": "x-1"}}, "list": [{"v": "1"}, {"w": "2"}, {"v": "3"}],
		"nested": [["a"]], "odd": "$(reboot)"}`)
	tests := map[string]string{
		"plain":                       "plain",
		"[a {name}]":                  `a 'it'\''s here'`,
		"[{ids}]":                     `a 'b c'`,
		"[{n} {flag}]":                "7 true",
		"[{wrapped.id}]":              "x-1",
		"[{list.*.v}]":                "1 3",
		"[{list.1.w}]":                "2",
		"[{list.9.v}]":                "",
		"[{nested}]":                  "",
		"[{odd}]":                     "'$(reboot)'",
		"[{missing|n}]":               "7",
		"[{missing | n}]":             "7",
		"x[ {missing}] y":             "x y",
		"top {missing.key} level":     "top <key> level",
		"top {n} level":               "top 7 level",
		"unclosed [bracket {n}":       "unclosed [bracket 7",
		"unclosed {brace":             "unclosed {brace",
		"[a][b {missing}][c]":         "ac",
		"stray ] bracket":             "stray ] bracket",
		"[{list.*.missing}]":          "",
		"[{}]":                        "",
		"[{n.deeper}]":                "",
		"[{ids.-1}]":                  "",
		"[{Name}]":                    `'it'\''s here'`,
		"[{flag}] and [{flag.value}]": "true and ",
	}
	for tmpl, want := range tests {
		if got := (ChangeKind{Revert: tmpl}).RevertFor(params); got != want {
			t.Errorf("template %q gave %q, want %q", tmpl, got, want)
		}
	}
}

// FuzzRevertFor checks that no request or template makes RevertFor panic,
// and that request values never bring control characters (line breaks that
// would forge extra lines in a Slack message) into the text.
func FuzzRevertFor(f *testing.F) {
	f.Add(`{"roleName": "r", "policyArn": "p"}`, "DetachRolePolicy")
	f.Add(`{"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcp"}]}}`, "RevokeSecurityGroupIngress")
	f.Add(`{"instancesSet": {"items": [1, null, {"instanceId": []}]}}`, "StopInstances")
	f.Add(`{"name": "a\nb", "x": {"content": "c\td"}}`, "[{name}] {x} [")
	f.Add(`[{]`, "DeleteRoute")
	hasControl := func(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) }
	f.Fuzz(func(t *testing.T, params, name string) {
		for _, source := range []string{srcIAM, srcEC2} {
			k, ok := KindOf(source, name)
			if !ok {
				k = GuessKind(source, name)
			}
			out := k.RevertFor(json.RawMessage(params))
			if out == "" || hasControl(out) {
				t.Errorf("revert for %s %q with %q = %q", source, name, params, out)
			}
		}
		if out := (ChangeKind{Revert: name}).RevertFor(json.RawMessage(params)); !hasControl(name) && hasControl(out) {
			t.Errorf("template %q with %q let a control character through: %q", name, params, out)
		}
	})
}

func TestRevertForSampleRequestsNeverLeakMarkup(t *testing.T) {
	rendered := 0
	for _, s := range catalogueSamples(t) {
		k, ok := KindOf(s.Source, s.Name)
		if !ok {
			continue
		}
		out := k.RevertFor(s.Request)
		if strings.ContainsAny(out, "{}[]") && !strings.ContainsAny(string(s.Request), "{}[]") {
			t.Errorf("%s %s: markup left in %q", s.Name, s.EventID, out)
		}
		if strings.Contains(out, "\n") {
			t.Errorf("%s %s: newline in %q", s.Name, s.EventID, out)
		}
		rendered++
	}
	if rendered == 0 {
		t.Fatal("no sample matched a catalogued kind")
	}
	t.Logf("%d sample events rendered", rendered)
}

func TestRefineKind(t *testing.T) {
	service := func(req string) investigation.Event {
		return investigation.Event{ID: "u", Source: "ecs.amazonaws.com", Name: "UpdateService", Region: "eu-west-1", RequestJSON: json.RawMessage(req)}
	}
	tests := []struct {
		name string
		ev   investigation.Event
		want investigation.Category
	}{
		{"desired count alone scales", service(`{"cluster":"prod","service":"web","desiredCount":6}`), investigation.CategoryCapacity},
		{"a new task definition deploys", service(`{"cluster":"prod","service":"web","taskDefinition":"web:58"}`), investigation.CategoryDeployment},
		{"a forced deployment deploys", service(`{"service":"web","desiredCount":6,"forceNewDeployment":true}`), investigation.CategoryDeployment},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, ok := KindOf(tc.ev.Source, tc.ev.Name)
			if !ok {
				t.Fatal("UpdateService is not catalogued")
			}
			if got := refineKind(k, tc.ev).Category; got != tc.want {
				t.Errorf("category %s, want %s", got, tc.want)
			}
		})
	}
	memory := investigation.Event{ID: "m", Source: "lambda.amazonaws.com", Name: "UpdateFunctionConfiguration20150331v2", Region: "eu-west-1",
		RequestJSON: json.RawMessage(`{"functionName":"checkout","memorySize":512}`)}
	k, _ := KindOf(memory.Source, memory.Name)
	if k = refineKind(k, memory); k.Produces(investigation.ErrAccessDenied) || !k.Produces(investigation.ErrExhaustion) {
		t.Errorf("a memory change should explain exhaustion, not AccessDenied: %v", k.Symptoms())
	}
}

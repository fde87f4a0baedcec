package catalogue

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

// catalogueCategories is every category the investigation package declares.
var catalogueCategories = []investigation.Category{
	investigation.CategoryIAM, investigation.CategoryNetwork, investigation.CategoryDeployment, investigation.CategoryConfig, investigation.CategoryCapacity,
	investigation.CategoryDatabase, investigation.CategoryStorage, investigation.CategoryEncryption, investigation.CategoryDNS, investigation.CategoryLoadBalancing,
	investigation.CategorySecrets, investigation.CategoryMessaging, investigation.CategoryAPI, investigation.CategoryCDN, investigation.CategoryKubernetes,
	investigation.CategoryObservability, investigation.CategoryTagging,
}

// catalogueErrorKinds is every error kind the investigation package declares.
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

package intake

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// regionCode matches every partition's region codes (us-east-1, us-gov-west-1,
// cn-north-1, eusc-de-east-1): letters, dash-separated words, a number.
var regionCode = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]+$`)

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// commercialRegions names every region of the aws partition the way the AWS
// endpoint metadata describes it. SNS alarm messages and the CloudWatch e-mail
// carry such a display name instead of the code, with drifting spellings
// ("EU (Ireland)", "Europe (Ireland)", the older "EU - Ireland"); regionByName
// folds those differences before looking a name up.
var commercialRegions = map[string]string{
	"af-south-1":     "Africa (Cape Town)",
	"ap-east-1":      "Asia Pacific (Hong Kong)",
	"ap-east-2":      "Asia Pacific (Taipei)",
	"ap-northeast-1": "Asia Pacific (Tokyo)",
	"ap-northeast-2": "Asia Pacific (Seoul)",
	"ap-northeast-3": "Asia Pacific (Osaka)",
	"ap-south-1":     "Asia Pacific (Mumbai)",
	"ap-south-2":     "Asia Pacific (Hyderabad)",
	"ap-southeast-1": "Asia Pacific (Singapore)",
	"ap-southeast-2": "Asia Pacific (Sydney)",
	"ap-southeast-3": "Asia Pacific (Jakarta)",
	"ap-southeast-4": "Asia Pacific (Melbourne)",
	"ap-southeast-5": "Asia Pacific (Malaysia)",
	"ap-southeast-6": "Asia Pacific (New Zealand)",
	"ap-southeast-7": "Asia Pacific (Thailand)",
	"ca-central-1":   "Canada (Central)",
	"ca-west-1":      "Canada West (Calgary)",
	"eu-central-1":   "Europe (Frankfurt)",
	"eu-central-2":   "Europe (Zurich)",
	"eu-north-1":     "Europe (Stockholm)",
	"eu-south-1":     "Europe (Milan)",
	"eu-south-2":     "Europe (Spain)",
	"eu-west-1":      "Europe (Ireland)",
	"eu-west-2":      "Europe (London)",
	"eu-west-3":      "Europe (Paris)",
	"il-central-1":   "Israel (Tel Aviv)",
	"me-central-1":   "Middle East (UAE)",
	"me-south-1":     "Middle East (Bahrain)",
	"me-west-1":      "Middle East (Saudi Arabia)",
	"mx-central-1":   "Mexico (Central)",
	"sa-east-1":      "South America (Sao Paulo)",
	"sa-west-1":      "South America (Chile)",
	"us-east-1":      "US East (N. Virginia)",
	"us-east-2":      "US East (Ohio)",
	"us-west-1":      "US West (N. California)",
	"us-west-2":      "US West (Oregon)",
}

var regionsByFoldedName = func() map[string]string {
	m := make(map[string]string, len(commercialRegions))
	for code, name := range commercialRegions {
		m[foldRegionName(name)] = code
	}
	return m
}()

// foldRegionName reduces a region display name to lower-case letters and
// digits, spelling "Europe" as "EU" and São as Sao, so that every spelling AWS
// has used for one region folds to the same key.
func foldRegionName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == 'ã' || r == 'á' || r == 'â':
			b.WriteByte('a')
		}
	}
	folded := b.String()
	if rest, ok := strings.CutPrefix(folded, "europe"); ok {
		folded = "eu" + rest
	}
	return folded
}

// regionByName maps a display name ("EU (Ireland)") to its region code.
// A value that already is a region code is returned as is.
func regionByName(name string) (string, bool) {
	name = strings.TrimSpace(name)
	if regionCode.MatchString(name) {
		return name, true
	}
	code, ok := regionsByFoldedName[foldRegionName(name)]
	return code, ok && name != ""
}

// alarmARN is a parsed CloudWatch alarm ARN:
// arn:PARTITION:cloudwatch:REGION:ACCOUNT:alarm:NAME.
type alarmARN struct {
	ARN     string // normalised
	Region  string
	Account string
	Name    string
}

// parseAlarmARN validates an alarm ARN. Whitespace next to the separators of
// the fixed fields is dropped first: those fields never hold spaces, and
// copies of AWS samples reformatted for documentation carry "us-east-1: 1111…".
// The alarm name itself may hold spaces and is kept as delivered.
func parseAlarmARN(s string) (alarmARN, error) {
	parts := strings.SplitN(strings.TrimSpace(s), ":", 7)
	for i := 0; i < len(parts) && i < 6; i++ {
		parts[i] = strings.TrimSpace(parts[i])
	}
	norm := strings.Join(parts, ":")
	// A missing name is reported after the fields before it, so the
	// structure is checked with a stand-in name.
	noName := len(parts) == 7 && parts[6] == ""
	probe := norm
	if noName {
		probe += "-"
	}
	a, ok := investigation.ParseAlarmARN(probe)
	switch {
	case !ok:
		return alarmARN{}, fmt.Errorf("alarm ARN %q: want arn:PARTITION:cloudwatch:REGION:ACCOUNT:alarm:NAME", s)
	case !regionCode.MatchString(a.Region):
		return alarmARN{}, fmt.Errorf("alarm ARN %q: region %q is not a region code", s, a.Region)
	case !accountID.MatchString(a.Account):
		return alarmARN{}, fmt.Errorf("alarm ARN %q: account %q is not a 12-digit account id", s, a.Account)
	case noName:
		return alarmARN{}, fmt.Errorf("alarm ARN %q has no alarm name", s)
	}
	return alarmARN{ARN: norm, Region: a.Region, Account: a.Account, Name: a.Name}, nil
}

// normaliseARN applies parseAlarmARN's whitespace repair to an ARN that may
// not be an alarm ARN (a triggering child is always one, but is only carried
// through, not validated).
func normaliseARN(s string) string {
	if a, err := parseAlarmARN(s); err == nil {
		return a.ARN
	}
	return strings.TrimSpace(s)
}

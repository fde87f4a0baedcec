package engine

import (
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// errorPatterns classify a log line; the first match wins, so the most
// specific kinds come first (a KMS AccessDeniedException is a KMS problem).
var errorPatterns = []struct {
	kind investigation.ErrorKind
	expr string
}{
	{investigation.ErrKMS, `(?i)KMSInvalidStateException|KMS\w*Exception|DisabledException|KeyUnavailableException|pending deletion|key .*is disabled|kms:Decrypt|kms:GenerateDataKey|KMS key|arn:aws[\w-]*:kms:`},
	{investigation.ErrAccessDenied, `(?i)AccessDenied|not authorized to perform|not authorized to assume|unable to assume (the )?role|UnauthorizedOperation|AuthorizationError|Forbidden|\b403\b|permission denied|insufficient permissions|explicit deny|cannot be assumed`},
	{investigation.ErrThrottled, `(?i)Throttl|Rate exceeded|TooManyRequests|\b429\b|SlowDown|ProvisionedThroughputExceeded|RequestLimitExceeded|concurrency limit|ReservedFunctionConcurrent|TooManyRequestsException|too many clients already|Too many connections|remaining connection slots are reserved|connection limit exceeded`},
	{investigation.ErrDNS, `(?i)NXDOMAIN|no such host|Name or service not known|getaddrinfo ENOTFOUND|EAI_AGAIN|could not resolve|UnknownHostException|temporary failure in name resolution`},
	{investigation.ErrAuth, `(?i)password authentication failed|authentication failed|Access denied for user|invalid password|InvalidClientTokenId|ExpiredToken|SignatureDoesNotMatch|invalid credentials|bad credentials|login failed|\b401\b|Unauthorized\b`},
	{investigation.ErrExhaustion, `(?i)Task timed out|out of memory|OutOfMemory|MemoryError|Runtime exited with error: signal: killed|heap out of memory|OOMKilled|disk full|No space left|too many open files|deadline exceeded|Runtime\.ExitError`},
	{investigation.ErrNetwork, `(?i)ETIMEDOUT|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|connection refused|connection reset|connect timed out|connection timed out|connection failed|timeout expired|could not connect to server|Operation timed out|timed out connecting|i/o timeout|ReadTimeout|read timed out|request timed out|socket timeout|timeout of \d+ ?ms exceeded|upstream request timeout|no route to host|network is unreachable|Connect timeout|SocketTimeout|could not connect|unable to connect|ConnectTimeoutError|EndpointConnectionError`},
	{investigation.ErrNotFound, `(?i)ResourceNotFound|NoSuchKey|NoSuchBucket|NoSuchEntity|does not exist|not found|NonExistentQueue|QueueDoesNotExist|\b404\b|ParameterNotFound`},
	{investigation.ErrConfig, `\b[A-Z][A-Z0-9]*_[A-Z0-9_]+ (is )?(not set|unset|missing|undefined|empty)\b|(?i)KeyError|missing (required )?(environment|env|config|setting|variable)|environment variable .* (not set|missing|undefined)|undefined (config|setting)|invalid configuration|ConfigurationError|ValidationException|ImportModuleError|Cannot find module|ModuleNotFoundError|ClassNotFoundException|Handler .*missing|unable to consistently start tasks|CannotStartContainerError|TaskFailedToStart`},
	{investigation.ErrUnavailable, `(?i)\b50[234]\b|Service Unavailable|Bad Gateway|Gateway Time-?out|no healthy|upstream|ServiceUnavailable|InternalServerError|\b500\b`},
	{investigation.ErrApplication, `(?i)Traceback|Exception|\bERROR\b|\berror\b|panic:|TypeError|ReferenceError|NullPointer|undefined is not|Unhandled|\bFATAL\b|stack trace`},
}

// deployMarker matches lines where the workload says it started a new version,
// build or flag set: a change the control-plane trail never sees.
const deployMarker = `(?i)\b(deploy(ed|ing|ment)?|releas(e|ed|ing)|rolled out|rolling out|new version|starting (version|build|release)|(app|application|service) (version|build)|build (id|sha|number)|git[_ -]?(sha|commit)|feature[_ -]?flag|flag .*(enabled|disabled|flipped|turned on|turned off|set to)|config(uration)? (reload|reloaded|refreshed|pushed))\b`

// lambdaPlatformLine matches the Lambda platform's own lines, which carry no
// error of the function even when they mention timeouts or versions.
const lambdaPlatformLine = `^(START|END|INIT_START|EXTENSION|TELEMETRY) RequestId|^INIT_START|^(START|END) RequestId`

// logRules are the patterns above, matched with one pass over each line;
// the error patterns come first, in order, then the two markers.
var logRules = func() *ruleSet {
	exprs := make([]string, 0, len(errorPatterns)+2)
	for _, p := range errorPatterns {
		exprs = append(exprs, p.expr)
	}
	return newRuleSet(append(exprs, deployMarker, lambdaPlatformLine)...)
}()

var (
	deployRule   = len(errorPatterns)
	platformRule = len(errorPatterns) + 1
)

// ClassifyLine returns the error kind a log line shows, or "" for a line that
// is not an error.
func ClassifyLine(msg string) investigation.ErrorKind {
	s := logRules.scan(msg)
	return classifyScanned(&s)
}

// classifyLine returns the line's error kind and, for a line that is not an
// error, whether it announces a deploy: what the engine reads of a line.
func classifyLine(msg string) (investigation.ErrorKind, bool) {
	s := logRules.scan(msg)
	if k := classifyScanned(&s); k != "" {
		return k, false
	}
	return "", s.match(deployRule)
}

func classifyScanned(s *ruleScan) investigation.ErrorKind {
	if s.match(platformRule) {
		return ""
	}
	if strings.HasPrefix(s.msg, "REPORT RequestId") {
		// A REPORT line is healthy unless the platform says the invocation died.
		if strings.Contains(s.msg, "Status: timeout") {
			return investigation.ErrExhaustion
		}
		if strings.Contains(s.msg, "Status: error") {
			return investigation.ErrApplication
		}
		return ""
	}
	// The error patterns read the line with its measures masked; the scan
	// of the line as written serves when masking changed nothing.
	// Masking puts "#" where digits were and adds no letters, so a line
	// holding no literal of the rules, boundaries aside, matches no error
	// pattern masked either.
	if !s.anyLiteral && !s.slow {
		return ""
	}
	masked := s
	if m := maskMeasures(s.msg); m != s.msg {
		ms := logRules.scan(m)
		masked = &ms
	}
	for i, p := range errorPatterns {
		if masked.match(i) {
			return p.kind
		}
	}
	return ""
}

// LogEvidence summarises the error lines of the workload's logs.
type LogEvidence struct {
	Groups []string
	// Kinds holds, per error kind, the episode of such errors that is still
	// going on at the symptom. An episode that ended well before the alarm
	// is history, not the failure the alarm reports.
	Kinds map[investigation.ErrorKind]*KindOnset
	// Deploys are lines where the workload announced a new version or flag.
	Deploys []investigation.LogLine
	Lines   int
}

// KindOnset is when the current episode of errors of one kind began.
type KindOnset struct {
	Kind   investigation.ErrorKind
	First  investigation.LogLine
	Last   investigation.LogLine // the episode's latest line read
	Count  int
	Sample []investigation.LogLine // the episode's first lines, for evidence and mentions
	// PolicyTypes counts the kinds of policy AccessDenied lines blame
	// ("identity", "resource", …), when the messages say.
	PolicyTypes map[PolicyType]int
}

const (
	maxOnsetSamples = 20
	// ErrorEpisodeGap: errors of one kind separated by a longer quiet spell
	// are separate episodes.
	ErrorEpisodeGap = 10 * time.Minute
)

// newLogEvidence classifies lines and keeps, per kind, the episode that
// reaches the symptom: its last line is no older than ErrorEpisodeGap before it.
func newLogEvidence(groups []string, lines []investigation.LogLine, symptom time.Time) *LogEvidence {
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.Before(lines[j].Time) })
	ev := &LogEvidence{Groups: groups, Kinds: map[investigation.ErrorKind]*KindOnset{}, Lines: len(lines)}
	byKind := map[investigation.ErrorKind][]investigation.LogLine{}
	for _, l := range lines {
		k, deploy := classifyLine(l.Message)
		if k == "" {
			if deploy {
				ev.Deploys = append(ev.Deploys, l)
			}
			continue
		}
		byKind[k] = append(byKind[k], l)
	}
	for k, ls := range byKind {
		end := len(ls) - 1
		if ls[end].Time.Before(symptom.Add(-ErrorEpisodeGap)) {
			continue
		}
		start := end
		for start > 0 && ls[start].Time.Sub(ls[start-1].Time) <= ErrorEpisodeGap {
			start--
		}
		episode := ls[start : end+1]
		o := &KindOnset{Kind: k, First: episode[0], Last: episode[len(episode)-1], Count: len(episode)}
		o.Sample = episode[:min(len(episode), maxOnsetSamples)]
		if k == investigation.ErrAccessDenied {
			o.PolicyTypes = map[PolicyType]int{}
			for _, l := range episode {
				if pt := deniedBy(l.Message); pt != "" {
					o.PolicyTypes[pt]++
				}
			}
		}
		ev.Kinds[k] = o
	}
	return ev
}

// PolicyType is the kind of IAM policy an access decision rests on.
type PolicyType string

const (
	PolicyIdentity PolicyType = "identity" // role, user and group policies
	PolicyResource PolicyType = "resource" // key, bucket, queue, topic, function, secret, trust policies
	PolicyBoundary PolicyType = "boundary" // permissions boundaries
	PolicySCP      PolicyType = "scp"      // Organizations service control policies
	PolicySession  PolicyType = "session"  // session policies
	PolicyEndpoint PolicyType = "vpc_endpoint"
)

// AWS's AccessDenied messages name the policy type behind a refusal, e.g.
// "because no identity-based policy allows the s3:GetObject action" or "with
// an explicit deny in a resource-based policy".
var deniedByPatterns = []struct {
	typ PolicyType
	re  *regexp.Regexp
}{
	{PolicyIdentity, regexp.MustCompile(`(?i)identity-based polic`)},
	{PolicyResource, regexp.MustCompile(`(?i)resource-based polic`)},
	{PolicyBoundary, regexp.MustCompile(`(?i)permissions boundary`)},
	{PolicySCP, regexp.MustCompile(`(?i)service control polic`)},
	{PolicySession, regexp.MustCompile(`(?i)session polic`)},
	{PolicyEndpoint, regexp.MustCompile(`(?i)VPC endpoint polic`)},
}

func deniedBy(msg string) PolicyType {
	for _, p := range deniedByPatterns {
		if p.re.MatchString(msg) {
			return p.typ
		}
	}
	return ""
}

// firstError returns the earliest error onset of any kind, if any.
func (ev *LogEvidence) firstError() *KindOnset {
	var first *KindOnset
	for _, o := range ev.sortedKinds() {
		if first == nil || o.First.Time.Before(first.First.Time) {
			first = o
		}
	}
	return first
}

// sortedKinds returns onsets by count, most frequent first.
func (ev *LogEvidence) sortedKinds() []*KindOnset {
	out := make([]*KindOnset, 0, len(ev.Kinds))
	for _, o := range ev.Kinds {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

// lastDeployBefore returns the latest deploy marker at or before t.
func (ev *LogEvidence) lastDeployBefore(t time.Time) *investigation.LogLine {
	var last *investigation.LogLine
	for i := range ev.Deploys {
		if !ev.Deploys[i].Time.After(t) {
			last = &ev.Deploys[i]
		}
	}
	return last
}

// Noteworthy reports whether a log line is one the engine reads.
func Noteworthy(msg string) bool {
	k, deploy := classifyLine(msg)
	return k != "" || deploy
}

// LogFilterPattern is the CloudWatch Logs filter pattern that selects, on the
// server, roughly the lines Noteworthy accepts: errors, refusals, timeouts,
// throttling, and the lines where a workload announces a deploy, a version or
// a flag, which the trail never shows. It is a regex pattern (plain terms
// match whole words only, and the words that matter are glued into names like
// AccessDeniedException); the syntax allows no blanks or parentheses, so "."
// stands for a space. Matching is case-sensitive. It must let through every
// line Noteworthy accepts (a test holds it to that over the corpus); a line
// selected here and not by Noteworthy is only a wasted byte: the engine
// classifies what comes back.
const LogFilterPattern = `%Exception|ERROR|Error|error|FATAL|Fatal|fatal|panic|Traceback|` +
	`[Dd]enied|not.authorized|[Uu]nauthorized|[Ff]orbidden|[Rr]efused|[Rr]eset|[Tt]imed.out|[Tt]imeout|TIMEDOUT|[Uu]nreachable|` +
	`[Tt]hrottl|[Rr]ate.exceeded|TooManyRequests|[Uu]navailable|[Nn]ot.found|NotFound|NoSuch|no.such.host|ENOTFOUND|NXDOMAIN|` +
	`[Oo]ut.of.memory|OutOfMemory|MemoryError|KMS|[Ff]ailed|FAILED|40[134]|429|50[0234]|[Uu]pstream|[Nn]o.healthy|[Gg]ateway|[Dd]oes.not.exist|SlowDown|` +
	`[Dd]eploy|[Rr]elease|[Nn]ew.version|[Ss]tarting.version|[Ss]tarting.build|[Bb]uild.id|[Gg]it.sha|[Gg]it.commit|[Ff]eature.flag|[Ff]lag|[Rr]eloaded|[Rr]olled.out%`

package engine

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// networkMetric matches metrics that measure reachability or health rather
// than the workload's own errors: with no errors in its logs, such a symptom
// points at the network path.
var networkMetric = regexp.MustCompile(`(?i)HealthyHost|UnHealthyHost|TargetConnectionError|ConnectionError|StatusCheckFailed_System|NetworkPackets|PacketsDrop|PacketDrop|ErrorPortAllocation|IdleTimeoutCount|ConnectionAttemptCount|TunnelState|HealthCheckStatus|BackendConnectionErrors|RejectedConnectionCount`)

// blindSpots says what the trail cannot show, the likeliest first.
func (t *triage) blindSpots() []investigation.BlindSpot {
	var out []investigation.BlindSpot
	explained := len(t.ranked) > 0 && t.ranked[0].confidence != investigation.ConfidenceLow
	age := t.now.Sub(t.symptom)

	if len(t.scope.Resources) == 0 {
		names := make([]string, 0, len(t.scope.Unscoped))
		for _, d := range t.scope.Unscoped {
			names = append(names, d.Name+"="+d.Value)
		}
		note := "The alarm's metric names no AWS resource Trailhound can walk the trail of"
		if len(names) > 0 {
			note += " (dimensions " + strings.Join(names, ", ") + ")"
		}
		out = append(out, investigation.BlindSpot{Kind: investigation.BlindUnscoped, Note: note + ".",
			WhereToLook: "the service that publishes the metric, its deploy history and logs; or ask `changes <resource>` about the resource behind it"})
	}
	if age < DeliveryLag {
		out = append(out, investigation.BlindSpot{Kind: investigation.BlindDeliveryLag,
			Note: fmt.Sprintf("The alarm fired only %s ago and CloudTrail takes about %s to make events visible: the change behind it may not be in the trail yet.",
				ago(age), ago(DeliveryLag)),
			WhereToLook: "re-run the triage in a few minutes"})
	}
	// What only data events would show, when none are recorded, is the
	// likeliest blind spot of an unexplained symptom.
	trail := t.trailSpot()
	if trail != nil && !explained {
		out = append(out, *trail)
	}
	evidence := t.logBlindSpots(explained)
	out = append(out, evidence...)
	if !explained && len(evidence) == 0 {
		// No log evidence either way: order the usual suspects by what the
		// metric measures.
		switch {
		case t.metricMatches(networkMetric):
			out = append(out, networkSpot(), applicationSpot(""))
		case t.metricMatches(throttleMetric):
			out = append(out, throttleSpot(), applicationSpot(""))
		default:
			out = append(out, applicationSpot(""), networkSpot())
		}
	}
	if explained && len(out) == 0 {
		out = append(out, applicationSpot(""))
	}
	if trail != nil && explained {
		out = append(out, *trail)
	}
	if spot, ok := t.accountSpot(); ok {
		// Unexplained, or the alarm's own resource unread: what could not
		// be read is the likeliest place of the cause.
		if !explained || t.layer1Refused() {
			out = append([]investigation.BlindSpot{spot}, out...)
		} else {
			out = append(out, spot)
		}
	}
	return dedupeSpots(out)
}

// logBlindSpots reads the workload's logs for what the trail cannot show: a
// deploy announced by the application itself, or errors no change explains.
func (t *triage) logBlindSpots(explained bool) []investigation.BlindSpot {
	ev := t.logs
	if ev == nil {
		return nil
	}
	first := ev.firstError()
	if first == nil {
		if explained {
			return nil
		}
		if t.metricMatches(throttleMetric) {
			return []investigation.BlindSpot{throttleSpot()}
		}
		where := "the workload's deploy history"
		return []investigation.BlindSpot{{Kind: investigation.BlindNetwork,
			Note:        fmt.Sprintf("The workload's logs (%s) show no errors around the symptom, so the failure is likely outside it: the network path, a dependency's health or the client side.", strings.Join(ev.Groups, ", ")),
			WhereToLook: "VPC flow logs, Reachability Analyzer, target health and " + where}}
	}
	if explained && t.ranked[0].corrob != nil {
		return nil
	}
	if d := ev.lastDeployBefore(first.First.Time); d != nil && first.First.Time.Sub(d.Time) <= CorroborationMaxLag {
		return []investigation.BlindSpot{applicationSpot(fmt.Sprintf(" The workload announced a change itself at %s (%s) and errors began %s later.",
			clock(d.Time), quote(d.Message, 120), ago(first.First.Time.Sub(d.Time))))}
	}
	kinds := ev.sortedKinds()
	var desc []string
	for _, o := range kinds {
		desc = append(desc, fmt.Sprintf("%s ×%d from %s", strings.ReplaceAll(string(o.Kind), "_", " "), o.Count, clock(o.First.Time)))
	}
	kind := blindKindOf(kinds)
	where := "the log groups " + strings.Join(ev.Groups, ", ") + ", and the downstream services those errors name"
	switch kind {
	case investigation.BlindNetwork:
		where = "VPC flow logs and Reachability Analyzer for the path to the hosts those errors name, their status pages, and " + where
	case investigation.BlindApplication:
		where = "the code in the stack traces and the service's deploy history; " + where
	}
	return []investigation.BlindSpot{{Kind: kind,
		Note: fmt.Sprintf("The workload's logs show errors that no recorded change explains (%s), e.g. %s.",
			strings.Join(desc, "; "), quote(kinds[0].First.Message, 160)),
		WhereToLook: where}}
}

// transportFailure matches errors where the connection itself failed, before
// any answer: the network path, not the remote's or the workload's runtime.
var transportFailure = regexp.MustCompile(`(?i)ECONNRESET|connection reset|ECONNREFUSED|connection refused|EHOSTUNREACH|no route to host|network is unreachable|connect ETIMEDOUT|connect timed out|connection timed out|ConnectTimeout|socket disconnected|handshake|TLS|SSL|broken pipe|NXDOMAIN|no such host|ENOTFOUND|EAI_AGAIN|UnknownHost|could not resolve|name resolution`)

// blindKindOf says what the trail cannot see from the errors no change
// explains, weighing each episode by its lines: a failed connection or name
// is the network; a slow or failing answer, or the workload's own limits, is
// runtime; exceptions in the workload's code are the application.
func blindKindOf(kinds []*KindOnset) investigation.BlindSpotKind {
	votes := map[investigation.BlindSpotKind]int{}
	for _, o := range kinds {
		switch o.Kind {
		case investigation.ErrNetwork, investigation.ErrDNS:
			for _, l := range o.Sample {
				if transportFailure.MatchString(l.Message) {
					votes[investigation.BlindNetwork]++
				} else {
					votes[investigation.BlindRuntime]++
				}
			}
		case investigation.ErrApplication, investigation.ErrConfig:
			votes[investigation.BlindApplication] += min(o.Count, maxOnsetSamples)
		default:
			votes[investigation.BlindRuntime] += min(o.Count, maxOnsetSamples)
		}
	}
	best := investigation.BlindRuntime
	for _, k := range []investigation.BlindSpotKind{investigation.BlindNetwork, investigation.BlindApplication} {
		if votes[k] > votes[best] {
			best = k
		}
	}
	return best
}

func applicationSpot(extra string) investigation.BlindSpot {
	return investigation.BlindSpot{Kind: investigation.BlindApplication,
		Note:        "Application deploys, feature flags and config pushed outside AWS APIs never reach CloudTrail." + extra,
		WhereToLook: "the deploy history of the service (CI/CD, image tags, flag service) and its logs"}
}

func networkSpot() investigation.BlindSpot {
	return investigation.BlindSpot{Kind: investigation.BlindNetwork,
		Note:        "Packet loss, reachability and third-party outages leave no trace in CloudTrail.",
		WhereToLook: "VPC flow logs, Reachability Analyzer, target health and the AWS Health dashboard"}
}

// throttleMetric matches metrics that count refused or queued work: a
// runtime condition of the workload's limits, visible without any change.
var throttleMetric = regexp.MustCompile(`(?i)Throttl|ConcurrentExecutions|ProvisionedConcurrencySpillover|ThrottledRequests|ReadThrottleEvents|WriteThrottleEvents|UserErrors`)

func throttleSpot() investigation.BlindSpot {
	return investigation.BlindSpot{Kind: investigation.BlindRuntime,
		Note:        "The workload is refused or queued at a limit, and throttled requests never reach its logs: limits shared with other workloads (account concurrency, table or API quotas) move without a change on this resource.",
		WhereToLook: "the account- and service-level limits and what else consumes them (Lambda GetAccountSettings and other functions' reserved concurrency, Service Quotas)"}
}

func (t *triage) metricMatches(re *regexp.Regexp) bool {
	for _, m := range t.alarm.Metrics {
		if re.MatchString(m.Name) {
			return true
		}
	}
	return false
}

func dedupeSpots(in []investigation.BlindSpot) []investigation.BlindSpot {
	seen := map[investigation.BlindSpotKind]bool{}
	var out []investigation.BlindSpot
	for _, b := range in {
		if !seen[b.Kind] {
			seen[b.Kind] = true
			out = append(out, b)
		}
	}
	return out
}

// report assembles the final report.
func (t *triage) report() *investigation.Report {
	a := t.alarm
	rep := &investigation.Report{
		Alarm: investigation.AlarmSummary{
			Name: a.Name, ARN: a.ARN, Account: a.Account, Region: a.Region,
			State: a.State, StateChangeTime: a.StateChangeTime.UTC(), Reason: a.Reason,
			Resources:  append([]investigation.Resource{}, t.scope.Resources...),
			Comparison: a.Comparison, Threshold: a.Threshold, EvaluationPeriods: a.EvaluationPeriods,
		},
		Window:     investigation.Window{Start: t.symptom.Add(-Layer2Window).UTC(), End: t.symptom.UTC()},
		Candidates: append([]investigation.Candidate{}, t.cands...),
		AI:         investigation.AIStatus{ReasonUnused: "AI is off"},
		Stats: investigation.Stats{
			APICalls:        t.calls,
			EventsScanned:   t.scanned,
			ResourcesWalked: t.lookups,
			Truncated:       t.truncate,
		},
	}
	rep.BlindSpots = t.blindSpots()
	if t.coverage != nil {
		rep.CoverageGaps = t.coverage.gaps
	}
	rep.Explanation = t.explanation(rep.BlindSpots)
	rep.Notes = append(rep.Notes, t.notes...)
	if s := t.failedSummary(); s != "" {
		rep.Notes = append(rep.Notes, s)
	}
	return rep
}

// failedSummary tells of refused calls on the scoped resources: someone tried
// something that did not happen, which is evidence but never a change.
func (t *triage) failedSummary() string {
	if len(t.failed) == 0 {
		return ""
	}
	sort.Slice(t.failed, func(i, j int) bool { return t.failed[i].Time.After(t.failed[j].Time) })
	var parts []string
	for i, f := range t.failed {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(t.failed)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%s on %s by %s at %s (%s)", f.Name, f.Target.ID, f.Actor.Name, clock(f.Time), f.ErrorCode))
	}
	verb := "were"
	if len(t.failed) == 1 {
		verb = "was"
	}
	return fmt.Sprintf("%s on the scoped resources %s not counted as changes: %s.", investigation.Plural(len(t.failed), "failed call", "failed calls"), verb, strings.Join(parts, "; "))
}

// quote puts a log line on one line, shortened, between quotation marks.
func quote(msg string, n int) string {
	return "“" + truncate(strings.Join(strings.Fields(msg), " "), n) + "”"
}

package blocks

import (
	"fmt"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// Reports shaped like the engine's: its sentences, its links, its stats.

var (
	symptom = time.Date(2026, 3, 19, 14, 0, 0, 0, time.UTC)
	started = symptom.Add(50 * time.Second)
)

const (
	account  = "123456789012"
	artifact = "tr-20260319-140000-8f3a"
)

func ref(id, name, source, actor, region string, at time.Time) investigation.EventRef {
	return investigation.EventRef{EventID: id, EventName: name, EventSource: source, EventTime: at,
		Actor: actor, Region: region, Link: investigation.EventLink(region, id)}
}

func checkoutAlarm() investigation.AlarmSummary {
	return investigation.AlarmSummary{
		Name: "checkout-errors", ARN: "arn:aws:cloudwatch:eu-west-1:" + account + ":alarm:checkout-errors",
		Account: account, Region: "eu-west-1", State: investigation.StateAlarm, StateChangeTime: symptom,
		Reason:     "Threshold Crossed: 1 out of the last 1 datapoints [12.0 (19/03/26 13:59:00)] was greater than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition).",
		Resources:  []investigation.Resource{{Type: "AWS::Lambda::Function", ID: "checkout", Region: "eu-west-1"}},
		Comparison: "GreaterThanThreshold", Threshold: 5, EvaluationPeriods: 1,
	}
}

func baseStats() investigation.Stats {
	return investigation.Stats{
		APICalls: map[string]int{"cloudtrail:LookupEvents": 7, "lambda:GetFunctionConfiguration": 1,
			"iam:ListAttachedRolePolicies": 1, "iam:ListRolePolicies": 1, "logs:FilterLogEvents": 1},
		EventsScanned: 42, ResourcesWalked: 5, DurationMS: 2380,
	}
}

// highIAMReport: a policy detached from the function's role (layer 2),
// corroborated by AccessDenied in the function's logs.
func highIAMReport() *investigation.Report {
	detach := ref("7f3c2a9e-1b4d-4c8e-9a51-3e2f6d0b8c14", "DetachRolePolicy", "iam.amazonaws.com", "alice", "us-east-1", symptom.Add(-12*time.Minute-48*time.Second))
	cfg := ref("0d9b6e21-5a7c-4f33-8e10-2c4b9a7d6f58", "UpdateFunctionConfiguration20150331v2", "lambda.amazonaws.com", "deploy-pipeline", "eu-west-1", symptom.Add(-41*time.Minute))
	tag := ref("c1a8f0e2-9d47-4b6a-a3e5-7f2d1c0b9e86", "TagResource", "lambda.amazonaws.com", "deploy-pipeline", "eu-west-1", symptom.Add(-40*time.Minute))
	policy := "arn:aws:iam::" + account + ":policy/checkout-dynamodb-access"
	return &investigation.Report{
		Alarm:  checkoutAlarm(),
		Window: investigation.Window{Start: symptom.Add(-time.Hour), End: symptom},
		Candidates: []investigation.Candidate{
			{
				Rank: 1, Category: investigation.CategoryIAM, Confidence: investigation.ConfidenceHigh, Score: 0.91, Layer: 2,
				Summary:  "DetachRolePolicy on IAM role checkout-role by alice (policyArn=" + policy + ")",
				Resource: investigation.ResourceRef{Type: "AWS::IAM::Role", ID: "checkout-role"},
				Events:   []investigation.EventRef{detach},
				Claims: []investigation.Claim{
					{Text: "alice (console) called iam:DetachRolePolicy on IAM role checkout-role at 13:47:12 UTC with policyArn=" + policy + ".", Confidence: investigation.ConfidenceHigh, EventIDs: []string{detach.EventID}},
					{Text: "checkout-role is the execution role of checkout, which the alarm watches.", Confidence: investigation.ConfidenceHigh},
					{Text: "31 access denied error lines in /aws/lambda/checkout began at 13:47:40 UTC, 28s after the change, with none of that kind before it; they name checkout-role.", Confidence: investigation.ConfidenceHigh, EventIDs: []string{detach.EventID}},
					{Text: "This change likely caused checkout-errors to go to ALARM 13 min later: the timing, the kind of change and the log errors agree.", Confidence: investigation.ConfidenceHigh, EventIDs: []string{detach.EventID}},
				},
				Breakdown: investigation.ScoreBreakdown{Time: 0.27, Layer: 0.12, Kind: 0.25, Corroboration: 0.22, Actor: 0.05},
				NextStep:  "Re-attach the policy: aws iam attach-role-policy --role-name checkout-role --policy-arn " + policy,
				LogGroups: []string{"/aws/lambda/checkout"},
			},
			{
				Rank: 2, Category: investigation.CategoryConfig, Confidence: investigation.ConfidenceLow, Score: 0.34, Layer: 1,
				Summary:  "UpdateFunctionConfiguration20150331v2 on Lambda function checkout by deploy-pipeline (memorySize=512)",
				Resource: investigation.ResourceRef{Type: "AWS::Lambda::Function", ID: "checkout"},
				Events:   []investigation.EventRef{cfg},
				Claims: []investigation.Claim{
					{Text: "deploy-pipeline (automation) called lambda:UpdateFunctionConfiguration20150331v2 on Lambda function checkout at 13:19:00 UTC with memorySize=512.", Confidence: investigation.ConfidenceHigh, EventIDs: []string{cfg.EventID}},
					{Text: "It may be related to checkout-errors going to ALARM 41 min later, but little points to it: treat it as a lead, not a finding.", Confidence: investigation.ConfidenceLow, EventIDs: []string{cfg.EventID}},
				},
				Breakdown: investigation.ScoreBreakdown{Time: 0.08, Layer: 0.15, Kind: 0.09, Actor: 0.02},
				NextStep:  "Confirm it first; if it is the cause: restore the previous memory size with aws lambda update-function-configuration --function-name checkout --memory-size <previous>",
			},
			{
				Rank: 3, Category: investigation.CategoryTagging, Confidence: investigation.ConfidenceLow, Score: 0.12, Layer: 1,
				Summary:  "TagResource on Lambda function checkout by deploy-pipeline",
				Resource: investigation.ResourceRef{Type: "AWS::Lambda::Function", ID: "checkout"},
				Events:   []investigation.EventRef{tag},
				Claims: []investigation.Claim{
					{Text: "deploy-pipeline (automation) called lambda:TagResource on Lambda function checkout at 13:20:00 UTC.", Confidence: investigation.ConfidenceHigh, EventIDs: []string{tag.EventID}},
				},
				Breakdown: investigation.ScoreBreakdown{Time: 0.08, Layer: 0.15, Kind: 0.01, Actor: 0.02},
				NextStep:  "Confirm it first; if it is the cause: remove the tags added",
			},
		},
		Explanation: investigation.Explanation{
			WhatChanged: "alice (console) called iam:DetachRolePolicy on IAM role checkout-role at 13:47:12 UTC with policyArn=" + policy + ". checkout-role is the execution role of checkout, which the alarm watches. Also in the window: #2 UpdateFunctionConfiguration20150331v2 on Lambda function checkout by deploy-pipeline (memorySize=512) (low); #3 TagResource on Lambda function checkout by deploy-pipeline (low).",
			Why:         "checkout-errors went to ALARM at 14:00:00 UTC (Threshold Crossed: 1 out of the last 1 datapoints [12.0 (19/03/26 13:59:00)] was greater than the threshold (5.0)), 13 min after this change. 31 access denied error lines in /aws/lambda/checkout began at 13:47:40 UTC, 28s after the change, with none of that kind before it; they name checkout-role. Permissions take effect within seconds: once a role loses a permission, every call the workload makes with it fails with AccessDenied. Confidence that it caused the symptom: high.",
		},
		BlindSpots: []investigation.BlindSpot{{Kind: investigation.BlindApplication,
			Note:        "Application deploys, feature flags and config pushed outside AWS APIs never reach CloudTrail.",
			WhereToLook: "the deploy history of the service (CI/CD, image tags, flag service) and its logs"}},
		AI:         investigation.AIStatus{ReasonUnused: "AI is off (TRAILHOUND_AI=off)"},
		Stats:      baseStats(),
		ArtifactID: artifact,
	}
}

// mediumLayer1Report: the function's timeout lowered, no log evidence.
func mediumLayer1Report() *investigation.Report {
	upd := ref("5e7a1c93-2b8d-4f60-9c14-8a3e6b0d2f71", "UpdateFunctionConfiguration20150331v2", "lambda.amazonaws.com", "bob", "eu-west-1", symptom.Add(-6*time.Minute-20*time.Second))
	rep := &investigation.Report{
		Alarm:  checkoutAlarm(),
		Window: investigation.Window{Start: symptom.Add(-time.Hour), End: symptom},
		Candidates: []investigation.Candidate{{
			Rank: 1, Category: investigation.CategoryConfig, Confidence: investigation.ConfidenceMedium, Score: 0.63, Layer: 1,
			Summary:  "UpdateFunctionConfiguration20150331v2 on Lambda function checkout by bob (timeout=3)",
			Resource: investigation.ResourceRef{Type: "AWS::Lambda::Function", ID: "checkout"},
			Events:   []investigation.EventRef{upd},
			Claims: []investigation.Claim{
				{Text: "bob (human) called lambda:UpdateFunctionConfiguration20150331v2 on Lambda function checkout at 13:53:40 UTC with timeout=3.", Confidence: investigation.ConfidenceHigh, EventIDs: []string{upd.EventID}},
				{Text: "This change likely caused checkout-errors to go to ALARM 6 min later: the timing and the kind of change fit, but no log evidence ties the two.", Confidence: investigation.ConfidenceMedium, EventIDs: []string{upd.EventID}},
			},
			Breakdown: investigation.ScoreBreakdown{Time: 0.3, Layer: 0.15, Kind: 0.14, Actor: 0.04},
			NextStep:  "Set the timeout back: aws lambda update-function-configuration --function-name checkout --timeout <previous value>",
		}},
		Explanation: investigation.Explanation{
			WhatChanged: "bob (human) called lambda:UpdateFunctionConfiguration20150331v2 on Lambda function checkout at 13:53:40 UTC with timeout=3.",
			Why:         "checkout-errors went to ALARM at 14:00:00 UTC, 6 min after this change. No log errors tie the two; the link rests on timing and the kind of change. A configuration change (memory, timeout, environment, VPC) applies to the next invocation or restart. Confidence that it caused the symptom: medium.",
		},
		BlindSpots: []investigation.BlindSpot{{Kind: investigation.BlindApplication,
			Note:        "Application deploys, feature flags and config pushed outside AWS APIs never reach CloudTrail.",
			WhereToLook: "the deploy history of the service (CI/CD, image tags, flag service) and its logs"}},
		Notes:      []string{"no topology known for AWS::Lambda::Function: its dependencies were not walked (layer 1 only)"},
		AI:         investigation.AIStatus{ReasonUnused: "AI is off (TRAILHOUND_AI=off)"},
		Stats:      baseStats(),
		ArtifactID: artifact,
	}
	return rep
}

// noCauseReport: nothing in the trail; the blind spots say where to look.
func noCauseReport() *investigation.Report {
	return &investigation.Report{
		Alarm:  checkoutAlarm(),
		Window: investigation.Window{Start: symptom.Add(-time.Hour), End: symptom},
		Explanation: investigation.Explanation{
			WhatChanged: "Nothing in CloudTrail for checkout and its 3 dependencies in the 60 min before 14:00:00 UTC looks like a cause: no change was recorded there.",
			Why:         "The symptom most likely comes from something the trail cannot show. The workload's logs show errors that no recorded change explains (timeout ×14 from 13:58:02 UTC), e.g. \"Task timed out after 3.00 seconds\". Look at: the log groups /aws/lambda/checkout, and the downstream services those errors name.",
		},
		BlindSpots: []investigation.BlindSpot{
			{Kind: investigation.BlindRuntime,
				Note:        "The workload's logs show errors that no recorded change explains (timeout ×14 from 13:58:02 UTC), e.g. \"Task timed out after 3.00 seconds\".",
				WhereToLook: "the log groups /aws/lambda/checkout, and the downstream services those errors name"},
			{Kind: investigation.BlindApplication,
				Note:        "Application deploys, feature flags and config pushed outside AWS APIs never reach CloudTrail.",
				WhereToLook: "the deploy history of the service (CI/CD, image tags, flag service) and its logs"},
			{Kind: investigation.BlindNetwork,
				Note:        "Packet loss, reachability and third-party outages leave no trace in CloudTrail.",
				WhereToLook: "VPC flow logs, Reachability Analyzer, target health and the AWS Health dashboard"},
		},
		AI:         investigation.AIStatus{ReasonUnused: "AI is off (TRAILHOUND_AI=off)"},
		Stats:      baseStats(),
		ArtifactID: artifact,
	}
}

// deliveryLagReport: the alarm is younger than CloudTrail's delivery lag.
func deliveryLagReport() *investigation.Report {
	rep := noCauseReport()
	rep.Explanation.WhatChanged = "Nothing in CloudTrail for checkout and its 3 dependencies in the 60 min before 14:00:00 UTC looks like a cause: 1 change was recorded; the likeliest, PutFunctionConcurrency on Lambda function checkout by carol (reservedConcurrentExecutions=50), is weak evidence."
	put := ref("9a2c4e61-7b3d-4e8f-b5a0-1d6c8e2f4a97", "PutFunctionConcurrency", "lambda.amazonaws.com", "carol", "eu-west-1", symptom.Add(-52*time.Minute))
	rep.Candidates = []investigation.Candidate{{
		Rank: 1, Category: investigation.CategoryCapacity, Confidence: investigation.ConfidenceLow, Score: 0.21, Layer: 1,
		Summary:  "PutFunctionConcurrency on Lambda function checkout by carol (reservedConcurrentExecutions=50)",
		Resource: investigation.ResourceRef{Type: "AWS::Lambda::Function", ID: "checkout"},
		Events:   []investigation.EventRef{put},
		Claims: []investigation.Claim{
			{Text: "carol (console) called lambda:PutFunctionConcurrency on Lambda function checkout at 13:08:00 UTC with reservedConcurrentExecutions=50.", Confidence: investigation.ConfidenceHigh, EventIDs: []string{put.EventID}},
			{Text: "It may be related to checkout-errors going to ALARM 52 min later, but little points to it: treat it as a lead, not a finding.", Confidence: investigation.ConfidenceLow, EventIDs: []string{put.EventID}},
		},
		Breakdown: investigation.ScoreBreakdown{Time: 0.02, Layer: 0.15, Kind: 0.03, Actor: 0.01},
		NextStep:  "Confirm it first; if it is the cause: remove the reserved concurrency with aws lambda delete-function-concurrency --function-name checkout",
	}}
	rep.BlindSpots = append([]investigation.BlindSpot{{Kind: investigation.BlindDeliveryLag,
		Note:        "The alarm fired only 2 min ago and CloudTrail takes about 5 min to make events visible: the change behind it may not be in the trail yet.",
		WhereToLook: "re-run the triage in a few minutes"}}, rep.BlindSpots...)
	return rep
}

// manyNotesReport: a walk cut short, with many long notes.
func manyNotesReport() *investigation.Report {
	rep := mediumLayer1Report()
	rep.Stats.Truncated = true
	rep.Notes = nil
	for i := range 25 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("changes on AWS::EC2::SecurityGroup sg-0a1b2c3d4e5f%05d: more than 500 events in the window, the oldest were not read (lookup budget of 40 queries spent before the rest of the scope; raise TRAILHOUND_MAX_LOOKUPS to read them)", i))
	}
	return rep
}

// Hostile data: every string that comes from AWS or a user tries to notify,
// link, break the layout or blow a limit.
const (
	ping    = "<!channel>"
	evil    = "<http://evil.example|click here>"
	mention = "<@U0123ABCD> <!here> <#C0123|general> <!subteam^S123>"
	rtl     = "\u202Egnp.exe\u202C"
	uni     = "Zürich 東京 🚨👩‍💻 ünïcödé"
)

func long(seed string) string {
	return string([]rune(strings.Repeat(seed+" & "+uni+" ", 5000/(len([]rune(seed))+len([]rune(uni))+4)+1))[:5000])
}

func hostileReport(events int) *investigation.Report {
	rep := highIAMReport()
	rep.Alarm.Name = ping + " checkout " + evil + " " + long("alarm")
	rep.Alarm.Reason = mention + " " + long("reason")
	rep.Alarm.Account = "<!everyone>"
	rep.Alarm.Resources = append(rep.Alarm.Resources, investigation.Resource{Type: "AWS::Lambda::Function", ID: evil + rtl})
	rep.Explanation.WhatChanged = evil + "\n\n" + long("what")
	rep.Explanation.Why = ping + "\n" + long("why")
	rep.ArtifactID = "<!channel>/../" + long("artifact")
	for ci := range rep.Candidates {
		c := &rep.Candidates[ci]
		c.Summary = evil + " " + long("summary")
		c.NextStep = "`rm -rf` *now* " + ping + " " + long("next")
		c.Resource.ID = mention + long("resource")
		c.Category = investigation.Category("<!channel>")
		c.Confidence = investigation.Confidence("<!here>")
		for i := range 20 {
			c.Claims = append(c.Claims, investigation.Claim{Text: fmt.Sprintf("claim %d %s %s", i, evil, long("claim")), Confidence: "<@U1>"})
		}
		var refs []investigation.EventRef
		for i := range events {
			id := fmt.Sprintf("%08d-aaaa-4bbb-8ccc-%012d", ci, i)
			e := ref(id, "Detach|Role>Policy"+ping, "iam.amazonaws.com", ping+" "+long("actor"), "us-east-1", symptom.Add(-time.Duration(i)*time.Minute))
			switch i % 5 {
			case 1:
				e.Link = "https://evil.example/cloudtrailv2/home?region=us-east-1#/events/" + id
			case 2:
				e.Link = "https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/" + id
			case 3:
				e.Link = investigation.EventLink("us-east-1", "someone-elses-event")
			}
			refs = append(refs, e)
		}
		c.Events = refs
	}
	rep.BlindSpots = append(rep.BlindSpots,
		investigation.BlindSpot{Kind: "<!channel>", Note: evil + long("note"), WhereToLook: mention + long("where")},
		investigation.BlindSpot{Kind: investigation.BlindNetwork, Note: long("net"), WhereToLook: long("vpc")},
		investigation.BlindSpot{Kind: investigation.BlindRuntime, Note: long("rt"), WhereToLook: long("logs")},
	)
	for i := range 12 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("note %d %s %s", i, ping, long("n")))
	}
	rep.Stats.APICalls[evil] = 3
	return rep
}

func aiAssessment(rep *investigation.Report) *AIAssessment {
	return &AIAssessment{
		Model: "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
		Ranking: []AIRank{
			{EventIDs: []string{rep.Candidates[0].Events[0].EventID}, Plausibility: 0.92, Reason: "AccessDenied on dynamodb:PutItem starts 28 s after the detach and names the role."},
			{EventIDs: []string{rep.Candidates[2].Events[0].EventID}, Plausibility: 0.05, Reason: "Tags do not change behaviour here."},
			{EventIDs: []string{rep.Candidates[1].Events[0].EventID}, Plausibility: 0.03, Reason: "Memory was raised, not lowered."},
		},
		Explanation: investigation.Explanation{
			WhatChanged: "alice detached checkout-dynamodb-access from checkout-role in the console.",
			Why:         "Every DynamoDB write from checkout has failed with AccessDenied since.",
		},
		MissingEvidence: []string{"Whether another policy grants dynamodb:PutItem to checkout-role (not in the evidence)."},
		NextActions: []AIAction{
			{Action: "Re-attach checkout-dynamodb-access to checkout-role", Why: "restores the permission the errors name", EventIDs: []string{rep.Candidates[0].Events[0].EventID}},
			{Action: "Ask alice why the policy was detached", Why: "it may have been meant for another role"},
		},
		InputTokens: 18234, OutputTokens: 912, ToolCalls: 4, DroppedClaims: 1, CostUSD: 0.068,
	}
}

func hostileAI() *AIAssessment {
	a := &AIAssessment{Model: ping, InputTokens: 1, OutputTokens: 1, ToolCalls: 9, DroppedClaims: 3}
	for i := range 12 {
		a.Ranking = append(a.Ranking, AIRank{EventIDs: []string{fmt.Sprintf("00000000-aaaa-4bbb-8ccc-%012d", i), evil}, Plausibility: float64(i) / 3, Reason: evil + long("ai")})
		a.MissingEvidence = append(a.MissingEvidence, ping+long("missing"))
		a.NextActions = append(a.NextActions, AIAction{Action: mention + long("act"), Why: long("because"), EventIDs: []string{evil, "x"}})
	}
	a.Explanation = investigation.Explanation{WhatChanged: long("ai what"), Why: evil + long("ai why")}
	return a
}

func changeEvents() []investigation.Event {
	at := func(m int) time.Time { return time.Date(2026, 3, 19, 13, m, 7, 0, time.UTC) }
	return []investigation.Event{
		{ID: "3b1e7c52-8a9d-4f06-b2e4-6c0a5d1f9e83", Name: "DetachRolePolicy", Source: "iam.amazonaws.com", Time: at(47), Region: "us-east-1",
			Actor: investigation.Actor{Name: "alice", Kind: investigation.ActorConsole}, Resources: []investigation.EventResource{{Type: "AWS::IAM::Role", Name: "checkout-role"}, {Type: "AWS::IAM::Policy", Name: "checkout-dynamodb-access"}}},
		{ID: "a4d2f8e1-6c3b-4a79-9e05-2b7d1c8f3a64", Name: "UpdateFunctionConfiguration20150331v2", Source: "lambda.amazonaws.com", Time: at(19), Region: "eu-west-1",
			Actor: investigation.Actor{Name: "deploy-pipeline", Kind: investigation.ActorAutomation}, Resources: []investigation.EventResource{{Type: "AWS::Lambda::Function", Name: "checkout"}}},
		{ID: "e9c7a3b5-1d2f-4e68-8a0b-5f4c3d2e1a09", Name: "PutRolePolicy", Source: "iam.amazonaws.com", Time: at(52), Region: "us-east-1", ErrorCode: "AccessDenied",
			Actor: investigation.Actor{Name: "mallory", Kind: investigation.ActorHuman}, Resources: []investigation.EventResource{{Type: "AWS::IAM::Role", Name: "checkout-role"}}},
	}
}

func manyChangeEvents(n int, name string) []investigation.Event {
	var out []investigation.Event
	for i := range n {
		out = append(out, investigation.Event{
			ID: fmt.Sprintf("%08x-1111-4222-8333-%012x", i, i), Name: name, Source: "ec2.amazonaws.com",
			Time: symptom.Add(-time.Duration(i) * time.Minute), Region: "eu-west-1",
			Actor:     investigation.Actor{Name: "terraform"},
			Resources: []investigation.EventResource{{Type: "AWS::EC2::SecurityGroup", Name: fmt.Sprintf("sg-%017x", i)}},
		})
	}
	return out
}

package check

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Stand-ins for the deploy-time pseudo parameters, to build a queue's ARN.
var examplePseudo = map[string]string{
	"AWS::Region":    "eu-west-1",
	"AWS::AccountId": "123456789012",
	"AWS::Partition": "aws",
}

// exampleQueueARN is the ARN a queue of that name gets in the example
// region and account.
func exampleQueueARN(name string) string {
	return "arn:aws:sqs:" + examplePseudo["AWS::Region"] + ":" + examplePseudo["AWS::AccountId"] + ":" + name
}

// CheckQueueAgainstPolicy checks that the alarm queue of the SNS-to-SQS
// template (the queue its QueueUrl output names) is one the IAM policy's
// SQS statement covers, for every queue name the template accepts, and that
// the queue's own policy grants the bot's role the same actions as the IAM
// policy. Disagreeing, the bot's receives and deletes are denied.
func CheckQueueAgainstPolicy(t *Template, p *Policy) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	var sqsStmts []Statement
	for _, st := range p.Statement {
		for _, r := range st.Resources() {
			if strings.HasPrefix(r, "arn:aws:sqs:") {
				sqsStmts = append(sqsStmts, st)
				break
			}
		}
	}
	if len(sqsStmts) != 1 {
		fail("the IAM policy has %d statements on SQS queues, want 1", len(sqsStmts))
		return errs
	}
	granted := sqsStmts[0]

	out, ok := t.Outputs["QueueUrl"]
	queue := RefName(out.Value)
	if !ok || queue == "" || t.Resources[queue].Type != "AWS::SQS::Queue" {
		fail("the template's QueueUrl output does not Ref an AWS::SQS::Queue")
		return errs
	}
	for _, name := range t.ResourcesOfType("AWS::SNS::Subscription") {
		props := t.Resources[name].Properties
		if res, attr := GetAtt(props["Endpoint"]); props["Protocol"] != "sqs" || res != queue || attr != "Arn" {
			fail("subscription %s does not deliver to %s", name, queue)
		}
	}

	nameValue, named := t.Resources[queue].Properties["QueueName"]
	if !named {
		fail("queue %s has no QueueName: CloudFormation would name it <stack>-%s-<random>, which %v does not cover", queue, queue, granted.Resources())
		return errs
	}
	name, ok := t.ResolveString(nameValue, examplePseudo)
	if !ok {
		fail("queue %s: QueueName %v cannot be resolved from the template", queue, nameValue)
		return errs
	}
	arn := exampleQueueARN(name)
	if !slices.ContainsFunc(granted.Resources(), func(pat string) bool { return MatchesARN(pat, arn) }) {
		fail("queue %s is named %q by default; the IAM policy grants %v", queue, name, granted.Resources())
	}
	// A parameter can be given another value at deploy time: what it may be
	// must stay inside the policy's pattern too.
	if param := RefName(nameValue); param != "" {
		errs = append(errs, checkNameParameter(param, t.Parameters[param], granted.Resources())...)
	}

	return append(errs, checkQueuePolicies(t, queue, granted)...)
}

// checkQueuePolicies checks that exactly one queue policy covers the queue,
// with one statement for the bot's role that grants on the queue's ARN what
// the IAM policy's SQS statement grants.
func checkQueuePolicies(t *Template, queue string, granted Statement) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	var queuePolicies int
	for _, qp := range t.ResourcesOfType("AWS::SQS::QueuePolicy") {
		props := t.Resources[qp].Properties
		queues, _ := props["Queues"].([]any)
		if !slices.ContainsFunc(queues, func(q any) bool { return RefName(q) == queue }) {
			continue
		}
		queuePolicies++
		doc, err := PolicyFromValue(props["PolicyDocument"])
		if err != nil {
			fail("queue policy %s: %v", qp, err)
			continue
		}
		var forBot int
		for _, st := range doc.Statement {
			principal, _ := st.Principal.(map[string]any)
			if _, isRole := principal["AWS"]; !isRole {
				continue
			}
			forBot++
			if res, attr := GetAtt(st.Resource); res != queue || attr != "Arn" {
				fail("queue policy %s, statement %s: Resource is not %s's ARN", qp, st.Sid, queue)
			}
			if !slices.Equal(st.Actions(), granted.Actions()) {
				fail("queue policy %s, statement %s grants %v; the IAM policy's statement %s grants %v", qp, st.Sid, st.Actions(), granted.Sid, granted.Actions())
			}
		}
		if forBot != 1 {
			fail("queue policy %s has %d statements for the bot's role, want 1", qp, forBot)
		}
	}
	if queuePolicies != 1 {
		fail("%d queue policies on %s, want 1", queuePolicies, queue)
	}
	return errs
}

// checkNameParameter checks that every value the queue-name parameter
// accepts is a name the policy covers.
func checkNameParameter(name string, p Parameter, patterns []string) []error {
	if len(p.AllowedValues) > 0 {
		var errs []error
		for _, v := range p.AllowedValues {
			arn := exampleQueueARN(fmt.Sprint(v))
			if !slices.ContainsFunc(patterns, func(pat string) bool { return MatchesARN(pat, arn) }) {
				errs = append(errs, fmt.Errorf("parameter %s allows %v, which %v does not cover", name, v, patterns))
			}
		}
		return errs
	}
	if p.AllowedPattern == "" {
		return []error{fmt.Errorf("parameter %s names the queue but has no AllowedPattern: any name could be given", name)}
	}
	re, err := regexp.Compile(p.AllowedPattern)
	if err != nil {
		return []error{fmt.Errorf("parameter %s: AllowedPattern: %v", name, err)}
	}
	// CloudFormation matches AllowedPattern against the whole value, so every
	// value starts with the pattern's literal prefix. The policy's patterns
	// of the form arn:…:prefix* cover such names when prefix starts it.
	literal, _ := re.LiteralPrefix()
	for _, pat := range patterns {
		i := strings.LastIndexByte(pat, ':')
		namePart := pat[i+1:]
		prefix, isPrefix := strings.CutSuffix(namePart, "*")
		if !isPrefix || strings.ContainsAny(prefix, "*?") {
			continue
		}
		if strings.HasPrefix(literal, prefix) && MatchesARN(pat, exampleQueueARN(literal)) {
			return nil
		}
	}
	return []error{fmt.Errorf("parameter %s: AllowedPattern %q lets in names that %v does not cover", name, p.AllowedPattern, patterns)}
}

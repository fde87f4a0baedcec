package engine

import (
	"context"
	"strings"
	"unicode"

	"github.com/trailhound/trailhound/investigation"
)

// Finding a workload's log group when nothing names it. An instance's agent
// writes wherever its configuration says, but an application that publishes
// its own metric names both after itself: the metric namespace ErpConnector
// and the log group /erp/connector. A group whose name holds every word of
// the alarm's custom namespace is the workload's.
const (
	// maxFoundGroups bounds the groups read on the strength of a name match.
	maxFoundGroups = 2
	// findPage is how many candidate names one search reads.
	findPage = 50
	// minNamespaceWord: shorter words ("v2", "io") match too many groups.
	minNamespaceWord = 3
)

// genericNamespaces are custom namespaces that name a tool, not a workload.
var genericNamespaces = map[string]bool{"CWAgent": true, "ContainerInsights": true, "ECS/ContainerInsights": true}

// findLogGroups searches the log groups named after the alarm's custom
// metric namespace; nil when the reader cannot list groups or none fits.
func (t *triage) findLogGroups(ctx context.Context, fx *effects) []logGroup {
	finder, ok := t.engine.Logs.(investigation.LogGroupFinder)
	if !ok {
		return nil
	}
	var found []logGroup
	for _, m := range t.alarm.Metrics {
		account := m.AccountID
		if account == "" {
			account = t.alarm.Account
		}
		words := namespaceWords(m.Namespace)
		if len(words) == 0 {
			continue
		}
		longest := words[0]
		for _, w := range words {
			if len(w) > len(longest) {
				longest = w
			}
		}
		names, err := finder.LogGroups(investigation.WithAccount(ctx, account), t.alarm.Region, longest, findPage)
		if err != nil {
			fx.note("log groups named after %s not listed: %v", m.Namespace, err)
			continue
		}
		for _, n := range names {
			if holdsAll(strings.ToLower(n), words) && len(found) < maxFoundGroups {
				found = append(found, logGroup{name: n, account: account})
				fx.note("log group %s read because its name matches the alarm's metric namespace %s", n, m.Namespace)
			}
		}
	}
	return dedupeLogGroups(found)
}

// namespaceWords splits a custom namespace into lower-case words at case
// changes and separators ("ErpConnector" → erp, connector); nil for AWS's
// own namespaces and generic ones.
func namespaceWords(ns string) []string {
	if ns == "" || strings.HasPrefix(ns, "AWS/") || genericNamespaces[ns] {
		return nil
	}
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) >= minNamespaceWord {
			words = append(words, strings.ToLower(string(cur)))
		}
		cur = cur[:0]
	}
	prev := rune(0)
	for _, r := range ns {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && prev != 0 && unicode.IsLower(prev):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return words
}

func holdsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

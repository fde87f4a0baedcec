package engine

import (
	"context"
	"regexp"
	"slices"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/catalogue"
)

// actionPattern finds the actions error lines name ("not authorized to
// perform: s3:GetObject", "calling the kms:Decrypt operation").
var actionPattern = regexp.MustCompile(`\b([a-z][a-z0-9-]{1,24}):([A-Z][A-Za-z]{2,60})\b`)

// classSources are the services an error class points at even when the
// lines name no action: a KMS error is KMS's, a rejected password a secret's.
var classSources = map[investigation.ErrorKind][]string{
	investigation.ErrKMS:  {"kms.amazonaws.com"},
	investigation.ErrAuth: {"secretsmanager.amazonaws.com", "ssm.amazonaws.com"},
}

// startByClass looks up, by event name, the breaking kinds of change of the
// services the errors name that produce errors of their class; its effects
// keep those that touched something in scope or named in the errors.
func (t *triage) startByClass(ctx context.Context) *effects {
	var fx effects
	if t.logs == nil {
		return &fx
	}
	sources := map[string]bool{}
	var classes []investigation.ErrorKind
	for _, o := range t.logs.sortedKinds() {
		if genericKinds[o.Kind] {
			continue
		}
		classes = append(classes, o.Kind)
		for _, src := range classSources[o.Kind] {
			sources[src] = true
		}
		for _, l := range o.Sample {
			for _, m := range actionPattern.FindAllStringSubmatch(l.Message, -1) {
				sources[m[1]+".amazonaws.com"] = true
			}
		}
	}
	var picks []catalogue.ChangeKind
	for _, k := range catalogue.Catalogue() {
		if !sources[k.Source] || k.Weight < classMinWeight || t.more.looked[k.Name] {
			continue
		}
		for _, c := range classes {
			if k.Produces(c) {
				picks = append(picks, k)
				break
			}
		}
	}
	slices.SortStableFunc(picks, func(a, b catalogue.ChangeKind) int { return cmpWeight(b.Weight, a.Weight) })
	// The lookups start together; what they found is kept in pick order.
	for i, k := range picks {
		if i == ClassLookups {
			fx.note("%s of change that produce these errors not looked up by name (budget of %d)", investigation.Plural(len(picks)-i, "more kind", "more kinds"), ClassLookups)
			break
		}
		t.lookedUp(k.Name)
		region := t.alarm.Region
		if globalSources[k.Source] {
			region = investigation.GlobalServiceRegion
		}
		found := t.startExtraLookup(ctx, investigation.Lookup{Region: region, Key: investigation.AttrEventName, Value: k.Name,
			Start: t.symptom.Add(-Layer2Window), End: t.symptom}, k.Name+" in the window", 0)
		fx.then(func(t *triage) { t.keepAttributed(found()) })
	}
	return &fx
}

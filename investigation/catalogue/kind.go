package catalogue

import (
	"encoding/json"

	"github.com/trailhound/trailhound/investigation"
)

// KindOfEvent is what a recorded call changed: its catalogued kind (or a
// guess from its name), refined by its request where the name alone does
// not say.
func KindOfEvent(ev investigation.Event) ChangeKind {
	k, ok := KindOf(ev.Source, ev.Name)
	if !ok {
		k = GuessKind(ev.Source, ev.Name)
	}
	if Symptomless(k) {
		k.NoSymptoms = true
	}
	return refineKind(k, ev)
}

// refineKind reads the request of calls whose name does not say what they
// change, so that their category and the errors they can cause follow what
// they actually set.
func refineKind(k ChangeKind, ev investigation.Event) ChangeKind {
	if len(ev.RequestJSON) == 0 {
		return k
	}
	var req map[string]json.RawMessage
	if json.Unmarshal(ev.RequestJSON, &req) != nil {
		return k
	}
	has := func(key string) bool { _, ok := req[key]; return ok }
	k = byAttributes(k, req)
	switch {
	case ev.Service() == "ecs" && k.Name == "UpdateService":
		// UpdateService both deploys (a new task definition, a forced new
		// deployment) and scales (desiredCount alone).
		if has("desiredCount") && !has("taskDefinition") && !has("forceNewDeployment") {
			k.Category = investigation.CategoryCapacity
			k.SymptomKinds = nil
		}
	case ev.Service() == "lambda" && k.Name == "UpdateFunctionConfiguration":
		// One call sets memory, timeout, environment, VPC, role, key or
		// layers; each breaks things its own way.
		var kinds []investigation.ErrorKind
		for _, f := range lambdaConfigSymptoms {
			if has(f.field) {
				kinds = append(kinds, f.kinds...)
			}
		}
		if len(kinds) > 0 {
			k.SymptomKinds = kinds
		}
	}
	return k
}

var lambdaConfigSymptoms = []struct {
	field string
	kinds []investigation.ErrorKind
}{
	{"role", []investigation.ErrorKind{investigation.ErrAccessDenied}},
	{"vpcConfig", []investigation.ErrorKind{investigation.ErrNetwork, investigation.ErrDNS}},
	{"memorySize", []investigation.ErrorKind{investigation.ErrExhaustion}},
	{"timeout", []investigation.ErrorKind{investigation.ErrExhaustion}},
	{"ephemeralStorage", []investigation.ErrorKind{investigation.ErrExhaustion}},
	{"environment", []investigation.ErrorKind{investigation.ErrConfig, investigation.ErrApplication, investigation.ErrNotFound, investigation.ErrAuth}},
	{"kMSKeyArn", []investigation.ErrorKind{investigation.ErrKMS}},
	{"layers", []investigation.ErrorKind{investigation.ErrApplication, investigation.ErrConfig}},
	{"runtime", []investigation.ErrorKind{investigation.ErrApplication, investigation.ErrConfig}},
	{"handler", []investigation.ErrorKind{investigation.ErrConfig, investigation.ErrApplication}},
	{"deadLetterConfig", []investigation.ErrorKind{investigation.ErrAccessDenied, investigation.ErrNotFound}},
}

// categorySymptoms lists the error kinds a change of each category typically
// produces in the workloads that depend on what it touched.
var categorySymptoms = map[investigation.Category][]investigation.ErrorKind{
	investigation.CategoryIAM:           {investigation.ErrAccessDenied},
	investigation.CategoryNetwork:       {investigation.ErrNetwork, investigation.ErrUnavailable},
	investigation.CategoryDeployment:    {investigation.ErrApplication, investigation.ErrConfig, investigation.ErrExhaustion, investigation.ErrNotFound},
	investigation.CategoryConfig:        {investigation.ErrConfig, investigation.ErrExhaustion, investigation.ErrApplication, investigation.ErrNetwork},
	investigation.CategoryCapacity:      {investigation.ErrThrottled, investigation.ErrExhaustion, investigation.ErrUnavailable},
	investigation.CategoryDatabase:      {investigation.ErrNetwork, investigation.ErrUnavailable, investigation.ErrAuth, investigation.ErrNotFound, investigation.ErrThrottled},
	investigation.CategoryStorage:       {investigation.ErrAccessDenied, investigation.ErrNotFound},
	investigation.CategoryEncryption:    {investigation.ErrKMS, investigation.ErrAccessDenied},
	investigation.CategoryDNS:           {investigation.ErrDNS, investigation.ErrNetwork},
	investigation.CategoryLoadBalancing: {investigation.ErrUnavailable, investigation.ErrNetwork},
	investigation.CategorySecrets:       {investigation.ErrAuth, investigation.ErrConfig, investigation.ErrNotFound, investigation.ErrAccessDenied},
	investigation.CategoryMessaging:     {investigation.ErrAccessDenied, investigation.ErrNotFound, investigation.ErrThrottled},
	investigation.CategoryAPI:           {investigation.ErrAccessDenied, investigation.ErrUnavailable, investigation.ErrNotFound},
	investigation.CategoryCDN:           {investigation.ErrUnavailable, investigation.ErrAccessDenied},
	investigation.CategoryKubernetes:    {investigation.ErrUnavailable, investigation.ErrExhaustion, investigation.ErrNetwork},
}

// Symptoms returns the error kinds a change kind produces: its own list when
// the catalogue gives one, else its category's.
func (k ChangeKind) Symptoms() []investigation.ErrorKind {
	if k.NoSymptoms {
		return nil
	}
	if len(k.SymptomKinds) > 0 {
		return k.SymptomKinds
	}
	return categorySymptoms[k.Category]
}

// Produces reports whether a change of kind k can cause errors of kind e.
func (k ChangeKind) Produces(e investigation.ErrorKind) bool {
	for _, s := range k.Symptoms() {
		if s == e {
			return true
		}
	}
	return false
}

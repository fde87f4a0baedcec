package investigation

import "encoding/json"

// KindOfEvent is what a recorded call changed: its catalogued kind (or a
// guess from its name), refined by its request where the name alone does
// not say.
func KindOfEvent(ev Event) ChangeKind {
	k, ok := KindOf(ev.Source, ev.Name)
	if !ok {
		k = GuessKind(ev.Source, ev.Name)
	}
	return refineKind(k, ev)
}

// refineKind reads the request of calls whose name does not say what they
// change, so that their category and the errors they can cause follow what
// they actually set.
func refineKind(k ChangeKind, ev Event) ChangeKind {
	if len(ev.RequestJSON) == 0 {
		return k
	}
	var req map[string]json.RawMessage
	if json.Unmarshal(ev.RequestJSON, &req) != nil {
		return k
	}
	has := func(key string) bool { _, ok := req[key]; return ok }
	switch {
	case serviceOf(ev.Source) == "ecs" && k.Name == "UpdateService":
		// UpdateService both deploys (a new task definition, a forced new
		// deployment) and scales (desiredCount alone).
		if has("desiredCount") && !has("taskDefinition") && !has("forceNewDeployment") {
			k.Category = CategoryCapacity
			k.SymptomKinds = nil
		}
	case serviceOf(ev.Source) == "lambda" && k.Name == "UpdateFunctionConfiguration":
		// One call sets memory, timeout, environment, VPC, role, key or
		// layers; each breaks things its own way.
		var kinds []ErrorKind
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
	kinds []ErrorKind
}{
	{"role", []ErrorKind{ErrAccessDenied}},
	{"vpcConfig", []ErrorKind{ErrNetwork, ErrDNS}},
	{"memorySize", []ErrorKind{ErrExhaustion}},
	{"timeout", []ErrorKind{ErrExhaustion}},
	{"ephemeralStorage", []ErrorKind{ErrExhaustion}},
	{"environment", []ErrorKind{ErrConfig, ErrApplication, ErrNotFound, ErrAuth}},
	{"kMSKeyArn", []ErrorKind{ErrKMS}},
	{"layers", []ErrorKind{ErrApplication, ErrConfig}},
	{"runtime", []ErrorKind{ErrApplication, ErrConfig}},
	{"handler", []ErrorKind{ErrConfig, ErrApplication}},
	{"deadLetterConfig", []ErrorKind{ErrAccessDenied, ErrNotFound}},
}

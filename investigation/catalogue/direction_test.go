package catalogue

import (
	"encoding/json"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

func TestDirection(t *testing.T) {
	fn := func(req, resp string) investigation.Event {
		raw := `{"responseElements":` + resp + `}`
		return investigation.Event{Source: srcLambda, Name: "UpdateFunctionConfiguration20150331v2",
			RequestJSON: json.RawMessage(req), Raw: json.RawMessage(raw)}
	}
	prior := fn(`{"functionName":"f"}`, `{"memorySize":1024,"timeout":10}`)
	cases := []struct {
		name     string
		ev       investigation.Event
		prior    *investigation.Event
		wantNone bool // the change loses every symptom
		lowered  bool
	}{
		{"memory raised, old from the prior call", fn(`{"functionName":"f","memorySize":2048}`, `{}`), &prior, true, false},
		{"memory lowered keeps its symptoms", fn(`{"functionName":"f","memorySize":512}`, `{}`), &prior, false, true},
		{"old value unknown keeps its symptoms", fn(`{"functionName":"f","memorySize":2048}`, `{}`), nil, false, false},
		{"raised with another setting keeps them", fn(`{"functionName":"f","memorySize":2048,"environment":{}}`, `{}`), &prior, false, false},
		{"rds class cut, old class in its own response", investigation.Event{Source: srcRDS, Name: "ModifyDBInstance",
			RequestJSON: json.RawMessage(`{"dBInstanceIdentifier":"db","dBInstanceClass":"db.r6g.2xlarge"}`),
			Raw:         json.RawMessage(`{"responseElements":{"dBInstanceClass":"db.r6g.8xlarge"}}`)}, nil, false, true},
		{"table raised, one value re-sent, old values in its own response", investigation.Event{Source: srcDynamoDB, Name: "UpdateTable",
			RequestJSON: json.RawMessage(`{"tableName":"t","provisionedThroughput":{"readCapacityUnits":800,"writeCapacityUnits":3000}}`),
			Raw:         json.RawMessage(`{"responseElements":{"tableDescription":{"provisionedThroughput":{"readCapacityUnits":800,"writeCapacityUnits":1500}}}}`)}, nil, true, false},
		{"index capacity cut, old from the index's previous update", investigation.Event{Source: srcDynamoDB, Name: "UpdateTable",
			RequestJSON: json.RawMessage(`{"tableName":"t","globalSecondaryIndexUpdates":[{"update":{"indexName":"i","provisionedThroughput":{"writeCapacityUnits":200}}}]}`)},
			&investigation.Event{RequestJSON: json.RawMessage(`{"tableName":"t","globalSecondaryIndexUpdates":[{"update":{"indexName":"i","provisionedThroughput":{"writeCapacityUnits":1200}}}]}`)}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			moves := Moves(tc.ev)
			if tc.prior != nil {
				FillFrom(moves, tc.ev, *tc.prior)
			}
			k := ApplyDirection(KindOfEvent(tc.ev), tc.ev, moves)
			if got := len(k.Symptoms()) == 0; got != tc.wantNone {
				t.Errorf("symptoms %v, want none: %v", k.Symptoms(), tc.wantNone)
			}
			lowered := false
			for _, m := range moves {
				lowered = lowered || m.Lowered()
			}
			if lowered != tc.lowered {
				t.Errorf("lowered %v, want %v (%+v)", lowered, tc.lowered, moves)
			}
		})
	}
}

func TestDelaysAndTriggers(t *testing.T) {
	revoke, _ := KindOf(srcEC2, "RevokeSecurityGroupIngress")
	if d, ok := DelayOf(revoke, false); !ok || d.Trigger != TriggerRestart {
		t.Errorf("revoke: %+v %v, want a restart trigger", d, ok)
	}
	deploy, _ := KindOf(srcLambda, "UpdateFunctionCode")
	if _, ok := DelayOf(deploy, false); ok {
		t.Error("a code deploy bites at once")
	}
	if d, ok := DelayOf(deploy, true); !ok || d.Trigger != TriggerLoad {
		t.Errorf("a lowered limit waits for load: %+v", d)
	}
	if got := TriggersOf(srcECS, "UpdateService"); len(got) == 0 || got[0] != TriggerRestart {
		t.Errorf("UpdateService triggers %v", got)
	}
	if got := TriggersOf(srcRDS, "RebootDBInstance"); len(got) != 1 || got[0] != TriggerReboot {
		t.Errorf("RebootDBInstance triggers %v", got)
	}
	add := KindOfEvent(investigation.Event{Source: srcEC2, Name: "AuthorizeSecurityGroupIngress"})
	if len(add.Symptoms()) != 0 {
		t.Errorf("an added rule produces %v", add.Symptoms())
	}
}

func TestCannotStop(t *testing.T) {
	ev := func(src, name, req string) investigation.Event {
		return investigation.Event{Source: src, Name: name, RequestJSON: json.RawMessage(req)}
	}
	for _, tc := range []struct {
		name string
		ev   investigation.Event
		want bool
	}{
		{"concurrency above zero, old value unknown", ev(srcLambda, "PutFunctionConcurrency20171031", `{"functionName":"f","reservedConcurrentExecutions":20}`), true},
		{"concurrency zero stops every invocation", ev(srcLambda, "PutFunctionConcurrency20171031", `{"functionName":"f","reservedConcurrentExecutions":0}`), false},
		{"service scaled to a non-zero count", ev(srcECS, "UpdateService", `{"cluster":"c","service":"s","desiredCount":2}`), true},
		{"service scaled with a new task definition", ev(srcECS, "UpdateService", `{"cluster":"c","service":"s","desiredCount":2,"taskDefinition":"td:3"}`), false},
		{"memory can fail every invocation", ev(srcLambda, "UpdateFunctionConfiguration20150331v2", `{"functionName":"f","memorySize":128}`), false},
		{"no limit set", ev(srcLambda, "UpdateFunctionConfiguration20150331v2", `{"functionName":"f","handler":"x"}`), false},
	} {
		if got := CannotStop(tc.ev, Moves(tc.ev)); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

package catalogue

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRevertToPrevious(t *testing.T) {
	k := ChangeKind{Name: "UpdateAlias", Revert: "Point the alias[ {name}] back (aws lambda update-alias --function-version <previous version>)."}
	req := json.RawMessage(`{"name":"live","functionVersion":"42"}`)
	tests := []struct {
		name     string
		previous []PreviousValue
		where    string
		want     []string
	}{
		{"values lead as key value pairs", []PreviousValue{{Key: "functionVersion", Was: "41", Now: "42"}}, "",
			[]string{"Set back to the previous value: functionVersion 41 (the change set 42), as the trail records it.", "alias live", "the previous version"}},
		{"a removal says what to recreate", []PreviousValue{{Key: "natGatewayId", Was: "nat-1"}}, "",
			[]string{"Recreate what it removed: natGatewayId nat-1"}},
		{"nothing read: where it is recorded", nil, "AWS Config's history of the alias",
			[]string{"the previous version", "The previous value is recorded in AWS Config's history of the alias."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := k.RevertToPrevious(req, tc.previous, "the trail", tc.where)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			if strings.ContainsAny(got, "<>") {
				t.Errorf("%q leaves a placeholder", got)
			}
		})
	}
}

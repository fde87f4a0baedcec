package engine

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRequestDetailsRedactBeforeCutting: a summary quotes request values
// cut to a length; a credential that crosses the cut must be hidden before,
// since what is left of it no longer has a credential's shape.
func TestRequestDetailsRedactBeforeCutting(t *testing.T) {
	const keyID, secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	pad := strings.Repeat("n", detailValue-len(keyID)-10)
	raw, _ := json.Marshal(map[string]any{
		"description":        pad + " " + keyID + " " + secret,
		"masterUserPassword": "hunter2-hunter2",
		"roleName":           "checkout-role",
	})
	got := requestDetails(raw, "checkout-role")
	for _, leak := range []string{"IOSFODNN7EXAMPLE", "wJalrXUtnF", "hunter2"} {
		if strings.Contains(got, leak) {
			t.Errorf("summary shows %q: %s", leak, got)
		}
	}
	if !strings.Contains(got, "description="+pad) || !strings.Contains(got, "masterUserPassword=[redacted]") {
		t.Errorf("summary lost what it quotes: %s", got)
	}
}

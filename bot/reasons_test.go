package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/tools"
)

func TestUserReasonMapsErrorsToOneLine(t *testing.T) {
	raw := errors.New("operation error CloudTrail: LookupEvents, https response error StatusCode: 400, RequestID: 1f2e, <!channel>")
	apiErr := func(r investigation.Reason, perm string) error {
		return fmt.Errorf("look up changes on checkout: %w", &tools.APIError{Op: "cloudtrail:LookupEvents", Reason: r, Permission: perm, Err: raw})
	}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"throttled", apiErr(investigation.ReasonThrottled, ""), "throttled"},
		{"access denied names the permission", apiErr(investigation.ReasonAccessDenied, "cloudtrail:LookupEvents"), "access denied: Trailhound's role lacks cloudtrail:LookupEvents"},
		{"not found", apiErr(investigation.ReasonNotFound, ""), "not found"},
		{"timeout", apiErr(investigation.ReasonTimeout, ""), "timed out"},
		{"unavailable", apiErr(investigation.ReasonUnavailable, ""), "unavailable"},
		{"deadline", fmt.Errorf("describe alarm: %w", context.DeadlineExceeded), "timed out"},
		{"store's not found", fmt.Errorf("load thread: %w", ErrNotFound), "not found"},
		{"the bot's own words", fmt.Errorf("describe: %w", tellable(`no alarm named "x" in eu-west-1`)), `no alarm named "x" in eu-west-1`},
		{"anything else", raw, "unexpected error"},
	}
	for _, c := range cases {
		got := userReason(c.err)
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: %q lacks %q", c.name, got, c.want)
		}
		if strings.Contains(got, "StatusCode") || strings.Contains(got, "<!channel>") || strings.Contains(got, "\n") {
			t.Errorf("%s: %q shows the raw error", c.name, got)
		}
	}
}

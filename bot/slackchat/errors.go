package slackchat

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
)

// CallError is a Web API call that failed for good. Its Error keeps the
// detail for logs; UserReason says it in one line fit for a member.
type CallError struct {
	Method  string
	Attempt int
	Err     error
}

func (e *CallError) Error() string {
	if e.Attempt == 0 {
		return fmt.Sprintf("slack %s: %v", e.Method, e.Err)
	}
	return fmt.Sprintf("slack %s (attempt %d): %v", e.Method, e.Attempt, e.Err)
}

func (e *CallError) Unwrap() error { return e.Err }

// UserReason is why the call failed, in a member's words.
func (e *CallError) UserReason() string {
	var rl *slack.RateLimitedError
	var slackErr slack.SlackErrorResponse
	switch {
	case errors.As(e.Err, &rl):
		return "Slack is rate limiting me; try again in a minute"
	case errors.Is(e.Err, context.DeadlineExceeded):
		return "Slack did not answer in time"
	case errors.As(e.Err, &slackErr):
		switch slackErr.Err {
		case "not_in_channel", "channel_not_found":
			return "I am not a member of this channel: invite me first"
		case "is_archived":
			return "this channel is archived"
		case "missing_scope", "not_allowed_token_type", "restricted_action":
			return "the Slack app lacks a permission for this (" + slackErr.Err + ")"
		}
		if transientSlackErrors[slackErr.Err] {
			return "Slack is unavailable right now"
		}
	}
	return "Slack refused the call"
}

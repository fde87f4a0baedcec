package bot

import (
	"context"
	"errors"

	"github.com/trailhound/trailhound/investigation"
)

// userReason says in one line, for a member to read, why something failed;
// the error itself, with its detail, goes to the log. Errors that carry a
// reason for users (the bot's own refusals, the chat adapter's failures)
// give it; others are mapped by the Reason of the failed call. The result
// is escaped mrkdwn.
func userReason(err error) string {
	var told interface{ UserReason() string }
	if errors.As(err, &told) {
		return oneLine(told.UserReason())
	}
	switch investigation.ReasonOf(err) {
	case investigation.ReasonThrottled:
		return "throttled: AWS is rate limiting the calls; try again in a minute"
	case investigation.ReasonAccessDenied:
		if p := investigation.MissingPermission(err); p != "" {
			return oneLine("access denied: Trailhound's role lacks " + p)
		}
		return "access denied: Trailhound's credentials were refused"
	case investigation.ReasonNotFound:
		return "not found"
	case investigation.ReasonTimeout:
		return "timed out: no answer in time; try again in a minute"
	case investigation.ReasonCanceled:
		return "canceled: Trailhound is stopping"
	case investigation.ReasonUnavailable:
		return "unavailable: the service failed or could not be reached; try again in a minute"
	case investigation.ReasonInvalid:
		return "the request was refused as invalid"
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, investigation.ErrUnknownResource) {
		return "not found (it may have expired)"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out: no answer in time; try again in a minute"
	}
	return "an unexpected error (the details are in Trailhound's log)"
}

// inputProblem is what was wrong with what a member typed: the question
// and command parsers (bot/ask, resolveChanges, alarmTarget) write their
// errors for the member, so their text is shown, on one line.
func inputProblem(err error) string { return oneLine(err.Error()) }

// answererReason is why the AI could not answer. The Answerer's errors are
// its own one-line reasons (AI off, a budget spent, invalid output), the
// ones a report's AI section shows as well, so their text is shown; a
// failed call it passes on is mapped like any other.
func answererReason(err error) string {
	if r := investigation.ReasonOf(err); r != investigation.ReasonUnknown {
		return userReason(err)
	}
	return oneLine(err.Error())
}

// userError is an error written for the member who asked: its text is
// shown as it is.
type userError struct{ msg string }

func (e *userError) Error() string      { return e.msg }
func (e *userError) UserReason() string { return e.msg }

// tellable returns an error whose text is fit for a member.
func tellable(msg string) error { return &userError{msg: msg} }

// failure is the line a member reads when doing failed for err; doing is
// the bot's own words ("I could not read the changes").
func failure(doing string, err error) string {
	return "⚠️ " + doing + ": " + userReason(err)
}

package investigation

import (
	"context"
	"errors"
)

// Reason is why a call to a source failed, in the terms a report note, a
// retry decision and a message to the user need. Adapters map their errors
// to one, so the engine and the bot switch on a Reason instead of on
// service-specific error codes or error text.
type Reason string

const (
	ReasonThrottled    Reason = "throttled"     // the API's rate limit, after the adapter's own retries
	ReasonAccessDenied Reason = "access_denied" // the caller lacks a permission, or its credentials were refused
	ReasonNotFound     Reason = "not_found"     // the resource does not exist (errors.Is ErrUnknownResource)
	ReasonTimeout      Reason = "timeout"       // no answer in time: a deadline or an attempt timeout
	ReasonCanceled     Reason = "canceled"      // the caller gave up; not a fault of the source
	ReasonUnavailable  Reason = "unavailable"   // the service failed (5xx) or could not be reached
	ReasonInvalid      Reason = "invalid"       // the request was refused as malformed: a bug or a bad input
	ReasonUnknown      Reason = "unknown"
)

// Retryable reports whether the same call may succeed if tried again later.
func (r Reason) Retryable() bool {
	switch r {
	case ReasonThrottled, ReasonTimeout, ReasonUnavailable:
		return true
	}
	return false
}

// ReasonedError is implemented by the adapters' error types: the Reason of
// the failure and, for ReasonAccessDenied, the permission that was missing
// ("" when it is not known).
type ReasonedError interface {
	error
	FailureReason() Reason
	MissingPermission() string
}

// ReasonOf returns the Reason of err: the one an adapter recorded, else what
// the standard errors say (a deadline, a cancellation, an unknown resource).
// Nil has no reason ("").
func ReasonOf(err error) Reason {
	if err == nil {
		return ""
	}
	var re ReasonedError
	switch {
	case errors.As(err, &re):
		return re.FailureReason()
	case errors.Is(err, context.DeadlineExceeded):
		return ReasonTimeout
	case errors.Is(err, context.Canceled):
		return ReasonCanceled
	case errors.Is(err, ErrUnknownResource):
		return ReasonNotFound
	}
	return ReasonUnknown
}

// MissingPermission is the permission whose lack made err, "" when err is
// not an access denial or the adapter could not tell.
func MissingPermission(err error) string {
	var re ReasonedError
	if errors.As(err, &re) {
		return re.MissingPermission()
	}
	return ""
}

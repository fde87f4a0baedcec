package investigation

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

type adapterError struct {
	reason     Reason
	permission string
}

func (e *adapterError) Error() string             { return string(e.reason) }
func (e *adapterError) FailureReason() Reason     { return e.reason }
func (e *adapterError) MissingPermission() string { return e.permission }

func TestReasonOf(t *testing.T) {
	denied := &adapterError{ReasonAccessDenied, "logs:StartQuery"}
	tests := []struct {
		err  error
		want Reason
	}{
		{nil, ""},
		{fmt.Errorf("lookup: %w", denied), ReasonAccessDenied},
		{fmt.Errorf("wait: %w", context.DeadlineExceeded), ReasonTimeout},
		{context.Canceled, ReasonCanceled},
		{fmt.Errorf("role x: %w", ErrUnknownResource), ReasonNotFound},
		{errors.New("boom"), ReasonUnknown},
	}
	for _, tc := range tests {
		if got := ReasonOf(tc.err); got != tc.want {
			t.Errorf("ReasonOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if got := MissingPermission(fmt.Errorf("x: %w", denied)); got != "logs:StartQuery" {
		t.Errorf("MissingPermission = %q", got)
	}
	if MissingPermission(errors.New("boom")) != "" {
		t.Error("a plain error names a permission")
	}
	for r, want := range map[Reason]bool{ReasonThrottled: true, ReasonTimeout: true, ReasonUnavailable: true, ReasonAccessDenied: false, ReasonInvalid: false} {
		if r.Retryable() != want {
			t.Errorf("%s retryable %v", r, !want)
		}
	}
}

package engine

import (
	"errors"
	"fmt"

	"github.com/trailhound/trailhound/investigation"
)

// A triage's time is the LookupEvents rule's: 2 requests a second per
// account and region. The reads that are not lookups (dependencies, logs,
// the trail setup, configuration history) run beside the walk instead of
// after it, each in a goroutine the triage owns and joins before ranking.
// What such a read would say (notes, refused accounts) is kept in its
// effects and applied at the join, in the order the reads had when they
// ran one after another, so the report does not depend on which read
// finished first.

// effects are the notes and account refusals of a read that ran beside the
// walk, applied to the triage at its join.
type effects struct {
	steps []func(*triage)
}

func (e *effects) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e.steps = append(e.steps, func(t *triage) { t.notes = append(t.notes, msg) })
}

// then keeps step to run at the join, after the effects before it.
func (e *effects) then(step func(*triage)) {
	e.steps = append(e.steps, step)
}

// refused reports whether err is an account refusal and keeps it for the
// triage's refusedRead.
func (e *effects) refused(err error, r investigation.Resource) bool {
	var ae *investigation.AccountError
	if !errors.As(err, &ae) {
		return false
	}
	e.steps = append(e.steps, func(t *triage) { t.refusedRead(err, r) })
	return true
}

// apply replays the effects on t, in the order they happened.
func (e *effects) apply(t *triage) {
	for _, step := range e.steps {
		step(t)
	}
	e.steps = nil
}

// beside runs read in a goroutine of the triage's and returns a wait that
// yields its result. The read stops with the context it was given; run
// joins every read started this way before it returns, so none outlives
// the triage.
func beside[T any](t *triage, read func() T) func() T {
	var v T
	done := make(chan struct{})
	t.reads.Add(1)
	go func() {
		defer t.reads.Done()
		defer close(done)
		v = read()
	}()
	return func() T {
		<-done
		return v
	}
}

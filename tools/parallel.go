package tools

import "sync"

// maxReadsInFlight bounds the requests one adapter call sends at once when
// its reads do not depend on each other (a trail's status and selectors, a
// policy's versions): enough to hide the round trips of a handful, few
// enough to stay well inside the services' per-second request rates.
const maxReadsInFlight = 4

// inParallel calls read(i) for every i below n, at most limit at once, and
// returns when every call has returned. The caller keeps each result at
// its index, so the order of the results does not depend on which read
// finished first.
func inParallel(n, limit int, read func(i int)) {
	slots := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for i := range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			read(i)
		})
	}
	wg.Wait()
}

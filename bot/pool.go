package bot

import (
	"sync/atomic"
)

// pool runs triages on a fixed number of workers with a bounded queue. A
// caller reserves a place before it claims an alarm, so a claim is only
// ever taken for work the pool has room for; submitting a reserved job
// never blocks.
type pool struct {
	slots   chan struct{}   // one token per running or queued job
	jobs    chan *triageJob // queued jobs
	stop    chan struct{}   // closed when workers must stop taking jobs
	running atomic.Int64
}

func newPool(workers, queue int) *pool {
	n := workers + queue
	return &pool{
		slots: make(chan struct{}, n),
		jobs:  make(chan *triageJob, n),
		stop:  make(chan struct{}),
	}
}

// reserve takes a place for one job, or reports that there is none.
func (p *pool) reserve() bool {
	select {
	case p.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// unreserve gives back a place reserved for a job that will not be submitted.
func (p *pool) unreserve() { <-p.slots }

// submit queues a job for which a place was reserved.
func (p *pool) submit(j *triageJob) { p.jobs <- j }

// free is how many more jobs could be reserved now.
func (p *pool) free() int { return cap(p.slots) - len(p.slots) }

// queued is how many jobs wait for a worker.
func (p *pool) queued() int { return len(p.jobs) }

// next returns the next job, or nil once the pool is stopping. A stopping
// pool hands out no more jobs even when some are queued: those are drained
// and handed back by the shutdown.
func (p *pool) next() *triageJob {
	select {
	case <-p.stop:
		return nil
	default:
	}
	select {
	case <-p.stop:
		return nil
	case j := <-p.jobs:
		return j
	}
}

// drain returns the jobs still queued; call it once no one submits any more.
func (p *pool) drain() []*triageJob {
	var out []*triageJob
	for {
		select {
		case j := <-p.jobs:
			out = append(out, j)
		default:
			return out
		}
	}
}

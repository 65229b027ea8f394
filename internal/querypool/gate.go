package querypool

import (
	"container/list"
	"context"
	"sync"
)

// gate is a counting semaphore whose capacity can change while it is
// in use: first come, first served, and a waiter whose context ends
// leaves the line. golang.org/x/sync/semaphore is the same but for the
// resize: an import taking a slot from it would wait in line behind
// every query queued before it (BENCHMARKS.md measured that wait at
// half of a 100k-row import under 64 clients), where here it takes the
// slot at once and the queries already running finish.
type gate struct {
	mu       sync.Mutex
	capacity int
	running  int
	waiters  list.List // of chan struct{}, closed when granted
}

func newGate(capacity int) *gate { return &gate{capacity: capacity} }

// acquire waits for a slot, or until ctx ends (then it returns ctx's
// error and holds nothing); a ctx ended already gets no slot.
func (g *gate) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	g.mu.Lock()
	if g.running < g.capacity && g.waiters.Len() == 0 {
		g.running++
		g.mu.Unlock()
		return nil
	}
	ready := make(chan struct{})
	el := g.waiters.PushBack(ready)
	g.mu.Unlock()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		select {
		case <-ready:
			// Granted while ctx ended: pass the slot on.
			g.running--
			g.grant()
		default:
			g.waiters.Remove(el)
		}
		return ctx.Err()
	}
}

// release gives a slot back.
func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running--
	g.grant()
}

// resize changes the capacity by delta. Slots taken away are taken
// from no one: the calls running go on, and no other starts until
// fewer than the capacity run.
func (g *gate) resize(delta int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.capacity += delta
	g.grant()
}

// grant lets waiters in, in order, while there is room. g.mu is held.
func (g *gate) grant() {
	for g.running < g.capacity && g.waiters.Len() > 0 {
		el := g.waiters.Front()
		g.waiters.Remove(el)
		g.running++
		close(el.Value.(chan struct{}))
	}
}

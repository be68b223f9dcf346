package client

import (
	"sync"
	"time"
)

// outcome is what one attempt tells the breaker about Okta's health.
type outcome int

const (
	// outcomeNeutral says nothing about Okta: the caller cancelled, or the attempt
	// was never sent. It only frees a half-open probe slot.
	outcomeNeutral outcome = iota
	// outcomeSuccess is any HTTP answer below 500, 4xx and 429 included: Okta is up.
	outcomeSuccess
	// outcomeFailure is a network error, a timeout or a 5xx.
	outcomeFailure
)

type breakerState int

const (
	stateClosed breakerState = iota
	stateOpen
	stateHalfOpen
)

// breaker is a consecutive-failure circuit breaker. While open it refuses calls so
// that a failing Okta costs the portal microseconds instead of a full timeout per
// request; after the cooldown it lets exactly one probe through.
type breaker struct {
	threshold int // ≤ 0 disables the breaker
	cooldown  time.Duration
	now       func() time.Time

	mu       sync.Mutex
	state    breakerState
	failures int
	openedAt time.Time
	probing  bool // a half-open probe is in flight
}

func newBreaker(threshold int, cooldown time.Duration, now func() time.Time) *breaker {
	return &breaker{threshold: threshold, cooldown: cooldown, now: now}
}

// allow reports whether an attempt may be sent now. A true answer must be
// followed by exactly one record call.
func (b *breaker) allow() bool {
	if b.threshold <= 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case stateOpen:
		if b.now().Sub(b.openedAt) < b.cooldown {
			return false
		}
		b.state = stateHalfOpen
		b.probing = true
		return true
	case stateHalfOpen:
		if b.probing {
			return false
		}
		b.probing = true
		return true
	}
	return true
}

// record feeds the outcome of an allowed attempt back into the breaker.
func (b *breaker) record(o outcome) {
	if b.threshold <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch o {
	case outcomeSuccess:
		b.state = stateClosed
		b.failures = 0
		b.probing = false
	case outcomeFailure:
		switch b.state {
		case stateHalfOpen:
			b.trip()
		case stateClosed:
			b.failures++
			if b.failures >= b.threshold {
				b.trip()
			}
		}
		// A straggler failing while already open must not extend the cooldown.
	case outcomeNeutral:
		if b.state == stateHalfOpen {
			b.probing = false
		}
	}
}

func (b *breaker) trip() {
	b.state = stateOpen
	b.openedAt = b.now()
	b.failures = 0
	b.probing = false
}

// isOpen reports whether allow would refuse an attempt made now.
func (b *breaker) isOpen() bool {
	if b.threshold <= 0 {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case stateOpen:
		return b.now().Sub(b.openedAt) < b.cooldown
	case stateHalfOpen:
		return b.probing
	}
	return false
}

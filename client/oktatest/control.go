package oktatest

import (
	"context"
	"strings"
	"sync"
	"time"
)

// maxRequestLog bounds the request log of a long-running emulator; older
// entries are dropped (the per-operation counters stay exact).
const maxRequestLog = 100_000

// Request is one recorded call to the emulator.
type Request struct {
	Time     time.Time
	Method   string
	Path     string
	RawQuery string
	// Auth is the scheme presented: "SSWS", "Bearer", "DPoP" or "".
	Auth string
	// Subject is the user id of a valid bearer token, or the client id of a service app's
	// token; "" otherwise.
	Subject string
	// Status is the HTTP status answered; 0 if the connection was dropped.
	Status int
	// Op is the operation name, e.g. "getUser", "token"; "" for unknown routes.
	Op string
}

// Fault makes matching requests misbehave. Faults are checked in the order
// injected; the first one that matches applies.
type Fault struct {
	// Method matches the HTTP method; "" matches any.
	Method string
	// Path is a prefix of the URL path, e.g. "/api/v1/users/me"; "" matches any.
	Path string
	// Times is how many matching calls the fault applies to; 0 means until ClearFaults.
	Times int
	// Status, if set, answers with this status and an Okta error body.
	Status int
	// ErrorCode overrides the error code (default by status: 429 E0000047, 5xx E0000009, ...).
	ErrorCode string
	// Delay sleeps first, stopping early if the client goes away. Without Status,
	// Drop or Hang the request is then served normally.
	Delay time.Duration
	// Drop hijacks the connection and closes it without answering.
	Drop bool
	// Hang blocks until the request context is cancelled.
	Hang bool
}

type fault struct {
	Fault
	left int // remaining uses; -1 = unlimited
}

type forcedLimit struct {
	prefix string
	until  time.Time
}

// control is the test-harness state: faults, latency, rate limits and the
// request log. It has its own lock so slow handlers never hold the org lock.
type control struct {
	mu        sync.Mutex
	faults    []*fault
	baseLat   time.Duration
	routeLat  map[string]time.Duration
	forced    []forcedLimit
	windows   map[string]*rateWindow
	requests  []Request
	opCounts  map[string]int
	total     int
	lastPurge time.Time
}

func newControl(latency time.Duration) control {
	return control{
		baseLat:  latency,
		routeLat: map[string]time.Duration{},
		windows:  map[string]*rateWindow{},
		opCounts: map[string]int{},
	}
}

// Inject adds a fault.
func (s *Server) Inject(f Fault) {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	left := f.Times
	if left <= 0 {
		left = -1
	}
	s.ctl.faults = append(s.ctl.faults, &fault{Fault: f, left: left})
}

// ClearFaults removes every injected fault and forced rate limit.
func (s *Server) ClearFaults() {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	s.ctl.faults = nil
	s.ctl.forced = nil
}

// SetLatency sets the latency added to requests whose path starts with
// pathPrefix, on top of the base latency. pathPrefix "" sets the base latency
// of every /api/v1 call (replacing Config.Latency). d <= 0 removes it.
func (s *Server) SetLatency(pathPrefix string, d time.Duration) {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	if pathPrefix == "" {
		s.ctl.baseLat = max(d, 0)
		return
	}
	if d <= 0 {
		delete(s.ctl.routeLat, pathPrefix)
		return
	}
	s.ctl.routeLat[pathPrefix] = d
}

// ForceRateLimit makes calls whose path starts with pathPrefix answer 429
// E0000047 (Remaining 0, Reset now+resetIn) until the clock passes now+resetIn.
func (s *Server) ForceRateLimit(pathPrefix string, resetIn time.Duration) {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	s.ctl.forced = append(s.ctl.forced, forcedLimit{prefix: pathPrefix, until: s.now().Add(resetIn)})
}

// Requests returns a copy of the request log (control calls excluded).
func (s *Server) Requests() []Request {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	return append([]Request(nil), s.ctl.requests...)
}

// ResetRequests clears the request log and the per-operation counters.
func (s *Server) ResetRequests() {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	s.ctl.requests = nil
	s.ctl.opCounts = map[string]int{}
	s.ctl.total = 0
}

// CountRequests returns how many logged requests satisfy match.
func (s *Server) CountRequests(match func(Request) bool) int {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	n := 0
	for _, r := range s.ctl.requests {
		if match(r) {
			n++
		}
	}
	return n
}

func (s *Server) record(r Request) {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	if len(s.ctl.requests) >= maxRequestLog {
		s.ctl.requests = append(s.ctl.requests[:0], s.ctl.requests[maxRequestLog/2:]...)
	}
	s.ctl.requests = append(s.ctl.requests, r)
	s.ctl.total++
	if r.Op != "" {
		s.ctl.opCounts[r.Op]++
	}
}

func (s *Server) stats() (map[string]int, int) {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	counts := make(map[string]int, len(s.ctl.opCounts))
	for k, v := range s.ctl.opCounts {
		counts[k] = v
	}
	return counts, s.ctl.total
}

// takeFault returns the fault that applies to the request, consuming one use.
func (s *Server) takeFault(method, path string) *Fault {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	for i, f := range s.ctl.faults {
		if (f.Method != "" && !strings.EqualFold(f.Method, method)) || !strings.HasPrefix(path, f.Path) {
			continue
		}
		out := f.Fault
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.ctl.faults = append(s.ctl.faults[:i:i], s.ctl.faults[i+1:]...)
			}
		}
		return &out
	}
	return nil
}

// latencyFor returns the latency to add to a request for path.
func (s *Server) latencyFor(path string) time.Duration {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	var d time.Duration
	if strings.HasPrefix(path, "/api/v1/") {
		d = s.ctl.baseLat
	}
	best := -1
	var extra time.Duration
	for prefix, v := range s.ctl.routeLat {
		if strings.HasPrefix(path, prefix) && len(prefix) > best {
			best, extra = len(prefix), v
		}
	}
	return d + extra
}

// sleepCtx waits for d or until ctx ends; it reports whether the full wait elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// shouldPurge reports (at most once a minute of the clock) that it is time to
// drop expired records from the store.
func (s *Server) shouldPurge(now time.Time) bool {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	if now.Sub(s.ctl.lastPurge) < time.Minute {
		return false
	}
	s.ctl.lastPurge = now
	return true
}

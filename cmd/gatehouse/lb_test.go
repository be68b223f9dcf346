package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lb is the smallest load balancer F7 needs: round robin over the backends whose /readyz
// answers 200 (checked every 50 ms), and a GET whose connection is refused goes to the next
// backend, as nginx's proxy_next_upstream does. A request that fails once it reached a backend
// is not retried. Every answer names its backend in X-Lb-Backend.
type lb struct {
	rp *httputil.ReverseProxy
	tr *http.Transport

	mu       sync.Mutex
	backends []*lbBackend
	next     int
}

type lbBackend struct {
	addr    string
	healthy atomic.Bool
	failed  int // consecutive failed probes; only the watch goroutine touches it
}

// lbUnhealthyAfter is how many probes in a row must go unanswered before a backend leaves the
// rotation, as real balancers count failures (an AWS target group's UnhealthyThresholdCount, a
// Kubernetes readinessProbe's failureThreshold): one slow answer on a loaded machine is not
// an outage. A backend that answers "not ready" (a draining instance's 503) leaves at once.
const lbUnhealthyAfter = 2

type lbTraceKey struct{}

// lbTrace carries the chosen backend from the transport back to the response.
type lbTrace struct {
	mu      sync.Mutex
	backend string
}

func (tr *lbTrace) set(addr string) {
	tr.mu.Lock()
	tr.backend = addr
	tr.mu.Unlock()
}

func (tr *lbTrace) get() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.backend
}

func traceOf(ctx context.Context) *lbTrace {
	if tr, ok := ctx.Value(lbTraceKey{}).(*lbTrace); ok {
		return tr
	}
	return &lbTrace{}
}

// newLB returns a balancer with no backends; its health checks stop when t ends.
func newLB(t *testing.T) *lb {
	t.Helper()
	p := &lb{tr: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: time.Second}).DialContext,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
	}}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = "backend.invalid" // replaced by RoundTrip
			pr.Out.Host = pr.In.Host            // the public host, as a real load balancer keeps it
		},
		Transport: p,
		ModifyResponse: func(res *http.Response) error {
			res.Header.Set("X-Lb-Backend", traceOf(res.Request.Context()).get())
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			w.Header().Set("X-Lb-Backend", traceOf(r.Context()).get())
			w.Header().Set("X-Lb-Error", err.Error())
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go p.watch(ctx, done)
	t.Cleanup(func() {
		cancel()
		<-done
		p.tr.CloseIdleConnections()
	})
	return p
}

// add registers a backend; it takes traffic once its /readyz answers 200.
func (p *lb) add(addr string) *lbBackend {
	b := &lbBackend{addr: addr}
	p.mu.Lock()
	p.backends = append(p.backends, b)
	p.mu.Unlock()
	return b
}

// watch polls every backend's /readyz until ctx ends.
func (p *lb) watch(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	probe := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		p.mu.Lock()
		bs := append([]*lbBackend(nil), p.backends...)
		p.mu.Unlock()
		for _, b := range bs {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+b.addr+"/readyz", nil)
			res, err := probe.Do(req)
			ok := err == nil && res.StatusCode == http.StatusOK
			if err == nil {
				res.Body.Close()
			}
			if ok {
				b.failed = 0
			} else {
				b.failed++
			}
			// An answer that says "not ready" (a draining instance's 503) counts at once; a
			// probe that got no answer in time counts only when it happens again.
			answered := err == nil
			b.healthy.Store(ok || (!answered && b.healthy.Load() && b.failed < lbUnhealthyAfter))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// pick returns the next healthy backend not in skip, or nil, turning round the healthy ones.
func (p *lb) pick(skip map[*lbBackend]bool) *lbBackend {
	p.mu.Lock()
	defer p.mu.Unlock()
	var up []*lbBackend
	for _, b := range p.backends {
		if b.healthy.Load() && !skip[b] {
			up = append(up, b)
		}
	}
	if len(up) == 0 {
		return nil
	}
	p.next++
	return up[p.next%len(up)]
}

var errNoBackend = errors.New("lb: no healthy backend")

// RoundTrip sends req to a healthy backend, moving a GET on when the connection is refused.
func (p *lb) RoundTrip(req *http.Request) (*http.Response, error) {
	tried := map[*lbBackend]bool{}
	for {
		b := p.pick(tried)
		if b == nil {
			return nil, errNoBackend
		}
		traceOf(req.Context()).set(b.addr)
		out := req.Clone(req.Context())
		out.URL.Host = b.addr
		res, err := p.tr.RoundTrip(out)
		var op *net.OpError
		if err != nil && req.Method == http.MethodGet && errors.As(err, &op) && op.Op == "dial" {
			b.healthy.Store(false)
			tried[b] = true
			continue
		}
		return res, err
	}
}

// ServeHTTP proxies one request.
func (p *lb) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = r.WithContext(context.WithValue(r.Context(), lbTraceKey{}, &lbTrace{}))
	p.rp.ServeHTTP(w, r)
}

// waitHealthy waits until the balancer sends traffic to b.
func (b *lbBackend) waitHealthy(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !b.healthy.Load() {
		if time.Now().After(deadline) {
			t.Fatalf("the balancer never saw %s ready", b.addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

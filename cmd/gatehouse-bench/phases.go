package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// target is one running Gatehouse and its emulator, as the phases see them.
type target struct {
	gatehouse string // public URL
	metrics   string // Prometheus /metrics URL
	emulator  string // emulator base URL
	apiToken  string // the emulator's SSWS token, for its control API
	proc      *proc  // the Gatehouse process
	hc        *http.Client
}

// oktaStats reads the emulator's request counters.
func (t *target) oktaStats(ctx context.Context) (emuStats, error) {
	var s emuStats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.emulator+"/_emulator/stats", nil)
	if err != nil {
		return s, err
	}
	req.Header.Set("Authorization", "SSWS "+t.apiToken)
	res, err := t.hc.Do(req)
	if err != nil {
		return s, fmt.Errorf("emulator stats: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return s, fmt.Errorf("emulator stats: %s", res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		return s, fmt.Errorf("decode emulator stats: %w", err)
	}
	return s, nil
}

// scrape reads Gatehouse's /metrics.
func (t *target) scrape(ctx context.Context) (metrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.metrics, nil)
	if err != nil {
		return nil, err
	}
	res, err := t.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape metrics: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape metrics: %s", res.Status)
	}
	return parseMetrics(res.Body)
}

// cpu is Gatehouse's CPU time so far.
func (t *target) cpu() (time.Duration, error) { return processCPU(t.proc.pid()) }

// phaseResult is what one timed phase measured.
type phaseResult struct {
	Wall     time.Duration        `json:"wall_ns"`
	Requests int                  `json:"requests"`
	Errors   int                  `json:"errors"`
	FirstErr string               `json:"first_error,omitempty"`
	Pages    map[string]latencies `json:"pages"`
	PageErrs map[string]int       `json:"page_errors"`
	CPU      time.Duration        `json:"gatehouse_cpu_ns"`
	Okta     emuStats             `json:"okta"`
	samples  [numPages][]time.Duration
}

// views is the number of successful requests for p.
func (r phaseResult) views(p page) int { return len(r.samples[p]) }

// perSecond is successful requests per second of wall time.
func (r phaseResult) perSecond() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Wall.Seconds()
}

// cpuPerRequest is Gatehouse's CPU time divided by the requests it answered.
func (r phaseResult) cpuPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Requests)
}

// oktaPerView is Okta calls divided by successful page views.
func (r phaseResult) oktaPerView() float64 {
	ok := r.Requests - r.Errors
	if ok == 0 {
		return 0
	}
	return float64(r.Okta.Total) / float64(ok)
}

// recorder collects one VU's samples; each VU has its own, merged at the end.
type recorder struct {
	samples  [numPages][]time.Duration
	errs     [numPages]int
	firstErr error
}

func (rc *recorder) add(p page, d time.Duration, err error) {
	if err != nil {
		rc.errs[p]++
		if rc.firstErr == nil {
			rc.firstErr = err
		}
		return
	}
	rc.samples[p] = append(rc.samples[p], d)
}

// measured runs body between two readings of Gatehouse's CPU and the emulator's counters and
// fills in those deltas.
func measured(ctx context.Context, t *target, body func() phaseResult) (phaseResult, error) {
	s0, err := t.oktaStats(ctx)
	if err != nil {
		return phaseResult{}, err
	}
	c0, err := t.cpu()
	if err != nil {
		return phaseResult{}, err
	}
	res := body()
	c1, err := t.cpu()
	if err != nil {
		return phaseResult{}, err
	}
	s1, err := t.oktaStats(ctx)
	if err != nil {
		return phaseResult{}, err
	}
	res.CPU, res.Okta = c1-c0, s1.sub(s0)
	if t.proc.exited() {
		return res, t.proc.failure()
	}
	return res, ctx.Err()
}

// closedLoop has every VU request pages back to back (after think time) until d has passed;
// requests under way at the deadline finish and count.
func closedLoop(ctx context.Context, t *target, vus []*vu, d, think time.Duration, pick func(*vu) page) (phaseResult, error) {
	return measured(ctx, t, func() phaseResult {
		recs := make([]recorder, len(vus))
		start := time.Now()
		deadline := start.Add(d)
		var wg sync.WaitGroup
		for i, v := range vus {
			wg.Go(func() {
				for time.Now().Before(deadline) && ctx.Err() == nil {
					p := pick(v)
					lat, err := v.do(ctx, t.gatehouse, p)
					recs[i].add(p, lat, err)
					if think > 0 {
						sleep(ctx, think)
					}
				}
			})
		}
		wg.Wait()
		return merge(recs, time.Since(start))
	})
}

func merge(recs []recorder, wall time.Duration) phaseResult {
	res := phaseResult{Wall: wall, Pages: map[string]latencies{}, PageErrs: map[string]int{}}
	for _, rc := range recs {
		for p := range numPages {
			res.samples[p] = append(res.samples[p], rc.samples[p]...)
			res.Errors += rc.errs[p]
			res.Requests += len(rc.samples[p]) + rc.errs[p]
			res.PageErrs[p.String()] += rc.errs[p]
		}
		if rc.firstErr != nil && res.FirstErr == "" {
			res.FirstErr = rc.firstErr.Error()
		}
	}
	for p := range numPages {
		if len(res.samples[p]) > 0 {
			res.Pages[p.String()] = summarise(res.samples[p])
		}
		if res.PageErrs[p.String()] == 0 {
			delete(res.PageErrs, p.String())
		}
	}
	return res
}

// storm is one person reloading the dashboard views times, evenly spread over d (the next
// view starts at once when one takes longer than its slot).
func storm(ctx context.Context, t *target, v *vu, views int, d time.Duration) (phaseResult, error) {
	return measured(ctx, t, func() phaseResult {
		var rc recorder
		start := time.Now()
		for i := range views {
			if ctx.Err() != nil {
				break
			}
			sleep(ctx, time.Until(start.Add(d*time.Duration(i)/time.Duration(views))))
			lat, err := v.do(ctx, t.gatehouse, pageDashboard)
			rc.add(pageDashboard, lat, err)
		}
		return merge([]recorder{rc}, time.Since(start))
	})
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
	case <-tm.C:
	}
}

// signInAll signs in every VU, a few at a time as people would arrive.
func signInAll(ctx context.Context, t *target, vus []*vu, land bool, parallel int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for _, v := range vus {
		g.Go(func() error { return v.signInTo(ctx, t.gatehouse, land) })
	}
	if err := g.Wait(); err != nil {
		if t.proc.exited() {
			return t.proc.failure()
		}
		return err
	}
	return nil
}

// settle makes Gatehouse finish two garbage collections with nothing else going on, by
// requesting the (signed-out) landing page until it has, and returns the metrics after. Two,
// because the first may have started before the work of interest ended.
func settle(ctx context.Context, t *target, anon *vu) (metrics, error) {
	m, err := t.scrape(ctx)
	if err != nil {
		return nil, err
	}
	gc0, ok := m["go_gc_duration_seconds_count"]
	if !ok {
		return nil, errors.New("settle: /metrics has no go_gc_duration_seconds_count")
	}
	deadline := time.Now().Add(30 * time.Second)
	for m["go_gc_duration_seconds_count"] < gc0+2 {
		if time.Now().After(deadline) {
			return nil, errors.New("settle: Gatehouse ran no garbage collection in 30 s")
		}
		for range 25 {
			res, _, err := anon.get(ctx, anon.client, t.gatehouse+"/", nil)
			if err != nil {
				return nil, fmt.Errorf("settle: %w", err)
			}
			if res.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("settle: landing page: %s", res.Status)
			}
		}
		if m, err = t.scrape(ctx); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// demoLogins lists the emulator's generated ACTIVE people (logins like
// first.last12@example.com), through its Users API with the service token, following Okta's
// Link paging. The named demo accounts are left out: they are the admins and special cases.
func demoLogins(ctx context.Context, t *target) ([]string, error) {
	var logins []string
	next := t.emulator + "/api/v1/users?limit=200"
	for next != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "SSWS "+t.apiToken)
		req.Header.Set("Accept", "application/json")
		res, err := t.hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("list demo users: %w", err)
		}
		var users []struct {
			Status  string `json:"status"`
			Profile struct {
				Login string `json:"login"`
			} `json:"profile"`
		}
		err = json.NewDecoder(res.Body).Decode(&users)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("list demo users: %s", res.Status)
		}
		if err != nil {
			return nil, fmt.Errorf("decode demo users: %w", err)
		}
		for _, u := range users {
			local, _, _ := strings.Cut(u.Profile.Login, "@")
			if u.Status == "ACTIVE" && strings.Contains(local, ".") {
				logins = append(logins, u.Profile.Login)
			}
		}
		next = nextLink(res.Header)
	}
	if len(logins) == 0 {
		return nil, errors.New("the emulator has no generated ACTIVE users (is it running the demo org?)")
	}
	return logins, nil
}

// nextLink returns the URL of a Link: <…>; rel="next" header, or "".
func nextLink(h http.Header) string {
	for _, line := range h.Values("Link") {
		for part := range strings.SplitSeq(line, ",") {
			u, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if ok && strings.Contains(params, `rel="next"`) {
				return strings.Trim(strings.TrimSpace(u), "<>")
			}
		}
	}
	return ""
}

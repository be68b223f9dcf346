package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"gatehouse/client"
)

// sessionCountTimeout bounds the session count a scrape triggers: on Redis it is a SCAN, and a
// slow or dead Redis must not hold the scrape (Prometheus times out at 10 s by default).
const sessionCountTimeout = 2 * time.Second

// Metrics is Gatehouse's Prometheus instrumentation. It registers on a registry of its own
// (never the global default one), so tests and several instances in one process cannot
// collide, and it is served only by its Handler on the separate metrics listener.
type Metrics struct {
	reg *prometheus.Registry
	log atomic.Pointer[slog.Logger]

	httpRequests  *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
	oktaRequests  *prometheus.CounterVec
	oktaDuration  *prometheus.HistogramVec
	oktaRemaining prometheus.Gauge
	oktaLimit     prometheus.Gauge
	rateLimited   *prometheus.CounterVec

	// sessions counts live sessions at scrape time; it is swapped when an App is rebuilt on
	// the same Metrics (a restart in tests), so the collector is registered only once.
	sessions atomic.Pointer[func(context.Context) (int, error)]
}

// NewMetrics creates Gatehouse's collectors, plus the standard Go and process collectors, and
// registers them on reg.
func NewMetrics(reg *prometheus.Registry) (*Metrics, error) {
	m := &Metrics{
		reg: reg,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_http_requests_total",
			Help: "HTTP requests answered by the portal, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
		oktaRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_okta_requests_total",
			Help: "Okta Users API calls (each attempt, retries included), by operation and HTTP status; status \"error\" means no response arrived.",
		}, []string{"operation", "status"}),
		oktaDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_okta_request_duration_seconds",
			Help:    "Duration of one Okta Users API call attempt, by operation.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
		oktaRemaining: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatehouse_okta_rate_limit_remaining",
			Help: "X-Rate-Limit-Remaining of the last Okta response that carried rate-limit headers.",
		}),
		oktaLimit: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatehouse_okta_rate_limit_limit",
			Help: "X-Rate-Limit-Limit of the last Okta response that carried rate-limit headers.",
		}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_rate_limited_requests_total",
			Help: "Requests the portal itself answered with 429, by the limit that was exceeded.",
		}, []string{"limit"}),
	}
	version, goVersion := buildVersion()
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "gatehouse_build_info",
		Help:        "Always 1; the labels say which build is running.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": goVersion},
	})
	buildInfo.Set(1)
	sessions := sessionsCollector{m: m, desc: prometheus.NewDesc("gatehouse_sessions_active",
		"Live Gatehouse sessions in the session store (shared by every instance on one Redis).", nil, nil)}
	for _, c := range []prometheus.Collector{
		m.httpRequests, m.httpDuration, m.oktaRequests, m.oktaDuration, m.oktaRemaining,
		m.oktaLimit, m.rateLimited, buildInfo, sessions,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

// buildVersion returns the main module's version as the go command stamped it ("devel" for a
// build without one, such as go run or go test) and the Go version.
func buildVersion() (version, goVersion string) {
	version = "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		version = bi.Main.Version
	}
	return version, runtime.Version()
}

// Handler serves the registry in the Prometheus exposition format. Mount it on the metrics
// listener only: the public listener must not expose it (SECURITY.md 44).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// A failing collector (Redis down while counting sessions) drops its own series and
		// leaves the rest of the scrape intact.
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      promLogger{m},
		Registry:      m.reg,
	})
}

// promLogger sends promhttp's errors to the App's logger.
type promLogger struct{ m *Metrics }

func (l promLogger) Println(v ...any) {
	if log := l.m.log.Load(); log != nil {
		log.Warn("metrics scrape", "err", strings.TrimSpace(fmt.Sprintln(v...)))
	}
}

// ObserveRequest records one answered request. route is the matched ServeMux pattern (bounded
// cardinality: never the raw path); its method prefix is dropped as method is a label.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	if _, path, ok := strings.Cut(route, " "); ok {
		route = path
	}
	method = metricMethod(method)
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(route, method).Observe(d.Seconds())
}

// metricMethod keeps the method label bounded: a client can send any token as a method.
func metricMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}

// ObserveOkta records one Okta call attempt; pass it to client.WithObserver. Its status label
// is the HTTP status, "budget" for a GET the client's budget guard did not send (Okta had said
// its bucket was empty: a rate limit, not a failure), or "error" when no answer came.
func (m *Metrics) ObserveOkta(ci client.CallInfo) {
	status := "error"
	switch {
	case ci.Status != 0:
		status = strconv.Itoa(ci.Status)
	case errors.Is(ci.Err, client.ErrBudgetSpent):
		status = "budget"
	}
	m.oktaRequests.WithLabelValues(ci.Op, status).Inc()
	m.oktaDuration.WithLabelValues(ci.Op).Observe(ci.Duration.Seconds())
	if ci.RateLimit.Known {
		m.oktaRemaining.Set(float64(ci.RateLimit.Remaining))
		m.oktaLimit.Set(float64(ci.RateLimit.Limit))
	}
}

// RateLimited counts a request the portal refused with 429 because of limit: the typed hook
// NewApp hands to the rate limits (handlers.NewLimits).
func (m *Metrics) RateLimited(limit string) {
	m.rateLimited.WithLabelValues(limit).Inc()
}

// CountSessionsWith makes gatehouse_sessions_active call count at scrape time; the latest call
// wins, so a rebuilt App takes over the same Metrics.
func (m *Metrics) CountSessionsWith(count func(context.Context) (int, error)) {
	m.sessions.Store(&count)
}

// sessionsCollector asks the session store for its size at scrape time. On failure it reports
// an error for its series instead of a value: a stale or zero count would lie about the
// sessions Redis still holds.
type sessionsCollector struct {
	m    *Metrics
	desc *prometheus.Desc
}

func (c sessionsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c sessionsCollector) Collect(ch chan<- prometheus.Metric) {
	count := c.m.sessions.Load()
	if count == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), sessionCountTimeout)
	defer cancel()
	n, err := (*count)(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}

// setLogger sets where scrape problems are logged.
func (m *Metrics) setLogger(log *slog.Logger) { m.log.Store(log) }

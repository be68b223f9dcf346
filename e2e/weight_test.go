package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// Page-weight budgets of the performance issue, for Gatehouse's own responses (HTML, CSS, JS,
// icon), as compressed bytes on the wire including headers.
const (
	firstVisitBudget  = 60_000
	repeatVisitBudget = 8_000
)

// transfer is one response as the DevTools Network domain saw it.
type transfer struct {
	url       string
	status    int64
	bytes     float64 // encodedDataLength: headers and body as received, compressed
	fromCache bool
	encoding  string
}

// netLog records the responses of a tab while it runs.
type netLog struct {
	mu       sync.Mutex
	byID     map[network.RequestID]*transfer
	order    []network.RequestID
	pending  map[network.RequestID]bool
	redirect []transfer
}

// recordNetwork starts recording the tab's responses; stop ends it. Only the page's own
// requests to origin are waited for (see settledNetwork): app logos come from Okta, lazily.
func (b *browser) recordNetwork(origin string) (log *netLog, stop func()) {
	b.t.Helper()
	log = &netLog{byID: map[network.RequestID]*transfer{}, pending: map[network.RequestID]bool{}}
	ctx, cancel := context.WithCancel(b.ctx)
	// The listener runs on the tab's reading goroutine: it only files the events away.
	require.NoError(b.t, chromedp.Listen(ctx, func(ev any) {
		log.mu.Lock()
		defer log.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if r := e.RedirectResponse; r != nil {
				log.redirect = append(log.redirect, transfer{url: r.URL, status: r.Status, bytes: r.EncodedDataLength})
			}
			if _, ok := log.byID[e.RequestID]; !ok {
				log.order = append(log.order, e.RequestID)
			}
			log.byID[e.RequestID] = &transfer{url: e.Request.URL}
			// The browser fetches the tab's icon on its own schedule and does not always
			// report its end: it is counted when it arrives, never waited for.
			if strings.HasPrefix(e.Request.URL, origin) && e.Type != network.ResourceTypeOther {
				log.pending[e.RequestID] = true
			}
		case *network.EventResponseReceived:
			if t, ok := log.byID[e.RequestID]; ok {
				t.status = e.Response.Status
				t.fromCache = t.fromCache || e.Response.FromDiskCache || e.Response.FromPrefetchCache
				t.encoding = headerValue(e.Response.Headers, "Content-Encoding")
			}
		case *network.EventRequestServedFromCache:
			if t, ok := log.byID[e.RequestID]; ok {
				t.fromCache = true
			}
		case *network.EventLoadingFinished:
			if t, ok := log.byID[e.RequestID]; ok {
				t.bytes = e.EncodedDataLength
			}
			delete(log.pending, e.RequestID)
		case *network.EventLoadingFailed:
			delete(log.pending, e.RequestID)
		}
	}))
	return log, cancel
}

func headerValue(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return fmt.Sprint(v)
		}
	}
	return ""
}

// settledNetwork waits until every request to the origin has finished or failed.
func (b *browser) settledNetwork(log *netLog) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		log.mu.Lock()
		var urls []string
		for id := range log.pending {
			urls = append(urls, log.byID[id].url)
		}
		log.mu.Unlock()
		if len(urls) == 0 {
			return
		}
		require.False(b.t, time.Now().After(deadline), "requests to Gatehouse still loading: %v", urls)
		time.Sleep(10 * time.Millisecond)
	}
}

// total sums what came from origin and describes each response, for the log.
func (log *netLog) total(origin string) (float64, []string) {
	log.mu.Lock()
	defer log.mu.Unlock()
	var sum float64
	var lines []string
	for _, r := range log.redirect {
		if strings.HasPrefix(r.url, origin) {
			sum += r.bytes
			lines = append(lines, fmt.Sprintf("%7.0f B  %d  %s (redirect)", r.bytes, r.status, strings.TrimPrefix(r.url, origin)))
		}
	}
	for _, id := range log.order {
		t := log.byID[id]
		if !strings.HasPrefix(t.url, origin) {
			continue
		}
		sum += t.bytes
		how := t.encoding
		switch {
		case t.fromCache:
			how = "from cache"
		case t.status == 0:
			how = "(still loading, not counted)"
		}
		lines = append(lines, fmt.Sprintf("%7.0f B  %d  %s %s", t.bytes, t.status, strings.TrimPrefix(t.url, origin), how))
	}
	sort.Strings(lines)
	return sum, lines
}

// TestBrowserPageWeight measures, in a fresh profile, what the dashboard transfers from
// Gatehouse on the first visit after signing in and on a repeat visit, against the budgets of
// the performance issue. Static assets have content-hashed, immutable URLs, so a repeat visit
// should fetch only the HTML.
func TestBrowserPageWeight(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.do(chromedp.Navigate(env.URL + "/login"))

	first, stop := b.recordNetwork(env.URL)
	b.submitOktaForm("alice@example.com", webtest.DemoPassword)
	b.waitFor(`[data-testid="profile-card"]`)
	b.do(loaded)
	b.settledNetwork(first)
	stop()
	firstBytes, firstLines := first.total(env.URL)
	t.Logf("first visit to the dashboard: %.1f KB from Gatehouse\n%s", firstBytes/1000, strings.Join(firstLines, "\n"))

	repeat, stop := b.recordNetwork(env.URL)
	b.do(chromedp.Navigate(env.URL+"/"), loaded)
	b.settledNetwork(repeat)
	stop()
	repeatBytes, repeatLines := repeat.total(env.URL)
	t.Logf("repeat visit to the dashboard: %.1f KB from Gatehouse\n%s", repeatBytes/1000, strings.Join(repeatLines, "\n"))

	assert.LessOrEqual(t, firstBytes, float64(firstVisitBudget), "first visit over budget")
	assert.LessOrEqual(t, repeatBytes, float64(repeatVisitBudget), "repeat visit over budget")
	b.check()
}

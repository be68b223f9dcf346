package client

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimit is the state of the Okta rate-limit bucket that applied to a
// response (USERS-API.md §8).
type RateLimit struct {
	Limit     int       // X-Rate-Limit-Limit; 0 on a concurrency-limit 429
	Remaining int       // X-Rate-Limit-Remaining
	Reset     time.Time // X-Rate-Limit-Reset, when the window resets
	Known     bool      // all three headers were present and valid
}

// Concurrency reports the headers of a concurrency-limit 429: Okta reports
// Limit and Remaining 0 there, and only an estimated Reset.
func (rl RateLimit) Concurrency() bool { return rl.Known && rl.Limit == 0 && rl.Remaining == 0 }

// maxEpoch bounds X-Rate-Limit-Reset (year 5138) so that absurd values cannot
// overflow time arithmetic.
const maxEpoch = 1e11

// maxWaitSeconds is the longest wait a time.Duration can hold.
const maxWaitSeconds = math.MaxInt64 / int64(time.Second)

// ParseRateLimit reads the X-Rate-Limit-* headers. Each header may repeat or be
// comma-joined; the smallest value wins, as the Okta SDKs do. Missing headers
// give a RateLimit with Known false and no error; a present but malformed header
// gives an error (and Known false). It never panics, whatever the input.
func ParseRateLimit(h http.Header) (RateLimit, error) {
	limit, okL, errL := minHeaderInt(h, "X-Rate-Limit-Limit")
	remaining, okR, errR := minHeaderInt(h, "X-Rate-Limit-Remaining")
	reset, okX, errX := minHeaderInt(h, "X-Rate-Limit-Reset")
	if err := errors.Join(errL, errR, errX); err != nil {
		return RateLimit{}, fmt.Errorf("parse rate-limit headers: %w", err)
	}
	if !okL || !okR || !okX {
		return RateLimit{}, nil
	}
	return RateLimit{Limit: clampInt(limit), Remaining: clampInt(remaining), Reset: time.Unix(reset, 0).UTC(), Known: true}, nil
}

// ParseRetryWait computes how long to wait before retrying a 429 the way Okta's
// SDKs do: X-Rate-Limit-Reset − Date + 1 s, using Okta's clock for both ends so
// that local clock skew does not matter. It reports false when either header is
// missing or invalid; a reset already in the past gives 0.
func ParseRetryWait(h http.Header) (time.Duration, bool) {
	reset, ok, err := minHeaderInt(h, "X-Rate-Limit-Reset")
	if !ok || err != nil {
		return 0, false
	}
	date, err := http.ParseTime(strings.TrimSpace(h.Get("Date")))
	if err != nil {
		return 0, false
	}
	secs := reset - date.Unix() + 1
	switch {
	case secs <= 0:
		return 0, true
	case secs > maxWaitSeconds: // a Date centuries ago: saturate, don't overflow
		secs = maxWaitSeconds
	}
	return time.Duration(secs) * time.Second, true
}

// minHeaderInt returns the smallest non-negative integer among the values of
// header key, whether they come as several header lines or comma-joined.
func minHeaderInt(h http.Header, key string) (n int64, found bool, err error) {
	n = math.MaxInt64
	for _, line := range h.Values(key) {
		for _, v := range strings.Split(line, ",") {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			x, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil || x < 0 || x > maxEpoch {
				return 0, false, fmt.Errorf("%s: invalid value %q", key, truncate(v, 32))
			}
			found = true
			n = min(n, x)
		}
	}
	if !found {
		return 0, false, nil
	}
	return n, true, nil
}

func clampInt(x int64) int {
	return int(min(x, math.MaxInt32))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

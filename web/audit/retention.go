package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Retention defaults: GATEHOUSE_AUDIT_RETENTION's default is 400 days (a year and a month,
// so that a yearly review still finds last year's same month), pruned hourly.
const (
	DefaultRetention     = 400 * 24 * time.Hour
	DefaultPruneInterval = time.Hour
)

// Pruner deletes old entries; Store, DB and Trail are Pruners.
type Pruner interface {
	Prune(ctx context.Context, olderThan time.Time) (int64, error)
}

// Retention keeps the trail to a period by pruning it in the background.
type Retention struct {
	// Period is how long entries are kept (DefaultRetention when zero).
	Period time.Duration
	// Interval is how often to prune (DefaultPruneInterval when zero).
	Interval time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Log receives what was pruned and failures (discarded when nil).
	Log *slog.Logger
}

// Run prunes p at once, then every Interval, until ctx is done; it returns then. A failed
// round is logged and retried at the next one: nothing is lost by pruning late. Several
// instances on one PostgreSQL may each run it; deleting is idempotent.
func (r Retention) Run(ctx context.Context, p Pruner) {
	period, every, now, log := r.Period, r.Interval, r.Now, r.Log
	if period <= 0 {
		period = DefaultRetention
	}
	if every <= 0 {
		every = DefaultPruneInterval
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		cutoff := now().Add(-period)
		n, err := p.Prune(ctx, cutoff)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			log.ErrorContext(ctx, "audit prune failed", "err", err, "older_than", cutoff.UTC(), "pruned", n)
		case n > 0:
			log.InfoContext(ctx, "audit pruned", "pruned", n, "older_than", cutoff.UTC())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ParseRetention reads a retention period as GATEHOUSE_AUDIT_RETENTION gives it: a number of
// days ("400d", "400"), or a Go duration ("9600h"). It must be at least a day: the trail is
// for audits, not for a few hours.
func ParseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	days, isDays := strings.CutSuffix(s, "d")
	if n, err := strconv.Atoi(days); err == nil {
		if n > 100*366 {
			return 0, fmt.Errorf("audit retention %q: more than a century", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else if isDays {
		return 0, fmt.Errorf("audit retention %q: not a number of days", s)
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("audit retention %q: use days (400d) or a duration (9600h)", s)
	}
	if d < 24*time.Hour {
		return 0, errors.New("audit retention must be at least one day (e.g. 400d)")
	}
	return d, nil
}

package web_test

import (
	"sync/atomic"
	"time"
)

// offsetClock is the real clock moved forward by an offset the test chooses. Time flows as
// usual (a retry really waits its two seconds), but a test can put the clock where it needs it
// within a second, where Okta's whole-second rate-limit resets make a difference, at once
// instead of sleeping until the wall clock gets there. Give it to both Gatehouse and the
// emulator (webtest.Options.Now and OktaConfig.Now) so that they agree.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// alignTo moves the clock forward by less than a second, so that it stands at frac past a
// whole second.
func (c *offsetClock) alignTo(frac time.Duration) {
	ahead := (frac - time.Duration(c.Now().Nanosecond()) + time.Second) % time.Second
	c.offset.Add(int64(ahead))
}

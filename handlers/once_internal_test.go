package handlers

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestOnceGuardSharesOnlyWithItsSession: an answer is shared with replays from the session
// that made it and the session it rotated into; another session's replay of the same form id
// runs on its own, and its own replays share its answer, never the first one's.
func TestOnceGuardSharesOnlyWithItsSession(t *testing.T) {
	t.Parallel()
	g := newOnceGuard(time.Minute, time.Now)
	runs := 0
	submit := func(owner, answer, rotatedTo string) any {
		return g.do("00ualice:form1", owner, func() (any, bool, string) {
			runs++
			return answer, true, rotatedTo
		})
	}
	assert.Equal(t, "A's answer", submit("session-A", "A's answer", "session-A2"))
	assert.Equal(t, "A's answer", submit("session-A", "again", "x"), "a double submit from A")
	assert.Equal(t, "A's answer", submit("session-A2", "again", "x"), "the reload after A rotated")
	assert.Equal(t, 1, runs)
	assert.Equal(t, "B's answer", submit("session-B", "B's answer", "session-B"), "another session runs on its own")
	assert.Equal(t, "B's answer", submit("session-B", "again", "x"), "and its replays share its own answer")
	assert.Equal(t, 2, runs)
}

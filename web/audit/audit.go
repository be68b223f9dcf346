// Package audit keeps the trail of who did what to whom in Gatehouse: every admin action and
// every self-service credential change becomes one Entry, written to the structured log and to
// a store (memory for one instance, Redis for several) that /admin/audit reads.
//
// It is a leaf package: it imports nothing from the application.
package audit

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Results of an action.
const (
	ResultSuccess = "success"
	ResultFailure = "failure"
	ResultDenied  = "denied"
)

// Entry is one audited action. It never holds secrets: one-time links, temporary passwords,
// passwords and answers are not fields here and must not be put in Detail.
type Entry struct {
	Time          time.Time `json:"time"`
	ActorID       string    `json:"actor_id"` // Okta user id (ID-token sub)
	ActorLogin    string    `json:"actor_login"`
	ActorIssuer   string    `json:"actor_iss"`
	Role          string    `json:"role"` // admin, helpdesk, self
	TargetID      string    `json:"target_id"`
	TargetLogin   string    `json:"target_login,omitempty"`
	Action        string    `json:"action"`
	Reason        string    `json:"reason,omitempty"`
	Result        string    `json:"result"`
	Detail        string    `json:"detail,omitempty"` // e.g. an Okta error code
	OktaRequestID string    `json:"okta_request_id,omitempty"`
	RequestID     string    `json:"request_id"`
}

// Filter selects entries for the audit page. Empty fields match everything; Actor and Target
// match an id exactly or a login by case-insensitive substring.
type Filter struct {
	Actor  string
	Target string
	Limit  int
}

// Matches reports whether e passes f.
func (f Filter) Matches(e Entry) bool {
	return matchWho(f.Actor, e.ActorID, e.ActorLogin) && matchWho(f.Target, e.TargetID, e.TargetLogin)
}

func matchWho(q, id, login string) bool {
	if q == "" {
		return true
	}
	return q == id || strings.Contains(strings.ToLower(login), strings.ToLower(q))
}

// Store persists entries.
type Store interface {
	Append(ctx context.Context, e Entry) error
	// Recent returns matching entries, newest first.
	Recent(ctx context.Context, f Filter) ([]Entry, error)
}

// Log is what handlers write to.
type Log interface {
	Record(ctx context.Context, e Entry) error
	Recent(ctx context.Context, f Filter) ([]Entry, error)
}

// Trail writes each entry to the structured log and to a store.
type Trail struct {
	log   *slog.Logger
	store Store
}

// New returns a Trail over store, logging to log.
func New(log *slog.Logger, store Store) *Trail { return &Trail{log: log, store: store} }

// Record logs e and appends it to the store. The log line is written even when the store
// fails, so no action goes unrecorded.
func (t *Trail) Record(ctx context.Context, e Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	t.log.LogAttrs(ctx, slog.LevelInfo, "audit",
		slog.String("action", e.Action), slog.String("result", e.Result),
		slog.String("actor", e.ActorID), slog.String("actor_login", e.ActorLogin), slog.String("actor_iss", e.ActorIssuer),
		slog.String("role", e.Role), slog.String("target", e.TargetID), slog.String("target_login", e.TargetLogin),
		slog.String("reason", e.Reason), slog.String("detail", e.Detail),
		slog.String("okta_request_id", e.OktaRequestID), slog.String("request_id", e.RequestID))
	if err := t.store.Append(ctx, e); err != nil {
		t.log.ErrorContext(ctx, "audit store append failed", "err", err, "request_id", e.RequestID)
		return err
	}
	return nil
}

// Recent reads from the store.
func (t *Trail) Recent(ctx context.Context, f Filter) ([]Entry, error) { return t.store.Recent(ctx, f) }

// Memory keeps the newest Capacity entries in a ring.
type Memory struct {
	mu   sync.Mutex
	ring []Entry
	next int
	full bool
}

// NewMemory returns an in-memory store holding up to capacity entries (default 10,000).
func NewMemory(capacity int) *Memory {
	if capacity <= 0 {
		capacity = 10000
	}
	return &Memory{ring: make([]Entry, capacity)}
}

// Append adds e, dropping the oldest entry when full.
func (m *Memory) Append(_ context.Context, e Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ring[m.next] = e
	m.next = (m.next + 1) % len(m.ring)
	if m.next == 0 {
		m.full = true
	}
	return nil
}

// Recent returns matching entries, newest first.
func (m *Memory) Recent(_ context.Context, f Filter) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	n := m.next
	if m.full {
		n = len(m.ring)
	}
	var out []Entry
	for i := 0; i < n && len(out) < limit; i++ {
		idx := (m.next - 1 - i + len(m.ring)) % len(m.ring)
		if f.Matches(m.ring[idx]) {
			out = append(out, m.ring[idx])
		}
	}
	return out, nil
}

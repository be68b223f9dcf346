// Package audit keeps the trail of who did what to whom in Gatehouse: every admin action and
// every self-service credential change becomes one Entry, written to the structured log and to
// a database that /admin/audit reads and exports.
//
// The trail is the one piece of data Gatehouse owns (Okta's System Log names the API
// credential, not the person who acted), so it lives in a real database: SQLite in one file
// for a single instance, PostgreSQL for several (Open, OpenSQLite, OpenPostgres). Writes are
// synchronous: Record returns only once the entry is stored, and says so when it could not be.
//
// It is a leaf package: it imports nothing from the application.
package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
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
	// ID is the store's number for the entry, set when it is read back; it grows with each
	// entry written and is never reused.
	ID            int64     `json:"id,omitempty"`
	Time          time.Time `json:"time"`     // stored in UTC to the microsecond
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

// Filter selects entries. Empty fields match everything.
type Filter struct {
	// From and To bound the entries' time: From inclusive, To exclusive.
	From, To time.Time
	// Actor and Target match an Okta user id exactly, or a login by its beginning,
	// case-insensitively ("hal" finds hal@example.com; a whole login finds that person).
	Actor, Target string
	// Action and Result match exactly (e.g. "unlock", ResultDenied).
	Action, Result string
	// Before and After page through the matches by keyset: the entries older than Before,
	// or the ones newer than After (a Page's Older and Newer). At most one is set.
	Before, After Cursor
	// Limit is the page size: DefaultLimit when zero, at most MaxLimit.
	Limit int
}

// Page sizes.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

func (f Filter) limit() int {
	switch {
	case f.Limit <= 0:
		return DefaultLimit
	case f.Limit > MaxLimit:
		return MaxLimit
	}
	return f.Limit
}

// Cursor is a position in the trail's order, newest first: an entry's time and id. The zero
// Cursor is no position.
type Cursor struct {
	Time time.Time
	ID   int64
}

// IsZero reports whether c is no position.
func (c Cursor) IsZero() bool { return c.ID == 0 && c.Time.IsZero() }

// String encodes c for a URL ("" for the zero Cursor); ParseCursor reads it back.
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	return strconv.FormatInt(c.Time.UnixMicro(), 10) + "." + strconv.FormatInt(c.ID, 10)
}

// ErrBadCursor is returned by ParseCursor for text that String did not produce.
var ErrBadCursor = errors.New("audit: malformed page cursor")

// ParseCursor reads a cursor written by Cursor.String; "" is the zero Cursor.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	t, id, ok := strings.Cut(s, ".")
	us, err1 := strconv.ParseInt(t, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || n <= 0 {
		return Cursor{}, ErrBadCursor
	}
	return Cursor{Time: time.UnixMicro(us).UTC(), ID: n}, nil
}

func cursorOf(e Entry) Cursor { return Cursor{Time: e.Time, ID: e.ID} }

// Page is one page of matching entries, newest first.
type Page struct {
	Entries []Entry
	// Older is the cursor for the next page back in time (Filter.Before), zero when there is
	// none; Newer the one for the page before this one (Filter.After), zero when this page
	// starts at the newest match.
	Older, Newer Cursor
}

// Store keeps entries. DB is the implementation; the interface is what Trail needs.
type Store interface {
	// Append stores e synchronously: when it returns nil, the entry is durable.
	Append(ctx context.Context, e Entry) error
	// Query returns one page of the entries f selects, newest first.
	Query(ctx context.Context, f Filter) (Page, error)
	// Prune deletes the entries older than olderThan and returns how many.
	Prune(ctx context.Context, olderThan time.Time) (int64, error)
}

// Log is what handlers write to.
type Log interface {
	Record(ctx context.Context, e Entry) error
	Recent(ctx context.Context, f Filter) ([]Entry, error)
}

// ErrNotRecorded wraps every failure to store an entry: the action happened (or was refused)
// but the trail has no record of it beyond the log line. Callers must tell the person.
var ErrNotRecorded = errors.New("audit: the action could not be recorded")

// recordTimeout bounds one write: long enough for a database failover, short enough that
// the person who acted is told rather than left waiting.
const recordTimeout = 5 * time.Second

// Trail writes each entry to the structured log and to a store.
type Trail struct {
	log   *slog.Logger
	store Store
}

// New returns a Trail over store, logging to log.
func New(log *slog.Logger, store Store) *Trail {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Trail{log: log, store: store}
}

// Record logs e and stores it, synchronously. The log line is written first and always, so
// no action goes unrecorded anywhere; a store failure is returned wrapped in ErrNotRecorded
// and logged at error level.
//
// The write does not end when ctx is cancelled: the action it records has happened, and the
// person who asked for it closing the tab must not erase the record. It has its own timeout.
func (t *Trail) Record(ctx context.Context, e Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	t.log.LogAttrs(ctx, slog.LevelInfo, "audit",
		slog.String("action", e.Action), slog.String("result", e.Result),
		slog.String("actor", e.ActorID), slog.String("actor_login", e.ActorLogin), slog.String("actor_iss", e.ActorIssuer),
		slog.String("role", e.Role), slog.String("target", e.TargetID), slog.String("target_login", e.TargetLogin),
		slog.String("reason", e.Reason), slog.String("detail", e.Detail),
		slog.String("okta_request_id", e.OktaRequestID), slog.String("request_id", e.RequestID))
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := t.store.Append(wctx, e); err != nil {
		t.log.ErrorContext(ctx, "audit store append failed", "err", err, "action", e.Action, "request_id", e.RequestID)
		return fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	return nil
}

// Query returns one page of the entries f selects, newest first.
func (t *Trail) Query(ctx context.Context, f Filter) (Page, error) { return t.store.Query(ctx, f) }

// Recent returns the first page of the entries f selects, newest first.
func (t *Trail) Recent(ctx context.Context, f Filter) ([]Entry, error) {
	p, err := t.store.Query(ctx, f)
	return p.Entries, err
}

// Prune deletes the entries older than olderThan and returns how many.
func (t *Trail) Prune(ctx context.Context, olderThan time.Time) (int64, error) {
	return t.store.Prune(ctx, olderThan)
}

// WriteCSV streams every entry f selects to w as CSV (see WriteCSV).
func (t *Trail) WriteCSV(ctx context.Context, w io.Writer, f Filter) error {
	return WriteCSV(ctx, w, t.store, f)
}

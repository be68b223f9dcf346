package session

import (
	"context"
	"errors"
	"time"
)

// ErrClosed is returned by a backend used after Close.
var ErrClosed = errors.New("session: backend closed")

// SetMode says when Backend.Set may write.
type SetMode int

const (
	// SetAlways writes whether or not the key exists.
	SetAlways SetMode = iota
	// SetIfAbsent writes only when the key does not exist (Redis SET NX).
	SetIfAbsent
	// SetIfPresent writes only when the key exists (Redis SET XX), so that an
	// update never resurrects a record that was deleted meanwhile.
	SetIfPresent
)

// Backend is the storage a Store keeps its records, login transactions,
// per-user indexes and locks in: a key-value store with per-key TTLs, atomic
// take and compare-and-swap, and sets with a TTL. Keys arrive already
// namespaced by the Store ("s:", "u:", "l:", "k:"); a backend may add its own
// prefix. Values are opaque (already encrypted). Every method must be safe
// for concurrent use, and a failing backend must return an error rather than
// pretend a key is absent: the Store fails closed on errors.
type Backend interface {
	// Get returns the value stored under key, or nil and no error if there
	// is none (or it has expired).
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores val under key for ttl (> 0) subject to mode, and reports
	// whether it wrote.
	Set(ctx context.Context, key string, val []byte, ttl time.Duration, mode SetMode) (bool, error)
	// CompareAndSwap replaces the value of key with val (and its TTL with
	// ttl) only if key currently holds exactly old, and reports whether it
	// did.
	CompareAndSwap(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error)
	// CompareAndDelete deletes key only if it currently holds exactly old,
	// and reports whether it did.
	CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error)
	// Take atomically returns and deletes the value under key; nil and no
	// error if there is none.
	Take(ctx context.Context, key string) ([]byte, error)
	// Delete removes keys (values or sets) and returns how many existed.
	Delete(ctx context.Context, keys ...string) (int, error)
	// Exists reports, for each key, whether a live value is stored under it.
	Exists(ctx context.Context, keys ...string) ([]bool, error)
	// SetAdd adds member to the set under key and sets the set's TTL to ttl.
	SetAdd(ctx context.Context, key, member string, ttl time.Duration) error
	// SetRemove removes members from the set under key.
	SetRemove(ctx context.Context, key string, members ...string) error
	// SetMembers returns the members of the set under key (none if absent).
	SetMembers(ctx context.Context, key string) ([]string, error)
	// Count returns how many live values have keys starting with prefix.
	Count(ctx context.Context, prefix string) (int, error)
	// Ping reports whether the backend is reachable.
	Ping(ctx context.Context) error
	// Close releases what the backend owns.
	Close() error
}

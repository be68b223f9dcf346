package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// lockRetry is how often a waiting Lock tries again.
const lockRetry = 10 * time.Millisecond

// unlockTimeout bounds the release of a lock; if it fails the TTL frees it.
const unlockTimeout = 5 * time.Second

// Lock takes the per-session mutex for id, shared by every instance on the
// backend, and holds it for at most ttl (so a crashed holder frees it). It
// waits, retrying every 10 ms, until it gets the lock or ctx ends. Typical
// use: Lock, then Get to reload the record another request may have
// refreshed, then Save, then unlock.
func (s *Store) Lock(ctx context.Context, id string, ttl time.Duration) (unlock func(), err error) {
	if id == "" {
		return nil, errors.New("lock session: empty id")
	}
	unlock, err = s.lock(ctx, lockKey(id), ttl)
	if err != nil {
		return nil, fmt.Errorf("lock session: %w", err)
	}
	return unlock, nil
}

// withUserLock runs fn holding the lock on userID's index, so that Start,
// Rotate and DestroyUser for one person never interleave.
func (s *Store) withUserLock(ctx context.Context, userID string, fn func() error) error {
	unlock, err := s.lock(ctx, userLock(userID), userLockTTL)
	if err != nil {
		return fmt.Errorf("lock user sessions: %w", err)
	}
	defer unlock()
	return fn()
}

// lock is a lease: SET NX with a random token and a TTL, released by a
// compare-and-delete on that token so that a holder whose lease expired
// never releases somebody else's.
func (s *Store) lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("lock ttl %v is not positive", ttl)
	}
	token := []byte(newID())
	var t *time.Timer
	for {
		ok, err := s.b.Set(ctx, key, token, ttl, SetIfAbsent)
		if err != nil {
			return nil, err
		}
		if ok {
			break
		}
		if t == nil {
			t = time.NewTimer(lockRetry)
			defer t.Stop()
		} else {
			t.Reset(lockRetry)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for lock: %w", context.Cause(ctx))
		case <-t.C:
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
			defer cancel()
			// An error here leaves the lease to expire on its own.
			_, _ = s.b.CompareAndDelete(ctx, key, token)
		})
	}, nil
}

package session

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Summary describes one of a person's sessions for their own list of where they are signed
// in: never the id, the tokens or anything that would let the page's reader use the session.
type Summary struct {
	// Handle names the session on the person's page and in the form that ends it. It is
	// derived from the hash of the id (the backend key), so it reveals nothing usable, and
	// it names a session only among its owner's (EndOne checks the per-user index).
	Handle string
	// Created is when the person signed in; LastSeen the last recorded activity (written at
	// most once per Options.TouchEvery, as the idle timeout already does).
	Created, LastSeen time.Time
	// Device and IP are the record's (Record.Device, Record.IP); zero when unknown, as for a
	// session started before they were recorded.
	Device Device
	IP     string
	// Known is false for a session whose record could not be read (written by an older
	// Gatehouse, or with a key since retired): it can still be ended.
	Known bool
}

// handleOf derives a session's handle from its backend key.
func handleOf(key string) string {
	h := sha256.Sum256([]byte("gatehouse session handle\x00" + key))
	return base64.RawURLEncoding.EncodeToString(h[:18])
}

// Handle returns the handle of the session id, to tell the request's own session apart in a
// List.
func (s *Store) Handle(id string) string {
	if id == "" {
		return ""
	}
	return handleOf(recordKey(id))
}

// List returns the live sessions of userID, from the per-user index, newest sign-in first.
// It reads each record once and writes nothing (a GET may call it).
func (s *Store) List(ctx context.Context, userID string) ([]Summary, error) {
	if userID == "" {
		return nil, errors.New("list sessions: empty user id")
	}
	members, err := s.b.SetMembers(ctx, indexKey(userID))
	if err != nil {
		return nil, fmt.Errorf("list sessions: read index: %w", err)
	}
	now := s.o.Now()
	out := make([]Summary, 0, len(members))
	for _, key := range members {
		blob, err := s.b.Get(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		if blob == nil {
			continue // ended or expired; prune drops it at the next sign-in
		}
		sum := Summary{Handle: handleOf(key)}
		if rec, ok := s.openByKey(blob, key); ok {
			if rec.UserID != userID {
				continue // cannot happen: the index is per user and records bound to their key
			}
			if _, live := s.ttl(rec, now); !live {
				continue
			}
			sum.Created, sum.LastSeen, sum.Device, sum.IP, sum.Known = rec.Created, rec.LastSeen, rec.Device, rec.IP, true
		}
		out = append(out, sum)
	}
	slices.SortStableFunc(out, func(a, b Summary) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Handle, b.Handle)
	})
	return out, nil
}

// openByKey opens a record knowing only its backend key ("s:" + the hash of its id).
func (s *Store) openByKey(blob []byte, key string) (*Record, bool) {
	hash, ok := strings.CutPrefix(key, nsRecord)
	if !ok {
		return nil, false
	}
	pt, err := s.kr.open(blob, adRecordKey+hash)
	if err != nil {
		return nil, false
	}
	rec, err := unmarshalRecord(pt, "")
	if err != nil {
		return nil, false
	}
	return rec, true
}

// EndOne ends the session of userID that handle names, on every instance sharing the
// backend, and reports whether there was one: a handle that names no session of userID
// (another person's, a stale one) ends nothing.
func (s *Store) EndOne(ctx context.Context, userID, handle string) (bool, error) {
	if userID == "" || handle == "" {
		return false, nil
	}
	ended := false
	err := s.withUserLock(ctx, userID, func() error {
		members, err := s.b.SetMembers(ctx, indexKey(userID))
		if err != nil {
			return fmt.Errorf("read session index: %w", err)
		}
		for _, key := range members {
			if handleOf(key) != handle {
				continue
			}
			n, err := s.b.Delete(ctx, key)
			if err != nil {
				return fmt.Errorf("delete session: %w", err)
			}
			if err := s.b.SetRemove(ctx, indexKey(userID), key); err != nil {
				return fmt.Errorf("unindex session: %w", err)
			}
			ended = n > 0
			return nil
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("end session: %w", err)
	}
	return ended, nil
}

package session

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// janitorEvery is how often the memory backend purges expired entries.
// Expired entries are already invisible before that (every read checks the
// deadline); the janitor only returns their memory.
const janitorEvery = time.Minute

// MemoryBackend is an in-process Backend for a single Gatehouse instance.
// Deadlines are taken from the clock given to NewMemoryBackend, so tests
// can expire entries without sleeping. A janitor goroutine purges expired
// entries every minute until Close.
type MemoryBackend struct {
	now func() time.Time

	mu     sync.Mutex
	vals   map[string]memValue
	sets   map[string]*memSet
	closed bool

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

type memValue struct {
	val []byte
	exp int64 // deadline in Unix nanoseconds
}

type memSet struct {
	members map[string]struct{}
	exp     int64
}

var _ Backend = (*MemoryBackend)(nil)

// NewMemoryBackend returns an empty MemoryBackend that reads time from now
// (time.Now if nil) and starts its janitor.
func NewMemoryBackend(now func() time.Time) *MemoryBackend {
	return newMemoryBackend(now, janitorEvery)
}

func newMemoryBackend(now func() time.Time, every time.Duration) *MemoryBackend {
	if now == nil {
		now = time.Now
	}
	m := &MemoryBackend{
		now:  now,
		vals: make(map[string]memValue),
		sets: make(map[string]*memSet),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go m.janitor(every)
	return m
}

func (m *MemoryBackend) janitor(every time.Duration) {
	defer close(m.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.purge()
		}
	}
}

// purge drops every expired value and set and returns how many it dropped.
func (m *MemoryBackend) purge() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().UnixNano()
	n := 0
	for k, v := range m.vals {
		if v.exp <= now {
			delete(m.vals, k)
			n++
		}
	}
	for k, s := range m.sets {
		if s.exp <= now {
			delete(m.sets, k)
			n++
		}
	}
	return n
}

// lock takes the mutex and returns the current time, or ErrClosed.
func (m *MemoryBackend) lock() (int64, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return 0, ErrClosed
	}
	return m.now().UnixNano(), nil
}

// value returns the live value under key; m.mu must be held.
func (m *MemoryBackend) value(key string, now int64) ([]byte, bool) {
	v, ok := m.vals[key]
	if !ok {
		return nil, false
	}
	if v.exp <= now {
		delete(m.vals, key)
		return nil, false
	}
	return v.val, true
}

// set returns the live set under key; m.mu must be held.
func (m *MemoryBackend) set(key string, now int64) (*memSet, bool) {
	s, ok := m.sets[key]
	if !ok {
		return nil, false
	}
	if s.exp <= now {
		delete(m.sets, key)
		return nil, false
	}
	return s, true
}

func deadline(now int64, ttl time.Duration) (int64, error) {
	if ttl <= 0 {
		return 0, fmt.Errorf("session: ttl %v is not positive", ttl)
	}
	return now + int64(ttl), nil
}

// Get implements Backend.
func (m *MemoryBackend) Get(_ context.Context, key string) ([]byte, error) {
	now, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	v, ok := m.value(key, now)
	if !ok {
		return nil, nil
	}
	return bytes.Clone(v), nil
}

// Set implements Backend.
func (m *MemoryBackend) Set(_ context.Context, key string, val []byte, ttl time.Duration, mode SetMode) (bool, error) {
	now, err := m.lock()
	if err != nil {
		return false, err
	}
	defer m.mu.Unlock()
	exp, err := deadline(now, ttl)
	if err != nil {
		return false, err
	}
	_, exists := m.value(key, now)
	if (mode == SetIfAbsent && exists) || (mode == SetIfPresent && !exists) {
		return false, nil
	}
	m.vals[key] = memValue{val: bytes.Clone(val), exp: exp}
	return true, nil
}

// CompareAndSwap implements Backend.
func (m *MemoryBackend) CompareAndSwap(_ context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	now, err := m.lock()
	if err != nil {
		return false, err
	}
	defer m.mu.Unlock()
	exp, err := deadline(now, ttl)
	if err != nil {
		return false, err
	}
	cur, ok := m.value(key, now)
	if !ok || !bytes.Equal(cur, old) {
		return false, nil
	}
	m.vals[key] = memValue{val: bytes.Clone(val), exp: exp}
	return true, nil
}

// CompareAndDelete implements Backend.
func (m *MemoryBackend) CompareAndDelete(_ context.Context, key string, old []byte) (bool, error) {
	now, err := m.lock()
	if err != nil {
		return false, err
	}
	defer m.mu.Unlock()
	cur, ok := m.value(key, now)
	if !ok || !bytes.Equal(cur, old) {
		return false, nil
	}
	delete(m.vals, key)
	return true, nil
}

// Take implements Backend.
func (m *MemoryBackend) Take(_ context.Context, key string) ([]byte, error) {
	now, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	v, ok := m.value(key, now)
	if !ok {
		return nil, nil
	}
	delete(m.vals, key)
	return v, nil
}

// Delete implements Backend.
func (m *MemoryBackend) Delete(_ context.Context, keys ...string) (int, error) {
	now, err := m.lock()
	if err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	n := 0
	for _, k := range keys {
		if _, ok := m.value(k, now); ok {
			delete(m.vals, k)
			n++
		}
		if _, ok := m.set(k, now); ok {
			delete(m.sets, k)
			n++
		}
	}
	return n, nil
}

// Exists implements Backend.
func (m *MemoryBackend) Exists(_ context.Context, keys ...string) ([]bool, error) {
	now, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	out := make([]bool, len(keys))
	for i, k := range keys {
		_, v := m.value(k, now)
		_, s := m.set(k, now)
		out[i] = v || s
	}
	return out, nil
}

// SetAdd implements Backend.
func (m *MemoryBackend) SetAdd(_ context.Context, key, member string, ttl time.Duration) error {
	now, err := m.lock()
	if err != nil {
		return err
	}
	defer m.mu.Unlock()
	exp, err := deadline(now, ttl)
	if err != nil {
		return err
	}
	s, ok := m.set(key, now)
	if !ok {
		s = &memSet{members: make(map[string]struct{}, 1)}
		m.sets[key] = s
	}
	s.members[member] = struct{}{}
	s.exp = exp
	return nil
}

// SetRemove implements Backend.
func (m *MemoryBackend) SetRemove(_ context.Context, key string, members ...string) error {
	now, err := m.lock()
	if err != nil {
		return err
	}
	defer m.mu.Unlock()
	s, ok := m.set(key, now)
	if !ok {
		return nil
	}
	for _, mb := range members {
		delete(s.members, mb)
	}
	if len(s.members) == 0 {
		delete(m.sets, key) // as Redis does with an emptied set
	}
	return nil
}

// SetMembers implements Backend.
func (m *MemoryBackend) SetMembers(_ context.Context, key string) ([]string, error) {
	now, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	s, ok := m.set(key, now)
	if !ok {
		return nil, nil
	}
	out := make([]string, 0, len(s.members))
	for mb := range s.members {
		out = append(out, mb)
	}
	return out, nil
}

// Count implements Backend.
func (m *MemoryBackend) Count(_ context.Context, prefix string) (int, error) {
	now, err := m.lock()
	if err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	n := 0
	for k, v := range m.vals {
		if v.exp > now && strings.HasPrefix(k, prefix) {
			n++
		}
	}
	for k, s := range m.sets {
		if s.exp > now && strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n, nil
}

// Ping implements Backend; it fails only after Close.
func (m *MemoryBackend) Ping(context.Context) error {
	if _, err := m.lock(); err != nil {
		return err
	}
	m.mu.Unlock()
	return nil
}

// Close stops the janitor and drops every entry. It is safe to call more
// than once.
func (m *MemoryBackend) Close() error {
	m.once.Do(func() {
		close(m.stop)
		<-m.done
		m.mu.Lock()
		m.closed = true
		m.vals, m.sets = nil, nil
		m.mu.Unlock()
	})
	return nil
}

package session

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startFrom signs user in with a device and address, as the web layer records them.
func startFrom(t *testing.T, s *Store, user string, device Device, ip string) (*Record, string) {
	t.Helper()
	rec := testRecord(user)
	rec.Device, rec.IP = device, ip
	w := httptest.NewRecorder()
	require.NoError(t, s.Start(t.Context(), w, request(t), rec))
	c := setCookie(w, s.CookieName())
	require.NotNil(t, c)
	return rec, c.Value
}

func testList(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	laptop, _ := startFrom(t, s, "00ualice", Device{Browser: "Chrome", System: "macOS"}, "203.0.113.7")
	fx.clock.Advance(2 * time.Minute)
	phone, _ := startFrom(t, s, "00ualice", Device{Browser: "Safari", System: "iPhone"}, "198.51.100.20")
	startFrom(t, s, "00ubob", Device{Browser: "Firefox", System: "Linux"}, "192.0.2.1")

	got, err := s.List(t.Context(), "00ualice")
	require.NoError(t, err)
	require.Len(t, got, 2, "only alice's sessions")
	assert.Equal(t, s.Handle(phone.ID), got[0].Handle, "newest sign-in first")
	assert.Equal(t, Device{Browser: "Safari", System: "iPhone"}, got[0].Device)
	assert.Equal(t, "198.51.100.20", got[0].IP)
	assert.True(t, got[0].Created.Equal(phone.Created))
	assert.True(t, got[0].Known)
	assert.Equal(t, s.Handle(laptop.ID), got[1].Handle)
	assert.Equal(t, Device{Browser: "Chrome", System: "macOS"}, got[1].Device)
	for _, sum := range got {
		assert.NotContains(t, sum.Handle, laptop.ID)
		assert.NotEqual(t, hashID(laptop.ID), sum.Handle, "the handle is not the backend key")
	}

	// LastSeen follows the touch the store already writes.
	fx.clock.Advance(5 * time.Minute)
	_, err = s.Load(request(t, signedCookie(t, s, laptop.ID)))
	require.NoError(t, err)
	got, err = s.List(t.Context(), "00ualice")
	require.NoError(t, err)
	assert.True(t, got[1].LastSeen.Equal(fx.clock.Now()), "last seen is the touch")

	// Expired sessions are left out.
	fx.clock.Advance(s.o.IdleTimeout)
	got, err = s.List(t.Context(), "00ualice")
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testEndOne(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	keep, _ := startFrom(t, s, "00ualice", Device{Browser: "Chrome", System: "macOS"}, "203.0.113.7")
	other, _ := startFrom(t, s, "00ualice", Device{Browser: "Safari", System: "iPhone"}, "198.51.100.20")
	bob, _ := startFrom(t, s, "00ubob", Device{Browser: "Firefox", System: "Linux"}, "192.0.2.1")

	tests := []struct {
		name, user, handle string
		ended              bool
	}{
		{name: "another person's handle ends nothing", user: "00ualice", handle: s.Handle(bob.ID)},
		{name: "a made-up handle ends nothing", user: "00ualice", handle: "not-a-handle"},
		{name: "empty handle", user: "00ualice", handle: ""},
		{name: "the person's other session", user: "00ualice", handle: s.Handle(other.ID), ended: true},
		{name: "the same handle again", user: "00ualice", handle: s.Handle(other.ID)},
	}
	for _, tt := range tests {
		ended, err := s.EndOne(t.Context(), tt.user, tt.handle)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.ended, ended, tt.name)
	}
	assert.Nil(t, load(t, s, signedCookie(t, s, other.ID)), "the ended session is gone at once")
	assert.NotNil(t, load(t, s, signedCookie(t, s, keep.ID)), "the kept session works")
	assert.NotNil(t, load(t, s, signedCookie(t, s, bob.ID)), "bob's session is untouched")
	assert.NotContains(t, indexMembers(t, fx, "00ualice"), recordKey(other.ID), "unindexed")
}

// testLegacyRecordAD: a record sealed the old way (bound to its id) still loads, and is
// listed once its next write re-seals it.
func testLegacyRecordAD(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	rec, _ := startFrom(t, s, "00ualice", Device{Browser: "Chrome", System: "macOS"}, "203.0.113.7")
	pt, err := marshalRecord(rec)
	require.NoError(t, err)
	legacy := s.kr.seal(pt, adRecord+rec.ID)
	_, err = fx.b.Set(t.Context(), recordKey(rec.ID), legacy, time.Hour, SetAlways)
	require.NoError(t, err)

	list, err := s.List(t.Context(), "00ualice")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.False(t, list[0].Known, "listed, endable, without details")
	assert.Equal(t, s.Handle(rec.ID), list[0].Handle)

	fx.clock.Advance(2 * time.Minute) // past TouchEvery: the load re-seals it
	got := load(t, s, signedCookie(t, s, rec.ID))
	require.NotNil(t, got, "an old record still opens")
	list, err = s.List(t.Context(), "00ualice")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.True(t, list[0].Known)
	assert.Equal(t, Device{Browser: "Chrome", System: "macOS"}, list[0].Device)
}

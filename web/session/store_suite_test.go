package session

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// storeSuite is the behaviour every backend must give a Store. It runs once
// per backend (TestMemoryStore, TestRedisStore).
func storeSuite(t *testing.T, mk newFixture) {
	tests := []struct {
		name string
		run  func(t *testing.T, fx *fixture)
	}{
		{name: "start, load and destroy", run: testStartLoadDestroy},
		{name: "unknown or forged ids are anonymous and never adopted", run: testStrictIDs},
		{name: "start deletes the pre-login session", run: testStartDeletesPreLogin},
		{name: "records are encrypted at rest and bound to their id", run: testEncryptionAtRest},
		{name: "key rotation", run: testKeyRotation},
		{name: "idle timeout", run: testIdleTimeout},
		{name: "absolute lifetime despite constant activity", run: testAbsoluteLifetime},
		{name: "backend TTL is the smaller of idle and remaining lifetime", run: testBackendTTL},
		{name: "LastSeen is written at most every TouchEvery", run: testTouchThrottle},
		{name: "save updates in place and never resurrects", run: testSave},
		{name: "a touch never overwrites a concurrent write", run: testTouchRace},
		{name: "rotate issues a new id for the same record", run: testRotate},
		{name: "destroy user ends every session of that person", run: testDestroyUser},
		{name: "rotate racing destroy user leaves no session", run: testRotateDestroyRace},
		{name: "the per-user index is pruned and outlives its sessions", run: testIndexHygiene},
		{name: "lock serialises contending goroutines", run: testLockSerialises},
		{name: "lock expiry frees a crashed holder", run: testLockExpiry},
		{name: "lock wait ends with the context", run: testLockContext},
		{name: "login transactions", run: testLoginTx},
		{name: "flash messages", run: testFlash},
		{name: "count and ping", run: testCountPing},
		{name: "gorilla adapter", run: testGorilla},
		{name: "list a person's sessions with their device", run: testList},
		{name: "end one session by its handle", run: testEndOne},
		{name: "records sealed before key binding still open", run: testLegacyRecordAD},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, mk(t))
		})
	}
}

func testStartLoadDestroy(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	want, c := start(t, s, "00uada")
	require.Len(t, want.ID, 43, "Start fills in the new id")
	assert.Equal(t, fx.clock.Now(), want.Created)
	assert.Equal(t, fx.clock.Now(), want.LastSeen)

	got := load(t, s, c)
	require.NotNil(t, got, "a fresh session must load")
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, want.UserID, got.UserID)
	assert.Equal(t, want.Email, got.Email)
	assert.Equal(t, want.Roles, got.Roles)
	assert.True(t, want.AuthTime.Equal(got.AuthTime))
	assert.True(t, want.Created.Equal(got.Created))
	assert.Equal(t, want.Tokens.Access, got.Tokens.Access)
	assert.Equal(t, want.Tokens.Refresh, got.Tokens.Refresh)
	assert.Equal(t, want.Tokens.ID, got.Tokens.ID)
	assert.True(t, want.Tokens.Expiry.Equal(got.Tokens.Expiry))
	assert.Equal(t, "de", got.Lang, "the language menu's choice")
	assert.Equal(t, []string{"ja", "ja_JP", "Asia/Tokyo"}, []string{got.PreferredLanguage, got.Locale, got.Timezone}, "the profile's language and zone")
	assert.True(t, got.HasRole("helpdesk"))
	assert.False(t, got.HasRole("admin"))

	w := httptest.NewRecorder()
	require.NoError(t, s.Destroy(t.Context(), w, request(t, c)))
	gone := setCookie(w, s.CookieName())
	require.NotNil(t, gone, "Destroy must expire the cookie")
	assert.Equal(t, -1, gone.MaxAge, "Max-Age=0 on the wire")
	assert.Empty(t, gone.Value)
	assert.Nil(t, load(t, s, c), "the old cookie must be anonymous after sign-out")
	assert.Nil(t, rawRecord(t, fx, want.ID), "the record must be deleted")
	assert.Empty(t, indexMembers(t, fx, "00uada"))

	w = httptest.NewRecorder()
	require.NoError(t, s.Destroy(t.Context(), w, request(t)), "Destroy without a session is fine")
	assert.NotNil(t, setCookie(w, s.CookieName()))
}

func testStrictIDs(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	_, victim := start(t, s, "00uvictim")
	unknownID := newID()
	cases := []struct {
		name   string
		cookie *http.Cookie
	}{
		{name: "attacker-chosen value", cookie: &http.Cookie{Name: s.CookieName(), Value: "attacker-chosen"}},
		{name: "empty value", cookie: &http.Cookie{Name: s.CookieName(), Value: ""}},
		{name: "tampered signature", cookie: &http.Cookie{Name: s.CookieName(), Value: victim.Value[:len(victim.Value)-4] + "AAAA"}},
		{name: "well signed but never issued", cookie: signedCookie(t, s, unknownID)},
		{name: "oversized", cookie: &http.Cookie{Name: s.CookieName(), Value: string(bytes.Repeat([]byte("A"), 5000))}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := s.Load(request(t, tc.cookie))
			require.NoError(t, err, "a bad cookie is anonymous, not an error")
			assert.Nil(t, rec)

			rec = testRecord("00uattacked")
			w := httptest.NewRecorder()
			require.NoError(t, s.Start(t.Context(), w, request(t, tc.cookie), rec))
			assert.NotEqual(t, unknownID, rec.ID)
			assert.NotEqual(t, tc.cookie.Value, rec.ID)
			assert.NotNil(t, rawRecord(t, fx, rec.ID), "the record is stored under the new server id")
			assert.Nil(t, rawRecord(t, fx, unknownID), "nothing may exist under the unissued id")
			got, err := s.Get(t.Context(), unknownID)
			require.NoError(t, err)
			assert.Nil(t, got)
			assert.NotNil(t, load(t, s, setCookie(w, s.CookieName())))
		})
	}
	assert.NotNil(t, load(t, s, victim), "the victim's session is untouched")
}

func testStartDeletesPreLogin(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	pre, preCookie := start(t, s, "00ubob")

	rec := testRecord("00ubob")
	w := httptest.NewRecorder()
	require.NoError(t, s.Start(t.Context(), w, request(t, preCookie), rec))
	assert.NotEqual(t, pre.ID, rec.ID)
	assert.Nil(t, rawRecord(t, fx, pre.ID), "the pre-login record must be gone")
	assert.Nil(t, load(t, s, preCookie), "replaying the pre-login cookie is anonymous")
	assert.NotNil(t, load(t, s, setCookie(w, s.CookieName())))
	assert.Equal(t, []string{recordKey(rec.ID)}, indexMembers(t, fx, "00ubob"))

	// Signing in as somebody else in the same browser ends the first
	// person's session and clears it from their index.
	other := testRecord("00ucarol")
	require.NoError(t, s.Start(t.Context(), httptest.NewRecorder(), request(t, setCookie(w, s.CookieName())), other))
	assert.Nil(t, rawRecord(t, fx, rec.ID))
	assert.Empty(t, indexMembers(t, fx, "00ubob"))
}

func testEncryptionAtRest(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	rec, _ := start(t, s, "00uada")
	raw := rawRecord(t, fx, rec.ID)
	require.NotEmpty(t, raw)
	for _, secret := range []string{rec.Tokens.Access, rec.Tokens.Refresh, rec.Tokens.ID, rec.Login, rec.Email, rec.Name, rec.ID} {
		assert.NotContains(t, string(raw), secret, "the stored bytes must not contain plaintext")
	}
	assert.NotContains(t, string(raw), "ACCESS-")
	assert.NotContains(t, string(raw), "REFRESH-")
	assert.NotContains(t, string(raw), "IDTOKEN-")

	// A record copied under another session's id fails to decrypt: that
	// session becomes anonymous and the misplaced bytes are deleted.
	other, otherCookie := start(t, s, "00umallory")
	_, err := fx.b.Set(t.Context(), recordKey(other.ID), raw, time.Hour, SetAlways)
	require.NoError(t, err)
	assert.Nil(t, load(t, s, otherCookie), "a record under a foreign id must not open")
	assert.Nil(t, rawRecord(t, fx, other.ID))

	// So does a flipped bit.
	tampered, tamperedCookie := start(t, s, "00utamper")
	blob := rawRecord(t, fx, tampered.ID)
	blob[len(blob)-1] ^= 1
	_, err = fx.b.Set(t.Context(), recordKey(tampered.ID), blob, time.Hour, SetAlways)
	require.NoError(t, err)
	assert.Nil(t, load(t, s, tamperedCookie))
}

func testKeyRotation(t *testing.T, fx *fixture) {
	oldOnly := newStore(t, fx, withKeys(testKey1()))
	rec, c := start(t, oldOnly, "00uada")

	rotated := newStore(t, fx, withKeys(testKey2(), testKey1()))
	got := load(t, rotated, c)
	require.NotNil(t, got, "a cookie and record of the previous key still work when a new key is first")
	assert.Equal(t, rec.Tokens.Access, got.Tokens.Access)

	// A write re-encrypts with the newest key...
	require.NoError(t, rotated.Save(t.Context(), got))
	newOnly := newStore(t, fx, withKeys(testKey2()))
	reread, err := newOnly.Get(t.Context(), rec.ID)
	require.NoError(t, err)
	require.NotNil(t, reread, "a record rewritten after rotation opens with the new key alone")

	// ...but a cookie signed with a removed key is anonymous, never an error.
	got, err = newOnly.Load(request(t, c))
	require.NoError(t, err)
	assert.Nil(t, got)

	// Records still under a removed key are anonymous and deleted.
	stale, staleCookie := start(t, oldOnly, "00ubob")
	got, err = newOnly.Get(t.Context(), stale.ID)
	require.NoError(t, err)
	assert.Nil(t, got)
	assert.Nil(t, load(t, oldOnly, staleCookie))

	// New cookies are signed with the newest key.
	_, fresh := start(t, rotated, "00ucarol")
	assert.NotNil(t, load(t, newOnly, fresh))
	assert.Nil(t, load(t, oldOnly, fresh))
}

func testIdleTimeout(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	rec, c := start(t, s, "00uada")
	fx.clock.Advance(29 * time.Minute)
	require.NotNil(t, load(t, s, c), "29 idle minutes are within the 30-minute idle timeout")

	fx.clock.Advance(31 * time.Minute)
	assert.Nil(t, load(t, s, c), "31 idle minutes end the session")
	assert.Nil(t, rawRecord(t, fx, rec.ID), "the expired record is deleted")
	next, _ := start(t, s, "00uada")
	assert.Equal(t, []string{recordKey(next.ID)}, indexMembers(t, fx, "00uada"),
		"no trace of the expired session is left in the index")
}

func testAbsoluteLifetime(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	rec, c := start(t, s, "00uada")
	for elapsed := time.Duration(0); elapsed < 10*time.Hour-10*time.Minute; elapsed += 10 * time.Minute {
		fx.clock.Advance(10 * time.Minute)
		require.NotNil(t, load(t, s, c), "an active session lives until 10 h (at %v)", elapsed+10*time.Minute)
	}
	fx.clock.Advance(11 * time.Minute) // 10 h 1 min after Created
	assert.Nil(t, load(t, s, c), "constant activity must not extend the absolute lifetime")
	assert.Nil(t, rawRecord(t, fx, rec.ID))
}

func testBackendTTL(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	rec, c := start(t, s, "00uada")
	assert.InDelta(t, (30 * time.Minute).Seconds(), fx.ttl(t, recordKey(rec.ID)).Seconds(), 5,
		"a new session's TTL is the idle timeout")

	for range 9*6 + 3 { // 9 h 30 min of activity every 10 min
		fx.clock.Advance(10 * time.Minute)
		require.NotNil(t, load(t, s, c))
	}
	assert.InDelta(t, (30 * time.Minute).Seconds(), fx.ttl(t, recordKey(rec.ID)).Seconds(), 5,
		"30 min of lifetime left: TTL still equals the idle timeout")
	fx.clock.Advance(10 * time.Minute)
	require.NotNil(t, load(t, s, c))
	assert.InDelta(t, (20 * time.Minute).Seconds(), fx.ttl(t, recordKey(rec.ID)).Seconds(), 5,
		"20 min of lifetime left: TTL is the remaining absolute lifetime")
}

func testTouchThrottle(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	rec, c := start(t, s, "00uada")
	before := rawRecord(t, fx, rec.ID)

	fx.clock.Advance(30 * time.Second)
	got := load(t, s, c)
	require.NotNil(t, got)
	assert.True(t, rec.LastSeen.Equal(got.LastSeen), "no write within TouchEvery")
	assert.Equal(t, before, rawRecord(t, fx, rec.ID), "no write within TouchEvery")

	fx.clock.Advance(31 * time.Second)
	got = load(t, s, c)
	require.NotNil(t, got)
	assert.True(t, fx.clock.Now().Equal(got.LastSeen), "LastSeen is written after TouchEvery")
	assert.NotEqual(t, before, rawRecord(t, fx, rec.ID))
	reread, err := s.Get(t.Context(), rec.ID)
	require.NoError(t, err)
	assert.True(t, fx.clock.Now().Equal(reread.LastSeen), "and stored")
}

func testSave(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	_, c := start(t, s, "00uada")
	rec := load(t, s, c)
	rec.Tokens.Access = "refreshed-access-token"
	rec.Roles = []string{"admin"}
	require.NoError(t, s.Save(t.Context(), rec))
	got := load(t, s, c)
	require.NotNil(t, got)
	assert.Equal(t, rec.ID, got.ID, "Save keeps the id")
	assert.Equal(t, "refreshed-access-token", got.Tokens.Access)
	assert.True(t, got.HasRole("admin"))

	require.NoError(t, s.Destroy(t.Context(), httptest.NewRecorder(), request(t, c)))
	assert.ErrorIs(t, s.Save(t.Context(), rec), ErrGone, "Save must not resurrect a signed-out session")
	assert.Nil(t, rawRecord(t, fx, rec.ID))

	rec2, c2 := start(t, s, "00uada")
	fx.clock.Advance(31 * time.Minute)
	assert.ErrorIs(t, s.Save(t.Context(), rec2), ErrGone, "Save of an idle-expired record")
	assert.Nil(t, load(t, s, c2))
	assert.Error(t, s.Save(t.Context(), &Record{UserID: "x"}), "a record without an id")
}

// hookBackend runs afterGet once, right after the next Get: the moment
// another instance could write between Load's read and its touch.
type hookBackend struct {
	Backend
	afterGet func()
}

func (h *hookBackend) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := h.Backend.Get(ctx, key)
	if f := h.afterGet; f != nil {
		h.afterGet = nil
		f()
	}
	return v, err
}

func testTouchRace(t *testing.T, fx *fixture) {
	hb := &hookBackend{Backend: fx.b}
	s := newStore(t, &fixture{b: hb, clock: fx.clock})
	other := newStore(t, fx)

	_, c := start(t, s, "00uada")
	fx.clock.Advance(2 * time.Minute) // due for a touch
	hb.afterGet = func() {
		rec := load(t, other, c)
		rec.Tokens.Access = "refreshed-elsewhere"
		require.NoError(t, other.Save(t.Context(), rec))
	}
	got := load(t, s, c)
	require.NotNil(t, got)
	assert.Equal(t, "refreshed-elsewhere", got.Tokens.Access, "Load returns the newer record")
	assert.Equal(t, "refreshed-elsewhere", load(t, other, c).Tokens.Access, "the stale touch did not overwrite it")

	fx.clock.Advance(2 * time.Minute)
	hb.afterGet = func() {
		_, err := other.DestroyUser(t.Context(), "00uada", "")
		require.NoError(t, err)
	}
	assert.Nil(t, load(t, s, c), "a session ended meanwhile stays ended")
	assert.Nil(t, load(t, other, c))
}

func testRotate(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	rec, oldCookie := start(t, s, "00uada")
	oldID, created := rec.ID, rec.Created
	fx.clock.Advance(20 * time.Minute)
	rec = load(t, s, oldCookie)
	require.NotNil(t, rec)
	w := httptest.NewRecorder()
	require.NoError(t, s.Rotate(t.Context(), w, rec))
	assert.NotEqual(t, oldID, rec.ID)
	assert.True(t, created.Equal(rec.Created), "rotation keeps the absolute lifetime")
	newCookie := setCookie(w, s.CookieName())
	require.NotNil(t, newCookie)
	assert.Equal(t, int((9*time.Hour + 40*time.Minute).Seconds()), newCookie.MaxAge, "the cookie lives as long as the record may")

	assert.Nil(t, load(t, s, oldCookie), "the old id is dead")
	assert.Nil(t, rawRecord(t, fx, oldID))
	got := load(t, s, newCookie)
	require.NotNil(t, got)
	assert.Equal(t, rec.ID, got.ID)
	assert.Equal(t, []string{recordKey(rec.ID)}, indexMembers(t, fx, "00uada"))

	hijack := *got
	hijack.UserID = "00uother"
	err := s.Rotate(t.Context(), httptest.NewRecorder(), &hijack)
	require.Error(t, err, "Rotate must not move a session to another person")
	assert.NotErrorIs(t, err, ErrGone)
	assert.Empty(t, indexMembers(t, fx, "00uother"))
	assert.Nil(t, load(t, s, newCookie), "and fails closed")

	_, c := start(t, s, "00uada")
	got = load(t, s, c)
	_, err = s.DestroyUser(t.Context(), "00uada", "")
	require.NoError(t, err)
	assert.ErrorIs(t, s.Rotate(t.Context(), httptest.NewRecorder(), got), ErrGone, "Rotate must not resurrect")
	assert.Empty(t, indexMembers(t, fx, "00uada"))
}

func testDestroyUser(t *testing.T, fx *fixture) {
	tests := []struct {
		name     string
		keep     int // index of the session to keep, -1 for none
		wantEnds int
	}{
		{name: "all sessions", keep: -1, wantEnds: 3},
		{name: "all but the current one", keep: 1, wantEnds: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, fx)
			var recs []*Record
			var cookies []*http.Cookie
			for range 3 {
				r, c := start(t, s, "00ueve")
				recs, cookies = append(recs, r), append(cookies, c)
			}
			_, bystander := start(t, s, "00ufrank")
			except := ""
			if tt.keep >= 0 {
				except = recs[tt.keep].ID
			}
			n, err := s.DestroyUser(t.Context(), "00ueve", except)
			require.NoError(t, err)
			assert.Equal(t, tt.wantEnds, n)
			for i, c := range cookies {
				if i == tt.keep {
					assert.NotNil(t, load(t, s, c), "the excepted session survives")
				} else {
					assert.Nil(t, load(t, s, c), "session %d must be ended", i)
				}
			}
			var wantIndex []string
			if tt.keep >= 0 {
				wantIndex = []string{recordKey(recs[tt.keep].ID)}
			}
			assert.ElementsMatch(t, wantIndex, indexMembers(t, fx, "00ueve"))
			assert.NotNil(t, load(t, s, bystander), "another person's session is untouched")
			_, err = s.DestroyUser(t.Context(), "00ueve", "")
			require.NoError(t, err)
		})
	}
}

func testRotateDestroyRace(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	for i := range 50 {
		rec, _ := start(t, s, "00urace")
		done := make(chan error, 1)
		go func() {
			done <- s.Rotate(t.Context(), httptest.NewRecorder(), rec)
		}()
		_, err := s.DestroyUser(t.Context(), "00urace", "")
		require.NoError(t, err)
		if err := <-done; err != nil {
			require.ErrorIs(t, err, ErrGone)
		}
		n, err := s.Count(t.Context())
		require.NoError(t, err)
		require.Zero(t, n, "iteration %d: a session survived DestroyUser", i)
	}
}

func testIndexHygiene(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	first, _ := start(t, s, "00uada")
	assert.GreaterOrEqual(t, fx.ttl(t, indexKey("00uada")), 10*time.Hour,
		"the index must outlive the longest session")

	// The record vanishes behind the store's back (backend TTL): the next
	// sign-in prunes its stale index entry.
	_, err := fx.b.Delete(t.Context(), recordKey(first.ID))
	require.NoError(t, err)
	second, _ := start(t, s, "00uada")
	assert.Equal(t, []string{recordKey(second.ID)}, indexMembers(t, fx, "00uada"))

	fx.clock.Advance(20 * time.Minute)
	third, _ := start(t, s, "00uada")
	assert.ElementsMatch(t, []string{recordKey(second.ID), recordKey(third.ID)}, indexMembers(t, fx, "00uada"))
	assert.GreaterOrEqual(t, fx.ttl(t, indexKey("00uada")), 10*time.Hour,
		"each sign-in extends the index to cover the new session")

	for _, id := range indexMembers(t, fx, "00uada") {
		assert.NotContains(t, id, second.ID, "the index holds hashed ids only")
		assert.NotContains(t, id, third.ID, "the index holds hashed ids only")
	}
}

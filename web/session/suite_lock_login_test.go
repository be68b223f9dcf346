package session

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Lock, login-transaction, metrics and gorilla cases of storeSuite.

func testLockSerialises(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	rec, _ := start(t, s, "00uada")
	const workers = 20
	counter := 0 // deliberately not atomic: the lock must order the accesses
	errs := make(chan error, workers)
	for range workers {
		go func() {
			unlock, err := s.Lock(t.Context(), rec.ID, 10*time.Second)
			if err != nil {
				errs <- err
				return
			}
			v := counter
			time.Sleep(time.Millisecond) // widen the window a broken lock would show
			counter = v + 1
			unlock()
			errs <- nil
		}()
	}
	for range workers {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, workers, counter)
}

func testLockExpiry(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	rec, _ := start(t, s, "00uada")
	_, err := s.Lock(t.Context(), rec.ID, 300*time.Millisecond) // holder "crashes": never unlocks
	require.NoError(t, err)

	// A cancelled context still gets exactly one attempt.
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = s.Lock(cancelled, rec.ID, time.Second)
	require.ErrorIs(t, err, context.Canceled, "the lock is still held before its TTL")

	fx.elapse(350 * time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	unlock, err := s.Lock(ctx, rec.ID, time.Second)
	require.NoError(t, err, "the TTL frees a crashed holder's lock")
	unlock()
	unlock() // idempotent

	other, err := s.Lock(t.Context(), rec.ID, time.Second)
	require.NoError(t, err, "unlock released the lock")
	other()
}

func testLockContext(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	unlock, err := s.Lock(t.Context(), "some-id", time.Minute)
	require.NoError(t, err)
	defer unlock()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = s.Lock(ctx, "some-id", time.Minute)
	assert.ErrorIs(t, err, context.Canceled)
	unlock2, err := s.Lock(t.Context(), "another-id", time.Minute)
	require.NoError(t, err, "locks are per id")
	unlock2()
	_, err = s.Lock(t.Context(), "", time.Minute)
	assert.Error(t, err)
}

func testLoginTx(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	begin := func(t *testing.T, state string) *http.Cookie {
		w := httptest.NewRecorder()
		tx := LoginTx{State: state, Nonce: "nonce-" + state, Verifier: "verifier-" + state, ReturnTo: "/apps", Extra: map[string]string{"k": "v"}}
		require.NoError(t, s.BeginLogin(t.Context(), w, tx))
		c := setCookie(w, s.LoginCookieName())
		require.NotNil(t, c)
		assert.Equal(t, 600, c.MaxAge)
		return c
	}
	take := func(t *testing.T, c ...*http.Cookie) (LoginTx, error) {
		w := httptest.NewRecorder()
		tx, err := s.TakeLogin(t.Context(), w, request(t, c...))
		cleared := setCookie(w, s.LoginCookieName())
		require.NotNil(t, cleared, "TakeLogin always clears the login cookie")
		assert.Equal(t, -1, cleared.MaxAge)
		return tx, err
	}

	t.Run("single use", func(t *testing.T) {
		c := begin(t, "s1")
		tx, err := take(t, c)
		require.NoError(t, err)
		assert.Equal(t, "s1", tx.State)
		assert.Equal(t, "nonce-s1", tx.Nonce)
		assert.Equal(t, "verifier-s1", tx.Verifier)
		assert.Equal(t, "/apps", tx.ReturnTo)
		assert.Equal(t, map[string]string{"k": "v"}, tx.Extra)
		assert.True(t, fx.clock.Now().Equal(tx.Created))
		_, err = take(t, c)
		assert.ErrorIs(t, err, ErrNoLogin, "a replayed callback finds nothing")
	})
	t.Run("expires after LoginTTL", func(t *testing.T) {
		c := begin(t, "s2")
		fx.clock.Advance(10*time.Minute + time.Second)
		_, err := take(t, c)
		assert.ErrorIs(t, err, ErrNoLogin)
	})
	t.Run("still valid just before LoginTTL", func(t *testing.T) {
		c := begin(t, "s3")
		fx.clock.Advance(9*time.Minute + 59*time.Second)
		_, err := take(t, c)
		assert.NoError(t, err)
	})
	t.Run("each browser gets its own transaction", func(t *testing.T) {
		a, b := begin(t, "browser-a"), begin(t, "browser-b")
		tx, err := take(t, b)
		require.NoError(t, err)
		assert.Equal(t, "browser-b", tx.State, "browser B's cookie never yields browser A's state")
		tx, err = take(t, a)
		require.NoError(t, err)
		assert.Equal(t, "browser-a", tx.State)
	})
	t.Run("no valid cookie", func(t *testing.T) {
		valid := begin(t, "s4")
		otherStore := newStore(t, fx, withKeys(testKey2()))
		wo := httptest.NewRecorder()
		require.NoError(t, otherStore.BeginLogin(t.Context(), wo, LoginTx{State: "elsewhere"}))
		_, sessCookie := start(t, s, "00uada")
		cases := []struct {
			name   string
			cookie *http.Cookie
		}{
			{name: "missing", cookie: nil},
			{name: "forged", cookie: &http.Cookie{Name: s.LoginCookieName(), Value: "state-i-chose"}},
			{name: "signed by another deployment", cookie: setCookie(wo, s.LoginCookieName())},
			{name: "a session cookie's value", cookie: &http.Cookie{Name: s.LoginCookieName(), Value: sessCookie.Value}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := take(t, tc.cookie)
				assert.ErrorIs(t, err, ErrNoLogin)
			})
		}
		_, err := take(t, valid)
		assert.NoError(t, err, "failed attempts do not consume another browser's transaction")
	})
	t.Run("TakeLoginIf consumes only what it matches", func(t *testing.T) {
		c := begin(t, "s5")
		takeIf := func(state string) (bool, *httptest.ResponseRecorder) {
			w := httptest.NewRecorder()
			took, err := s.TakeLoginIf(t.Context(), w, request(t, c), func(tx LoginTx) bool { return tx.State == state })
			require.NoError(t, err)
			return took, w
		}
		took, w := takeIf("stray")
		assert.False(t, took)
		assert.Nil(t, setCookie(w, s.LoginCookieName()), "a refused match leaves the cookie alone")
		took, w = takeIf("s5")
		assert.True(t, took)
		require.NotNil(t, setCookie(w, s.LoginCookieName()))
		assert.Equal(t, -1, setCookie(w, s.LoginCookieName()).MaxAge)
		took, _ = takeIf("s5")
		assert.False(t, took, "single use")
		_, err := take(t, c)
		assert.ErrorIs(t, err, ErrNoLogin)

		c = begin(t, "s6")
		took, _ = takeIf("stray")
		assert.False(t, took)
		tx, err := take(t, c)
		require.NoError(t, err, "the pending transaction survived the stray request")
		assert.Equal(t, "s6", tx.State)
	})
	t.Run("encrypted at rest", func(t *testing.T) {
		c := begin(t, "secret-state")
		id, ok := decodeID(s.kr.loginCodecs, s.LoginCookieName(), c.Value)
		require.True(t, ok)
		raw, err := fx.b.Get(t.Context(), loginKey(id))
		require.NoError(t, err)
		require.NotEmpty(t, raw)
		for _, secret := range []string{"secret-state", "nonce-secret-state", "verifier-secret-state"} {
			assert.NotContains(t, string(raw), secret)
		}
		assert.LessOrEqual(t, fx.ttl(t, loginKey(id)), 10*time.Minute)
	})
}

func testCountPing(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	n, err := s.Count(t.Context())
	require.NoError(t, err)
	assert.Zero(t, n)
	for _, u := range []string{"00ua", "00ub", "00ub"} {
		start(t, s, u)
	}
	require.NoError(t, s.BeginLogin(t.Context(), httptest.NewRecorder(), LoginTx{State: "x"}))
	unlock, err := s.Lock(t.Context(), "x", time.Minute)
	require.NoError(t, err)
	defer unlock()
	n, err = s.Count(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 3, n, "only session records count")
	assert.NoError(t, s.Ping(t.Context()))
}

func testGorilla(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	g := s.Gorilla()
	name := s.CookieName()

	sess, err := g.New(request(t), name)
	require.NoError(t, err)
	assert.True(t, sess.IsNew)
	assert.Empty(t, sess.ID)
	assert.True(t, sess.Options.HttpOnly)

	// Save of a new session with a record signs it in under a fresh id.
	rec := testRecord("00uada")
	sess.Values[RecordKey] = rec
	w := httptest.NewRecorder()
	require.NoError(t, g.Save(request(t), w, sess))
	require.NotEmpty(t, sess.ID)
	c := setCookie(w, name)
	require.NotNil(t, c)

	loaded, err := g.Get(request(t, c), name)
	require.NoError(t, err)
	assert.False(t, loaded.IsNew)
	assert.Equal(t, sess.ID, loaded.ID)
	got, ok := loaded.Values[RecordKey].(*Record)
	require.True(t, ok)
	assert.Equal(t, "00uada", got.UserID)

	// In-place update.
	got.Roles = []string{"admin"}
	require.NoError(t, g.Save(request(t, c), httptest.NewRecorder(), loaded))
	assert.True(t, load(t, s, c).HasRole("admin"))

	// Clearing the id of a loaded session rotates it: a new id, the same record and Created,
	// and the old id ends (SECURITY.md 16).
	oldCookie, oldID, created := c, loaded.ID, got.Created
	loaded.ID = ""
	w = httptest.NewRecorder()
	require.NoError(t, g.Save(request(t, c), w, loaded))
	require.NotEmpty(t, loaded.ID)
	assert.NotEqual(t, oldID, loaded.ID, "a new id")
	c = setCookie(w, name)
	require.NotNil(t, c)
	rotated := load(t, s, c)
	require.NotNil(t, rotated)
	assert.Equal(t, "00uada", rotated.UserID)
	assert.True(t, rotated.HasRole("admin"), "the record moved with it")
	assert.True(t, created.Equal(rotated.Created), "the absolute lifetime does not restart")
	assert.Nil(t, load(t, s, oldCookie), "the old id is gone")

	// Unsupported values are refused rather than silently dropped.
	loaded.Values["flash"] = "hi"
	assert.Error(t, g.Save(request(t, c), httptest.NewRecorder(), loaded))
	delete(loaded.Values, "flash")

	// An unknown, well-signed id is a new empty session with ID "".
	forged := signedCookie(t, s, newID())
	fresh, err := g.New(request(t, forged), name)
	require.NoError(t, err)
	assert.Empty(t, fresh.ID)
	assert.True(t, fresh.IsNew)
	fresh.Values[RecordKey] = testRecord("00ubob")
	w = httptest.NewRecorder()
	require.NoError(t, g.Save(request(t, forged), w, fresh))
	assert.NotEqual(t, forged.Value, setCookie(w, name).Value)
	forgedID, _ := decodeID(s.kr.sessionCodecs, name, forged.Value)
	assert.NotEqual(t, forgedID, fresh.ID, "the forged id is never adopted")

	// MaxAge < 0 deletes.
	loaded.Options.MaxAge = -1
	w = httptest.NewRecorder()
	require.NoError(t, g.Save(request(t, c), w, loaded))
	assert.Equal(t, -1, setCookie(w, name).MaxAge)
	assert.Nil(t, load(t, s, c))

	_, err = g.Get(request(t), "some-other-cookie")
	assert.Error(t, err, "a GorillaStore serves only its own cookie")
}

func testFlash(t *testing.T, fx *fixture) {
	s := newStore(t, fx)
	set := func(t *testing.T, msg string) *http.Cookie {
		w := httptest.NewRecorder()
		require.NoError(t, s.SetFlash(t.Context(), w, msg))
		c := setCookie(w, s.flash)
		require.NotNil(t, c)
		assert.NotContains(t, c.Value, msg, "the cookie holds an id, not the message")
		return c
	}
	take := func(t *testing.T, c ...*http.Cookie) (string, *httptest.ResponseRecorder) {
		w := httptest.NewRecorder()
		msg, err := s.TakeFlash(t.Context(), w, request(t, c...))
		require.NoError(t, err)
		return msg, w
	}
	t.Run("shows once", func(t *testing.T) {
		c := set(t, "others-signed-out")
		msg, w := take(t, c)
		assert.Equal(t, "others-signed-out", msg)
		require.NotNil(t, setCookie(w, s.flash))
		assert.Equal(t, -1, setCookie(w, s.flash).MaxAge, "the cookie is cleared")
		msg, _ = take(t, c)
		assert.Empty(t, msg, "a replayed cookie finds nothing")
	})
	t.Run("no cookie, no answer, no Set-Cookie", func(t *testing.T) {
		msg, w := take(t)
		assert.Empty(t, msg)
		assert.Nil(t, setCookie(w, s.flash))
	})
	t.Run("forged or foreign cookies", func(t *testing.T) {
		_, sess := start(t, s, "00uflash")
		for _, c := range []*http.Cookie{
			{Name: s.flash, Value: "others-signed-out"},
			{Name: s.flash, Value: sess.Value},
		} {
			msg, _ := take(t, c)
			assert.Empty(t, msg)
		}
	})
	t.Run("expires", func(t *testing.T) {
		c := set(t, "signed-out-everywhere")
		fx.clock.Advance(flashTTL + time.Second)
		msg, _ := take(t, c)
		assert.Empty(t, msg)
	})
	t.Run("bounded", func(t *testing.T) {
		assert.Error(t, s.SetFlash(t.Context(), httptest.NewRecorder(), ""))
		assert.Error(t, s.SetFlash(t.Context(), httptest.NewRecorder(), strings.Repeat("x", 201)))
		assert.Error(t, s.SetFlashData(t.Context(), httptest.NewRecorder(), "bulk", make([]byte, maxFlashData+1)))
	})
	t.Run("data shows once, sealed", func(t *testing.T) {
		const secret = "https://org.example/welcome/activation-token-1234"
		w := httptest.NewRecorder()
		require.NoError(t, s.SetFlashData(t.Context(), w, "done:create:00u1", []byte(secret)))
		c := setCookie(w, s.flash)
		require.NotNil(t, c)
		assert.NotContains(t, c.Value, "activation-token", "the cookie holds an id, not the data")
		w = httptest.NewRecorder()
		msg, data, err := s.TakeFlashData(t.Context(), w, request(t, c))
		require.NoError(t, err)
		assert.Equal(t, "done:create:00u1", msg)
		assert.Equal(t, secret, string(data))
		msg, data, err = s.TakeFlashData(t.Context(), httptest.NewRecorder(), request(t, c))
		require.NoError(t, err)
		assert.Empty(t, msg, "a reload finds nothing")
		assert.Nil(t, data, "a one-time secret never shows twice")
	})
}

package session_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"gatehouse/web/session"
)

// Example shows the life of a session as the portal drives it: a login
// transaction, sign-in, a request that refreshes tokens under the
// per-session lock, and sign-out.
func Example() {
	ctx := context.Background()
	keys, err := session.ParseKeys("1111111111111111111111111111111111111111111111111111111111111111")
	if err != nil {
		panic(err)
	}
	backend := session.NewMemoryBackend(nil) // or session.NewRedisBackend(rdb, "")
	store, err := session.NewStore(backend, session.Options{Keys: keys, Secure: true})
	if err != nil {
		panic(err)
	}
	defer store.Close()

	// GET /login: remember state, nonce and verifier for the callback.
	w := httptest.NewRecorder()
	_ = store.BeginLogin(ctx, w, session.LoginTx{State: "st", Nonce: "n", Verifier: "v", ReturnTo: "/apps"})
	browser := w.Result().Cookies()

	// GET /auth/callback: consume the transaction once, then sign in.
	w = httptest.NewRecorder()
	tx, err := store.TakeLogin(ctx, w, withCookies(browser))
	fmt.Println("state matches:", err == nil && tx.State == "st")
	rec := &session.Record{UserID: "00u1example", Roles: []string{"admin"}}
	_ = store.Start(ctx, w, withCookies(browser), rec)
	browser = w.Result().Cookies() // the cleared login cookie and the session cookie

	// Any request: load the session; refresh tokens under the lock.
	r := withCookies(browser)
	cur, _ := store.Load(r)
	fmt.Println("signed in:", cur.UserID, cur.HasRole("admin"))
	unlock, _ := store.Lock(ctx, cur.ID, 5*time.Second)
	cur, _ = store.Get(ctx, cur.ID) // another request may have refreshed already
	cur.Tokens.Access = "new-access-token"
	_ = store.Save(ctx, cur)
	unlock()

	// POST /logout.
	_ = store.Destroy(ctx, httptest.NewRecorder(), r)
	gone, err := store.Load(withCookies(browser))
	fmt.Println("after sign-out:", gone, err)
	// Output:
	// state matches: true
	// signed in: 00u1example true
	// after sign-out: <nil> <nil>
}

func withCookies(cookies []*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://portal.example/", nil)
	for _, c := range cookies {
		if c.MaxAge >= 0 {
			r.AddCookie(c)
		}
	}
	return r
}

// Package session is Gatehouse's strict server-side session store.
//
// The browser holds only a signed random session id; the session record
// (identity, roles, auth time, OAuth tokens) lives in a Backend, encrypted
// with AES-256-GCM. The store never adopts an id it did not issue, issues a
// new id at sign-in and on Rotate, keeps a per-user index so that every
// session of a person can be ended at once, and enforces idle and absolute
// lifetimes with an injectable clock. It also keeps the short-lived OAuth
// login transactions (state, nonce, PKCE verifier) that a callback consumes
// exactly once.
//
// Two backends are provided: MemoryBackend (one instance) and RedisBackend
// (go-redis v9, shared by several instances). GorillaStore is a Store as the
// gorilla/sessions Store interface, which Gatehouse's session middleware
// loads and saves the request's session through.
//
// The package is a leaf: it imports only the standard library,
// gorilla/sessions, gorilla/securecookie and go-redis. It must never import
// other Gatehouse packages.
package session

package session

import (
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"
)

// Record is one signed-in session: who the person is, what they may do,
// when they authenticated, and the OAuth tokens Gatehouse holds for them.
// It is stored encrypted; its String, GoString and LogValue never show the
// tokens, the session id or profile details.
type Record struct {
	// ID is the session id, filled by the store; it is never serialised.
	ID string `json:"-"`
	// UserID is the Okta user id (the ID token's sub).
	UserID string
	// Issuer is the ID token's iss.
	Issuer string
	// Login, Name and Email are profile details shown by the portal.
	Login, Name, Email string
	// Roles are Gatehouse roles such as "admin" and "helpdesk".
	Roles []string
	// RolesCheckedAt is when Roles were last looked up at Okta.
	RolesCheckedAt time.Time
	// AuthTime is when the person last authenticated at Okta (auth_time).
	AuthTime time.Time
	// ACR and AMR are how they authenticated, as the ID token said: the authentication
	// context class Okta satisfied (acr, when one was asked for) and the methods used (amr).
	ACR string
	AMR []string
	// Created is when this session was started; the absolute lifetime runs
	// from it. Set by Store.Start, kept by Rotate.
	Created time.Time
	// LastSeen is the last recorded activity; the idle timeout runs from it.
	LastSeen time.Time
	// Device and IP describe where the session was signed in from, for the person's own
	// list of their sessions: the browser's and system's names from its user agent (never
	// the whole header) and the client address as the proxy settings allow. Set at sign-in
	// and renewed with the tokens.
	Device Device
	IP     string
	// Tokens are the OAuth tokens of the session.
	Tokens Tokens
	// Lang is the language chosen from the language menu for this session ("" when none was:
	// the person's Okta profile decides).
	Lang string
	// PreferredLanguage, Locale and Timezone are the person's Okta profile attributes as
	// /users/me gave them at sign-in: the language and time zone of their pages when the
	// per-person cache holds no fresher copy.
	PreferredLanguage, Locale, Timezone string
}

// Device is where a session was signed in from, as a person recognises their own browser on
// the list of their sessions: the browser's and the operating system's names ("Chrome",
// "macOS"), each "" when the user agent did not say. They are names, the same in every
// language: the page puts them into a sentence in its reader's ("Chrome on macOS", "Chrome
// unter macOS"), so no words are stored. Other marks a program that named neither; the zero
// Device is unknown (no user agent, or a session recorded before devices were).
type Device struct {
	Browser, System string
	Other           bool
}

// IsZero reports whether nothing is known of the device.
func (d Device) IsZero() bool { return d == Device{} }

// HasRole reports whether the record carries role.
func (r *Record) HasRole(role string) bool {
	return r != nil && slices.Contains(r.Roles, role)
}

// String describes the record without tokens, session id or profile details.
func (r Record) String() string {
	return fmt.Sprintf("{user:%s roles:%v auth_time:%s created:%s last_seen:%s tokens:%s}",
		r.UserID, r.Roles, fmtTime(r.AuthTime), fmtTime(r.Created), fmtTime(r.LastSeen), r.Tokens)
}

// GoString is String, so that %#v redacts too.
func (r Record) GoString() string { return r.String() }

// LogValue implements slog.LogValuer with the same redaction as String.
func (r Record) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("user", r.UserID),
		slog.Any("roles", r.Roles),
		slog.Time("auth_time", r.AuthTime),
		slog.Time("created", r.Created),
		slog.Time("last_seen", r.LastSeen),
		slog.Any("tokens", r.Tokens),
	)
}

// Tokens are the OAuth tokens of a session. String, GoString and LogValue
// say only which tokens are present.
type Tokens struct {
	// Access is the access token.
	Access string
	// Refresh is the refresh token, if offline_access was granted.
	Refresh string
	// ID is the raw ID token, kept for id_token_hint at logout.
	ID string
	// Expiry is when the access token expires.
	Expiry time.Time
}

// String reports which tokens are present and when the access token
// expires, e.g. "{access:true refresh:false id:true expiry:2026-01-02T15:04:05Z}".
func (t Tokens) String() string {
	return fmt.Sprintf("{access:%t refresh:%t id:%t expiry:%s}",
		t.Access != "", t.Refresh != "", t.ID != "", fmtTime(t.Expiry))
}

// GoString is String, so that %#v redacts too.
func (t Tokens) GoString() string { return t.String() }

// LogValue implements slog.LogValuer with the same redaction as String.
func (t Tokens) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("access", t.Access != ""),
		slog.Bool("refresh", t.Refresh != ""),
		slog.Bool("id", t.ID != ""),
		slog.Time("expiry", t.Expiry),
	)
}

// LoginTx is an OAuth login transaction: what the callback needs to check
// and finish a sign-in. It lives for Options.LoginTTL and is consumed once.
type LoginTx struct {
	// State, Nonce and Verifier (PKCE) are the per-login secrets.
	State, Nonce, Verifier string
	// ReturnTo is the local path to go to after sign-in.
	ReturnTo string
	// Created is set by Store.BeginLogin.
	Created time.Time
	// MaxAge and Prompt are the re-authentication parameters sent, if any.
	MaxAge int
	Prompt string
	// Extra holds anything else the caller needs back at the callback.
	Extra map[string]string
}

// String describes the transaction without its secrets or Extra values.
func (tx LoginTx) String() string {
	keys := make([]string, 0, len(tx.Extra))
	for k := range tx.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return fmt.Sprintf("{state:%t nonce:%t verifier:%t return_to:%q created:%s max_age:%d prompt:%q extra:[%s]}",
		tx.State != "", tx.Nonce != "", tx.Verifier != "", tx.ReturnTo, fmtTime(tx.Created),
		tx.MaxAge, tx.Prompt, strings.Join(keys, " "))
}

// GoString is String, so that %#v redacts too.
func (tx LoginTx) GoString() string { return tx.String() }

// LogValue implements slog.LogValuer with the same redaction as String.
func (tx LoginTx) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("return_to", tx.ReturnTo),
		slog.Time("created", tx.Created),
		slog.Int("max_age", tx.MaxAge),
		slog.String("prompt", tx.Prompt),
	)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

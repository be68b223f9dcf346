package web

import (
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/redis/go-redis/v9"

	"gatehouse/client"
	"gatehouse/handlers"
	"gatehouse/static"
	"gatehouse/web/audit"
	"gatehouse/web/session"
)

// Config is everything one Gatehouse instance needs. It is the one configuration type:
// cmd/gatehouse fills it directly from the environment and flags, starting from DefaultConfig;
// tests start from DefaultConfig too; NewApp consumes it as it is and hands each part its
// share. Every default is written in DefaultConfig and nowhere else — the handlers, the
// session store and the client get explicit values.
type Config struct {
	// OktaOrgURL is the Okta org (the issuer of the org authorization server); ClientID and
	// ClientSecret are its OIDC web app's.
	OktaOrgURL   string
	ClientID     string
	ClientSecret string
	// The Okta credential is APIToken (SSWS) or, when ServiceClientID is set, an OAuth 2.0
	// service app: private_key_jwt with PrivateKey (never logged), DPoP as DPoP says,
	// OktaScopes or client.DefaultScopes when nil. Exactly one is configured.
	APIToken        string
	ServiceClientID string
	PrivateKey      crypto.Signer
	PrivateKeyID    string
	DPoP            client.DPoPMode
	OktaScopes      []string
	// OktaTimeout is the deadline of one Okta call, its retries included; OktaMaxInFlight the
	// concurrent Okta calls before new ones are refused (503); BreakerCooldown how long the
	// circuit breaker stays open after breakerFailures consecutive failures.
	OktaTimeout     time.Duration
	OktaMaxInFlight int
	BreakerCooldown time.Duration

	// PublicURL is the portal's external URL: https gives __Host- cookies and HSTS.
	PublicURL string
	// SessionKeys are 32-byte keys, newest first; older ones still decode (rotation).
	SessionKeys [][]byte
	// SessionIdle ends a session after this long without a request, SessionMax this long
	// after sign-in in any case.
	SessionIdle time.Duration
	SessionMax  time.Duration

	// Role groups: by name (OKTA_GROUPs only) and by id.
	AdminGroups      []string
	AdminGroupIDs    []string
	HelpdeskGroups   []string
	HelpdeskGroupIDs []string
	// ProtectedGroups' members (ids or names) are changed by admins only; HelpdeskScopeGroups,
	// when set, are the groups (ids, or names of OKTA_GROUPs) whose members the helpdesk may
	// act on.
	ProtectedGroups     []string
	HelpdeskScopeGroups []string
	// CredentialOwner names the service credential's owner; nil learns the API token's owner
	// from Okta (/api/v1/users/me), and a service app has none.
	CredentialOwner handlers.CredentialOwner
	// ImageHosts are extra origins app logos may come from (https://cdn.example.com or
	// https://*.example.com), besides the Okta org and Okta's logo CDN.
	ImageHosts []string
	// Delegated makes self-service calls with the person's own token on /users/me/….
	Delegated bool
	// TrustedProxies are the peers whose X-Forwarded-For is believed (SECURITY.md 46).
	TrustedProxies []netip.Prefix

	// CacheTTL is the per-person cache of their own profile, apps and groups; 0 turns it off.
	// CacheLongTTL is the apps' and groups' lifetime (they change rarely; refreshed ahead in the
	// background); CacheStale how long past its lifetime an entry is kept, shown only while Okta
	// is rate limiting or unavailable.
	CacheTTL     time.Duration
	CacheLongTTL time.Duration
	CacheStale   time.Duration
	// GroupsClaim names the ID token's groups claim (Okta's groups claim filter, with the groups
	// scope); "" reads the groups at sign-in from the Users API.
	GroupsClaim string
	// LegacyArrivals turns off what issue 15 added (sign-in seeding the cache, the long TTL,
	// refresh-ahead, stale data and polling while Okta is busy, reads that never wait on a
	// 429): a benchmarking knob only, the arrivals scenario's "today".
	LegacyArrivals bool
	// SequentialReads makes the dashboard read one section after another: a benchmarking knob
	// only.
	SequentialReads bool
	// StepUpAge is how recent a sign-in must be for password changes and destructive admin
	// actions; StepUpACR, when set, the Okta acr value that sign-in must satisfy.
	StepUpAge time.Duration
	StepUpACR string
	// RoleTTL is how long roles are trusted before privileged routes re-check them with Okta.
	RoleTTL time.Duration
	// ForgotMinDuration is a floor on how long forgot-password answers take.
	ForgotMinDuration time.Duration

	// Redis, when set, holds sessions and rate-limit counters so several instances can share
	// them; nil keeps them in memory. RedisPrefix namespaces the keys.
	Redis       redis.UniversalClient
	RedisPrefix string

	// AuditStore keeps the audit trail: the database cmd/gatehouse opens with audit.Open
	// (SQLite under DataDir, or PostgreSQL at DatabaseURL). It is required — there is no
	// in-memory trail — and its owner closes it after the App.
	AuditStore audit.Store
	// DataDir is where the SQLite trail lives (gatehouse.db) when DatabaseURL is empty.
	// DatabaseURL, a postgres:// URL, puts the trail in PostgreSQL, shared by several
	// instances; it holds the database password: never log it. AuditRetention is how long
	// entries are kept before the background prune deletes them.
	DataDir        string
	DatabaseURL    string
	AuditRetention time.Duration

	// Logger receives the log; HTTPClient makes every Okta call (nil: client.NewHTTPClient).
	Logger     *slog.Logger
	HTTPClient *http.Client
	// Now is the portal's clock (sessions, rate limits, step-up). OktaNow is the clock the
	// service app dates its assertions, DPoP proofs and token expiry by: it must agree with
	// Okta's. nil means Now; only tests whose portal clock runs apart from the emulator's set it.
	Now     func() time.Time
	OktaNow func() time.Time
	// Assets are the embedded static files; nil indexes them anew. They are compressed lazily,
	// once per Assets, at brotli's best quality, which costs a second of CPU under the race
	// detector: tests that start many instances share one.
	Assets *static.Assets
	// OktaObserver is told about every Users API call; Observe about every request answered.
	// The service app's token requests go to Metrics only: they are not calls of the API.
	OktaObserver func(client.CallInfo)
	Observe      func(route, method string, status int, d time.Duration)
	// Metrics, when set, is fed by the request, Okta and rate-limit hooks and counts the
	// store's sessions at scrape time (in addition to OktaObserver and Observe).
	Metrics *Metrics
}

// DefaultConfig is the configuration with every default filled in: what Gatehouse runs with
// when nothing says otherwise. Where the client or the session store has a default of its own
// for a setting, DefaultConfig takes it from there rather than repeating the number. It lacks
// only what has no sensible default (the Okta org, its apps and credential, the public URL and
// the session keys), which NewApp refuses to go without.
func DefaultConfig() Config {
	return Config{
		DPoP:              client.DPoPAuto,
		OktaTimeout:       client.DefaultCallTimeout,     // SECURITY.md 38: 8 s
		OktaMaxInFlight:   client.DefaultMaxInFlight,     // SECURITY.md 42: 20, a share of Okta's 75
		BreakerCooldown:   client.DefaultBreakerCooldown, // SECURITY.md 41: 30 s
		SessionIdle:       session.DefaultIdleTimeout,    // SECURITY.md 15: 30 min
		SessionMax:        session.DefaultMaxLifetime,    // SECURITY.md 15: 10 h
		AdminGroups:       []string{"Gatehouse Admins"},
		HelpdeskGroups:    []string{"Gatehouse Helpdesk"},
		CacheTTL:          30 * time.Second, // SECURITY.md 48
		CacheLongTTL:      5 * time.Minute,  // apps and groups; docs/PERFORMANCE.md "Arrivals"
		CacheStale:        10 * time.Minute, // served only while Okta is busy
		StepUpAge:         15 * time.Minute, // SECURITY.md 31
		RoleTTL:           5 * time.Minute,  // SECURITY.md 30
		ForgotMinDuration: 0,                // answers never wait for Okta (SECURITY.md 51)
		DataDir:           "./data",
		AuditRetention:    audit.DefaultRetention, // 400 days
		Logger:            slog.New(slog.DiscardHandler),
		Now:               time.Now,
	}
}

// check reports what NewApp cannot run without. It checks for presence and sense, not for the
// shapes cmd/gatehouse already checked (URL schemes, group id shapes): a Config built in code
// must still come from DefaultConfig.
func (c Config) check() error {
	var problems []error
	for _, f := range []struct{ name, value string }{
		{"OktaOrgURL", c.OktaOrgURL}, {"ClientID", c.ClientID}, {"ClientSecret", c.ClientSecret}, {"PublicURL", c.PublicURL},
	} {
		if f.value == "" {
			problems = append(problems, fmt.Errorf("%s is required", f.name))
		}
	}
	if len(c.SessionKeys) == 0 {
		problems = append(problems, errors.New("SessionKeys: at least one session key is required"))
	}
	if (c.APIToken == "") == (c.ServiceClientID == "") {
		problems = append(problems, errors.New("exactly one Okta credential is required: APIToken or ServiceClientID"))
	}
	if c.ServiceClientID != "" && c.PrivateKey == nil {
		problems = append(problems, errors.New("ServiceClientID needs PrivateKey"))
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"OktaTimeout", c.OktaTimeout}, {"BreakerCooldown", c.BreakerCooldown}, {"SessionIdle", c.SessionIdle},
		{"SessionMax", c.SessionMax}, {"RoleTTL", c.RoleTTL},
	} {
		if d.value <= 0 {
			problems = append(problems, fmt.Errorf("%s must be positive (start from DefaultConfig)", d.name))
		}
	}
	if c.OktaMaxInFlight <= 0 {
		problems = append(problems, errors.New("OktaMaxInFlight must be positive (start from DefaultConfig)"))
	}
	if c.AuditStore == nil {
		problems = append(problems, errors.New("AuditStore is required: open the trail with audit.Open"))
	}
	if c.Now == nil || c.Logger == nil {
		problems = append(problems, errors.New("the clock (Now) and the Logger are required (start from DefaultConfig)"))
	}
	if err := errors.Join(problems...); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	return nil
}

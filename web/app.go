package web

import (
	"context"
	"crypto"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"

	"gatehouse/client"
	"gatehouse/handlers"
	"gatehouse/static"
	"gatehouse/web/audit"
	"gatehouse/web/ratelimit"
	"gatehouse/web/session"
)

// AppConfig is everything needed to assemble one Gatehouse instance. cmd/gatehouse fills it
// from the environment; tests fill it directly.
type AppConfig struct {
	OktaOrgURL   string
	ClientID     string
	ClientSecret string
	APIToken     string
	PublicURL    string
	SessionKeys  [][]byte
	// Role groups: by name (OKTA_GROUPs only) and by id. With neither set for a role, the
	// name defaults to "Gatehouse Admins" / "Gatehouse Helpdesk".
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
	Delegated  bool

	// The Okta credential is APIToken (SSWS) or, when ServiceClientID is set, an OAuth 2.0
	// service app: private_key_jwt with PrivateKey, DPoP as DPoP says, OktaScopes or
	// client.DefaultScopes.
	ServiceClientID string
	PrivateKey      crypto.Signer
	PrivateKeyID    string
	DPoP            client.DPoPMode
	OktaScopes      []string

	// Redis, when set, holds sessions, rate-limit counters and the audit trail so several
	// instances can share them; nil keeps everything in memory.
	Redis          redis.UniversalClient
	RedisPrefix    string
	TrustedProxies []netip.Prefix

	CacheTTL        time.Duration // per-person Okta cache; 0 turns it off
	SequentialReads bool          // dashboard reads one after another: a benchmarking knob only
	SessionIdle     time.Duration
	SessionMax      time.Duration
	StepUpAge       time.Duration
	// StepUpACR, when set, is the Okta acr value (e.g. urn:okta:loa:2fa:any) the step-up
	// sign-in must satisfy.
	StepUpACR       string
	RoleTTL         time.Duration
	OktaTimeout     time.Duration
	OktaMaxInFlight int
	// BreakerCooldown is how long the Okta circuit breaker stays open after 5 consecutive
	// failures; 0 means the client's default (30 s). Tests shorten it.
	BreakerCooldown   time.Duration
	ForgotMinDuration time.Duration

	Logger     *slog.Logger
	HTTPClient *http.Client // for Okta; nil = client.NewHTTPClient()
	Now        func() time.Time
	// Assets are the embedded static files; nil indexes them anew. They are compressed lazily,
	// once per Assets, at brotli's best quality, which costs a second of CPU under the race
	// detector: tests that start many instances share one.
	Assets *static.Assets
	// OktaNow is the clock the service app dates its assertions, DPoP proofs and token expiry
	// by: it must agree with Okta's, not with the sessions' clock. nil means Now. Only tests
	// whose portal clock runs apart from the emulator's set it.
	OktaNow func() time.Time
	// OktaObserver is told about every Users API call (metrics). The service app's token
	// requests go to Metrics only: they are not calls of the API.
	OktaObserver func(client.CallInfo)
	// Observe is told about every request (metrics).
	Observe func(route, method string, status int, d time.Duration)
	// Metrics, when set, is fed by the request, Okta and rate-limit hooks and counts the
	// store's sessions at scrape time (in addition to OktaObserver and Observe).
	Metrics *Metrics
}

// App is an assembled Gatehouse instance.
type App struct {
	Server   *Server
	Okta     *client.Client
	Sessions *session.Store
	Auth     *handlers.Auth
	Cache    *handlers.PersonCache
	Audit    *audit.Trail
	Limiter  handlers.Limiter

	// ServiceApp is the Okta credential when it is an OAuth service app; nil with an API token.
	ServiceApp *client.ServiceApp
	// Forgot owns the forgot-password queue, which Close drains.
	Forgot *handlers.Forgot
}

// NewApp wires the Okta client, the session store, the limiter, the audit trail and every
// handler area into a Server. It does not wait for OIDC discovery: call App.Auth.Discover (or
// let readiness report it).
func NewApp(cfg AppConfig) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.OktaNow == nil {
		cfg.OktaNow = cfg.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = client.NewHTTPClient()
	}
	if cfg.StepUpAge == 0 {
		cfg.StepUpAge = 15 * time.Minute // one value for the middleware and both handler areas
	}
	if cfg.OktaMaxInFlight == 0 {
		cfg.OktaMaxInFlight = 256
	}
	if len(cfg.AdminGroups) == 0 && len(cfg.AdminGroupIDs) == 0 {
		cfg.AdminGroups = []string{"Gatehouse Admins"}
	}
	if len(cfg.HelpdeskGroups) == 0 && len(cfg.HelpdeskGroupIDs) == 0 {
		cfg.HelpdeskGroups = []string{"Gatehouse Helpdesk"}
	}
	roleGroups := handlers.RoleGroups{
		Admin:    handlers.GroupSet{IDs: cfg.AdminGroupIDs, Names: cfg.AdminGroups},
		Helpdesk: handlers.GroupSet{IDs: cfg.HelpdeskGroupIDs, Names: cfg.HelpdeskGroups},
	}
	log := cfg.Logger
	// One HTTP client for every Okta call (discovery, JWKS, tokens, Users API), behind the
	// rate-limit budget guard.
	hc := *cfg.HTTPClient
	hc.Transport = newBudgetTransport(hc.Transport, cfg.Now)
	cfg.HTTPClient = &hc
	var rateLimited func(string)
	if m := cfg.Metrics; m != nil {
		m.setLogger(log)
		cfg.OktaObserver = both(cfg.OktaObserver, m.ObserveOkta)
		observe := cfg.Observe
		cfg.Observe = func(route, method string, status int, d time.Duration) {
			if observe != nil {
				observe(route, method, status, d)
			}
			m.ObserveRequest(route, method, status, d)
		}
		rateLimited = m.RateLimited
	}
	opts := []client.Option{
		client.WithHTTPClient(cfg.HTTPClient),
		client.WithMaxInFlight(cfg.OktaMaxInFlight, time.Second),
	}
	if cfg.OktaTimeout > 0 {
		opts = append(opts, client.WithCallTimeout(cfg.OktaTimeout))
	}
	if cfg.BreakerCooldown > 0 {
		opts = append(opts, client.WithBreaker(5, cfg.BreakerCooldown))
	}
	if cfg.OktaObserver != nil {
		opts = append(opts, client.WithObserver(cfg.OktaObserver))
	}
	var (
		okta          *client.Client
		serviceApp    *client.ServiceApp
		err           error
		tokenObserver func(client.CallInfo)
	)
	if cfg.Metrics != nil {
		tokenObserver = cfg.Metrics.ObserveOkta
	}
	if cfg.ServiceClientID != "" {
		serviceApp, err = client.NewServiceApp(client.ServiceAppConfig{
			OrgURL: cfg.OktaOrgURL, ClientID: cfg.ServiceClientID, Key: cfg.PrivateKey, KeyID: cfg.PrivateKeyID,
			Scopes: cfg.OktaScopes, DPoP: cfg.DPoP, HTTPClient: cfg.HTTPClient, Now: cfg.OktaNow,
			OnToken:  func(ti client.TokenInfo) { logServiceToken(log, ti) },
			Observer: tokenObserver,
		})
		if err != nil {
			return nil, fmt.Errorf("okta service app: %w", err)
		}
		okta, err = client.NewWithCredential(cfg.OktaOrgURL, serviceApp, opts...)
	} else {
		okta, err = client.New(cfg.OktaOrgURL, cfg.APIToken, opts...)
	}
	if err != nil {
		return nil, fmt.Errorf("okta client: %w", err)
	}

	var (
		backend session.Backend
		limiter handlers.Limiter
		trail   audit.Store
	)
	if cfg.Redis != nil {
		backend = session.NewRedisBackend(cfg.Redis, cfg.RedisPrefix)
		limiter = ratelimit.NewRedis(cfg.Redis, cfg.RedisPrefix)
		trail = audit.NewRedis(cfg.Redis, cfg.RedisPrefix, 0)
	} else {
		backend = session.NewMemoryBackend(cfg.Now)
		limiter = ratelimit.NewMemory(cfg.Now)
		trail = audit.NewMemory(0)
	}
	secure := isHTTPS(cfg.PublicURL)
	store, err := session.NewStore(backend, session.Options{
		Keys:        cfg.SessionKeys,
		Secure:      secure,
		IdleTimeout: cfg.SessionIdle,
		MaxLifetime: cfg.SessionMax,
		Now:         cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("session store: %w", err)
	}
	auditLog := audit.New(log, trail)

	scopes := []string{"openid", "profile", "email", "offline_access", "okta.users.read.self"}
	if cfg.Delegated {
		scopes = append(scopes, "okta.users.manage.self")
	}
	auth := handlers.NewAuth(handlers.AuthOptions{
		Issuer:        cfg.OktaOrgURL,
		ClientID:      cfg.ClientID,
		ClientSecret:  cfg.ClientSecret,
		RedirectURL:   cfg.PublicURL + "/auth/callback",
		PostLogoutURL: cfg.PublicURL + "/",
		Scopes:        scopes,
		HTTPClient:    cfg.HTTPClient,
		Roles:         roleGroups,
		StepUpACR:     cfg.StepUpACR,
		Timeout:       cfg.OktaTimeout,
		Now:           cfg.Now,
	}, store, okta, log)
	cache := handlers.NewPersonCache(cfg.CacheTTL, cfg.Now)
	images := handlers.NewImageSources(originOf(cfg.OktaOrgURL), cfg.ImageHosts...)
	owner := cfg.CredentialOwner
	switch {
	case owner != nil:
	case serviceApp != nil:
		// An OAuth service app acts as no Okta user: there is no owner to protect.
		owner = handlers.NoOwner{}
	default:
		owner = handlers.NewTokenOwner(okta)
	}
	protect := handlers.NewProtection(okta, handlers.ProtectionOptions{
		Roles:     roleGroups,
		Protected: handlers.ParseGroupRefs(cfg.ProtectedGroups),
		Scope:     handlers.ParseGroupRefs(cfg.HelpdeskScopeGroups),
		Owner:     owner,
	})
	assets := cfg.Assets
	if assets == nil {
		if assets, err = static.New(); err != nil {
			return nil, fmt.Errorf("static assets: %w", err)
		}
	}
	forgot := handlers.NewForgot(okta, limiter, handlers.ForgotOptions{MinDuration: cfg.ForgotMinDuration, Now: cfg.Now, Logger: log})
	srv := NewServer(Options{
		Logger:   log,
		Assets:   assets,
		Sessions: store,
		Auth:     auth,
		Self: handlers.NewSelfService(okta, auth, store, cache, auditLog, log, handlers.SelfServiceOptions{
			Delegated: cfg.Delegated, StepUpAge: cfg.StepUpAge, StepUpACR: cfg.StepUpACR, Now: cfg.Now, Limiter: limiter,
			Sequential: cfg.SequentialReads, Images: images,
		}),
		Admin:          handlers.NewAdmin(okta, store, cache, auditLog, log, handlers.AdminOptions{Now: cfg.Now, StepUpAge: cfg.StepUpAge, StepUpACR: cfg.StepUpACR, Protect: protect}),
		Forgot:         forgot,
		Limiter:        limiter,
		PublicURL:      cfg.PublicURL,
		OktaOrigin:     originOf(cfg.OktaOrgURL),
		Images:         images,
		Secure:         secure,
		TrustedProxies: cfg.TrustedProxies,
		RoleTTL:        cfg.RoleTTL,
		StepUpAge:      cfg.StepUpAge,
		StepUpACR:      cfg.StepUpACR,
		Observe:        cfg.Observe,
		RateLimited:    rateLimited,
		Now:            cfg.Now,
		Ready: func(ctx context.Context) error {
			if err := auth.Ready(); err != nil {
				return err
			}
			return store.Ping(ctx)
		},
	})
	if cfg.Metrics != nil {
		cfg.Metrics.CountSessionsWith(store.Count)
	}
	return &App{Server: srv, Okta: okta, ServiceApp: serviceApp, Sessions: store, Auth: auth, Cache: cache, Audit: auditLog, Limiter: limiter, Forgot: forgot}, nil
}

// logServiceToken records each new access token of the service app (never its value), and
// warns when Okta granted fewer scopes than Gatehouse asked for: the actions that need the
// others will fail until an Okta administrator grants them.
func logServiceToken(log *slog.Logger, ti client.TokenInfo) {
	if len(ti.Missing) > 0 {
		log.Warn("okta service app: Okta did not grant every scope Gatehouse asked for; grant them on the app's Okta API Scopes tab",
			"missing_scopes", ti.Missing, "granted_scopes", ti.Scopes, "token_type", ti.Type)
		return
	}
	log.Info("okta service app: new access token", "token_type", ti.Type, "scopes", ti.Scopes, "expires", ti.Expires)
}

// Close stops the forgot-password queue (letting queued requests finish for a few seconds)
// and releases the session store (and its janitor). Call it after the HTTP server has drained.
func (a *App) Close() error {
	a.Forgot.Close()
	return a.Sessions.Close()
}

// both returns an observer that calls first (when set) and then second.
func both(first, second func(client.CallInfo)) func(client.CallInfo) {
	if first == nil {
		return second
	}
	return func(ci client.CallInfo) {
		first(ci)
		second(ci)
	}
}

func isHTTPS(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https"
}

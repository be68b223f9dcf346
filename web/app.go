package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"gatehouse/client"
	"gatehouse/handlers"
	"gatehouse/static"
	"gatehouse/web/audit"
	"gatehouse/web/ratelimit"
	"gatehouse/web/session"
)

// App is an assembled Gatehouse instance.
type App struct {
	Server   *Server
	Okta     *client.Client
	Sessions *session.Store
	Audit    *audit.Trail
	Cache    *handlers.PersonCache

	// The handler areas, for harnesses that call a handler directly (web/webtest).
	Auth   *handlers.Auth
	Self   *handlers.SelfService
	Admin  *handlers.Admin
	Forgot *handlers.Forgot // owns the forgot-password queue, which Close drains
	// Language resolves each request's language and time zone and answers the language menu.
	Language *handlers.Language

	// ServiceApp is the Okta credential when it is an OAuth service app; nil with an API token.
	ServiceApp *client.ServiceApp

	sessions *sessionLayer
}

// NewApp wires the Okta client, the session store, the limiter, the audit trail and every
// handler area into a Server, from cfg as it is (DefaultConfig holds the defaults). It does
// not wait for OIDC discovery: call App.Auth.Discover (or let readiness report it).
func NewApp(cfg Config) (*App, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.HTTPClient == nil {
		// One HTTP client for every Okta call: discovery, JWKS, tokens, Users API.
		cfg.HTTPClient = client.NewHTTPClient()
	}
	var rateLimited func(limit string) // the typed hook: requests the portal refused with 429
	if cfg.Metrics != nil {
		cfg = withMetrics(cfg)
		rateLimited = cfg.Metrics.RateLimited
	}
	okta, serviceApp, err := newOkta(cfg)
	if err != nil {
		return nil, err
	}
	backend, limiter := newStores(cfg)
	store, err := session.NewStore(backend, session.Options{
		Keys: cfg.SessionKeys, Secure: isHTTPS(cfg.PublicURL), IdleTimeout: cfg.SessionIdle, MaxLifetime: cfg.SessionMax, Now: cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("session store: %w", err)
	}
	limits := handlers.NewLimits(limiter, rateLimited)
	assets := cfg.Assets
	if assets == nil {
		if assets, err = static.New(); err != nil {
			return nil, fmt.Errorf("static assets: %w", err)
		}
	}
	a := &App{Okta: okta, ServiceApp: serviceApp, Sessions: store, Audit: audit.New(cfg.Logger, cfg.AuditStore),
		Cache: handlers.NewPersonCache(cacheOptions(cfg)), sessions: newSessionLayer(store)}
	a.newHandlers(cfg, limits)
	a.Server = newServer(a.serverSettings(cfg, assets, limits))
	if cfg.Metrics != nil {
		cfg.Metrics.CountSessionsWith(store.Count)
	}
	return a, nil
}

// withMetrics feeds cfg's Metrics from the Okta observer and the request observer, beside
// whatever observers cfg already has.
func withMetrics(cfg Config) Config {
	m := cfg.Metrics
	m.setLogger(cfg.Logger)
	if first := cfg.OktaObserver; first != nil {
		cfg.OktaObserver = func(ci client.CallInfo) { first(ci); m.ObserveOkta(ci) }
	} else {
		cfg.OktaObserver = m.ObserveOkta
	}
	if first := cfg.Observe; first != nil {
		cfg.Observe = func(route, method string, status int, d time.Duration) {
			first(route, method, status, d)
			m.ObserveRequest(route, method, status, d)
		}
	} else {
		cfg.Observe = m.ObserveRequest
	}
	return cfg
}

// newOkta builds the Okta client with Gatehouse's credential — the API token, or the OAuth
// service app — and its resilience: the per-call deadline, the in-flight cap, the circuit
// breaker and the budget guard (SECURITY.md 38-42, 48).
func newOkta(cfg Config) (*client.Client, *client.ServiceApp, error) {
	opts := []client.Option{
		client.WithHTTPClient(cfg.HTTPClient),
		client.WithCallTimeout(cfg.OktaTimeout),
		// The failure count and the wait for a slot are the client's (SECURITY.md 41, 42);
		// the rest is configured.
		client.WithMaxInFlight(cfg.OktaMaxInFlight, client.DefaultMaxInFlightWait),
		client.WithBreaker(client.DefaultBreakerFailures, cfg.BreakerCooldown),
		client.WithBudgetGuard(),
	}
	if cfg.OktaObserver != nil {
		opts = append(opts, client.WithObserver(cfg.OktaObserver))
	}
	if cfg.ServiceClientID == "" {
		okta, err := client.New(cfg.OktaOrgURL, cfg.APIToken, opts...)
		if err != nil {
			return nil, nil, fmt.Errorf("okta client: %w", err)
		}
		return okta, nil, nil
	}
	var tokenObserver func(client.CallInfo)
	if cfg.Metrics != nil {
		tokenObserver = cfg.Metrics.ObserveOkta
	}
	log, oktaNow := cfg.Logger, cfg.OktaNow
	if oktaNow == nil {
		oktaNow = cfg.Now // Config.OktaNow: nil follows the portal's clock
	}
	app, err := client.NewServiceApp(client.ServiceAppConfig{
		OrgURL: cfg.OktaOrgURL, ClientID: cfg.ServiceClientID, Key: cfg.PrivateKey, KeyID: cfg.PrivateKeyID,
		Scopes: cfg.OktaScopes, DPoP: cfg.DPoP, HTTPClient: cfg.HTTPClient, Now: oktaNow,
		OnToken:  func(ti client.TokenInfo) { logServiceToken(log, ti) },
		Observer: tokenObserver,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("okta service app: %w", err)
	}
	okta, err := client.NewWithCredential(cfg.OktaOrgURL, app, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("okta client: %w", err)
	}
	return okta, app, nil
}

// cacheOptions is the per-person cache as cfg says; LegacyArrivals keeps the cache as it was
// before issue 15 (one TTL, nothing kept past it, no background refresh).
func cacheOptions(cfg Config) handlers.CacheOptions {
	o := handlers.CacheOptions{TTL: cfg.CacheTTL, LongTTL: cfg.CacheLongTTL, StaleFor: cfg.CacheStale, Now: cfg.Now}
	if cfg.LegacyArrivals {
		o.LongTTL, o.StaleFor, o.NoRefreshAhead = cfg.CacheTTL, 0, true
	}
	return o
}

// newStores returns where sessions and rate-limit counters live: in Redis, shared by every
// instance, or in this process's memory. The audit trail is a database of its own
// (cfg.AuditStore): a Redis flush or eviction must not lose it.
func newStores(cfg Config) (session.Backend, handlers.Limiter) {
	if cfg.Redis != nil {
		return session.NewRedisBackend(cfg.Redis, cfg.RedisPrefix), ratelimit.NewRedis(cfg.Redis, cfg.RedisPrefix)
	}
	return session.NewMemoryBackend(cfg.Now), ratelimit.NewMemory(cfg.Now)
}

// newHandlers builds the handler areas, each with its share of cfg.
func (a *App) newHandlers(cfg Config, limits *handlers.Limits) {
	roles := handlers.RoleGroups{
		Admin:    handlers.GroupSet{IDs: cfg.AdminGroupIDs, Names: cfg.AdminGroups},
		Helpdesk: handlers.GroupSet{IDs: cfg.HelpdeskGroupIDs, Names: cfg.HelpdeskGroups},
	}
	scopes := []string{"openid", "profile", "email", "offline_access", "okta.users.read.self"}
	if cfg.Delegated {
		scopes = append(scopes, "okta.users.manage.self")
	}
	if cfg.GroupsClaim != "" {
		// Okta's org authorization server releases the groups claim only with this scope.
		scopes = append(scopes, "groups")
	}
	seed := a.Cache
	if cfg.LegacyArrivals {
		seed = nil
	}
	a.Auth = handlers.NewAuth(handlers.AuthOptions{
		Issuer: cfg.OktaOrgURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: cfg.PublicURL + "/auth/callback", PostLogoutURL: cfg.PublicURL + "/",
		Scopes: scopes, HTTPClient: cfg.HTTPClient,
		// The person's own password rules through Okta's MyAccount API (Identity Engine).
		OptionalScopes: []string{"okta.myAccount.password.read"}, Roles: roles, StepUpACR: cfg.StepUpACR,
		Timeout: cfg.OktaTimeout, Now: cfg.Now, GroupsClaim: cfg.GroupsClaim, ThroughRateLimit: !cfg.LegacyArrivals,
	}, a.sessions, a.Okta, seed, cfg.Logger)
	// One resolver of Okta's password rules for both areas: the org's policies are read once
	// per handlers.PolicyTTL, whoever asks.
	policy := handlers.NewPasswordRules(a.Okta, handlers.PolicyTTL, cfg.Now)
	a.Self = handlers.NewSelfService(a.Okta, a.sessions, a.Auth, a.Cache, a.Audit, limits, handlers.SelfServiceOptions{
		Delegated: cfg.Delegated, Rules: policy, StepUpAge: cfg.StepUpAge, StepUpACR: cfg.StepUpACR, Now: cfg.Now,
		Sequential: cfg.SequentialReads, Images: imageSources(cfg), LegacyArrivals: cfg.LegacyArrivals, Logger: cfg.Logger,
	})
	a.Admin = handlers.NewAdmin(a.Okta, a.sessions, a.Cache, a.Audit, handlers.AdminOptions{
		Now: cfg.Now, StepUpAge: cfg.StepUpAge, StepUpACR: cfg.StepUpACR, Rules: policy, Roles: roles, RoleTTL: cfg.RoleTTL,
		Protect: handlers.NewProtection(a.Okta, handlers.ProtectionOptions{
			Roles:     roles,
			Protected: handlers.ParseGroupRefs(cfg.ProtectedGroups),
			Scope:     handlers.ParseGroupRefs(cfg.HelpdeskScopeGroups),
			Owner:     a.credentialOwner(cfg),
		}),
	})
	a.Language = handlers.NewLanguage(a.sessions, a.Self, handlers.LanguageOptions{Secure: isHTTPS(cfg.PublicURL)})
	a.Forgot = handlers.NewForgot(a.Okta, limits, handlers.ForgotOptions{MinDuration: cfg.ForgotMinDuration, Now: cfg.Now, Logger: cfg.Logger})
}

// credentialOwner names the Okta user the service credential acts as: an API token's owner is
// learnt from Okta; an OAuth service app acts as no user, so there is no owner to protect.
func (a *App) credentialOwner(cfg Config) handlers.CredentialOwner {
	switch {
	case cfg.CredentialOwner != nil:
		return cfg.CredentialOwner
	case a.ServiceApp != nil:
		return handlers.NoOwner{}
	}
	return handlers.NewTokenOwner(a.Okta)
}

// serverSettings hands the Server its share of cfg and the assembled parts.
func (a *App) serverSettings(cfg Config, assets *static.Assets, limits *handlers.Limits) serverOptions {
	return serverOptions{
		Logger: cfg.Logger, Assets: assets, Sessions: a.sessions,
		Auth: a.Auth, Self: a.Self, Admin: a.Admin, Forgot: a.Forgot, Language: a.Language, Limits: limits,
		PublicURL: cfg.PublicURL, OktaOrigin: originOf(cfg.OktaOrgURL), Images: imageSources(cfg),
		Secure: isHTTPS(cfg.PublicURL), TrustedProxies: cfg.TrustedProxies,
		RoleTTL: cfg.RoleTTL, StepUpAge: cfg.StepUpAge, StepUpACR: cfg.StepUpACR,
		Observe: cfg.Observe, Now: cfg.Now,
		// Readiness does not depend on the audit database: an instance that cannot write the
		// trail still serves sign-ins and self-service, and each admin action whose record
		// fails says so to the person who took it (ErrNotRecorded). Taking every instance out
		// of the load balancer because the shared database blinked would turn an audit outage
		// into a portal outage.
		Ready: func(ctx context.Context) error {
			if err := a.Auth.Ready(); err != nil {
				return err
			}
			return a.Sessions.Ping(ctx)
		},
	}
}

// imageSources are the origins app logos may come from (SECURITY.md 55).
func imageSources(cfg Config) handlers.ImageSources {
	return handlers.NewImageSources(originOf(cfg.OktaOrgURL), cfg.ImageHosts...)
}

// LoadSession loads the session r's cookie names into r's context, as the session middleware
// does for every request (the Viewer for the handlers, the record for the session layer); an
// anonymous r comes back unchanged. Harnesses that call a handler directly use it.
func (a *App) LoadSession(r *http.Request) (*http.Request, error) {
	return a.sessions.load(r)
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
// It leaves cfg.AuditStore open: its owner closes it last, after everything that records.
func (a *App) Close() error {
	a.Forgot.Close()
	return a.Sessions.Close()
}

func isHTTPS(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https"
}

package oktatest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for the zero values of Config.
const (
	defaultClientID        = "gatehouse"
	defaultAccessTokenTTL  = time.Hour
	defaultRefreshTokenTTL = 24 * time.Hour
	// idTokenTTL is fixed, like Okta's org authorization server (1 hour).
	idTokenTTL = time.Hour
)

// Config configures a Server. The zero value is usable: a random API token and
// client secret, client id "gatehouse", the demo org and the real clock.
type Config struct {
	// PublicURL is the base URL and OIDC issuer; "" derives it from the listener.
	PublicURL string
	// APIToken is the SSWS token; "" picks a random one.
	APIToken string
	// ClientID is the one registered OIDC client; "" means "gatehouse".
	ClientID string
	// ClientSecret is that client's secret; "" picks a random one.
	ClientSecret string
	// RedirectURIs are the allowed redirect_uri values (exact match); empty allows
	// any http(s) URL on a loopback host.
	RedirectURIs []string
	// PostLogoutRedirectURIs are the allowed post_logout_redirect_uri values, with
	// the same rule as RedirectURIs.
	PostLogoutRedirectURIs []string
	// Seed is the initial org; nil means DemoOrg().
	Seed *Seed
	// Now is the clock; nil means time.Now. Tests pass a fake clock.
	Now func() time.Time
	// AccessTokenTTL is the access token lifetime; 0 means 1 hour.
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is a refresh token's lifetime from issue; 0 means 24 hours.
	// Rotation issues a new token on every refresh, so this acts as an idle timeout.
	RefreshTokenTTL time.Duration
	// Latency is added to every /api/v1 call; see also Server.SetLatency.
	Latency time.Duration
	// RateTier picks the column of Okta's rate-limit tables: TierWorkforce
	// (the default for ""), TierEnterprise, TierOneApp or TierIntegratorFree.
	// It sets every bucket's per-minute limit and the concurrency limit.
	RateTier string
	// RateLimitPerMinute, when positive, replaces every bucket's org-wide
	// per-minute limit (load tests that do not test Okta's limits); 0 keeps
	// the tier's figures.
	RateLimitPerMinute int
	// TokenSharePercent is the most of a bucket one API token or OAuth app may
	// use; 0 means Okta's default of 50, 100 lets one credential use it all.
	TokenSharePercent int
	// ConcurrencyLimit caps the requests in flight org-wide; 0 means the
	// tier's limit (75 for Workforce), a negative value means no limit.
	ConcurrencyLimit int
	// IdentityEngine makes the org an Identity Engine org instead of a Classic
	// one: self-service recovery by the email authenticator (forgot_password
	// without a recovery question), the MyAccount API, and /tokens/{token}/verify
	// activation links (docs/OKTA.md "Identity Engine").
	IdentityEngine bool
	// TransitionDelay is how long an asynchronous activation or deactivation
	// takes (transitions.go); 0 means 5 seconds.
	TransitionDelay time.Duration
	// AllowSelfCredentialScopes lets okta.users.manage.self tokens call
	// /users/me/credentials/change_password and change_recovery_question. The
	// emulator allows this by default (a bool cannot default to true, so the switch
	// to turn it off is DenySelfCredentialScopes); setting this field is harmless.
	AllowSelfCredentialScopes bool
	// DenySelfCredentialScopes turns AllowSelfCredentialScopes off, for tests of
	// the portal's fallback when an org refuses those calls.
	DenySelfCredentialScopes bool
	// PasswordMinAge, when set, becomes the default password policy's
	// age.minAgeMinutes (rounded up to whole minutes); Okta enforces it on
	// change_password?strict=true.
	PasswordMinAge time.Duration
	// ServiceApps are the org's OAuth 2.0 service apps (private_key_jwt, optionally DPoP);
	// see also Server.AddServiceApp.
	ServiceApps []ServiceApp
	// GroupsClaimFilter, when set, gives the OIDC app a groups claim of type Filter with this
	// "Matches regex" expression (".*": every group), released in the ID token with the groups
	// scope (groupsclaim.go); GroupsClaimName is the claim's name, "" meaning "groups".
	GroupsClaimFilter string
	GroupsClaimName   string
	// OnEmail is called (outside any lock) whenever Okta would send an email.
	OnEmail func(Email)
	// Logger receives operational logs; nil discards them. It never sees
	// passwords, tokens, codes or one-time links.
	Logger *slog.Logger
}

// Server is a running emulated Okta org. Create it with NewServer or Listen and
// stop it with Close.
type Server struct {
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	issuer  string
	handler http.Handler

	httpSrv *http.Server
	cancel  context.CancelFunc
	served  chan struct{}
	closing sync.Once

	inFlight atomic.Int64
	tier     int // column of Okta's rate-limit tables (buckets.go)
	// groupsClaim is the OIDC app's groups claim; nil when it has none.
	groupsClaim *groupsClaim
	conc        concurrency // the org's concurrency limit

	// mu guards st, keys and svc: every piece of org state.
	mu   sync.Mutex
	st   *store
	keys keyring
	svc  serviceState

	// ctl guards the test-harness state that is not part of the org.
	ctl control
}

// NewServer starts a Server on 127.0.0.1 with a random port, like
// httptest.NewServer. It panics if it cannot listen, as httptest does.
func NewServer(cfg Config) *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("oktatest: listen on loopback: %v", err))
	}
	s, err := start(ln, "", cfg)
	if err != nil {
		ln.Close()
		panic(fmt.Sprintf("oktatest: %v", err))
	}
	return s
}

// Listen starts a Server on addr (for example "localhost:8081"). Without
// Config.PublicURL the public URL is "http://" + addr, keeping the host name as
// given (an empty host becomes "localhost") and the port actually bound.
func Listen(addr string, cfg Config) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("parse listen address %q: %w", addr, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	s, err := start(ln, host, cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return s, nil
}

func start(ln net.Listener, host string, cfg Config) (*Server, error) {
	if cfg.PublicURL == "" {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		if host == "" {
			host = "127.0.0.1"
		}
		cfg.PublicURL = "http://" + net.JoinHostPort(host, port)
	}
	s, err := newServer(cfg)
	if err != nil {
		return nil, err
	}
	baseCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.served = make(chan struct{})
	s.httpSrv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	go func() {
		defer close(s.served)
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("oktatest: serve", "err", err)
		}
	}()
	return s, nil
}

// newServer builds the org and the handler without listening.
func newServer(cfg Config) (*Server, error) {
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid public URL %q", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.APIToken == "" {
		cfg.APIToken = "00" + randomString(40)
	}
	if cfg.ClientID == "" {
		cfg.ClientID = defaultClientID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = randomString(40)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AccessTokenTTL <= 0 {
		cfg.AccessTokenTTL = defaultAccessTokenTTL
	}
	if cfg.RefreshTokenTTL <= 0 {
		cfg.RefreshTokenTTL = defaultRefreshTokenTTL
	}
	tier, err := tierIndex(cfg.RateTier)
	if err != nil {
		return nil, err
	}
	if cfg.RateLimitPerMinute < 0 {
		cfg.RateLimitPerMinute = 0
	}
	if cfg.TokenSharePercent <= 0 || cfg.TokenSharePercent > 100 {
		cfg.TokenSharePercent = defaultTokenSharePercent
	}
	if cfg.TransitionDelay <= 0 {
		cfg.TransitionDelay = defaultTransitionDelay
	}
	concLimit := int64(cfg.ConcurrencyLimit)
	if cfg.ConcurrencyLimit == 0 {
		concLimit = int64(concurrencyByTier[tier])
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	gc, err := newGroupsClaim(cfg.GroupsClaimName, cfg.GroupsClaimFilter)
	if err != nil {
		return nil, err
	}
	seed := cfg.Seed
	if seed == nil {
		demo := DemoOrg()
		seed = &demo
	}
	s := &Server{
		cfg:    cfg,
		now:    func() time.Time { return cfg.Now().UTC() },
		log:    cfg.Logger,
		issuer: cfg.PublicURL,
		tier:   tier,

		groupsClaim: gc,
	}
	s.conc.limit = concLimit
	s.st = newStore(!cfg.DenySelfCredentialScopes)
	s.ctl = newControl(cfg.Latency)
	if err := s.applySeed(*seed); err != nil {
		return nil, fmt.Errorf("apply seed: %w", err)
	}
	s.svc.init()
	for _, a := range cfg.ServiceApps {
		if err := s.AddServiceApp(a); err != nil {
			return nil, err
		}
	}
	s.handler = s.routes()
	return s, nil
}

// Close stops the server: it closes the listener and every connection (so a
// hung or delayed request gets no answer), cancels the requests still running,
// and waits for them to return.
func (s *Server) Close() {
	s.closing.Do(func() {
		if s.httpSrv != nil {
			s.httpSrv.Close()
		}
		if s.cancel != nil {
			s.cancel()
		}
		if s.served != nil {
			<-s.served
		}
		// Like httptest.Server.Close, wait for handlers to return; they all
		// honour cancellation, so this is brief. The bound only matters if the
		// handler is also mounted elsewhere and still busy there.
		for deadline := time.Now().Add(5 * time.Second); s.inFlight.Load() > 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	})
}

// Shutdown stops accepting connections and waits for in-flight requests to end
// or ctx to expire, whichever comes first; then it closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	if s.httpSrv != nil {
		err = s.httpSrv.Shutdown(ctx)
	}
	s.Close()
	if err != nil {
		return fmt.Errorf("shut down okta emulator: %w", err)
	}
	return nil
}

// Handler returns the server's HTTP handler, for mounting it elsewhere. URLs it
// generates still use the server's public URL.
func (s *Server) Handler() http.Handler { return s.handler }

// URL returns the base URL of the org; it equals Issuer.
func (s *Server) URL() string { return s.issuer }

// Issuer returns the OIDC issuer of the org authorization server.
func (s *Server) Issuer() string { return s.issuer }

// APIToken returns the SSWS API token.
func (s *Server) APIToken() string { return s.cfg.APIToken }

// ClientID returns the registered OIDC client's id.
func (s *Server) ClientID() string { return s.cfg.ClientID }

// ClientSecret returns the registered OIDC client's secret.
func (s *Server) ClientSecret() string { return s.cfg.ClientSecret }

// InFlight returns the number of requests currently being handled.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// Admitted returns how many requests hold a slot of the org's concurrency limit now: those
// InFlight counts, once routed to a rate-limited endpoint and let in by the limit.
func (s *Server) Admitted() int { return int(s.conc.inFlight.Load()) }

// abs turns a path on the emulator into an absolute URL on the public URL.
func (s *Server) abs(path string) string { return s.issuer + path }

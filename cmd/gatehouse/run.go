package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"gatehouse/client"
	"gatehouse/client/oktatest"
	"gatehouse/handlers"
	"gatehouse/web"
	"gatehouse/web/audit"
)

// run starts Gatehouse and serves until ctx ends, then shuts down gracefully (see shutdown).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		usage(stdout)
		return nil
	}
	if err != nil {
		return err
	}
	cfg.Logger = newLogger(cfg, stderr)
	log := cfg.Logger
	var emu *oktatest.Server
	if cfg.Dev {
		if emu, err = startEmulator(&cfg); err != nil {
			return err
		}
		defer emu.Close()
	}
	log.Info("starting gatehouse", "config", cfg)

	db, err := openAudit(ctx, cfg)
	if err != nil {
		return err
	}
	// Deferred first, so closed last: after the HTTP server has drained, the app has closed and
	// every action in flight has written its record.
	defer func() {
		if err := db.Close(); err != nil {
			log.Warn("close audit database", "err", err)
		}
	}()
	cfg.AuditStore = db

	if cfg.RedisOptions != nil {
		rdb := redis.NewClient(cfg.RedisOptions)
		// Deferred before anything that uses it, so it is closed last: after the HTTP server
		// has drained and the app has closed.
		defer func() {
			if err := rdb.Close(); err != nil {
				log.Warn("close redis", "err", err)
			}
		}()
		cfg.Redis = rdb
	}
	if cfg.MetricsAddr != "" {
		if cfg.Metrics, err = web.NewMetrics(prometheus.NewRegistry()); err != nil {
			return err
		}
	}
	app, err := web.NewApp(cfg.Config)
	if err != nil {
		return err
	}
	defer app.Close()
	startBackground(ctx, app, log)
	go audit.Retention{Period: cfg.AuditRetention, Now: cfg.Now, Log: log}.Run(ctx, db)

	srv, err := listen(cfg, app)
	if err != nil {
		return err
	}
	if cfg.Dev {
		printDevBanner(stdout, cfg, emu)
	}
	select {
	case err := <-srv.failed:
		srv.close()
		return err
	case <-ctx.Done():
	}
	return shutdown(cfg, log, app.Server, srv.public, srv.metrics)
}

// auditOpenTimeout bounds opening the audit database and migrating its schema at start: a
// PostgreSQL that does not answer in this long (or another instance holding the migration
// lock that long) stops the start with an error rather than leaving it hanging.
const auditOpenTimeout = 30 * time.Second

// openAudit opens the audit trail where the configuration says (SQLite under DataDir, or
// PostgreSQL at DatabaseURL) and runs its migrations. The error never quotes the URL.
func openAudit(ctx context.Context, cfg config) (*audit.DB, error) {
	octx, cancel := context.WithTimeout(ctx, auditOpenTimeout)
	defer cancel()
	db, err := audit.Open(octx, cfg.DataDir, cfg.DatabaseURL, audit.Options{Log: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("audit trail (%s): %w", auditTarget(cfg), redactDatabase(err, cfg.DatabaseURL))
	}
	cfg.Logger.Info("audit trail open", "store", auditTarget(cfg), "retention", cfg.AuditRetention)
	return db, nil
}

// startBackground starts what runs beside the server until ctx ends: OIDC discovery until it
// succeeds, the service app's first token (so a refused credential shows in the log at once),
// and the person cache's sweeper.
func startBackground(ctx context.Context, app *web.App, log *slog.Logger) {
	go discoverUntilReady(ctx, app.Auth, log)
	if app.ServiceApp != nil {
		go checkServiceApp(ctx, app.ServiceApp, log)
	}
	go sweep(ctx, app.Cache)
}

// listeners are the running HTTP servers: the portal, and /metrics on its own listener (nil
// when off). failed receives the first error either reports.
type listeners struct {
	public, metrics *http.Server
	failed          chan error
}

func (l *listeners) close() {
	_ = l.public.Close()
	if l.metrics != nil {
		_ = l.metrics.Close()
	}
}

// listen serves the portal on cfg.Addr and, when set, /metrics on cfg.MetricsAddr: never on
// the public listener (SECURITY.md 44).
func listen(cfg config, app *web.App) (*listeners, error) {
	log := cfg.Logger
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	l := &listeners{public: newHTTPServer(app.Server, log), failed: make(chan error, 2)}
	go func() { l.failed <- serve(l.public, ln, "portal") }()
	log.Info("gatehouse listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL)
	if cfg.Metrics == nil {
		return l, nil
	}
	mln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		_ = l.public.Close()
		return nil, fmt.Errorf("listen on %s (-metrics-addr): %w", cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", cfg.Metrics.Handler())
	l.metrics = newHTTPServer(mux, log)
	go func() { l.failed <- serve(l.metrics, mln, "metrics") }()
	log.Info("metrics listening", "addr", mln.Addr().String(), "path", "/metrics")
	return l, nil
}

// shutdown stops serving in the order a load balancer needs: readiness turns 503 at once (the
// pod leaves the endpoints while it still serves), after DrainDelay the listener closes and
// in-flight requests get up to ShutdownTimeout to finish, then the metrics listener stops. The
// app and Redis are closed by run's deferred calls, Redis last.
func shutdown(cfg config, log *slog.Logger, srv *web.Server, public, metrics *http.Server) error {
	log.Info("shutting down: readiness off", "drain_delay", cfg.DrainDelay, "shutdown_timeout", cfg.ShutdownTimeout)
	srv.Drain()
	if cfg.DrainDelay > 0 {
		time.Sleep(cfg.DrainDelay)
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := public.Shutdown(sctx); err != nil {
		_ = public.Close()
		if metrics != nil {
			_ = metrics.Close()
		}
		return fmt.Errorf("shutdown: requests still running after %s: %w", cfg.ShutdownTimeout, err)
	}
	if metrics != nil {
		if err := metrics.Shutdown(sctx); err != nil {
			_ = metrics.Close()
			return fmt.Errorf("shutdown metrics listener: %w", err)
		}
	}
	log.Info("stopped")
	return nil
}

// newHTTPServer applies the timeouts of SECURITY.md 44; WriteTimeout is above the Okta deadline.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serve runs srv on ln until Shutdown; ErrServerClosed is the normal end.
func serve(srv *http.Server, ln net.Listener, name string) error {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", name, err)
	}
	return nil
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// discoverUntilReady retries OIDC discovery until it succeeds, so Gatehouse can start before
// Okta is reachable and becomes ready when it is.
func discoverUntilReady(ctx context.Context, auth *handlers.Auth, log *slog.Logger) {
	for attempt := 0; ; attempt++ {
		err := auth.Discover(ctx)
		if err == nil {
			log.Info("oidc discovery loaded")
			return
		}
		log.Warn("oidc discovery failed; retrying", "err", err, "attempt", attempt+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(time.Duration(attempt+1)*time.Second, 15*time.Second)):
		}
	}
}

// checkServiceApp gets the service app's first access token at start, so that a refused
// credential (wrong client id or key, no scope granted, DPoP required but turned off) shows in
// the log at once rather than at the first admin action. It changes nothing at Okta.
func checkServiceApp(ctx context.Context, app *client.ServiceApp, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := app.Token(ctx); err != nil {
		log.Error("okta service app: cannot get an access token; Okta calls will fail until this is fixed", "client_id", app.ClientID(), "err", err)
	}
}

func sweep(ctx context.Context, cache *handlers.PersonCache) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			cache.Sweep()
		}
	}
}

// startEmulator starts dev mode's Okta emulator and points cfg at it. The dev service app: the
// key was made in memory by loadConfig; it requires DPoP, as new Okta apps do, so dev mode runs
// the whole recommended path.
func startEmulator(cfg *config) (*oktatest.Server, error) {
	log := cfg.Logger
	der, err := x509.MarshalPKIXPublicKey(cfg.PrivateKey.Public())
	if err != nil {
		return nil, fmt.Errorf("dev service app key: %w", err)
	}
	emu, err := oktatest.Listen(cfg.OktaAddr, oktatest.Config{
		ServiceApps: []oktatest.ServiceApp{{ClientID: cfg.ServiceClientID, RequireDPoP: true,
			PublicKeys: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}},
		APIToken:               cfg.DevAPIToken,
		ClientID:               "gatehouse-dev",
		RedirectURIs:           []string{cfg.PublicURL + "/auth/callback"},
		PostLogoutRedirectURIs: []string{cfg.PublicURL + "/"},
		Logger:                 log.With("component", "okta-emulator"),
		OnEmail: func(e oktatest.Email) {
			// Dev mode has no mail server: show what Okta would have sent.
			if e.Code != "" { // a sign-in's second factor (GATEHOUSE_STEP_UP_ACR)
				log.Info("okta emulator email", "to", e.To, "kind", e.Kind, "code", e.Code)
				return
			}
			log.Info("okta emulator email", "to", e.To, "kind", e.Kind, "link", e.Link)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("start okta emulator on %s: %w", cfg.OktaAddr, err)
	}
	cfg.OktaOrgURL, cfg.ClientID, cfg.ClientSecret = emu.URL(), emu.ClientID(), emu.ClientSecret()
	return emu, nil
}

func printDevBanner(w io.Writer, cfg config, emu *oktatest.Server) {
	fmt.Fprintf(w, "\nGatehouse is running in development mode on the embedded Okta emulator.\n\n")
	fmt.Fprintf(w, "  Portal:          %s\n", cfg.PublicURL)
	fmt.Fprintf(w, "  Okta emulator:   %s\n", emu.URL())
	// Printing the emulator's own token is intended: it is a throwaway credential for a fake
	// org on loopback, and developers need it to call the emulator with curl.
	fmt.Fprintf(w, "  Okta credential: OAuth service app %s (private_key_jwt with a key made in memory, DPoP)\n", cfg.ServiceClientID)
	fmt.Fprintf(w, "  Emulator token:  %s   (curl -H 'Authorization: SSWS %s' %s/api/v1/users?q=alice)\n\n", emu.APIToken(), emu.APIToken(), emu.URL())
	fmt.Fprintf(w, "Demo accounts (password for all: Demo-Passw0rd-1):\n")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, a := range demoAccounts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", a[0], a[1], a[2])
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nOpen %s and sign in. Press Ctrl+C to stop.\n\n", cfg.PublicURL)
}

var demoAccounts = [][3]string{
	{"alice@example.com", "ACTIVE", "employee: apps, groups, password and recovery question"},
	{"ada@example.com", "ACTIVE", "admin: the whole admin console"},
	{"hal@example.com", "ACTIVE", "helpdesk: find people, unlock, resets"},
	{"bob@example.com", "LOCKED_OUT", "cannot sign in until unlocked"},
	{"carol@example.com", "SUSPENDED", "cannot sign in until unsuspended"},
	{"dave@example.com", "STAGED", "not activated yet"},
	{"erin@example.com", "PASSWORD_EXPIRED", "must choose a new password at sign-in"},
	{"frank@example.com", "DEPROVISIONED", "deactivated"},
	{"grace@example.com", "PROVISIONED", "activation not finished"},
	{"heidi@example.com", "RECOVERY", "password reset in progress"},
	{"ivan@example.com", "ACTIVE", "federated: signs in through an identity provider, no Okta password"},
	{"judy@example.com", "ACTIVE", "mastered by Active Directory: unlock and resets belong in the directory"},
	{"kate@example.com", "ACTIVE", "in Finance: a 14-character password policy"},
	{"leo@example.com", "ACTIVE", "helpdesk, in 300 Active Directory groups"},
	{"mia@example.com", "ACTIVE", "activation and deactivation are asynchronous"},
	{"okta-admin@example.com", "ACTIVE", "Okta super administrator, owner of the emulator's API token: protected"},
	{"nina@example.com", "ACTIVE", "in a directory APP_GROUP named Gatehouse Helpdesk: no role"},
	{"oscar@example.com", "ACTIVE", "Okta Help Desk Administrator through a group: protected"},
}

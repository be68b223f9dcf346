package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"gatehouse/client/oktatest"
	"gatehouse/handlers"
	"gatehouse/web"
)

// run starts Gatehouse and serves until ctx ends, then shuts down gracefully: readiness turns
// off at once, in-flight requests finish, Redis is closed last.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)

	var emu *oktatest.Server
	if cfg.Dev {
		emu, err = startEmulator(cfg, log)
		if err != nil {
			return err
		}
		defer emu.Close()
		cfg.OktaOrgURL, cfg.ClientID, cfg.ClientSecret, cfg.APIToken = emu.URL(), emu.ClientID(), emu.ClientSecret(), emu.APIToken()
	}
	log.Info("starting gatehouse", "config", cfg)

	var rdb *redis.Client
	if cfg.RedisURL != "" {
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return fmt.Errorf("%s: %w", envRedisURL, redactRedisErr(err))
		}
		rdb = redis.NewClient(opts)
		defer rdb.Close() // deferred first, so closed last: after the HTTP server has drained
	}
	appCfg := web.AppConfig{
		OktaOrgURL:        cfg.OktaOrgURL,
		ClientID:          cfg.ClientID,
		ClientSecret:      cfg.ClientSecret,
		APIToken:          cfg.APIToken,
		PublicURL:         cfg.PublicURL,
		SessionKeys:       cfg.SessionKeys,
		AdminGroups:       cfg.AdminGroups,
		HelpdeskGroups:    cfg.HelpdeskGroups,
		Delegated:         cfg.Delegated,
		TrustedProxies:    cfg.TrustedProxies,
		CacheTTL:          cfg.CacheTTL,
		SessionIdle:       cfg.SessionIdle,
		SessionMax:        cfg.SessionMax,
		StepUpAge:         cfg.StepUpAge,
		RoleTTL:           cfg.RoleTTL,
		OktaTimeout:       cfg.OktaTimeout,
		OktaMaxInFlight:   cfg.OktaMaxInFlight,
		ForgotMinDuration: cfg.ForgotMinDuration,
		Logger:            log,
	}
	if rdb != nil {
		appCfg.Redis = rdb
	}
	app, err := web.NewApp(appCfg)
	if err != nil {
		return err
	}
	defer app.Close()
	go discoverUntilReady(ctx, app.Auth, log)
	go sweep(ctx, app.Cache)
	srv := app.Server

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	httpSrv := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()
	log.Info("gatehouse listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL)
	if cfg.Dev {
		printDevBanner(stdout, cfg, emu)
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining")
	srv.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
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

// redactRedisErr drops the URL (which may carry a password) from a parse error.
func redactRedisErr(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "://") {
		return errors.New("invalid Redis URL (expected redis://[user:password@]host:port/db or rediss:// for TLS)")
	}
	return err
}

func startEmulator(cfg config, log *slog.Logger) (*oktatest.Server, error) {
	emu, err := oktatest.Listen(cfg.OktaAddr, oktatest.Config{
		APIToken:               cfg.DevAPIToken,
		ClientID:               "gatehouse-dev",
		RedirectURIs:           []string{cfg.PublicURL + "/auth/callback"},
		PostLogoutRedirectURIs: []string{cfg.PublicURL + "/"},
		Logger:                 log.With("component", "okta-emulator"),
		OnEmail: func(e oktatest.Email) {
			// Dev mode has no mail server: show what Okta would have sent.
			log.Info("okta emulator email", "to", e.To, "kind", e.Kind, "link", e.Link)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("start okta emulator on %s: %w", cfg.OktaAddr, err)
	}
	return emu, nil
}

func printDevBanner(w io.Writer, cfg config, emu *oktatest.Server) {
	fmt.Fprintf(w, "\nGatehouse is running in development mode on the embedded Okta emulator.\n\n")
	fmt.Fprintf(w, "  Portal:          %s\n", cfg.PublicURL)
	fmt.Fprintf(w, "  Okta emulator:   %s\n", emu.URL())
	// Printing the emulator's own token is intended: it is a throwaway credential for a fake
	// org on loopback, and developers need it to call the emulator with curl.
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
}

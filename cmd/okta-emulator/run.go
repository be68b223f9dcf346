package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"gatehouse/client/oktatest"
)

const (
	defaultAddr          = "localhost:8081"
	defaultRedirectURI   = "http://localhost:8080/auth/callback"
	defaultPostLogoutURI = "http://localhost:8080/"
	shutdownTimeout      = 10 * time.Second
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// lockedWriter serialises writes from the server's goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type options struct {
	addr, apiToken, clientID, clientSecret, seedPath string
	redirectURIs, postLogoutURIs                     stringList
	latency                                          time.Duration
	rateLimit                                        int
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("okta-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", defaultAddr, "listen address; the public URL is http://<addr>")
	// The secrets may come from the environment so they need not appear in ps output.
	fs.StringVar(&o.apiToken, "api-token", getenv("OKTA_EMULATOR_API_TOKEN"), "SSWS API token (default: $OKTA_EMULATOR_API_TOKEN, else random)")
	fs.StringVar(&o.clientID, "client-id", "gatehouse", "OIDC client id")
	fs.StringVar(&o.clientSecret, "client-secret", getenv("OKTA_EMULATOR_CLIENT_SECRET"), "OIDC client secret (default: $OKTA_EMULATOR_CLIENT_SECRET, else random)")
	fs.Var(&o.redirectURIs, "redirect-uri", "allowed redirect_uri, repeatable (default "+defaultRedirectURI+")")
	fs.Var(&o.postLogoutURIs, "post-logout-redirect-uri", "allowed post_logout_redirect_uri, repeatable (default "+defaultPostLogoutURI+")")
	fs.StringVar(&o.seedPath, "seed", "", "JSON seed file (default: the demo org)")
	fs.DurationVar(&o.latency, "latency", 0, "latency added to every /api/v1 call, e.g. 50ms")
	fs.IntVar(&o.rateLimit, "rate-limit", 600, "requests per minute per endpoint family")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if o.latency < 0 || o.rateLimit < 1 {
		return o, errors.New("-latency must be >= 0 and -rate-limit >= 1")
	}
	if len(o.redirectURIs) == 0 {
		o.redirectURIs = stringList{defaultRedirectURI}
	}
	if len(o.postLogoutURIs) == 0 {
		o.postLogoutURIs = stringList{defaultPostLogoutURI}
	}
	return o, nil
}

func loadSeed(path string) (*oktatest.Seed, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open seed: %w", err)
	}
	defer f.Close()
	seed, err := oktatest.LoadSeed(f)
	if err != nil {
		return nil, fmt.Errorf("load seed %s: %w", path, err)
	}
	return &seed, nil
}

// run starts the emulator and serves until ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	seed, err := loadSeed(o.seedPath)
	if err != nil {
		return err
	}
	errw := &lockedWriter{w: stderr}
	srv, err := oktatest.Listen(o.addr, oktatest.Config{
		APIToken:               o.apiToken,
		ClientID:               o.clientID,
		ClientSecret:           o.clientSecret,
		RedirectURIs:           o.redirectURIs,
		PostLogoutRedirectURIs: o.postLogoutURIs,
		Seed:                   seed,
		Latency:                o.latency,
		RateLimitPerMinute:     o.rateLimit,
		// A dev tool: showing the one-time link in the terminal is the point.
		OnEmail: func(e oktatest.Email) {
			if e.Code != "" {
				fmt.Fprintf(errw, "okta-emulator: email kind=%s to=%s code=%s\n", e.Kind, e.To, e.Code)
				return
			}
			fmt.Fprintf(errw, "okta-emulator: email kind=%s to=%s link=%s\n", e.Kind, e.To, e.Link)
		},
		Logger: slog.New(slog.NewTextHandler(errw, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	if host, _, err := net.SplitHostPort(o.addr); err == nil && !isLoopback(host) {
		fmt.Fprintf(errw, "okta-emulator: warning: listening on %s, not only loopback; anyone who can reach it can sign in as the demo users\n", o.addr)
	}
	printBanner(stdout, srv, o, seed == nil)

	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("stop emulator: %w", err)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// printBanner tells the developer how to use the emulator. Printing the
// emulator's own secrets is intended: it is a local development tool.
func printBanner(w io.Writer, srv *oktatest.Server, o options, demo bool) {
	fmt.Fprintf(w, "Okta emulator (%s)\n", oktatest.OrgName)
	fmt.Fprintf(w, "  URL / issuer:   %s\n", srv.URL())
	fmt.Fprintf(w, "  client id:      %s\n", srv.ClientID())
	fmt.Fprintf(w, "  client secret:  %s\n", srv.ClientSecret())
	fmt.Fprintf(w, "  API token:      %s\n", srv.APIToken())
	fmt.Fprintf(w, "  redirect URIs:  %s\n", strings.Join(o.redirectURIs, " "))
	fmt.Fprintf(w, "  logout URIs:    %s\n", strings.Join(o.postLogoutURIs, " "))
	fmt.Fprintf(w, "  control API:    %s/_emulator/stats (Authorization: SSWS <API token>)\n", srv.URL())
	if demo {
		fmt.Fprintf(w, "Demo accounts (password %s):\n", oktatest.DemoPassword)
		for _, u := range oktatest.DemoOrg().Users {
			status := u.Status
			if status == "" {
				status = oktatest.StatusActive
			}
			fmt.Fprintf(w, "  %-22s %s\n", u.Profile["login"], status)
		}
	}
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}

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
	latency, transitionDelay                         time.Duration
	rateTier                                         string
	rateLimit, tokenShare, concurrencyLimit          int
	identityEngine                                   bool
	// An OAuth 2.0 service app (private_key_jwt), the credential Okta recommends.
	serviceClientID, servicePublicKey, serviceScopes string
	requireDPoP                                      bool
	groupsClaimFilter                                string
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
	fs.StringVar(&o.rateTier, "rate-tier", oktatest.TierWorkforce, "the column of Okta's rate-limit tables: "+strings.Join(oktatest.Tiers(), ", "))
	fs.IntVar(&o.rateLimit, "rate-limit", 0, "if positive, every bucket's org-wide requests per minute instead of the tier's figures (load tests)")
	fs.IntVar(&o.tokenShare, "token-share", 50, "the percentage of a bucket one API token or OAuth app may use (Okta's default 50)")
	fs.IntVar(&o.concurrencyLimit, "concurrency-limit", 0, "requests in flight org-wide before Okta answers 429; 0 = the tier's (75 for workforce), -1 = no limit")
	fs.StringVar(&o.groupsClaimFilter, "groups-claim-filter", "", `give the OIDC app a groups claim (type Filter, "Matches regex" this expression, e.g. ".*"), released in the ID token with the groups scope`)
	fs.BoolVar(&o.identityEngine, "identity-engine", false, "an Identity Engine org: recovery by email without a recovery question, the MyAccount API, /tokens/{token}/verify activation links")
	fs.DurationVar(&o.transitionDelay, "transition-delay", 5*time.Second, "how long an asynchronous activation or deactivation takes")
	fs.StringVar(&o.serviceClientID, "service-client-id", "", "client id of an OAuth 2.0 service app (client credentials with private_key_jwt)")
	fs.StringVar(&o.servicePublicKey, "service-public-key", "", "with -service-client-id: the app's public key, a PEM file or a JWKS")
	fs.StringVar(&o.serviceScopes, "service-scopes", "", "with -service-client-id: comma-separated okta.* scopes granted to the app (default: every scope)")
	fs.BoolVar(&o.requireDPoP, "require-dpop", false, "with -service-client-id: the app requires DPoP-bound tokens (as new Okta apps do by default)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	switch {
	case o.latency < 0 || o.transitionDelay <= 0:
		return o, errors.New("-latency must be >= 0 and -transition-delay > 0")
	case o.rateLimit < 0:
		return o, errors.New("-rate-limit must be >= 0 (0 keeps the tier's figures)")
	case o.tokenShare < 1 || o.tokenShare > 100:
		return o, errors.New("-token-share must be between 1 and 100")
	case o.concurrencyLimit < -1:
		return o, errors.New("-concurrency-limit must be -1 (no limit), 0 (the tier's) or positive")
	}
	if (o.serviceClientID == "") != (o.servicePublicKey == "") {
		return o, errors.New("-service-client-id and -service-public-key go together")
	}
	if o.serviceClientID == "" && (o.serviceScopes != "" || o.requireDPoP) {
		return o, errors.New("-service-scopes and -require-dpop need -service-client-id")
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
	var apps []oktatest.ServiceApp
	if o.serviceClientID != "" {
		keys, err := os.ReadFile(o.servicePublicKey)
		if err != nil {
			return fmt.Errorf("-service-public-key: %w", err)
		}
		app := oktatest.ServiceApp{ClientID: o.serviceClientID, PublicKeys: keys, RequireDPoP: o.requireDPoP}
		for sc := range strings.SplitSeq(o.serviceScopes, ",") {
			if sc = strings.TrimSpace(sc); sc != "" {
				app.Scopes = append(app.Scopes, sc)
			}
		}
		apps = append(apps, app)
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
		RateTier:               o.rateTier,
		RateLimitPerMinute:     o.rateLimit,
		TokenSharePercent:      o.tokenShare,
		ConcurrencyLimit:       o.concurrencyLimit,
		IdentityEngine:         o.identityEngine,
		GroupsClaimFilter:      o.groupsClaimFilter,
		TransitionDelay:        o.transitionDelay,
		ServiceApps:            apps,
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
	if o.serviceClientID != "" {
		scopes := o.serviceScopes
		if scopes == "" {
			scopes = "every okta.* scope"
		}
		fmt.Fprintf(w, "  service app:    %s (private_key_jwt, DPoP required: %v; granted: %s)\n", o.serviceClientID, o.requireDPoP, scopes)
	}
	fmt.Fprintf(w, "  control API:    %s/_emulator/stats (Authorization: SSWS <API token>)\n", srv.URL())
	engine := "Classic"
	if o.identityEngine {
		engine = "Identity Engine"
	}
	fmt.Fprintf(w, "  org:            %s; rate limits of the %s tier\n", engine, o.rateTier)
	if demo {
		fmt.Fprintf(w, "Demo accounts (password %s):\n", oktatest.DemoPassword)
		for _, u := range oktatest.DemoOrg().Users {
			status := u.Status
			if status == "" {
				status = oktatest.StatusActive
			}
			var notes []string
			if u.Provider.Type != "" {
				notes = append(notes, u.Provider.Type)
			}
			if u.AsyncLifecycle {
				notes = append(notes, "asynchronous lifecycle")
			}
			for _, g := range u.Groups {
				if g == oktatest.GroupFinance {
					notes = append(notes, "Finance password policy")
				}
			}
			if len(u.Groups) > 100 {
				notes = append(notes, fmt.Sprintf("%d groups", len(u.Groups)))
			}
			if lang, _ := u.Profile["preferredLanguage"].(string); lang != "" && lang != "en" {
				notes = append(notes, "language "+lang)
			}
			for _, f := range u.EnrolledFactors {
				switch {
				case f.Type == oktatest.FactorTOTP && f.Status == oktatest.FactorStatusPendingActivation:
					notes = append(notes, "authenticator app set up halfway")
				case f.Type == oktatest.FactorTOTP:
					notes = append(notes, "authenticator app")
				}
			}
			fmt.Fprintf(w, "  %-22s %-16s %s\n", u.Profile["login"], status, strings.Join(notes, ", "))
		}
	}
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}

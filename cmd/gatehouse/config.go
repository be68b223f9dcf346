package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gatehouse/client"
	"gatehouse/web"
	"gatehouse/web/audit"
	"gatehouse/web/session"
)

// config is what gatehouse runs with: the instance's web.Config, filled directly (the one
// configuration type), and what only the process needs — where to listen, how to log, how to
// shut down, dev mode. This file is the only place that reads the environment or flags
// (STYLE.md rule 1).
type config struct {
	web.Config

	Dev         bool
	Addr        string
	MetricsAddr string
	OktaAddr    string // dev: where the emulator listens
	DevAPIToken string // dev: the emulator's SSWS token (random when empty)
	// PrivateKeyFile is where Config.PrivateKey came from ("" in dev mode: made in memory).
	PrivateKeyFile string
	// RedisOptions is parsed from GATEHOUSE_REDIS_URL with fail-fast timeouts; run makes
	// Config.Redis from it. nil keeps sessions and rate limits in memory. It holds the Redis
	// password: never log it.
	RedisOptions    *redis.Options
	LogFormat       string // json | text
	LogLevel        slog.Level
	ShutdownTimeout time.Duration
	DrainDelay      time.Duration
}

// defaultConfig is the configuration before any flag or variable: web.DefaultConfig for the
// instance, and the process's own defaults here. Dev mode listens on loopback and logs text.
// It is the one place the defaults are written: `gatehouse -h` and the README table show them
// from here (envVar.def).
func defaultConfig(dev bool) config {
	c := config{
		Config:          web.DefaultConfig(),
		Dev:             dev,
		Addr:            ":8080",
		OktaAddr:        "localhost:8081",
		LogFormat:       "json",
		LogLevel:        slog.LevelInfo,
		ShutdownTimeout: 25 * time.Second,
	}
	if dev {
		c.Addr, c.LogFormat = "localhost:8080", "text"
	}
	return c
}

// Environment variable names. TestReadmeConfigurationDefaults keeps the README's table in step.
const (
	envOrgURL       = "GATEHOUSE_OKTA_ORG_URL"
	envClientID     = "GATEHOUSE_OKTA_CLIENT_ID"
	envClientSecret = "GATEHOUSE_OKTA_CLIENT_SECRET"
	envAPIToken     = "GATEHOUSE_OKTA_API_TOKEN"
	envServiceID    = "GATEHOUSE_OKTA_SERVICE_CLIENT_ID"
	envKeyFile      = "GATEHOUSE_OKTA_PRIVATE_KEY_FILE"
	envKeyID        = "GATEHOUSE_OKTA_PRIVATE_KEY_ID"
	envDPoP         = "GATEHOUSE_OKTA_DPOP"
	envOktaScopes   = "GATEHOUSE_OKTA_SCOPES"
	envPublicURL    = "GATEHOUSE_PUBLIC_URL"
	envSessionKeys  = "GATEHOUSE_SESSION_KEYS"
	envAdminGroups  = "GATEHOUSE_ADMIN_GROUPS"
	envHelpdesk     = "GATEHOUSE_HELPDESK_GROUPS"
	envAdminIDs     = "GATEHOUSE_ADMIN_GROUP_IDS"
	envHelpdeskIDs  = "GATEHOUSE_HELPDESK_GROUP_IDS"
	envProtected    = "GATEHOUSE_PROTECTED_GROUPS"
	envScope        = "GATEHOUSE_HELPDESK_SCOPE_GROUPS"
	envImageHosts   = "GATEHOUSE_IMAGE_HOSTS"
	envSelfService  = "GATEHOUSE_SELF_SERVICE"
	envRedisURL     = "GATEHOUSE_REDIS_URL"
	envDataDir      = "GATEHOUSE_DATA_DIR"
	envDatabaseURL  = "GATEHOUSE_DATABASE_URL"
	envRetention    = "GATEHOUSE_AUDIT_RETENTION"
	envLogFormat    = "GATEHOUSE_LOG_FORMAT"
	envLogLevel     = "GATEHOUSE_LOG_LEVEL"
	envTrusted      = "GATEHOUSE_TRUSTED_PROXIES"
	envCacheTTL     = "GATEHOUSE_CACHE_TTL"
	envSessionIdle  = "GATEHOUSE_SESSION_IDLE_TIMEOUT"
	envSessionMax   = "GATEHOUSE_SESSION_MAX_LIFETIME"
	envStepUp       = "GATEHOUSE_STEP_UP_AGE"
	envStepUpACR    = "GATEHOUSE_STEP_UP_ACR"
	envRoleTTL      = "GATEHOUSE_ROLE_TTL"
	envOktaTimeout  = "GATEHOUSE_OKTA_TIMEOUT"
	envOktaInFlight = "GATEHOUSE_OKTA_MAX_IN_FLIGHT"
	envForgotMin    = "GATEHOUSE_FORGOT_MIN_DURATION"
	envShutdown     = "GATEHOUSE_SHUTDOWN_TIMEOUT"
	envDrainDelay   = "GATEHOUSE_DRAIN_DELAY"
	envSequential   = "GATEHOUSE_SEQUENTIAL_READS"
	envCacheLongTTL = "GATEHOUSE_CACHE_LONG_TTL"
	envCacheStale   = "GATEHOUSE_CACHE_STALE"
	envGroupsClaim  = "GATEHOUSE_GROUPS_CLAIM"
	envLegacy       = "GATEHOUSE_LEGACY_ARRIVALS"
)

// envVar is one environment variable: its name, whether it is required, the bounds of a
// duration (0: none), what it means for `gatehouse -h`, and how its value lands in the
// configuration. set reads a value that is not blank; get writes the configuration's value
// back as the variable would hold it, so that the default shown is defaultConfig's (nil get:
// no default).
type envVar struct {
	name     string
	required bool
	min, max time.Duration
	help     string
	set      func(c *config, v string) error
	get      func(c config) string
}

// def is the variable's default, written as a value of the variable ("" when it has none).
func (v envVar) def() string {
	if v.get == nil {
		return ""
	}
	return v.get(defaultConfig(false))
}

// envVars lists every variable in the order of the README's configuration table. `gatehouse
// -h` prints it; TestReadmeConfigurationDefaults holds the README to it.
var envVars = []envVar{
	{name: envOrgURL, required: true, help: "your Okta org, e.g. https://acme.okta.com (http only for localhost)",
		set: func(c *config, v string) error {
			c.OktaOrgURL = strings.TrimRight(strings.TrimSpace(v), "/")
			return checkURL(c.OktaOrgURL)
		}},
	{name: envClientID, required: true, help: "the OIDC web app's client id", set: trimmed(func(c *config) *string { return &c.ClientID })},
	{name: envClientSecret, required: true, help: "its client secret", set: raw(func(c *config) *string { return &c.ClientSecret })},
	{name: envServiceID, help: "the OAuth 2.0 service app's client id (recommended Okta credential; needs " + envKeyFile + "); exactly one of it and " + envAPIToken,
		set: trimmed(func(c *config) *string { return &c.ServiceClientID })},
	{name: envKeyFile, help: "the service app's private key, a PEM file (RSA or EC)", set: readPrivateKey},
	{name: envKeyID, help: "the key's kid as Okta shows it (optional)", set: trimmed(func(c *config) *string { return &c.PrivateKeyID })},
	{name: envDPoP, help: "auto, on or off: DPoP-bound service-app tokens (auto follows what Okta asks)",
		set: func(c *config, v string) error {
			mode, err := client.ParseDPoPMode(v)
			c.DPoP = mode
			return err
		},
		get: func(c config) string { return c.DPoP.String() }},
	{name: envOktaScopes, help: "comma-separated okta.* scopes granted to the service app, when fewer than Gatehouse asks for", set: setScopes},
	{name: envAPIToken, help: "SSWS API token: the other Okta credential, instead of the service app", set: raw(func(c *config) *string { return &c.APIToken })},
	{name: envPublicURL, required: true, help: "the portal's external URL; https gives __Host- cookies and HSTS",
		set: func(c *config, v string) error {
			c.PublicURL = strings.TrimRight(strings.TrimSpace(v), "/")
			return checkURL(c.PublicURL)
		}},
	{name: envSessionKeys, required: true, help: "comma-separated 32-byte keys (hex or base64), newest first; older keys still decode",
		set: func(c *config, v string) (err error) {
			c.SessionKeys, err = session.ParseKeys(v)
			return err
		}},
	{name: envAdminGroups, help: "comma-separated names of OKTA_GROUPs whose members are admins (the default only when " + envAdminIDs + " is unset too)",
		set: list(func(c *config) *[]string { return &c.AdminGroups }), get: func(c config) string { return strings.Join(c.AdminGroups, ",") }},
	{name: envAdminIDs, help: "comma-separated Okta group ids whose members are admins", set: groupIDs(func(c *config) *[]string { return &c.AdminGroupIDs })},
	{name: envHelpdesk, help: "comma-separated names of OKTA_GROUPs whose members are helpdesk (the default only when " + envHelpdeskIDs + " is unset too)",
		set: list(func(c *config) *[]string { return &c.HelpdeskGroups }), get: func(c config) string { return strings.Join(c.HelpdeskGroups, ",") }},
	{name: envHelpdeskIDs, help: "comma-separated Okta group ids whose members are helpdesk", set: groupIDs(func(c *config) *[]string { return &c.HelpdeskGroupIDs })},
	{name: envProtected, help: "comma-separated group ids or names whose members only admins may change", set: list(func(c *config) *[]string { return &c.ProtectedGroups })},
	{name: envScope, help: "comma-separated group ids or OKTA_GROUP names: the helpdesk may act only on their members (empty: everyone not protected)",
		set: list(func(c *config) *[]string { return &c.HelpdeskScopeGroups })},
	{name: envImageHosts, help: "comma-separated extra origins app logos may come from, besides the Okta org and Okta's CDN", set: setImageHosts},
	{name: envSelfService, help: "service: self-service calls use Gatehouse's Okta credential on the person's own id; delegated: the person's own token",
		set: func(c *config, v string) error {
			switch mode := strings.ToLower(strings.TrimSpace(v)); mode {
			case "service", "delegated":
				c.Delegated = mode == "delegated"
				return nil
			default:
				return fmt.Errorf("must be service or delegated, not %q", mode)
			}
		},
		get: func(c config) string { return either(c.Delegated, "delegated", "service") }},
	{name: envRedisURL, help: "redis://[user:pass@]host:6379/0 or rediss://… (TLS) shared by several instances; empty keeps everything in memory",
		set: func(c *config, v string) (err error) {
			c.RedisOptions, err = redisOptions(strings.TrimSpace(v))
			return err
		}},
	{name: envDataDir, help: "directory of the audit trail's SQLite database (gatehouse.db), dev mode included; unused with " + envDatabaseURL,
		set: trimmed(func(c *config) *string { return &c.DataDir }), get: func(c config) string { return c.DataDir }},
	{name: envDatabaseURL, help: "postgres://user:pass@host:5432/db?sslmode=verify-full: the audit trail in PostgreSQL, shared by several instances; empty keeps it in SQLite under " + envDataDir,
		set: func(c *config, v string) error {
			c.DatabaseURL = strings.TrimSpace(v)
			return checkDatabaseURL(c.DatabaseURL)
		}},
	{name: envRetention, help: "how long audit entries are kept: days (400d) or a duration (9600h), at least a day; older ones are pruned hourly",
		set: func(c *config, v string) (err error) {
			c.AuditRetention, err = audit.ParseRetention(v)
			return err
		},
		get: func(c config) string { return strconv.Itoa(int(c.AuditRetention/(24*time.Hour))) + "d" }},
	{name: envLogFormat, help: "json or text (text by default with -dev)",
		set: func(c *config, v string) error {
			switch f := strings.ToLower(strings.TrimSpace(v)); f {
			case "json", "text":
				c.LogFormat = f
				return nil
			default:
				return fmt.Errorf("must be json or text, not %q", f)
			}
		},
		get: func(c config) string { return c.LogFormat }},
	{name: envLogLevel, help: "debug, info, warn or error",
		set: func(c *config, v string) error {
			if c.LogLevel.UnmarshalText([]byte(strings.TrimSpace(v))) != nil {
				return fmt.Errorf("must be debug, info, warn or error, not %q", strings.TrimSpace(v))
			}
			return nil
		},
		get: func(c config) string { return strings.ToLower(c.LogLevel.String()) }},
	{name: envTrusted, help: "comma-separated addresses or CIDRs of proxies whose X-Forwarded-For is believed", set: setTrustedProxies},
	duration(envCacheTTL, 0, 0, "per-person cache of their own profile, apps and groups; 0 turns it off", func(c *config) *time.Duration { return &c.CacheTTL }),
	duration(envCacheLongTTL, 0, 0, "how long a person's apps and groups (which change rarely) are cached; refreshed in the background when used near the end", func(c *config) *time.Duration { return &c.CacheLongTTL }),
	duration(envCacheStale, 0, time.Hour, "how long past its lifetime cached data is kept, shown only while Okta is rate limiting or unavailable; 0 keeps nothing", func(c *config) *time.Duration { return &c.CacheStale }),
	{name: envGroupsClaim, help: "name of the ID token's groups claim (Okta's groups claim filter on the sign-in app; README); empty: sign-in reads groups from the Users API",
		set: func(c *config, v string) error {
			v = strings.TrimSpace(v)
			if strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r > '~' }) || len(v) > 64 {
				return fmt.Errorf("must be a claim name such as groups, not %q", v)
			}
			c.GroupsClaim = v
			return nil
		},
		get: func(c config) string { return c.GroupsClaim }},
	{name: envLegacy, help: "benchmarking only: 1 turns off what issue 15 added (sign-in seeding the cache, the long TTL, stale data and polling when Okta is busy); never in production",
		set: func(c *config, v string) error {
			on, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("must be 1 or 0 (true or false), not %q", v)
			}
			c.LegacyArrivals = on
			return nil
		},
		get: func(c config) string { return either(c.LegacyArrivals, "1", "0") }},
	{name: envSequential, help: "benchmarking only: 1 reads the dashboard's sections one after another; never in production",
		set: func(c *config, v string) error {
			on, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("must be 1 or 0 (true or false), not %q", v)
			}
			c.SequentialReads = on
			return nil
		},
		get: func(c config) string { return either(c.SequentialReads, "1", "0") }},
	duration(envSessionIdle, time.Minute, 0, "a session ends after this long without a request", func(c *config) *time.Duration { return &c.SessionIdle }),
	duration(envSessionMax, time.Minute, 0, "… and this long after sign-in in any case", func(c *config) *time.Duration { return &c.SessionMax }),
	duration(envStepUp, time.Minute, 0, "password changes and destructive admin actions need a sign-in younger than this", func(c *config) *time.Duration { return &c.StepUpAge }),
	{name: envStepUpACR, help: "an Okta acr value (e.g. urn:okta:loa:2fa:any) the step-up sign-in must satisfy; empty: a fresh password is enough",
		set: func(c *config, v string) error {
			c.StepUpACR = strings.TrimSpace(v)
			if !slices.Contains(oktaACRValues(), c.StepUpACR) {
				return fmt.Errorf("must be one of Okta's acr values (%s), not %q", strings.Join(oktaACRValues(), ", "), c.StepUpACR)
			}
			return nil
		}},
	duration(envRoleTTL, 0, 5*time.Minute, "roles are re-read from Okta groups at most this long after the last check; privileged routes re-check them at least every five minutes", func(c *config) *time.Duration { return &c.RoleTTL }),
	duration(envOktaTimeout, 100*time.Millisecond, 0, "deadline of one Okta call, its retries included", func(c *config) *time.Duration { return &c.OktaTimeout }),
	{name: envOktaInFlight, help: "concurrent Okta calls before new ones are refused (503)",
		set: func(c *config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 {
				return fmt.Errorf("must be a positive number such as %d, not %q", defaultConfig(false).OktaMaxInFlight, v)
			}
			c.OktaMaxInFlight = n
			return nil
		},
		get: func(c config) string { return strconv.Itoa(c.OktaMaxInFlight) }},
	duration(envForgotMin, 0, 0, "forgot-password answers take at least this long (they no longer wait for Okta, so 0 is fine)", func(c *config) *time.Duration { return &c.ForgotMinDuration }),
	duration(envShutdown, time.Second, 0, "how long in-flight requests may take to finish on SIGTERM", func(c *config) *time.Duration { return &c.ShutdownTimeout }),
	duration(envDrainDelay, 0, time.Minute, "on SIGTERM, how long to keep serving with /readyz already 503, so the load balancer stops routing here first; it delays every shutdown", func(c *config) *time.Duration { return &c.DrainDelay }),
}

// either is yes when b, no otherwise.
func either(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// lookupEnvVar returns the table's entry for name (the zero entry for a name it lacks).
func lookupEnvVar(name string) envVar {
	for _, v := range envVars {
		if v.name == name {
			return v
		}
	}
	return envVar{name: name}
}

// raw and trimmed set a string field: raw keeps a secret exactly as given.
func raw(field func(*config) *string) func(*config, string) error {
	return func(c *config, v string) error { *field(c) = v; return nil }
}

func trimmed(field func(*config) *string) func(*config, string) error {
	return func(c *config, v string) error { *field(c) = strings.TrimSpace(v); return nil }
}

// list sets a comma-separated list.
func list(field func(*config) *[]string) func(*config, string) error {
	return func(c *config, v string) error { *field(c) = splitList(v); return nil }
}

// duration is the entry of a duration variable within [min, max] (0: unbounded).
func duration(name string, min, max time.Duration, help string, field func(*config) *time.Duration) envVar {
	ev := envVar{name: name, min: min, max: max, help: help}
	ev.set = func(c *config, v string) error {
		v = strings.TrimSpace(v)
		d, err := time.ParseDuration(v)
		if err != nil || d < min || (max > 0 && d > max) {
			return errors.New(durationProblem(ev, v))
		}
		*field(c) = d
		return nil
	}
	ev.get = func(c config) string { return shortDuration(*field(&c)) }
	return ev
}

// oktaGroupID is the shape of an Okta group id.
var oktaGroupID = regexp.MustCompile(`^00g[0-9A-Za-z]{17}$`)

// groupIDs sets a list of Okta group ids, refusing entries that cannot be one.
func groupIDs(field func(*config) *[]string) func(*config, string) error {
	return func(c *config, v string) error {
		ids := splitList(v)
		for _, id := range ids {
			if !oktaGroupID.MatchString(id) {
				return fmt.Errorf("%q is not an Okta group id (00g and 17 letters or digits; find it in the group's URL in the Admin Console)", id)
			}
		}
		*field(c) = ids
		return nil
	}
}

// readPrivateKey reads the service app's private key from the PEM file the variable names.
// Its errors never contain the key.
func readPrivateKey(c *config, v string) error {
	c.PrivateKeyFile = strings.TrimSpace(v)
	pemData, err := os.ReadFile(c.PrivateKeyFile)
	if err != nil {
		return fmt.Errorf("cannot read the private key: %w", err)
	}
	key, err := client.ParsePrivateKey(pemData)
	if err != nil {
		return fmt.Errorf("(%s): %w", c.PrivateKeyFile, err)
	}
	c.PrivateKey = key
	return nil
}

func setScopes(c *config, v string) error {
	c.OktaScopes = nil
	for sc := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !strings.HasPrefix(sc, "okta.") {
			return fmt.Errorf("%q is not an Okta API scope (they start with okta.)", sc)
		}
		c.OktaScopes = append(c.OktaScopes, sc)
	}
	return nil
}

func setImageHosts(c *config, v string) error {
	var problems []error
	for _, h := range splitList(v) {
		if err := checkImageHost(h); err != nil {
			problems = append(problems, fmt.Errorf("%q %w", h, err))
			continue
		}
		c.ImageHosts = append(c.ImageHosts, strings.TrimRight(h, "/"))
	}
	return errors.Join(problems...)
}

func setTrustedProxies(c *config, v string) error {
	var problems []error
	for _, p := range splitList(v) {
		if !strings.Contains(p, "/") {
			if a, err := netip.ParseAddr(p); err == nil {
				p = netip.PrefixFrom(a, a.BitLen()).String()
			}
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			problems = append(problems, fmt.Errorf("%q is not an IP address or CIDR", p))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, pfx.Masked())
	}
	return errors.Join(problems...)
}

// flags are the command line's settings: the process's, not the instance's.
type flags struct {
	dev                    bool
	addr, metricsAddr      string
	oktaAddr, oktaAPIToken string
}

// newFlagSet defines the flags on f. Flags print nothing themselves: run prints the usage for
// -h and the error otherwise.
func newFlagSet(f *flags) *flag.FlagSet {
	prod, dev := defaultConfig(false), defaultConfig(true)
	fs := flag.NewFlagSet("gatehouse", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.BoolVar(&f.dev, "dev", false, "development mode: start the embedded Okta emulator with the demo org on loopback; no configuration needed")
	fs.StringVar(&f.addr, "addr", "", "listen `address` for the portal (default "+prod.Addr+"; "+dev.Addr+" with -dev)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "listen `address` for Prometheus /metrics, such as :9090 (off when empty)")
	fs.StringVar(&f.oktaAddr, "okta-addr", dev.OktaAddr, "with -dev: listen `address` of the embedded Okta emulator")
	fs.StringVar(&f.oktaAPIToken, "okta-api-token", "", "with -dev: the emulator's API `token` (random when empty)")
	return fs
}

// usage is what `gatehouse -h` prints: the flags, then every environment variable with its
// default.
func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: gatehouse [flags]

Gatehouse, the self-service portal for organisations on Okta. It reads its settings from the
environment variables below; with -dev it needs none and runs on an embedded Okta emulator.

Flags:
`)
	fs := newFlagSet(&flags{})
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprint(w, "\nEnvironment variables:\n")
	for _, v := range envVars {
		switch def := v.def(); {
		case v.required:
			fmt.Fprintf(w, "  %s (required)\n", v.name)
		case def == "":
			fmt.Fprintf(w, "  %s (default: empty)\n", v.name)
		case v.bounds() != "":
			fmt.Fprintf(w, "  %s (default %q; %s)\n", v.name, def, v.bounds())
		default:
			fmt.Fprintf(w, "  %s (default %q)\n", v.name, def)
		}
		// Indented as the flag package indents the flags' help.
		fmt.Fprintf(w, "    \t%s\n", v.help)
	}
}

// loadConfig parses the flags and the environment, then checks the rules between settings,
// and reports every problem at once. For -h it returns flag.ErrHelp (run prints the usage);
// for a bad flag it prints the usage to stderr and returns the error.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	c, given, err := parseConfig(args, getenv)
	var fe flagError
	if errors.As(err, &fe) {
		if !errors.Is(err, flag.ErrHelp) {
			usage(stderr)
		}
		return c, fe.error
	}
	problems := []error{err}
	if c.Dev {
		problems = append(problems, validateDev(c, given), provisionDev(&c))
	} else {
		problems = append(problems, validate(c))
	}
	return c, errors.Join(problems...)
}

// flagError is a command line that could not be parsed (or asked for help).
type flagError struct{ error }

func (e flagError) Unwrap() error { return e.error }

// parseConfig turns the flags and the environment into typed values over the defaults,
// collecting every problem. It also reports which variables were set (not blank).
func parseConfig(args []string, getenv func(string) string) (config, map[string]bool, error) {
	var f flags
	fs := newFlagSet(&f)
	if err := fs.Parse(args); err != nil {
		return config{}, nil, flagError{err}
	}
	c := defaultConfig(f.dev)
	var problems []error
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "addr":
			c.Addr = f.addr
		case "metrics-addr":
			c.MetricsAddr = f.metricsAddr
			if _, _, err := net.SplitHostPort(c.MetricsAddr); c.MetricsAddr != "" && err != nil {
				problems = append(problems, fmt.Errorf("-metrics-addr %q must be host:port or :port (like :9090)", c.MetricsAddr))
			}
		case "okta-addr":
			c.OktaAddr = f.oktaAddr
		case "okta-api-token":
			c.DevAPIToken = f.oktaAPIToken
		}
	})
	given := map[string]bool{}
	for _, v := range envVars {
		value := getenv(v.name)
		if strings.TrimSpace(value) == "" {
			continue
		}
		given[v.name] = true
		if err := v.set(&c, value); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", v.name, err))
		}
	}
	// A role group is named by id, or by name (then only an OKTA_GROUP of that name counts):
	// the default name applies only when neither is set.
	if !given[envAdminGroups] && len(c.AdminGroupIDs) > 0 {
		c.AdminGroups = nil
	}
	if !given[envHelpdesk] && len(c.HelpdeskGroupIDs) > 0 {
		c.HelpdeskGroups = nil
	}
	return c, given, errors.Join(problems...)
}

// validate checks the rules between the settings of a production configuration: everything
// required is there, exactly one Okta credential, and /metrics apart from the portal.
func validate(c config) error {
	var problems []error
	bad := func(format string, a ...any) { problems = append(problems, fmt.Errorf(format, a...)) }
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		bad("-metrics-addr must differ from -addr: /metrics is never served on the public listener")
	}
	var missing []string
	for _, r := range []struct{ name, value string }{
		{envOrgURL, c.OktaOrgURL}, {envClientID, c.ClientID}, {envClientSecret, c.ClientSecret}, {envPublicURL, c.PublicURL},
	} {
		if r.value == "" {
			missing = append(missing, r.name)
		}
	}
	if len(c.SessionKeys) == 0 {
		missing = append(missing, envSessionKeys)
	}
	if c.APIToken == "" && c.ServiceClientID == "" && c.PrivateKeyFile == "" {
		missing = append(missing, "an Okta credential: "+envServiceID+" with "+envKeyFile+" (an OAuth service app, recommended) or "+envAPIToken)
	}
	if len(missing) > 0 {
		bad("missing settings: %s (or run with -dev to try Gatehouse on the embedded Okta emulator)", strings.Join(missing, ", "))
	}
	return errors.Join(append(problems, validateCredential(c))...)
}

// validateCredential checks that exactly one Okta credential is configured, and that the
// service app's settings are not given without it. Its messages never contain the key or the
// token.
func validateCredential(c config) error {
	service := c.ServiceClientID != "" || c.PrivateKeyFile != ""
	switch {
	case c.APIToken != "" && service:
		return fmt.Errorf("set either %s with %s (an OAuth service app) or %s, not both: Gatehouse uses exactly one Okta credential", envServiceID, envKeyFile, envAPIToken)
	case service && c.ServiceClientID == "":
		return fmt.Errorf("%s needs %s: the client id of the Okta service app the key belongs to", envKeyFile, envServiceID)
	case service && c.PrivateKeyFile == "":
		return fmt.Errorf("%s needs %s: the PEM file with the service app's private key (make one with make keys)", envServiceID, envKeyFile)
	case service:
		return nil
	}
	var problems []error
	only := func(name string) {
		problems = append(problems, fmt.Errorf("%s applies to the OAuth service app only; set %s and %s, or unset it", name, envServiceID, envKeyFile))
	}
	if c.PrivateKeyID != "" {
		only(envKeyID)
	}
	if c.DPoP != client.DPoPAuto {
		only(envDPoP)
	}
	if len(c.OktaScopes) > 0 {
		only(envOktaScopes)
	}
	return errors.Join(problems...)
}

// validateDev checks a dev-mode configuration: it runs on its own emulator, so real Okta
// settings mean someone is about to point a development build at a real org by mistake; and
// it binds to loopback only.
func validateDev(c config, given map[string]bool) error {
	var problems []error
	bad := func(format string, a ...any) { problems = append(problems, fmt.Errorf(format, a...)) }
	for _, name := range []string{envOrgURL, envClientID, envClientSecret, envAPIToken, envServiceID, envKeyFile, envKeyID} {
		if given[name] {
			bad("-dev runs on the embedded Okta emulator; unset %s (real Okta settings are not allowed in dev mode)", name)
		}
	}
	for _, a := range []struct{ flag, addr string }{{"-addr", c.Addr}, {"-okta-addr", c.OktaAddr}, {"-metrics-addr", c.MetricsAddr}} {
		if a.addr != "" && !loopbackAddr(a.addr) {
			bad("-dev binds to loopback only; %s %q is not a loopback address (use localhost:PORT or 127.0.0.1:PORT)", a.flag, a.addr)
		}
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		bad("-metrics-addr must differ from -addr: /metrics is never served on the public listener")
	}
	return errors.Join(problems...)
}

// devServiceClientID names the service app that dev mode registers in its emulator.
const devServiceClientID = "gatehouse-dev-service"

// provisionDev makes what dev mode runs with instead of real settings: a service app — the
// credential production should use — with a key made in memory that the emulator registers at
// start (run.go), a random session key, and the public URL of the loopback listener.
func provisionDev(c *config) error {
	devKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate the dev service app key: %w", err)
	}
	c.ServiceClientID, c.PrivateKey = devServiceClientID, devKey
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	key := make([]byte, session.KeySize)
	_, _ = rand.Read(key)
	c.SessionKeys = [][]byte{key}
	return nil
}

// credential describes the configured Okta credential, for the log.
func (c config) credential() string {
	switch {
	case c.ServiceClientID != "":
		return "oauth service app"
	case c.APIToken != "":
		return "api token"
	}
	return "none"
}

// bounds describes a duration variable's limits for people, "" when it has none.
func (v envVar) bounds() string {
	switch {
	case v.min > 0 && v.max > 0:
		return "from " + shortDuration(v.min) + " to " + shortDuration(v.max)
	case v.min > 0:
		return "at least " + shortDuration(v.min)
	case v.max > 0:
		return "at most " + shortDuration(v.max)
	}
	return ""
}

// durationProblem explains why v is not a valid value of the duration variable ev, with an
// example that is valid: the default, or when that is 0 a value within the bounds.
func durationProblem(ev envVar, v string) string {
	example := ev.def()
	if d, err := time.ParseDuration(example); err != nil || d <= 0 {
		e := max(ev.min, 5*time.Second)
		if ev.max > 0 {
			e = min(e, ev.max)
		}
		example = shortDuration(e)
	}
	if b := ev.bounds(); b != "" {
		if !strings.HasPrefix(b, "from ") {
			b = "of " + b
		}
		return fmt.Sprintf("must be a duration %s, such as %s, not %q", b, example, v)
	}
	return fmt.Sprintf("must be a duration such as %s, or 0, not %q", example, v)
}

// shortDuration writes d as people do: 1m rather than Go's 1m0s, 10h rather than 10h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Fail-fast Redis defaults. go-redis's own (5 s dial, 3 retries with backoff) keep a request
// hanging for seconds when Redis is down; with these a dead Redis costs about a second and the
// person gets the 503 page at once. Query parameters in the URL (dial_timeout=…) still win.
const (
	redisDialTimeout = time.Second
	redisIOTimeout   = time.Second
	redisPoolTimeout = time.Second
	redisMaxRetries  = 1
)

// redisOptions parses a redis:// or rediss:// URL (with user:password@ if the server wants
// one) and applies the fail-fast defaults. Its errors never contain the URL, which may carry
// the password.
func redisOptions(raw string) (*redis.Options, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return nil, errors.New("must look like redis://[user:password@]host:6379/0 (or rediss:// for TLS)")
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		return nil, redactRedis(err, raw, u)
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = redisDialTimeout
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = redisIOTimeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = redisIOTimeout
	}
	if o.PoolTimeout == 0 {
		o.PoolTimeout = redisPoolTimeout
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = redisMaxRetries
	}
	if o.DialerRetries == 0 {
		o.DialerRetries = 1
	}
	// Deadlines of the caller (readiness: 2 s, a metrics scrape) bound each command too.
	o.ContextTimeoutEnabled = true
	return o, nil
}

// checkDatabaseURL accepts a PostgreSQL URL (postgres:// or postgresql://) with a host. Its
// errors never contain the URL, which carries the database password.
func checkDatabaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return errors.New("must look like postgres://user:password@host:5432/gatehouse (SQLite needs no URL: leave it empty)")
	}
	return nil
}

// redactDatabase keeps a database error unless it quotes the URL or its password (pgx's
// parse errors can).
func redactDatabase(err error, raw string) error {
	if raw == "" {
		return err
	}
	msg := err.Error()
	secrets := []string{raw}
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			secrets = append(secrets, p, url.PathEscape(p), url.QueryEscape(p))
		}
	}
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			return errors.New("cannot connect to the database (the error quoted its URL, so it is not shown; check " + envDatabaseURL + ")")
		}
	}
	return err
}

// auditTarget describes where the audit trail lives, without credentials, for the log.
func auditTarget(c config) string {
	if c.DatabaseURL == "" {
		return "sqlite " + filepath.Join(c.DataDir, audit.SQLiteFile)
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return "postgres"
	}
	return "postgres://" + u.Host + u.Path
}

// redactRedis keeps a go-redis parse error unless it quotes the URL or its credentials.
func redactRedis(err error, raw string, u *url.URL) error {
	msg := err.Error()
	secrets := []string{raw}
	if u.User != nil {
		secrets = append(secrets, u.User.String())
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p, url.PathEscape(p), url.QueryEscape(p))
		}
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			return errors.New("invalid Redis URL (expected redis://[user:password@]host:port/db, or rediss:// for TLS)")
		}
	}
	return fmt.Errorf("invalid Redis URL: %w", err)
}

// redisTarget describes the Redis server without its credentials, for the log.
func redisTarget(o *redis.Options) string {
	if o == nil {
		return "memory"
	}
	scheme := "redis"
	if o.TLSConfig != nil {
		scheme = "rediss"
	}
	return scheme + "://" + o.Addr + "/" + strconv.Itoa(o.DB)
}

// checkURL accepts https URLs, and plain http only for loopback hosts (the emulator).
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return errors.New("must be an absolute URL such as https://example.okta.com")
	}
	if u.Path != "" && u.Path != "/" {
		return errors.New("must not have a path")
	}
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		return errors.New("must use https (plain http is accepted for localhost only)")
	}
	return nil
}

// checkImageHost accepts an origin for CSP img-src: https://host[:port], or https://*.domain
// for its subdomains (plain http for loopback only). Nothing else: a path, a bare scheme or a
// lone "*" would widen the policy beyond a host.
func checkImageHost(h string) error {
	u, err := url.Parse(strings.TrimRight(h, "/"))
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return errors.New("must be an origin such as https://cdn.example.com or https://*.example.com")
	}
	host := u.Hostname()
	if rest, wild := strings.CutPrefix(host, "*."); wild {
		host = rest
		if !strings.Contains(host, ".") || strings.Contains(host, "*") {
			return errors.New("a wildcard must cover the subdomains of a real domain, like https://*.example.com")
		}
	} else if strings.Contains(host, "*") {
		return errors.New("a wildcard may only start the host, like https://*.example.com")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && loopbackHost(host):
	default:
		return errors.New("must use https (plain http is accepted for localhost only)")
	}
	return nil
}

func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && loopbackHost(host)
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.IsLoopback()
}

// splitList splits a comma-separated setting, dropping blanks.
func splitList(v string) []string {
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// oktaACRValues are the acr_values Okta's authorization servers accept (the oauth spec's
// AcrValue; docs/OKTA.md "Step-up").
func oktaACRValues() []string {
	return []string{"urn:okta:loa:1fa:any", "urn:okta:loa:1fa:pwd", "urn:okta:loa:2fa:any",
		"urn:okta:loa:2fa:any:ifpossible", "phr", "phrh"}
}

// LogValue lists the configuration without any secret (SECURITY.md 37).
func (c config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("dev", c.Dev), slog.String("addr", c.Addr), slog.String("metrics_addr", c.MetricsAddr),
		slog.String("okta_org_url", c.OktaOrgURL), slog.String("client_id", c.ClientID),
		slog.Bool("client_secret_set", c.ClientSecret != ""), slog.String("okta_credential", c.credential()),
		slog.Bool("api_token_set", c.APIToken != ""), slog.String("service_client_id", c.ServiceClientID),
		slog.String("private_key_file", c.PrivateKeyFile), slog.Bool("private_key_loaded", c.PrivateKey != nil),
		slog.String("private_key_id", c.PrivateKeyID), slog.String("dpop", c.DPoP.String()),
		slog.Any("okta_scopes", c.OktaScopes),
		slog.String("public_url", c.PublicURL), slog.Int("session_keys", len(c.SessionKeys)),
		slog.Any("admin_groups", c.AdminGroups), slog.Any("helpdesk_groups", c.HelpdeskGroups),
		slog.Any("admin_group_ids", c.AdminGroupIDs), slog.Any("helpdesk_group_ids", c.HelpdeskGroupIDs),
		slog.Any("protected_groups", c.ProtectedGroups), slog.Any("helpdesk_scope_groups", c.HelpdeskScopeGroups),
		slog.Any("image_hosts", c.ImageHosts), slog.String("step_up_acr", c.StepUpACR),
		slog.Bool("delegated", c.Delegated), slog.String("store", redisTarget(c.RedisOptions)),
		slog.Bool("redis_password_set", c.RedisOptions != nil && c.RedisOptions.Password != ""),
		slog.String("audit_store", auditTarget(c)), slog.Duration("audit_retention", c.AuditRetention),
		slog.String("log_format", c.LogFormat), slog.Int("trusted_proxies", len(c.TrustedProxies)),
		slog.Duration("cache_ttl", c.CacheTTL), slog.Duration("session_idle", c.SessionIdle),
		slog.Duration("session_max", c.SessionMax), slog.Duration("step_up_age", c.StepUpAge),
		slog.Duration("role_ttl", c.RoleTTL), slog.Duration("okta_timeout", c.OktaTimeout),
		slog.Int("okta_max_in_flight", c.OktaMaxInFlight), slog.Duration("forgot_min_duration", c.ForgotMinDuration),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.Duration("drain_delay", c.DrainDelay), slog.Bool("sequential_reads", c.SequentialReads),
		slog.Duration("cache_long_ttl", c.CacheLongTTL), slog.Duration("cache_stale", c.CacheStale),
		slog.String("groups_claim", c.GroupsClaim), slog.Bool("legacy_arrivals", c.LegacyArrivals),
	)
}

// String is the same redacted view, so %v and %+v cannot leak a secret either.
func (c config) String() string { return c.LogValue().String() }

// GoString is the same redacted view for %#v.
func (c config) GoString() string { return c.String() }

package main

import (
	"crypto"
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
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gatehouse/client"
	"gatehouse/web/session"
)

// config is everything Gatehouse reads from its environment and flags. This file is the only
// place that reads either (STYLE.md rule 1).
type config struct {
	Dev            bool
	Addr           string
	MetricsAddr    string
	OktaAddr       string // dev: where the emulator listens
	DevAPIToken    string // dev: the emulator's SSWS token (random when empty)
	OktaOrgURL     string
	ClientID       string
	ClientSecret   string
	APIToken       string
	PublicURL      string
	SessionKeys    [][]byte
	AdminGroups    []string
	HelpdeskGroups []string
	// Role groups by id; ProtectedGroups and HelpdeskScopeGroups hold ids or names.
	AdminGroupIDs       []string
	HelpdeskGroupIDs    []string
	ProtectedGroups     []string
	HelpdeskScopeGroups []string
	// ImageHosts are extra img-src origins for app logos.
	ImageHosts []string
	Delegated  bool

	// The Okta credential is APIToken (SSWS) or — recommended — an OAuth 2.0 service app,
	// ServiceClientID with PrivateKey. Exactly one is configured.
	ServiceClientID string
	PrivateKeyFile  string        // where PrivateKey came from ("" in dev mode: made in memory)
	PrivateKey      crypto.Signer // never log it
	PrivateKeyID    string
	DPoP            client.DPoPMode
	OktaScopes      []string // nil: client.DefaultScopes

	// Redis is parsed from GATEHOUSE_REDIS_URL with fail-fast timeouts; nil keeps sessions,
	// rate limits and the audit trail in memory. It holds the Redis password: never log it.
	Redis          *redis.Options
	LogFormat      string // json | text
	LogLevel       slog.Level
	TrustedProxies []netip.Prefix

	CacheTTL          time.Duration
	SessionIdle       time.Duration
	SessionMax        time.Duration
	StepUpAge         time.Duration
	StepUpACR         string
	RoleTTL           time.Duration
	OktaTimeout       time.Duration
	OktaMaxInFlight   int
	ForgotMinDuration time.Duration
	ShutdownTimeout   time.Duration
	DrainDelay        time.Duration
	// SequentialReads is a benchmarking knob: the dashboard reads one section after another.
	SequentialReads bool
}

// Environment variable names. TestReadmeConfigurationTable keeps the README's table in step.
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
)

// Listen addresses when -addr is not given.
const (
	defaultAddr     = ":8080"
	defaultDevAddr  = "localhost:8080" // -dev binds loopback only
	defaultOktaAddr = "localhost:8081"
)

// envVar is one environment variable loadConfig reads: its default, written as a value of the
// variable ("" when there is none), the bounds of a duration (0: none), and what it means, for
// `gatehouse -h`.
type envVar struct {
	name     string
	def      string
	required bool
	min, max time.Duration
	help     string
}

// envVars lists every variable in the order of the README's configuration table, with the
// defaults loadConfig applies: this table is the one place they are written down. `gatehouse
// -h` prints it; TestReadmeConfigurationTable holds the README to it.
var envVars = []envVar{
	{name: envOrgURL, required: true, help: "your Okta org, e.g. https://acme.okta.com (http only for localhost)"},
	{name: envClientID, required: true, help: "the OIDC web app's client id"},
	{name: envClientSecret, required: true, help: "its client secret"},
	{name: envServiceID, help: "the OAuth 2.0 service app's client id (recommended Okta credential; needs " + envKeyFile + "); exactly one of it and " + envAPIToken},
	{name: envKeyFile, help: "the service app's private key, a PEM file (RSA or EC)"},
	{name: envKeyID, help: "the key's kid as Okta shows it (optional)"},
	{name: envDPoP, def: "auto", help: "auto, on or off: DPoP-bound service-app tokens (auto follows what Okta asks)"},
	{name: envOktaScopes, help: "comma-separated okta.* scopes granted to the service app, when fewer than Gatehouse asks for"},
	{name: envAPIToken, help: "SSWS API token: the other Okta credential, instead of the service app"},
	{name: envPublicURL, required: true, help: "the portal's external URL; https gives __Host- cookies and HSTS"},
	{name: envSessionKeys, required: true, help: "comma-separated 32-byte keys (hex or base64), newest first; older keys still decode"},
	{name: envAdminGroups, def: "Gatehouse Admins", help: "comma-separated names of OKTA_GROUPs whose members are admins (the default only when " + envAdminIDs + " is unset too)"},
	{name: envAdminIDs, help: "comma-separated Okta group ids whose members are admins"},
	{name: envHelpdesk, def: "Gatehouse Helpdesk", help: "comma-separated names of OKTA_GROUPs whose members are helpdesk (the default only when " + envHelpdeskIDs + " is unset too)"},
	{name: envHelpdeskIDs, help: "comma-separated Okta group ids whose members are helpdesk"},
	{name: envProtected, help: "comma-separated group ids or names whose members only admins may change"},
	{name: envScope, help: "comma-separated group ids or OKTA_GROUP names: the helpdesk may act only on their members (empty: everyone not protected)"},
	{name: envImageHosts, help: "comma-separated extra origins app logos may come from, besides the Okta org and Okta's CDN"},
	{name: envSelfService, def: "service", help: "service: self-service calls use Gatehouse's Okta credential on the person's own id; delegated: the person's own token"},
	{name: envRedisURL, help: "redis://[user:pass@]host:6379/0 or rediss://… (TLS) shared by several instances; empty keeps everything in memory"},
	{name: envLogFormat, def: "json", help: "json or text (text by default with -dev)"},
	{name: envLogLevel, def: "info", help: "debug, info, warn or error"},
	{name: envTrusted, help: "comma-separated addresses or CIDRs of proxies whose X-Forwarded-For is believed"},
	{name: envCacheTTL, def: "30s", help: "per-person cache of their own profile, apps and groups; 0 turns it off"},
	{name: envSequential, def: "0", help: "benchmarking only: 1 reads the dashboard's sections one after another; never in production"},
	{name: envSessionIdle, def: "30m", min: time.Minute, help: "a session ends after this long without a request"},
	{name: envSessionMax, def: "10h", min: time.Minute, help: "… and this long after sign-in in any case"},
	{name: envStepUp, def: "15m", min: time.Minute, help: "password changes and destructive admin actions need a sign-in younger than this"},
	{name: envStepUpACR, help: "an Okta acr value (e.g. urn:okta:loa:2fa:any) the step-up sign-in must satisfy; empty: a fresh password is enough"},
	{name: envRoleTTL, def: "5m", max: 5 * time.Minute, help: "roles are re-read from Okta groups at most this long after the last check; privileged routes re-check them at least every five minutes"},
	{name: envOktaTimeout, def: "8s", min: 100 * time.Millisecond, help: "deadline of one Okta call, its retries included"},
	{name: envOktaInFlight, def: "256", help: "concurrent Okta calls before new ones are refused (503)"},
	{name: envForgotMin, def: "0s", help: "forgot-password answers take at least this long (they no longer wait for Okta, so 0 is fine)"},
	{name: envShutdown, def: "25s", min: time.Second, help: "how long in-flight requests may take to finish on SIGTERM"},
	{name: envDrainDelay, def: "0s", max: time.Minute, help: "on SIGTERM, how long to keep serving with /readyz already 503, so the load balancer stops routing here first; it delays every shutdown"},
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

// envDefault returns the default of the variable name, "" when it has none.
func envDefault(name string) string { return lookupEnvVar(name).def }

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

// newFlagSet defines the flags on c. Flags print nothing themselves: run prints the usage for
// -h and the error otherwise.
func newFlagSet(c *config) *flag.FlagSet {
	fs := flag.NewFlagSet("gatehouse", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.BoolVar(&c.Dev, "dev", false, "development mode: start the embedded Okta emulator with the demo org on loopback; no configuration needed")
	fs.StringVar(&c.Addr, "addr", "", "listen `address` for the portal (default "+defaultAddr+"; "+defaultDevAddr+" with -dev)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "listen `address` for Prometheus /metrics, such as :9090 (off when empty)")
	fs.StringVar(&c.OktaAddr, "okta-addr", defaultOktaAddr, "with -dev: listen `address` of the embedded Okta emulator")
	fs.StringVar(&c.DevAPIToken, "okta-api-token", "", "with -dev: the emulator's API `token` (random when empty)")
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
	fs := newFlagSet(&config{})
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprint(w, "\nEnvironment variables:\n")
	for _, v := range envVars {
		switch {
		case v.required:
			fmt.Fprintf(w, "  %s (required)\n", v.name)
		case v.def == "":
			fmt.Fprintf(w, "  %s (default: empty)\n", v.name)
		case v.bounds() != "":
			fmt.Fprintf(w, "  %s (default %q; %s)\n", v.name, v.def, v.bounds())
		default:
			fmt.Fprintf(w, "  %s (default %q)\n", v.name, v.def)
		}
		// Indented as the flag package indents the flags' help.
		fmt.Fprintf(w, "    \t%s\n", v.help)
	}
}

// loadConfig parses flags and the environment and reports every problem at once. For -h it
// returns flag.ErrHelp (run prints the usage); for a bad flag it prints the usage to stderr and
// returns the error.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := newFlagSet(&c)
	if err := fs.Parse(args); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			usage(stderr)
		}
		return c, err
	}
	var problems []error
	bad := func(format string, a ...any) { problems = append(problems, fmt.Errorf(format, a...)) }

	c.OktaOrgURL = strings.TrimRight(strings.TrimSpace(getenv(envOrgURL)), "/")
	c.ClientID = strings.TrimSpace(getenv(envClientID))
	c.ClientSecret = getenv(envClientSecret)
	c.APIToken = getenv(envAPIToken)
	c.ServiceClientID = strings.TrimSpace(getenv(envServiceID))
	c.PrivateKeyFile = strings.TrimSpace(getenv(envKeyFile))
	c.PrivateKeyID = strings.TrimSpace(getenv(envKeyID))
	if v := getenv(envDPoP); v != "" {
		mode, err := client.ParseDPoPMode(v)
		if err != nil {
			bad("%s %v", envDPoP, err)
		}
		c.DPoP = mode
	}
	for sc := range strings.FieldsFuncSeq(getenv(envOktaScopes), func(r rune) bool { return r == ',' || r == ' ' }) {
		c.OktaScopes = append(c.OktaScopes, sc)
	}
	c.PublicURL = strings.TrimRight(strings.TrimSpace(getenv(envPublicURL)), "/")
	if raw := strings.TrimSpace(getenv(envRedisURL)); raw != "" {
		opts, err := redisOptions(raw)
		if err != nil {
			bad("%s: %w", envRedisURL, err)
		}
		c.Redis = opts
	}
	// A role group is named by id, or by name (then only an OKTA_GROUP of that name counts).
	// The default name applies only when neither is set.
	c.AdminGroupIDs = groupIDs(envAdminIDs, getenv(envAdminIDs), bad)
	c.HelpdeskGroupIDs = groupIDs(envHelpdeskIDs, getenv(envHelpdeskIDs), bad)
	c.AdminGroups = splitList(getenv(envAdminGroups), "")
	if len(c.AdminGroups) == 0 && len(c.AdminGroupIDs) == 0 {
		c.AdminGroups = []string{envDefault(envAdminGroups)}
	}
	c.HelpdeskGroups = splitList(getenv(envHelpdesk), "")
	if len(c.HelpdeskGroups) == 0 && len(c.HelpdeskGroupIDs) == 0 {
		c.HelpdeskGroups = []string{envDefault(envHelpdesk)}
	}
	c.ProtectedGroups = splitList(getenv(envProtected), "")
	c.HelpdeskScopeGroups = splitList(getenv(envScope), "")
	for _, h := range splitList(getenv(envImageHosts), "") {
		if err := checkImageHost(h); err != nil {
			bad("%s: %q %v", envImageHosts, h, err)
			continue
		}
		c.ImageHosts = append(c.ImageHosts, strings.TrimRight(h, "/"))
	}
	// orDefault is the variable's value, or its default when it is unset or blank.
	orDefault := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return envDefault(name)
	}

	switch mode := strings.ToLower(orDefault(envSelfService)); mode {
	case "service":
	case "delegated":
		c.Delegated = true
	default:
		bad("%s must be service or delegated, not %q", envSelfService, mode)
	}
	c.LogFormat = strings.ToLower(strings.TrimSpace(getenv(envLogFormat)))
	switch c.LogFormat {
	case "":
		c.LogFormat = envDefault(envLogFormat)
		if c.Dev {
			c.LogFormat = "text"
		}
	case "json", "text":
	default:
		bad("%s must be json or text, not %q", envLogFormat, c.LogFormat)
	}
	if lv := orDefault(envLogLevel); c.LogLevel.UnmarshalText([]byte(lv)) != nil {
		bad("%s must be debug, info, warn or error, not %q", envLogLevel, lv)
	}
	for p := range strings.SplitSeq(getenv(envTrusted), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			if a, err := netip.ParseAddr(p); err == nil {
				p = netip.PrefixFrom(a, a.BitLen()).String()
			}
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			bad("%s: %q is not an IP address or CIDR", envTrusted, p)
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, pfx.Masked())
	}
	dur := func(name string) time.Duration {
		v := orDefault(name)
		d, err := time.ParseDuration(v)
		if ev := lookupEnvVar(name); err != nil || d < ev.min || (ev.max > 0 && d > ev.max) {
			problems = append(problems, errors.New(durationProblem(ev, v)))
		}
		return d
	}
	c.CacheTTL = dur(envCacheTTL)
	if on, err := strconv.ParseBool(orDefault(envSequential)); err != nil {
		bad("%s must be 1 or 0 (true or false), not %q", envSequential, getenv(envSequential))
	} else {
		c.SequentialReads = on
	}
	c.SessionIdle = dur(envSessionIdle)
	c.SessionMax = dur(envSessionMax)
	c.StepUpAge = dur(envStepUp)
	c.StepUpACR = strings.TrimSpace(getenv(envStepUpACR))
	if c.StepUpACR != "" && !slices.Contains(oktaACRValues(), c.StepUpACR) {
		bad("%s must be one of Okta's acr values (%s), not %q", envStepUpACR, strings.Join(oktaACRValues(), ", "), c.StepUpACR)
	}
	c.RoleTTL = dur(envRoleTTL)
	c.OktaTimeout = dur(envOktaTimeout)
	c.ForgotMinDuration = dur(envForgotMin)
	c.ShutdownTimeout = dur(envShutdown)
	c.DrainDelay = dur(envDrainDelay)
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("-metrics-addr %q must be host:port or :port (like :9090)", c.MetricsAddr)
		}
	}
	if n, err := strconv.Atoi(orDefault(envOktaInFlight)); err != nil || n < 1 {
		bad("%s must be a positive number such as %s, not %q", envOktaInFlight, envDefault(envOktaInFlight), getenv(envOktaInFlight))
	} else {
		c.OktaMaxInFlight = n
	}

	if c.Dev {
		// Dev mode runs on its own emulator; real Okta settings mean someone is about to
		// point a development build at a real org by mistake.
		for _, name := range []string{envOrgURL, envClientID, envClientSecret, envAPIToken, envServiceID, envKeyFile, envKeyID} {
			if getenv(name) != "" {
				bad("-dev runs on the embedded Okta emulator; unset %s (real Okta settings are not allowed in dev mode)", name)
			}
		}
		// Dev mode uses the credential production should: a service app, with a key made in
		// memory that the emulator registers at start (see run.go).
		devKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			bad("generate the dev service app key: %v", err)
		}
		c.ServiceClientID, c.PrivateKey = devServiceClientID, devKey
		if c.Addr == "" {
			c.Addr = defaultDevAddr
		}
		for _, a := range []struct{ flag, addr string }{{"-addr", c.Addr}, {"-okta-addr", c.OktaAddr}, {"-metrics-addr", c.MetricsAddr}} {
			if a.addr == "" {
				continue
			}
			if !loopbackAddr(a.addr) {
				bad("-dev binds to loopback only; %s %q is not a loopback address (use localhost:PORT or 127.0.0.1:PORT)", a.flag, a.addr)
			}
		}
		if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
			bad("-metrics-addr must differ from -addr: /metrics is never served on the public listener")
		}
		if c.PublicURL == "" {
			c.PublicURL = "http://" + c.Addr
		}
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		c.SessionKeys = [][]byte{key}
		return c, errors.Join(problems...)
	}

	if c.Addr == "" {
		c.Addr = defaultAddr
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		bad("-metrics-addr must differ from -addr: /metrics is never served on the public listener")
	}
	required := []struct{ name, value string }{
		{envOrgURL, c.OktaOrgURL}, {envClientID, c.ClientID}, {envClientSecret, c.ClientSecret},
		{envPublicURL, c.PublicURL}, {envSessionKeys, getenv(envSessionKeys)},
	}
	var missing []string
	for _, r := range required {
		if r.value == "" {
			missing = append(missing, r.name)
		}
	}
	if c.APIToken == "" && c.ServiceClientID == "" && c.PrivateKeyFile == "" {
		missing = append(missing, "an Okta credential: "+envServiceID+" with "+envKeyFile+" (an OAuth service app, recommended) or "+envAPIToken)
	}
	c.oktaCredential(bad)
	if len(missing) > 0 {
		bad("missing settings: %s (or run with -dev to try Gatehouse on the embedded Okta emulator)", strings.Join(missing, ", "))
	}
	if c.OktaOrgURL != "" {
		if err := checkURL(c.OktaOrgURL); err != nil {
			bad("%s: %v", envOrgURL, err)
		}
	}
	if c.PublicURL != "" {
		if err := checkURL(c.PublicURL); err != nil {
			bad("%s: %v", envPublicURL, err)
		}
	}
	if v := getenv(envSessionKeys); v != "" {
		keys, err := session.ParseKeys(v)
		if err != nil {
			bad("%s: %v", envSessionKeys, err)
		}
		c.SessionKeys = keys
	}
	return c, errors.Join(problems...)
}

// devServiceClientID names the service app that dev mode registers in its emulator.
const devServiceClientID = "gatehouse-dev-service"

// oktaCredential checks that exactly one Okta credential is configured and reads the service
// app's private key. Its messages never contain the key or the token.
func (c *config) oktaCredential(bad func(string, ...any)) {
	service := c.ServiceClientID != "" || c.PrivateKeyFile != ""
	switch {
	case c.APIToken != "" && service:
		bad("set either %s with %s (an OAuth service app) or %s, not both: Gatehouse uses exactly one Okta credential", envServiceID, envKeyFile, envAPIToken)
		return
	case service && c.ServiceClientID == "":
		bad("%s needs %s: the client id of the Okta service app the key belongs to", envKeyFile, envServiceID)
	case service && c.PrivateKeyFile == "":
		bad("%s needs %s: the PEM file with the service app's private key (make one with make keys)", envServiceID, envKeyFile)
	}
	if !service {
		only := func(name string) {
			bad("%s applies to the OAuth service app only; set %s and %s, or unset it", name, envServiceID, envKeyFile)
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
		return
	}
	if c.PrivateKeyFile == "" {
		return
	}
	pemData, err := os.ReadFile(c.PrivateKeyFile)
	if err != nil {
		bad("%s: cannot read the private key: %v", envKeyFile, err)
		return
	}
	key, err := client.ParsePrivateKey(pemData)
	if err != nil {
		bad("%s (%s): %v", envKeyFile, c.PrivateKeyFile, err)
		return
	}
	c.PrivateKey = key
	for _, sc := range c.OktaScopes {
		if !strings.HasPrefix(sc, "okta.") {
			bad("%s: %q is not an Okta API scope (they start with okta.)", envOktaScopes, sc)
		}
	}
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

// durationProblem explains why v is not a valid value of the duration variable ev, with an
// example that is valid: the default, or when that is 0 a value within the bounds.
func durationProblem(ev envVar, v string) string {
	example := ev.def
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
		return fmt.Sprintf("%s must be a duration %s, such as %s, not %q", ev.name, b, example, v)
	}
	return fmt.Sprintf("%s must be a duration such as %s, or 0, not %q", ev.name, example, v)
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

// splitList splits a comma-separated setting; empty gives [def], or nothing when def is "".
func splitList(v, def string) []string {
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 && def != "" {
		return []string{def}
	}
	return out
}

// oktaACRValues are the acr_values Okta's authorization servers accept (the oauth spec's
// AcrValue; docs/OKTA.md "Step-up").
func oktaACRValues() []string {
	return []string{"urn:okta:loa:1fa:any", "urn:okta:loa:1fa:pwd", "urn:okta:loa:2fa:any",
		"urn:okta:loa:2fa:any:ifpossible", "phr", "phrh"}
}

// oktaGroupID is the shape of an Okta group id.
var oktaGroupID = regexp.MustCompile(`^00g[0-9A-Za-z]{17}$`)

// groupIDs reads a list of Okta group ids, reporting entries that cannot be one.
func groupIDs(name, v string, bad func(string, ...any)) []string {
	ids := splitList(v, "")
	for _, id := range ids {
		if !oktaGroupID.MatchString(id) {
			bad("%s: %q is not an Okta group id (00g and 17 letters or digits; find it in the group's URL in the Admin Console)", name, id)
		}
	}
	return ids
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
		slog.Bool("delegated", c.Delegated), slog.String("store", redisTarget(c.Redis)),
		slog.Bool("redis_password_set", c.Redis != nil && c.Redis.Password != ""),
		slog.String("log_format", c.LogFormat), slog.Int("trusted_proxies", len(c.TrustedProxies)),
		slog.Duration("cache_ttl", c.CacheTTL), slog.Duration("session_idle", c.SessionIdle),
		slog.Duration("session_max", c.SessionMax), slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.Duration("drain_delay", c.DrainDelay), slog.Bool("sequential_reads", c.SequentialReads),
	)
}

// String is the same redacted view, so %v and %+v cannot leak a secret either.
func (c config) String() string { return c.LogValue().String() }

// GoString is the same redacted view for %#v.
func (c config) GoString() string { return c.String() }

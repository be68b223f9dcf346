package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Named demo accounts that hold the admin and helpdesk roles.
const (
	adminLogin    = "ada@example.com"
	helpdeskLogin = "hal@example.com"
)

// stopGrace is how long a child gets to exit after SIGTERM before it is killed.
const stopGrace = 10 * time.Second

// run is the whole benchmark; main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, environ []string, stdout, stderr io.Writer) (err error) {
	if scenarioOf(args) == "arrivals" {
		return runArrivals(ctx, args, getenv, environ, stdout, stderr)
	}
	o, err := parseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	goCmd, err := goCommand(getenv)
	if err != nil {
		return err
	}
	dir, release, err := workDir("gatehouse-bench-", stderr)
	if err != nil {
		return err
	}
	defer func() { release(err != nil || o.Keep) }()
	progress := func(format string, a ...any) {
		fmt.Fprintf(stderr, "gatehouse-bench: "+format+"\n", a...)
	}

	progress("building the emulator and gatehouse")
	emuBin, ghBin, err := buildBinaries(ctx, goCmd, dir, stderr)
	if err != nil {
		return err
	}
	env := &benchEnv{o: o, dir: dir, environ: environ, ghBin: ghBin, progress: progress}
	if err := env.startEmulator(ctx, emuBin); err != nil {
		return err
	}
	defer env.emu.stop(stopGrace)

	rep := report{
		Date:    time.Now().UTC(),
		Command: "gatehouse-bench " + strings.Join(args, " "),
		Options: o,
		Machine: machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, LoadAvg: loadAverage()},
	}
	for i, s := range setups(o) {
		res, err := env.runSetup(ctx, s, i == 0)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted during configuration %s", s.Name)
			}
			return fmt.Errorf("configuration %s: %w", s.Name, err)
		}
		rep.Setups = append(rep.Setups, res.setupResult)
		if res.sessions != nil {
			rep.Sessions = res.sessions
		}
	}
	if o.Footprint {
		progress("running the session store's footprint benchmark")
		fp, err := storeFootprint(ctx, goCmd, stderr)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// The figure is a cross-check; without it the table is still complete.
			progress("warning: %v", err)
		} else {
			rep.StoreFootprint = &fp
		}
	}
	if o.JSON {
		return rep.writeJSON(stdout)
	}
	rep.writeTable(stdout)
	return nil
}

// scenarioOf is the value of -scenario in args ("steady" when absent): the arrivals scenario
// has flags of its own, so the choice is made before either flag set parses.
func scenarioOf(args []string) string {
	for i, a := range args {
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "scenario" {
			continue
		}
		if hasVal {
			return val
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return "steady"
}

// benchEnv is the state shared by the configurations: the built binaries and the emulator.
type benchEnv struct {
	o        options
	dir      string
	environ  []string
	ghBin    string
	progress func(string, ...any)

	emu          *proc
	emuURL       string
	apiToken     string
	clientID     string
	clientSecret string
	ghPort       int // the same port for every configuration: it is in the emulator's redirect URI
	logins       []string
	hc           *http.Client
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startEmulator starts the emulator with the latency and rate limit of the run and lists its
// generated people.
func (e *benchEnv) startEmulator(ctx context.Context, bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	if e.ghPort, err = freePort(); err != nil {
		return err
	}
	e.emuURL = loopbackURL(port)
	e.apiToken, e.clientID, e.clientSecret = randomHex(20), "gatehouse-bench", randomHex(24)
	gh := loopbackURL(e.ghPort)
	args := []string{
		"-addr", "127.0.0.1:" + strconv.Itoa(port),
		"-client-id", e.clientID,
		"-redirect-uri", gh + "/auth/callback",
		"-post-logout-redirect-uri", gh + "/",
		"-latency", e.o.OktaLatency.String(),
		"-rate-limit", strconv.Itoa(e.o.RateLimit),
		// Okta's limits are not under test: no per-token share, no concurrency limit.
		"-token-share", "100",
		"-concurrency-limit", "-1",
	}
	// Secrets go through the environment, not the command line that ps shows.
	env := childEnv(e.environ, map[string]string{
		"OKTA_EMULATOR_API_TOKEN":     e.apiToken,
		"OKTA_EMULATOR_CLIENT_SECRET": e.clientSecret,
	})
	e.progress("starting the Okta emulator on %s (latency %s per API call)", e.emuURL, e.o.OktaLatency)
	if e.emu, err = startProc("okta-emulator", bin, args, env, filepath.Join(e.dir, "okta-emulator.log")); err != nil {
		return err
	}
	if err := waitReady(ctx, e.emu, e.emuURL+"/.well-known/openid-configuration", 30*time.Second); err != nil {
		return err
	}
	e.hc = &http.Client{Timeout: 30 * time.Second}
	t := &target{emulator: e.emuURL, apiToken: e.apiToken, hc: e.hc, proc: e.emu}
	if e.logins, err = demoLogins(ctx, t); err != nil {
		return err
	}
	return nil
}

// setupRun is one configuration's result plus the session measurement, when it ran.
type setupRun struct {
	setupResult
	sessions *sessionsResult
}

// runSetup starts Gatehouse in configuration s, runs every phase against it and stops it.
func (e *benchEnv) runSetup(ctx context.Context, s setup, first bool) (setupRun, error) {
	out := setupRun{setupResult: setupResult{Setup: s}}
	metricsPort, err := freePort()
	if err != nil {
		return out, err
	}
	gh := loopbackURL(e.ghPort)
	sequential := "0"
	if s.Sequential {
		sequential = "1"
	}
	env := childEnv(e.environ, map[string]string{
		"GATEHOUSE_OKTA_ORG_URL":       e.emuURL,
		"GATEHOUSE_OKTA_CLIENT_ID":     e.clientID,
		"GATEHOUSE_OKTA_CLIENT_SECRET": e.clientSecret,
		"GATEHOUSE_OKTA_API_TOKEN":     e.apiToken,
		"GATEHOUSE_PUBLIC_URL":         gh,
		"GATEHOUSE_SESSION_KEYS":       randomHex(32),
		"GATEHOUSE_CACHE_TTL":          s.CacheTTL.String(),
		"GATEHOUSE_SEQUENTIAL_READS":   sequential,
		// The harness is the "load balancer" in front: it gives each browser its own
		// X-Forwarded-For, so the per-client sign-in limit sees many clients, not one.
		"GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1",
		// The audit trail of this run, beside its logs: never in the directory the harness
		// was started from.
		"GATEHOUSE_DATA_DIR": filepath.Join(e.dir, "data-"+s.Name),
	})
	args := []string{"-addr", "127.0.0.1:" + strconv.Itoa(e.ghPort), "-metrics-addr", "127.0.0.1:" + strconv.Itoa(metricsPort)}
	e.progress("[%s] starting gatehouse on %s (%s)", s.Name, gh, s.Label)
	p, err := startProc("gatehouse ("+s.Name+")", e.ghBin, args, env, filepath.Join(e.dir, "gatehouse-"+s.Name+".log"))
	if err != nil {
		return out, err
	}
	defer p.stop(stopGrace)
	if err := waitReady(ctx, p, gh+"/readyz", 30*time.Second); err != nil {
		return out, err
	}
	t := &target{gatehouse: gh, metrics: loopbackURL(metricsPort) + "/metrics", emulator: e.emuURL, apiToken: e.apiToken, proc: p, hc: e.hc}

	next := 0 // next unused generated login
	login := func() string {
		l := e.logins[next%len(e.logins)]
		next++
		return l
	}
	vus := make([]*vu, e.o.Users)
	for i := range vus {
		if i < e.o.Admins {
			staff := adminLogin
			if i%2 == 1 {
				staff = helpdeskLogin
			}
			vus[i] = newVU(i, staff, true, true)
		} else {
			vus[i] = newVU(i, login(), false, true)
		}
	}
	defer func() {
		for _, v := range vus {
			v.close()
		}
	}()
	e.progress("[%s] signing in %d virtual users", s.Name, len(vus))
	if err := signInAll(ctx, t, vus, true, 8); err != nil {
		return out, err
	}
	anon := newVU(1<<20, "", false, true)
	defer anon.close()

	if first && e.o.MemSessions > 0 {
		e.progress("[%s] signing in %d more sessions to weigh them", s.Name, e.o.MemSessions)
		extra := make([]*vu, e.o.MemSessions)
		for i := range extra {
			extra[i] = newVU(1<<16+i, login(), false, false)
		}
		res, err := measureSessions(ctx, t, anon, extra)
		if err != nil {
			return out, err
		}
		out.sessions = &res
	}
	if out.Transfer, err = measureTransfer(ctx, t, vus[min(e.o.Admins, len(vus)-1)]); err != nil {
		return out, err
	}

	// Warm-up: both workloads briefly, so connection pools (to Gatehouse, and from it to Okta
	// at the highest concurrency the phases reach) and caches have their working size before
	// the "before" reading, and growth afterwards means something.
	warm := max(500*time.Millisecond, e.o.Duration/20)
	dashOnly := func(*vu) page { return pageDashboard }
	for _, pick := range []func(*vu) page{(*vu).pick, dashOnly} {
		if _, err := closedLoop(ctx, t, vus, warm, e.o.Think, pick); err != nil {
			return out, err
		}
	}
	if out.Before, err = snapshot(ctx, t, anon); err != nil {
		return out, err
	}

	e.progress("[%s] mixed workload: %d users for %s", s.Name, len(vus), e.o.Duration)
	if out.Mixed, err = closedLoop(ctx, t, vus, e.o.Duration, e.o.Think, (*vu).pick); err != nil {
		return out, err
	}
	e.progress("[%s] dashboard only: %d users for %s", s.Name, len(vus), e.o.DashFor)
	if out.Dashboard, err = closedLoop(ctx, t, vus, e.o.DashFor, e.o.Think, dashOnly); err != nil {
		return out, err
	}

	e.progress("[%s] reload storm: one person, %d dashboards in %s", s.Name, e.o.StormViews, e.o.StormOver)
	sv := newVU(1<<20+1, login(), false, true)
	defer sv.close()
	// Signed in without landing on the dashboard, so the storm starts with nothing cached.
	if err := sv.signInTo(ctx, gh, false); err != nil {
		return out, err
	}
	if out.Storm, err = storm(ctx, t, sv, e.o.StormViews, e.o.StormOver); err != nil {
		return out, err
	}
	sv.close()
	if out.After, err = snapshot(ctx, t, anon); err != nil {
		return out, err
	}
	return out, nil
}

// snapshot settles the heap and reads the process figures.
func snapshot(ctx context.Context, t *target, anon *vu) (processSnapshot, error) {
	m, err := settle(ctx, t, anon)
	if err != nil {
		return processSnapshot{}, err
	}
	live, ok := liveHeap(m)
	return processSnapshot{
		Goroutines: int(m["go_goroutines"]),
		RSS:        m["process_resident_memory_bytes"],
		HeapInuse:  m["go_memstats_heap_inuse_bytes"],
		LiveHeap:   live,
		LiveOK:     ok,
		Sessions:   int(m["gatehouse_sessions_active"]),
	}, nil
}

// measureSessions weighs sessions in the memory store from outside: the live heap (settled)
// before and after signing in extra, divided by the sessions added. The sessions are signed
// in without loading the dashboard, so nothing is cached for them, and their browsers keep no
// connection open. The figure includes everything Gatehouse keeps per signed-in person.
func measureSessions(ctx context.Context, t *target, anon *vu, extra []*vu) (sessionsResult, error) {
	var out sessionsResult
	m0, err := settle(ctx, t, anon)
	if err != nil {
		return out, err
	}
	if err := signInAll(ctx, t, extra, false, 16); err != nil {
		return out, err
	}
	m1, err := settle(ctx, t, anon)
	if err != nil {
		return out, err
	}
	out.Sessions = int(m1["gatehouse_sessions_active"] - m0["gatehouse_sessions_active"])
	live0, ok0 := liveHeap(m0)
	live1, ok1 := liveHeap(m1)
	out.LiveBefore, out.LiveAfter = live0, live1
	if ok0 && ok1 && out.Sessions > 0 {
		out.PerSession, out.OK = (live1-live0)/float64(out.Sessions), true
	}
	return out, nil
}

var footprintLine = regexp.MustCompile(`\s([0-9.]+) bytes/session`)

// storeFootprint runs the session store's own footprint benchmark (10,000 sessions in a fresh
// memory store, measured in-process after a forced GC) and returns its figure.
func storeFootprint(ctx context.Context, goCmd string, stderr io.Writer) (float64, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, goCmd, "test", "-count=1", "-run", "^$", "-bench", "^BenchmarkMemoryStoreSession$", "-benchtime", "1x", "gatehouse/web/session")
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	m := footprintLine.FindSubmatch(out.Bytes())
	if m == nil {
		if err != nil {
			_, _ = stderr.Write(out.Bytes())
			return 0, fmt.Errorf("session store footprint benchmark: %w", err)
		}
		return 0, errors.New("session store footprint benchmark printed no figure (renamed?)")
	}
	n, _ := strconv.ParseFloat(string(m[1]), 64)
	return n, nil
}

// loadAverage is the first three fields of /proc/loadavg, or "" where there is none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// workDir makes the temporary directory of one run's binaries and logs. release removes it,
// or, when keep is set (a failed run, or -keep), leaves it and says where it is.
func workDir(prefix string, stderr io.Writer) (dir string, release func(keep bool), err error) {
	dir, err = os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, fmt.Errorf("temporary directory: %w", err)
	}
	return dir, func(keep bool) {
		if keep {
			fmt.Fprintf(stderr, "gatehouse-bench: binaries and logs are in %s\n", dir)
			return
		}
		_ = os.RemoveAll(dir)
	}, nil
}

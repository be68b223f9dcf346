// Package pgtest runs a private PostgreSQL server for tests, in the manner of net/http/httptest
// and web/redistest: each Server is a fresh cluster (initdb) in a temporary directory, served
// by its own postgres process on a free loopback port, and stopped and deleted when the test
// ends. NewDatabase hands each test a database of its own on it.
//
// The server binaries are looked up on PATH, then where distributions install them
// (/usr/lib/postgresql/<version>/bin on Debian and Ubuntu, /usr/pgsql-<version>/bin on RHEL).
// Without them the test is skipped with a message, unless GATEHOUSE_REQUIRE_POSTGRES is set
// (CI), where a missing server is a failure.
//
// postgres refuses to run as root. When the tests run as root (containers, CI), the cluster
// is owned by and the server runs as an unprivileged account ("postgres" when the package
// created it, else "nobody"); the process switches to it through its credentials, so neither
// sudo nor runuser is needed.
//
// It imports only the standard library, testing and pgx, and must not import other Gatehouse
// packages.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// RequireEnv names the variable that turns a missing PostgreSQL into a test failure.
const RequireEnv = "GATEHOUSE_REQUIRE_POSTGRES"

// User is the cluster's superuser, who connects without a password (trust, loopback only).
const User = "gatehouse"

// startTimeout bounds how long Start and Restart wait for the server to accept connections.
const startTimeout = 30 * time.Second

// Server is a PostgreSQL cluster and its postgres process, owned by one test.
type Server struct {
	tb        testing.TB
	bin       string // directory holding initdb and postgres
	dir       string // the temporary directory: data/ and nothing else
	port      int
	cred      *syscall.Credential // the account postgres runs as, nil when not root
	collation string              // how the cluster compares text, for messages
	dbs       atomic.Int64

	mu   sync.Mutex
	cmd  *exec.Cmd
	out  *syncBuffer
	exit chan struct{}
}

// Start initialises a cluster in a temporary directory, starts postgres on a free loopback
// port, waits until it accepts connections, and stops it and deletes the directory when tb
// ends. It skips tb when the binaries are missing, unless GATEHOUSE_REQUIRE_POSTGRES is set.
//
// The cluster compares text as a real deployment usually does, linguistically (ICU, en-US)
// when the server has ICU, so that a query relying on byte order shows up in tests.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := findBinaries()
	if err != nil {
		if os.Getenv(RequireEnv) != "" {
			tb.Fatalf("pgtest: %s is set but %v (apt-get install postgresql)", RequireEnv, err)
		}
		tb.Skipf("pgtest: %v; install PostgreSQL (apt-get install postgresql) to run the PostgreSQL tests", err)
	}
	s := &Server{tb: tb, bin: bin}
	if s.cred, err = unprivileged(); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	// Not tb.TempDir(): its parents are private to the test's user, and the unprivileged
	// account must be able to reach the cluster.
	if s.dir, err = os.MkdirTemp("", "pgtest-"); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() { _ = os.RemoveAll(s.dir) })
	if s.cred != nil {
		if err := os.Chown(s.dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			tb.Fatalf("pgtest: give %s to uid %d: %v", s.dir, s.cred.Uid, err)
		}
	}
	if err := s.initdb(); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(s.Stop)
	// A free port can be taken by someone else between the probe and postgres's bind, so
	// try a few.
	var last error
	for range 5 {
		if s.port, err = freePort(); err != nil {
			tb.Fatalf("pgtest: find a free port: %v", err)
		}
		if last = s.start(); last == nil {
			return s
		}
	}
	tb.Fatalf("pgtest: start postgres: %v", last)
	return nil
}

// findBinaries returns the directory holding both initdb and postgres.
func findBinaries() (string, error) {
	if p, err := exec.LookPath("postgres"); err == nil {
		dir := filepath.Dir(p)
		if isExecutable(filepath.Join(dir, "initdb")) {
			return dir, nil
		}
	}
	var dirs []string
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin"} {
		m, _ := filepath.Glob(pattern)
		dirs = append(dirs, m...)
	}
	// The newest version first: /usr/lib/postgresql/16 before /usr/lib/postgresql/9.6.
	slices.SortStableFunc(dirs, func(a, b string) int { return slices.Compare(versionOf(b), versionOf(a)) })
	for _, dir := range dirs {
		if isExecutable(filepath.Join(dir, "postgres")) && isExecutable(filepath.Join(dir, "initdb")) {
			return dir, nil
		}
	}
	return "", errors.New("postgres and initdb are not on PATH nor in /usr/lib/postgresql/*/bin")
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// versionOf extracts the numbers of the version directory in a path such as
// /usr/lib/postgresql/15/bin or /usr/pgsql-9.6/bin.
func versionOf(dir string) []int {
	name := filepath.Base(filepath.Dir(dir))
	name = name[strings.LastIndexAny(name, "-/")+1:]
	var v []int
	for _, part := range strings.Split(name, ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			return nil
		}
		v = append(v, n)
	}
	return v
}

// initdb creates the cluster in s.dir/data.
func (s *Server) initdb() error {
	base := []string{"-D", s.dataDir(), "-U", User, "--auth=trust", "--encoding=UTF8", "--no-sync", "--no-instructions"}
	attempts := []struct {
		collation string
		args      []string
	}{
		// ICU arrived as a cluster default in PostgreSQL 15; older servers, or servers built
		// without ICU, refuse these options and get the C locale instead.
		{"ICU en-US", []string{"--locale-provider=icu", "--icu-locale=en-US", "--locale=C.UTF-8"}},
		{"ICU en-US", []string{"--locale-provider=icu", "--icu-locale=en-US", "--locale=C"}},
		{"C", []string{"--locale=C"}},
	}
	var failures []string
	for _, a := range attempts {
		_ = os.RemoveAll(s.dataDir())
		cmd := s.command("initdb", append(slices.Clone(base), a.args...)...)
		out, err := cmd.CombinedOutput()
		if err == nil {
			s.collation = a.collation
			return nil
		}
		failures = append(failures, fmt.Sprintf("initdb %s: %v: %s", strings.Join(a.args, " "), err, bytes.TrimSpace(out)))
	}
	return errors.New(strings.Join(failures, "\n"))
}

// command prepares one of the server's programs to run as the unprivileged account.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	// A predictable environment: no PGDATA, PGPORT or locale of the caller's leaks in.
	cmd.Env = []string{"PATH=/usr/bin:/bin", "TZ=UTC", "LC_ALL=C", "HOME=" + s.dir}
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start launches postgres on s.port and waits until it accepts connections.
func (s *Server) start() error {
	out := &syncBuffer{}
	cmd := s.command("postgres",
		"-D", s.dataDir(),
		"-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=", // TCP only: no socket file in a shared directory
		// Skip the disk flushes: data written reaches the kernel, so it survives Stop (a
		// killed server), which is all a test needs. synchronous_commit stays on, or a
		// commit could still sit in the server's memory when Stop kills it.
		"-c", "fsync=off",
		"-c", "full_page_writes=off",
		"-c", "dynamic_shared_memory_type=mmap", // containers often have a tiny /dev/shm
		"-c", "max_connections=100",
		"-c", "log_min_messages=warning",
	)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("exec postgres: %w", err)
	}
	exit := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exit)
	}()
	s.mu.Lock()
	s.cmd, s.out, s.exit = cmd, out, exit
	s.mu.Unlock()

	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgx.Connect(ctx, s.URL("postgres"))
		if err == nil {
			_ = c.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		select {
		case <-exit:
			return fmt.Errorf("postgres exited: %s", bytes.TrimSpace(out.Bytes()))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("no connection after %v: %w (%s)", startTimeout, err, bytes.TrimSpace(out.Bytes()))
		}
	}
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL returns a connection URL for database name on the server, as pgx accepts.
func (s *Server) URL(name string) string {
	u := url.URL{Scheme: "postgres", User: url.User(User), Host: s.Addr(), Path: "/" + name, RawQuery: "sslmode=disable"}
	return u.String()
}

// Collation says how the cluster compares text: "ICU en-US" or "C".
func (s *Server) Collation() string { return s.collation }

// NewDatabase creates an empty database for tb and returns its URL. Databases of one Server
// are independent, so tests that share a server do not see each other's tables.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("test%d", s.dbs.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		tb.Fatalf("pgtest: connect: %v", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	return s.URL(name)
}

// Stop kills the server, for outage tests: clients get connection errors until Restart. It
// is safe to call more than once.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exit := s.cmd, s.exit
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	// SIGQUIT is PostgreSQL's immediate shutdown: the postmaster stops its backends and
	// exits at once, leaving the next start to recover from the WAL, as after a crash.
	_ = cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-exit:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exit
	}
}

// Restart stops the server if it runs and starts it again on the same port with the same
// data, as a database that went away and came back.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.tb.Fatalf("pgtest: restart postgres on %s: %v", s.Addr(), err)
	}
}

// syncBuffer collects the server's output for error messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() > 64<<10 {
		return len(p), nil
	}
	return b.b.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.b.Bytes())
}

// unprivileged returns the credentials postgres must run under when this process is root
// (postgres refuses root), or nil otherwise. The "postgres" account exists wherever the
// distribution's package is installed; "nobody" exists everywhere else.
func unprivileged() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	var tried []string
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			tried = append(tried, name+": not a usable unprivileged account")
			continue
		}
		// No supplementary groups: the server gets the account's rights and no more.
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
	}
	return nil, fmt.Errorf("running as root and no unprivileged account to run postgres as (%s)", strings.Join(tried, "; "))
}

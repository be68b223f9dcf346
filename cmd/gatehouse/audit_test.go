package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/audit"
)

// testDataDir is GATEHOUSE_DATA_DIR for every run() of this package's tests that does not set
// its own (envOf): their audit databases go to a temporary directory, never the source tree.
var testDataDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gatehouse-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "temporary data directory:", err)
		os.Exit(1)
	}
	testDataDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

const dbPassword = "db-PASSWORD-7"

// TestAuditConfiguration: where the trail lives and how long it is kept, from the environment,
// with the database password never in the log line or an error.
func TestAuditConfiguration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		env           map[string]string
		wantErr       string
		wantTarget    string
		wantRetention time.Duration
	}{
		{name: "defaults: SQLite under ./data, 400 days", env: map[string]string{},
			wantTarget: "sqlite data/gatehouse.db", wantRetention: 400 * 24 * time.Hour},
		{name: "a data directory", env: map[string]string{envDataDir: "/var/lib/gatehouse"},
			wantTarget: "sqlite /var/lib/gatehouse/gatehouse.db", wantRetention: audit.DefaultRetention},
		{name: "PostgreSQL", env: map[string]string{envDatabaseURL: "postgres://gh:" + dbPassword + "@db.example.com:5432/gatehouse?sslmode=verify-full"},
			wantTarget: "postgres://db.example.com:5432/gatehouse", wantRetention: audit.DefaultRetention},
		{name: "postgresql scheme", env: map[string]string{envDatabaseURL: "postgresql://db.example.com/gatehouse"},
			wantTarget: "postgres://db.example.com/gatehouse", wantRetention: audit.DefaultRetention},
		{name: "retention in days", env: map[string]string{envRetention: "30d"}, wantTarget: "sqlite data/gatehouse.db", wantRetention: 30 * 24 * time.Hour},
		{name: "retention as a duration", env: map[string]string{envRetention: "720h"}, wantTarget: "sqlite data/gatehouse.db", wantRetention: 30 * 24 * time.Hour},
		{name: "retention under a day", env: map[string]string{envRetention: "2h"}, wantErr: envRetention},
		{name: "not a PostgreSQL URL", env: map[string]string{envDatabaseURL: "mysql://gh:" + dbPassword + "@db:3306/x"}, wantErr: envDatabaseURL},
		{name: "a file path is not a URL", env: map[string]string{envDatabaseURL: "/var/lib/gatehouse.db"}, wantErr: envDatabaseURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := prodEnv()
			delete(env, envRedisURL)
			for k, v := range tt.env {
				env[k] = v
			}
			// Not envOf: its default data directory is the tests' own.
			c, err := loadConfig(nil, func(k string) string { return env[k] }, io.Discard)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.NotContains(t, err.Error(), dbPassword, "the database password is never in an error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantTarget, auditTarget(c))
			assert.Equal(t, tt.wantRetention, c.AuditRetention)
			logged := c.String()
			assert.Contains(t, logged, tt.wantTarget)
			assert.NotContains(t, logged, dbPassword, "the database password is never logged")
		})
	}
}

// TestAuditOpenFailureNeverQuotesThePassword: a PostgreSQL that cannot be reached stops the
// start within the open deadline, with an error that names the server but not the password.
func TestAuditOpenFailureNeverQuotesThePassword(t *testing.T) {
	t.Parallel()
	env := prodEnv()
	env[envDatabaseURL] = "postgres://gh:" + dbPassword + "@" + freePort(t) + "/gatehouse?connect_timeout=2"
	var stderr syncBuffer
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()
	err := run(ctx, []string{"-addr", freePort(t)}, envOf(env), io.Discard, &stderr)
	require.Error(t, err, "Gatehouse does not start without its audit trail")
	assert.Contains(t, err.Error(), "audit trail (postgres://127.0.0.1:")
	assert.NotContains(t, err.Error(), dbPassword)
	assert.NotContains(t, stderr.String(), dbPassword)
}

// TestAuditSurvivesRestart: an audit record written by a dev-mode process — the real binary,
// with no configuration but GATEHOUSE_DATA_DIR — is on the audit page of the next process
// started on the same data directory.
func TestAuditSurvivesRestart(t *testing.T) {
	t.Parallel()
	bin := buildGatehouse(t)
	dataDir := t.TempDir()
	const ticket = "restart-ticket-4711"

	first := startDevBinary(t, bin, dataDir)
	ada := signIn(t, first.base, "ada@example.com")
	bobID := personIDFor(t, ada, first.base, "bob@example.com")
	// Unlock is recorded whether it applies (done) or not (refused by Gatehouse).
	res, err := ada.PostForm(first.base+"/admin/users/"+bobID+"/unlock", url.Values{"confirm": {"yes"}, "reason": {ticket}})
	require.NoError(t, err)
	res.Body.Close()
	first.stop(t)

	files, err := filepath.Glob(filepath.Join(dataDir, audit.SQLiteFile+"*"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "dev mode keeps the trail in SQLite under GATEHOUSE_DATA_DIR")

	second := startDevBinary(t, bin, dataDir)
	ada = signIn(t, second.base, "ada@example.com")
	res, err = ada.Get(second.base + "/admin/audit?action=unlock")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, string(body), ticket, "the first process's record is on the second's audit page")
	assert.Contains(t, string(body), "bob@example.com")
}

// devBinary is a dev-mode gatehouse process.
type devBinary struct {
	base   string
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
}

func startDevBinary(t *testing.T, bin, dataDir string) *devBinary {
	t.Helper()
	addr, oktaAddr := freePort(t), freePort(t)
	cmd := exec.Command(bin, "-dev", "-addr", addr, "-okta-addr", oktaAddr)
	cmd.Env = []string{envDataDir + "=" + dataDir, envLogLevel + "=warn"}
	d := &devBinary{base: "http://" + addr, cmd: cmd, out: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = d.out, d.out
	require.NoError(t, cmd.Start())
	go func() {
		_ = cmd.Wait()
		close(d.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-d.exited
	})
	waitReady(t, d.base)
	return d
}

// stop ends the process as an orchestrator does (SIGTERM) and waits for it.
func (d *devBinary) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, d.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("gatehouse did not stop on SIGTERM:\n%s", d.out.String())
	}
}

var personLink = regexp.MustCompile(`href="/admin/users/(00u[0-9A-Za-z]+)"`)

// personIDFor finds login's Okta id through the admin search.
func personIDFor(t *testing.T, c *http.Client, base, login string) string {
	t.Helper()
	res, err := c.Get(base + "/admin/users?q=" + url.QueryEscape(login))
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := personLink.FindStringSubmatch(string(body))
	require.NotNil(t, m, "the search for %s lists them", login)
	require.True(t, strings.HasPrefix(m[1], "00u"))
	return m[1]
}

// TestRetentionIsWired: run() prunes the trail it opened to GATEHOUSE_AUDIT_RETENTION, at
// start and then in the background: an entry older than the period goes, a recent one stays.
func TestRetentionIsWired(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	seed, err := audit.OpenSQLite(t.Context(), filepath.Join(dataDir, audit.SQLiteFile), audit.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = seed.Close() })
	now := time.Now()
	for _, e := range []audit.Entry{
		{Time: now.Add(-3 * 24 * time.Hour), ActorID: "00uold", Action: "unlock", Result: audit.ResultSuccess, Reason: "old"},
		{Time: now.Add(-time.Hour), ActorID: "00unew", Action: "unlock", Result: audit.ResultSuccess, Reason: "recent"},
	} {
		require.NoError(t, seed.Append(t.Context(), e))
	}

	addr, oktaAddr := freePort(t), freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stderr syncBuffer
	env := map[string]string{envDataDir: dataDir, envRetention: "2d"}
	go func() {
		done <- run(ctx, []string{"-dev", "-addr", addr, "-okta-addr", oktaAddr}, envOf(env), io.Discard, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	waitReady(t, "http://"+addr)

	reasons := func() []string {
		p, err := seed.Query(t.Context(), audit.Filter{})
		require.NoError(t, err)
		var out []string
		for _, e := range p.Entries {
			out = append(out, e.Reason)
		}
		return out
	}
	require.Eventually(t, func() bool { return len(reasons()) == 1 }, 20*time.Second, 50*time.Millisecond,
		"the entry older than two days is pruned; log:\n%s", stderr.String())
	assert.Equal(t, []string{"recent"}, reasons())
}

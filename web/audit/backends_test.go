package audit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/pgtest"
)

func openSQLite(t *testing.T, path string) *DB {
	t.Helper()
	db, err := OpenSQLite(t.Context(), path, Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func sqliteFixture(t *testing.T) *fixture {
	path := filepath.Join(t.TempDir(), "data", SQLiteFile)
	return &fixture{db: openSQLite(t, path), another: func(t *testing.T) *DB { return openSQLite(t, path) }}
}

func openPostgres(t *testing.T, url string) *DB {
	t.Helper()
	db, err := OpenPostgres(t.Context(), url, Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func postgresFixture(srv *pgtest.Server) newFixture {
	return func(t *testing.T) *fixture {
		url := srv.NewDatabase(t)
		return &fixture{db: openPostgres(t, url), another: func(t *testing.T) *DB { return openPostgres(t, url) }}
	}
}

func TestSQLiteStore(t *testing.T) { storeSuite(t, sqliteFixture) }

func TestPostgresStore(t *testing.T) {
	srv := pgtest.Start(t)
	t.Logf("PostgreSQL collation: %s", srv.Collation())
	storeSuite(t, postgresFixture(srv))

	t.Run("instances starting at once migrate once", func(t *testing.T) {
		url := srv.NewDatabase(t)
		const n = 4
		errs := make(chan error, n)
		for range n {
			go func() {
				db, err := OpenPostgres(t.Context(), url, Options{})
				if err == nil {
					_ = db.Close()
				}
				errs <- err
			}()
		}
		for range n {
			require.NoError(t, <-errs)
		}
		db := openPostgres(t, url)
		var count int
		require.NoError(t, db.db.QueryRowContext(t.Context(), "SELECT count(*) FROM "+migrationsTable).Scan(&count))
		assert.Equal(t, len(migrations), count)
	})

	// Last: it stops the server.
	t.Run("an outage is reported, and the store recovers", func(t *testing.T) {
		db := openPostgres(t, srv.NewDatabase(t))
		add(t, db, entry(t0, ada, bob, "before", ResultSuccess))
		srv.Stop()
		start := time.Now()
		err := New(nil, db).Record(t.Context(), entry(t0, ada, bob, "during", ResultSuccess))
		assert.ErrorIs(t, err, ErrNotRecorded)
		assert.Less(t, time.Since(start), recordTimeout+time.Second, "a dead database fails within the write's timeout")
		_, err = db.Query(t.Context(), Filter{})
		assert.Error(t, err)

		srv.Restart()
		require.Eventually(t, func() bool {
			return db.Append(t.Context(), entry(t0.Add(time.Second), ada, bob, "after", ResultSuccess)) == nil
		},
			10*time.Second, 50*time.Millisecond, "the same store works again once the database is back")
		assert.Equal(t, []string{"after", "before"}, actions(query(t, db, Filter{}).Entries))
	})
}

func TestOpenChoosesTheDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, err := Open(t.Context(), dir, "", Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	assert.Equal(t, "sqlite", db.Kind())
	assert.FileExists(t, filepath.Join(dir, SQLiteFile))

	_, err = Open(t.Context(), "", "", Options{})
	assert.Error(t, err, "neither a directory nor a URL")

	_, err = Open(t.Context(), dir, "postgres://gatehouse:s3cret@[::1", Options{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret", "a malformed URL's password must not reach the log")

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err = Open(ctx, dir, "postgres://gatehouse:s3cret@127.0.0.1:1/audit?sslmode=disable&connect_timeout=2", Options{})
	require.Error(t, err, "a database that does not answer fails the start")
	assert.NotContains(t, err.Error(), "s3cret")
}

// TestSQLiteSurvivesRestart: an entry whose Append returned is in the file even when the
// process is killed right after, without closing anything; the next process reads it.
func TestSQLiteSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), SQLiteFile)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriteAndDie$")
	cmd.Env = append(os.Environ(), "AUDIT_HELPER_DB="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the helper kills itself: %s", out)
	ws, ok := exit.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "the helper dies by SIGKILL: %s", out)

	db := openSQLite(t, path)
	got := query(t, db, Filter{})
	require.Len(t, got.Entries, 2, "both entries survive the kill")
	assert.Equal(t, []string{"second", "first"}, actions(got.Entries))

	// And a clean close and reopen, as a restart of the service does.
	add(t, db, entry(t0.Add(time.Hour), ada, bob, "third", ResultSuccess))
	require.NoError(t, db.Close())
	assert.Len(t, query(t, openSQLite(t, path), Filter{}).Entries, 3)
}

// TestHelperWriteAndDie is the process TestSQLiteSurvivesRestart kills: it does nothing in a
// normal run.
func TestHelperWriteAndDie(t *testing.T) {
	path := os.Getenv("AUDIT_HELPER_DB")
	if path == "" {
		t.Skip("helper process for TestSQLiteSurvivesRestart")
	}
	db, err := OpenSQLite(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	trail := New(nil, db)
	for _, action := range []string{"first", "second"} {
		if err := trail.Record(context.Background(), entry(time.Now(), ada, bob, action, ResultSuccess)); err != nil {
			t.Fatal(err)
		}
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

func TestSQLiteFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, SQLiteFile)
	db := openSQLite(t, path)
	add(t, db, entry(t0, ada, bob, "x", ResultSuccess))

	for _, tt := range []struct {
		path string
		mode os.FileMode
	}{{dir, 0o700}, {path, 0o600}, {path + "-wal", 0o600}} {
		fi, err := os.Stat(tt.path)
		require.NoError(t, err)
		assert.Equal(t, tt.mode, fi.Mode().Perm(), "%s is private to Gatehouse's user", filepath.Base(tt.path))
	}
	var mode string
	var busy, sync int
	require.NoError(t, db.db.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode))
	require.NoError(t, db.db.QueryRowContext(t.Context(), "PRAGMA busy_timeout").Scan(&busy))
	require.NoError(t, db.db.QueryRowContext(t.Context(), "PRAGMA synchronous").Scan(&sync))
	assert.Equal(t, "wal", mode)
	assert.Equal(t, 10000, busy)
	assert.Equal(t, 2, sync, "FULL: an entry is on disk when Append returns")
}

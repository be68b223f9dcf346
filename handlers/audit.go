package handlers

import (
	"context"
	"io"

	"gatehouse/web/audit"
)

// AuditTrail is where admin and self-service actions are recorded (SECURITY.md 32), and read
// back for the audit page, its CSV export and a person's page. Record is synchronous: it
// returns audit.ErrNotRecorded when the entry could not be stored, and the person who acted
// must then be told.
type AuditTrail interface {
	Record(ctx context.Context, e audit.Entry) error
	Recent(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
	Query(ctx context.Context, f audit.Filter) (audit.Page, error)
	WriteCSV(ctx context.Context, w io.Writer, f audit.Filter) error
}

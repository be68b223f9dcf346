package handlers

import (
	"context"

	"gatehouse/web/audit"
)

// AuditTrail is where admin and self-service actions are recorded (SECURITY.md 32), and read
// back for the audit page and a person's page.
type AuditTrail interface {
	Record(ctx context.Context, e audit.Entry) error
	Recent(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web/audit"
	"gatehouse/web/pgtest"
	"gatehouse/web/webtest"
)

// TestTwoInstancesShareThePostgresTrail: two Gatehouse instances on one org, each with its own
// connection to one PostgreSQL database (as two pods with GATEHOUSE_DATABASE_URL), see each
// other's audit records: an action taken through one is on the other's audit page.
func TestTwoInstancesShareThePostgresTrail(t *testing.T) {
	t.Parallel()
	pg := pgtest.Start(t) // skips without PostgreSQL, unless GATEHOUSE_REQUIRE_POSTGRES is set
	dbURL := pg.NewDatabase(t)
	openPG := func() *audit.DB {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := audit.Open(ctx, "", dbURL, audit.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	okta := oktatest.NewServer(oktatest.Config{})
	t.Cleanup(okta.Close)
	a := webtest.New(t, webtest.Options{Okta: okta, AuditStore: openPG()})
	b := webtest.New(t, webtest.Options{Okta: okta, AuditStore: openPG()})

	tests := []struct {
		name          string
		actOn, readOn *webtest.Env
		reason        string
	}{
		{name: "acted on A, read on B", actOn: a, readOn: b, reason: "TICKET-A-1"},
		{name: "acted on B, read on A", actOn: b, readOn: a, reason: "TICKET-B-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			actor := tt.actOn.SignInAs(t, "hal@example.com")
			bob := okta.UserID("bob@example.com")
			res, err := actor.PostForm(tt.actOn.URL+"/admin/users/"+bob+"/unlock", url.Values{"confirm": {"yes"}, "reason": {tt.reason}})
			require.NoError(t, err)
			res.Body.Close()

			reader := tt.readOn.SignInAs(t, "ada@example.com")
			res, doc := tt.readOn.Page(t, reader, "/admin/audit?actor=hal&action=unlock")
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Contains(t, doc.Find("[data-testid=audit-table]").Text(), tt.reason, "the other instance's record is listed")
		})
	}
}

package web_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web"
	"gatehouse/web/webtest"
)

// TestNewAppTakesTheConfigAsItIs: NewApp adds no defaults of its own, so a Config that did not
// start from DefaultConfig is refused with every problem named, rather than run with zeros.
func TestNewAppTakesTheConfigAsItIs(t *testing.T) {
	t.Parallel()
	_, err := web.NewApp(web.Config{})
	require.Error(t, err)
	for _, want := range []string{"OktaOrgURL", "ClientID", "ClientSecret", "PublicURL", "SessionKeys", "Okta credential",
		"OktaTimeout", "BreakerCooldown", "SessionIdle", "SessionMax", "RoleTTL", "OktaMaxInFlight", "Logger", "AuditStore"} {
		assert.Contains(t, err.Error(), want)
	}

	cfg := web.DefaultConfig()
	cfg.OktaOrgURL, cfg.ClientID, cfg.ClientSecret = "https://acme.okta.com", "0oaweb", "secret"
	cfg.APIToken, cfg.ServiceClientID = "00token", "0oaservice"
	cfg.PublicURL, cfg.SessionKeys = "https://portal.example.com", [][]byte{make([]byte, 32)}
	cfg.AuditStore = webtest.AuditDB(t)
	_, err = web.NewApp(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exactly one Okta credential")
	assert.Contains(t, err.Error(), "ServiceClientID needs PrivateKey")

	cfg.ServiceClientID = ""
	app, err := web.NewApp(cfg)
	require.NoError(t, err, "DefaultConfig and the settings that have no default are enough")
	require.NoError(t, app.Close())
}

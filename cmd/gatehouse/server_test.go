package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestSec44_ServerTimeouts(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	assert.Equal(t, 5*time.Second, srv.ReadHeaderTimeout)
	assert.Equal(t, 15*time.Second, srv.ReadTimeout)
	assert.Equal(t, 30*time.Second, srv.WriteTimeout, "above the 8 s Okta deadline")
	assert.Equal(t, 120*time.Second, srv.IdleTimeout)
	assert.Equal(t, 64<<10, srv.MaxHeaderBytes)
	assert.NotNil(t, srv.ErrorLog, "server errors go to the structured log")
}

func TestSec37_ConfigNeverPrintsSecrets(t *testing.T) {
	cfg, err := loadConfig(nil, func(k string) string {
		return map[string]string{
			envOrgURL: "https://acme.okta.com", envClientID: "0oaclient", envClientSecret: "very-secret-client-secret",
			envAPIToken: "00very-secret-api-token", envPublicURL: "https://portal.example.com",
			envSessionKeys: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		}[k]
	}, nil)
	assert.NoError(t, err)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, cfg)
		assert.NotContains(t, out, "very-secret-client-secret", format)
		assert.NotContains(t, out, "00very-secret-api-token", format)
		assert.NotContains(t, out, "0123456789abcdef0123", format)
	}
}

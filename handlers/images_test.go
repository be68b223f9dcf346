package handlers_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"gatehouse/handlers"
)

func TestImageSources(t *testing.T) {
	t.Parallel()
	s := handlers.NewImageSources("https://acme.okta.com", "https://cdn.example.com", "https://*.images.example.org")
	assert.Equal(t, "https://acme.okta.com https://*.oktacdn.com https://cdn.example.com https://*.images.example.org", s.CSP())
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://acme.okta.com/bc/image/fileStoreRecord?id=fs01", true},
		{"https://ok12static.oktacdn.com/assets/img/logos/default.png", true},
		{"https://tc2static.oktacdn.com/fs/bcg/4/gfs1", true},
		{"https://cdn.example.com/logo.svg", true},
		{"https://a.images.example.org/x.png", true},
		{"https://images.example.org/x.png", false},       // *. covers subdomains only, as in CSP
		{"http://cdn.example.com/logo.svg", false},        // scheme must match
		{"https://cdn.example.com:8443/logo.svg", false},  // so must the port
		{"https://oktacdn.com.evil.example/x.png", false}, // look-alike suffix
		{"https://evil.example/pixel.gif", false},
		{"//evil.example/pixel.gif", false},
		{"/logos/x.svg", false},
		{"javascript:alert(1)", false},
		{"data:image/png;base64,AAAA", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) { assert.Equal(t, tt.ok, s.Allows(tt.url)) })
	}
}

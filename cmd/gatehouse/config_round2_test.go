package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfigRoleGroupsAndProtection: role groups by name and by id, the default name only when
// neither is set, protected and scope groups, and ids that cannot be Okta group ids refused.
func TestConfigRoleGroupsAndProtection(t *testing.T) {
	const id1, id2 = "00g1AAAAAAAAAAAAAAAA", "00g2BBBBBBBBBBBBBBBB"
	tests := []struct {
		name                       string
		env                        map[string]string
		admins, adminIDs, helpdesk []string
		protected, scope           []string
		wantErr                    string
	}{
		{name: "defaults", admins: []string{"Gatehouse Admins"}, helpdesk: []string{"Gatehouse Helpdesk"}},
		{name: "ids replace the default name", env: map[string]string{envAdminIDs: id1 + ", " + id2},
			adminIDs: []string{id1, id2}, helpdesk: []string{"Gatehouse Helpdesk"}},
		{name: "names and ids together", env: map[string]string{envAdminIDs: id1, envAdminGroups: "IT Admins"},
			admins: []string{"IT Admins"}, adminIDs: []string{id1}, helpdesk: []string{"Gatehouse Helpdesk"}},
		{name: "protected and scope", env: map[string]string{envProtected: "Executives, " + id2, envScope: "Engineering"},
			admins: []string{"Gatehouse Admins"}, helpdesk: []string{"Gatehouse Helpdesk"},
			protected: []string{"Executives", id2}, scope: []string{"Engineering"}},
		{name: "a name where an id belongs", env: map[string]string{envHelpdeskIDs: "Gatehouse Helpdesk"}, wantErr: envHelpdeskIDs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := prodEnv()
			for k, v := range tt.env {
				env[k] = v
			}
			c, err := loadConfig(nil, envOf(env), io.Discard)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.admins, c.AdminGroups)
			assert.Equal(t, tt.adminIDs, c.AdminGroupIDs)
			assert.Equal(t, tt.helpdesk, c.HelpdeskGroups)
			assert.Equal(t, tt.protected, c.ProtectedGroups)
			assert.Equal(t, tt.scope, c.HelpdeskScopeGroups)
		})
	}
}

// TestConfigImageHosts: origins and subdomain wildcards only; nothing that widens img-src
// beyond a host.
func TestConfigImageHosts(t *testing.T) {
	tests := []struct {
		value string
		ok    bool
	}{
		{"https://cdn.example.com", true},
		{"https://cdn.example.com:8443/", true},
		{"https://*.example.com", true},
		{"http://localhost:9000", true},
		{"http://cdn.example.com", false},
		{"https:", false},
		{"*", false},
		{"https://*", false},
		{"https://*.com", false},
		{"https://cdn.*.example.com", false},
		{"https://cdn.example.com/logos", false},
		{"cdn.example.com", false},
		{"https://user@cdn.example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			env := prodEnv()
			env[envImageHosts] = tt.value
			c, err := loadConfig(nil, envOf(env), io.Discard)
			if tt.ok {
				require.NoError(t, err)
				assert.Len(t, c.ImageHosts, 1)
			} else {
				require.Error(t, err)
				assert.Contains(t, err.Error(), envImageHosts)
			}
		})
	}
}

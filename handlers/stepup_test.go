package handlers_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"gatehouse/handlers"
)

func TestACRSatisfied(t *testing.T) {
	t.Parallel()
	const twoFA, onePwd = "urn:okta:loa:2fa:any", "urn:okta:loa:1fa:pwd"
	tests := []struct {
		name, want, got string
		amr             []string
		ok              bool
	}{
		{name: "nothing asked", want: "", got: "", ok: true},
		{name: "two factors shown", want: twoFA, got: twoFA, amr: []string{"pwd", "email"}, ok: true},
		{name: "mfa shown", want: twoFA, got: twoFA, amr: []string{"mfa"}, ok: true},
		{name: "the class without the factors", want: twoFA, got: twoFA, amr: []string{"pwd"}},
		{name: "one method twice", want: twoFA, got: twoFA, amr: []string{"pwd", "pwd"}},
		{name: "no acr claim", want: twoFA, got: "", amr: []string{"pwd", "otp"}},
		{name: "another acr", want: twoFA, got: onePwd, amr: []string{"pwd", "otp"}},
		{name: "password only", want: onePwd, got: onePwd, amr: []string{"pwd"}, ok: true},
		{name: "phishing-resistant wants two", want: "phr", got: "phr", amr: []string{"pwd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.ok, handlers.ACRSatisfied(tt.want, tt.got, tt.amr))
		})
	}
	now := time.Now()
	fresh := handlers.Viewer{AuthTime: now, ACR: twoFA, AMR: []string{"pwd", "email"}}
	assert.False(t, handlers.NeedsStepUp(fresh, now, 15*time.Minute, twoFA))
	assert.True(t, handlers.NeedsStepUp(fresh, now.Add(16*time.Minute), 15*time.Minute, twoFA), "too old, however strong")
	assert.True(t, handlers.NeedsStepUp(handlers.Viewer{AuthTime: now}, now, 15*time.Minute, twoFA), "recent but weak")
	assert.False(t, handlers.NeedsStepUp(handlers.Viewer{AuthTime: now}, now, 15*time.Minute, ""), "no acr configured")
}

package oktatest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

func TestActivationLink(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	create := func(login string) string {
		r := call(t, s, "POST", "/api/v1/users?activate=false", ssws(s), map[string]any{"profile": map[string]any{
			"login": login, "email": login, "firstName": "<b>Nia</b>", "lastName": "Newcomer"}})
		require.Equal(t, 200, r.status, "body: %s", r.body)
		return r.object(t)["id"].(string)
	}
	activationURL := func(id string) string {
		r := call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/activate?sendEmail=false", ssws(s), nil)
		require.Equal(t, 200, r.status)
		assert.Equal(t, "PROVISIONED", s.UserStatus(id))
		return r.object(t)["activationUrl"].(string)
	}

	id := create("nia@example.org")
	link := activationURL(id)
	b := newBrowser(t)
	page := b.get(t, link)
	require.Equal(t, http.StatusOK, page.status)
	assert.Equal(t, "no-store", page.header.Get("Cache-Control"))
	assert.Contains(t, string(page.body), "&lt;b&gt;Nia&lt;/b&gt;", "profile values are escaped")
	assert.NotContains(t, string(page.body), "<b>Nia</b>")

	weak := b.submitForm(t, s, page, map[string]string{"newPassword": "weak", "confirmPassword": "weak"})
	assert.Equal(t, http.StatusUnprocessableEntity, weak.status)
	assert.Contains(t, formError(t, weak), "Password requirements were not met.")
	assert.Equal(t, "PROVISIONED", s.UserStatus(id))

	done := b.submitForm(t, s, weak, map[string]string{"newPassword": newPass, "confirmPassword": newPass})
	require.Equal(t, http.StatusOK, done.status)
	assert.Contains(t, done.doc(t).Find("#message").Text(), "Your account is active")
	assert.Equal(t, "ACTIVE", s.UserStatus(id))
	u := call(t, s, "GET", "/api/v1/users/"+id, ssws(s), nil).object(t)
	assert.NotNil(t, u["activated"])
	assert.Contains(t, u["credentials"], "password")

	assert.Equal(t, http.StatusNotFound, b.get(t, link).status, "the link is single-use")
	callbackParams(t, signInAttempt(t, s, newBrowser(t), "nia@example.org", newPass))

	t.Run("expires after seven days", func(t *testing.T) {
		id := create("late@example.org")
		link := activationURL(id)
		clock.Add(7*24*time.Hour + time.Second)
		assert.Equal(t, http.StatusNotFound, newBrowser(t).get(t, link).status)
	})
	t.Run("emailed link for a provisioned user", func(t *testing.T) {
		grace := s.UserID("grace@example.com")
		require.Equal(t, 200, call(t, s, "POST", "/api/v1/users/"+grace+"/lifecycle/reactivate?sendEmail=true", ssws(s), nil).status)
		emails := s.Emails()
		last := emails[len(emails)-1]
		require.Equal(t, "grace@example.com", last.To)
		require.Equal(t, "activation", last.Kind)
		b := newBrowser(t)
		page := b.get(t, last.Link)
		done := b.submitForm(t, s, page, map[string]string{"newPassword": newPass, "confirmPassword": newPass})
		require.Equal(t, http.StatusOK, done.status)
		assert.Equal(t, "ACTIVE", s.UserStatus(grace))
	})
}

func TestResetPasswordLinks(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	tests := []struct {
		name string
		link func(id string) string
		path string
	}{
		{name: "admin reset", path: "/reset_password/", link: func(id string) string {
			r := call(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/reset_password?sendEmail=false", ssws(s), nil)
			require.Equal(t, 200, r.status)
			require.Equal(t, "RECOVERY", s.UserStatus(id))
			return r.object(t)["resetPasswordUrl"].(string)
		}},
		{name: "forgot password", path: "/signin/reset-password/", link: func(id string) string {
			r := call(t, s, "POST", "/api/v1/users/"+id+"/credentials/forgot_password?sendEmail=false", ssws(s), nil)
			require.Equal(t, 200, r.status)
			return r.object(t)["resetPasswordUrl"].(string)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := addUserIn(t, s, "ACTIVE")
			login := call(t, s, "GET", "/api/v1/users/"+id, ssws(s), nil).object(t)["profile"].(map[string]any)["login"].(string)
			link := tt.link(id)
			require.True(t, strings.HasPrefix(link, s.URL()+tt.path), link)
			b := newBrowser(t)
			page := b.get(t, link)
			require.Equal(t, http.StatusOK, page.status)
			assert.Contains(t, page.doc(t).Find(`label[for="answer"]`).Text(), question)

			wrong := b.submitForm(t, s, page, map[string]string{"answer": "Rex"})
			assert.Equal(t, http.StatusUnauthorized, wrong.status)
			assert.NotEmpty(t, formError(t, wrong))
			setpw := b.submitForm(t, s, wrong, map[string]string{"answer": " biscuit "})
			require.Equal(t, http.StatusOK, setpw.status, "answers are case- and space-insensitive")
			require.Equal(t, 1, setpw.doc(t).Find(`input[name="newPassword"]`).Length())

			reuse := b.submitForm(t, s, setpw, map[string]string{"newPassword": demoPassword, "confirmPassword": demoPassword})
			assert.Contains(t, formError(t, reuse), "Password cannot be your current password")
			done := b.submitForm(t, s, reuse, map[string]string{"newPassword": newPass, "confirmPassword": newPass})
			require.Equal(t, http.StatusOK, done.status)
			assert.Equal(t, "ACTIVE", s.UserStatus(id))
			assert.Equal(t, http.StatusNotFound, b.get(t, link).status, "single-use")

			assert.Equal(t, "Unable to sign in", formError(t, signInAttempt(t, s, newBrowser(t), login, demoPassword)))
			callbackParams(t, signInAttempt(t, s, newBrowser(t), login, newPass))
		})
	}
	t.Run("expires after an hour", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		link := tests[1].link(id)
		clock.Add(time.Hour + time.Second)
		assert.Equal(t, http.StatusNotFound, newBrowser(t).get(t, link).status)
	})
	t.Run("no question goes straight to the new password", func(t *testing.T) {
		id := s.AddUser(oktatest.SeedUser{Password: demoPassword, Profile: map[string]any{
			"login": "noquestion@example.net", "firstName": "No", "lastName": "Question"}})
		link := tests[0].link(id)
		b := newBrowser(t)
		page := b.get(t, link)
		require.Equal(t, 1, page.doc(t).Find(`input[name="newPassword"]`).Length())
		done := b.submitForm(t, s, page, map[string]string{"newPassword": newPass, "confirmPassword": newPass})
		require.Equal(t, http.StatusOK, done.status)
		assert.Equal(t, "ACTIVE", s.UserStatus(id))
	})
	t.Run("unknown token", func(t *testing.T) {
		r := newBrowser(t).get(t, s.URL()+"/reset_password/nope")
		assert.Equal(t, http.StatusNotFound, r.status)
		assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
	})
}

func TestPagesAndAssets(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	b := newBrowser(t)
	tests := []struct {
		name, path, contentType string
		status                  int
	}{
		{name: "index", path: "/", contentType: "text/html; charset=utf-8", status: 200},
		{name: "app logo", path: "/logos/github.svg", contentType: "image/svg+xml", status: 200},
		{name: "group logo", path: "/logos/groups/okta-medium.svg", contentType: "image/svg+xml", status: 200},
		{name: "unknown logo", path: "/logos/nope.svg", status: 404},
		{name: "unknown app home", path: "/home/slack/0oaNope/aln", contentType: "text/html; charset=utf-8", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.get(t, s.URL()+tt.path)
			assert.Equal(t, tt.status, r.status)
			if tt.contentType != "" {
				assert.Equal(t, tt.contentType, r.header.Get("Content-Type"))
			}
		})
	}
}

package handlers_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/handlers"
	"gatehouse/web/webtest"
)

// TestLocaleSources: which language and time zone a page uses, source by source (handlers/
// language.go): the menu's choice, the Okta profile's preferredLanguage, then locale, then
// Accept-Language, then English; the profile's timezone, then the browser's, then UTC.
func TestLocaleSources(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	tests := []struct {
		name     string
		login    string // "" signed out
		cookies  map[string]string
		accept   string
		wantLang string
		wantZone string // "" UTC, unknown
	}{
		{name: "lena's profile asks for German", login: "lena@example.com", accept: "en", wantLang: "de", wantZone: "Europe/Berlin"},
		{name: "yuki's asks for Japanese", login: "yuki@example.com", wantLang: "ja", wantZone: "Asia/Tokyo"},
		{name: "alice's for English, in Pacific time", login: "alice@example.com", accept: "fr", wantLang: "en", wantZone: "America/Los_Angeles"},
		{name: "the profile beats the browser's zone", login: "alice@example.com", cookies: map[string]string{handlers.ZoneCookie: "Asia/Tokyo"}, wantLang: "en", wantZone: "America/Los_Angeles"},
		{name: "signed out: Accept-Language", accept: "fr-CA,fr;q=0.8", wantLang: "fr"},
		{name: "signed out: the menu's cookie beats Accept-Language", cookies: map[string]string{handlers.LanguageCookie: "es"}, accept: "fr", wantLang: "es"},
		{name: "signed out: a cookie naming no language is ignored", cookies: map[string]string{handlers.LanguageCookie: "xx"}, accept: "de", wantLang: "de"},
		{name: "signed out: the browser's zone", cookies: map[string]string{handlers.ZoneCookie: "Europe/Paris"}, wantLang: "en", wantZone: "Europe/Paris"},
		{name: "signed out: a zone that is not one is UTC", cookies: map[string]string{handlers.ZoneCookie: "../../etc/passwd"}, wantLang: "en"},
		{name: "nothing said: English in UTC", wantLang: "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := webtest.Request(http.MethodGet, "/", nil, map[string]string{"Accept-Language": tt.accept})
			for k, v := range tt.cookies {
				r.AddCookie(&http.Cookie{Name: k, Value: v})
			}
			if tt.login != "" {
				r = h.As(t, r, tt.login)
			}
			loc := h.App.Language.Locale(r)
			assert.Equal(t, tt.wantLang, loc.Lang())
			zone, known := loc.Zone()
			if tt.wantZone == "" {
				assert.False(t, known, "no zone known: UTC, labelled")
				assert.Equal(t, time.UTC, zone)
				return
			}
			assert.True(t, known)
			assert.Equal(t, tt.wantZone, zone.String())
		})
	}
}

// TestLanguageChoiceBeatsTheProfile: lena chooses French from the menu; her session remembers
// it and it wins over her German profile. The menu answers with a redirect (PRG).
func TestLanguageChoiceBeatsTheProfile(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	r := webtest.Request(http.MethodPost, "/language", url.Values{"lang": {"fr"}, "return": {"/groups"}}, nil)
	w, err := webtest.Call(h.App.Language.Choose, h.As(t, r, "lena@example.com"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/groups", w.Header().Get("Location"))

	again := h.As(t, webtest.Request(http.MethodGet, "/", nil, nil), "lena@example.com")
	v, ok := handlers.ViewerFrom(again.Context())
	require.True(t, ok)
	assert.Equal(t, "fr", v.Lang, "the session remembers the choice")
	assert.Equal(t, "fr", h.App.Language.Locale(again).Lang(), "and it beats the profile")
	zone, _ := h.App.Language.Locale(again).Zone()
	assert.Equal(t, "Europe/Berlin", zone.String(), "the time zone stays the profile's")

	// htmx gets its redirect as HX-Redirect, never a 3xx.
	r = webtest.Request(http.MethodPost, "/language", url.Values{"lang": {"de"}, "return": {"/apps"}}, webtest.HTMX(""))
	w, err = webtest.Call(h.App.Language.Choose, h.As(t, r, "lena@example.com"))
	require.NoError(t, err)
	assert.Equal(t, "/apps", w.Header().Get("HX-Redirect"))
}

// TestPacificTime: alice's profile says America/Los_Angeles, so her last sign-in (20 May 2024,
// 08:15 UTC in the demo org) shows in Pacific daylight time; ada, in London, sees alice's dates
// in her own zone. The clock is fixed, so "2 years ago" is exact.
func TestPacificTime(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) }
	h := webtest.NewHandlers(t, webtest.Options{Now: now, OktaConfig: oktatest.Config{Now: now}})
	alice := h.Okta.UserID("alice@example.com")
	tests := []struct {
		name, login string
		handler     handlers.Func
		path        string
		want        string
	}{
		{name: "alice's own profile", login: "alice@example.com", handler: h.App.Self.Profile, path: "/profile", want: "20 May 2024, 01:15 PDT (2 years ago)"},
		{name: "alice's dashboard", login: "alice@example.com", handler: h.App.Self.Home, path: "/", want: "20 May 2024, 01:15 PDT (2 years ago)"},
		{name: "ada on alice's page, in London", login: "ada@example.com", handler: h.App.Admin.ShowUser, path: "/admin/users/" + alice, want: "20 May 2024, 09:15 BST (2 years ago)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := webtest.Request(http.MethodGet, tt.path, nil, nil, "id", alice)
			r = h.App.Language.Localized(h.As(t, r, tt.login))
			w, err := webtest.Call(tt.handler, r)
			require.NoError(t, err)
			assert.Contains(t, w.Body.String(), tt.want)
			assert.NotContains(t, w.Body.String(), "08:15 UTC", "not in UTC once the zone is known")
		})
	}
}

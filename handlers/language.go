package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"

	"gatehouse/client"
	"gatehouse/i18n"
	"gatehouse/views"
)

// Which language and time zone a page uses (issue 20, docs/I18N.md):
//
//   - language: the person's explicit choice from the language menu (kept in their session
//     when signed in, in the gh_lang cookie otherwise) — a click is the clearest thing a
//     person can say, so it wins for as long as it is remembered; then, signed in, their Okta
//     profile's preferredLanguage, then its locale; then the browser's Accept-Language; then
//     English. Each source counts only when it names a language Gatehouse speaks.
//   - time zone: the profile's timezone; else the browser's, which static/js/app.js leaves in
//     the gh_tz cookie; else UTC, labelled as such.
//
// The profile is the Users API's (never the ID token's claims, which carry Okta's defaults for
// people who chose nothing: docs/OKTA.md): the per-person cache's copy when it holds one (so a
// profile edited through Gatehouse, which drops the cache, counts at once), else what
// /users/me said at sign-in (Viewer.Prefs). Resolving a Locale never calls Okta: a refused
// request or an error page about Okta costs Okta nothing.

const (
	// LanguageCookie remembers a choice from the language menu in the browser, for signed-out
	// pages and across sign-in and sign-out.
	LanguageCookie = "gh_lang"
	// ZoneCookie is the browser's IANA time zone, set by static/js/app.js.
	ZoneCookie = "gh_tz"
	// languageCookieAge is how long the browser remembers the choice: a year.
	languageCookieAge = 365 * 24 * time.Hour
)

// LanguageSessions keeps the explicit choice in the signed-in person's session.
type LanguageSessions interface {
	SetLanguage(w http.ResponseWriter, r *http.Request, lang string) error
}

// OwnProfiles finds the signed-in person's own Okta profile in the per-person cache, without
// calling Okta: SelfService implements it.
type OwnProfiles interface {
	CachedProfile(v Viewer) (client.User, bool)
}

// LanguageOptions are the language menu's settings.
type LanguageOptions struct {
	// Secure marks the language cookie Secure (the public URL is https).
	Secure bool
}

// Language resolves each request's Locale and answers the language menu.
type Language struct {
	sessions LanguageSessions
	profiles OwnProfiles
	opts     LanguageOptions
	zones    sync.Map // IANA name → *time.Location: loading a zone reads the tz database
}

// NewLanguage returns the language menu's handler and the Locale resolver.
func NewLanguage(sessions LanguageSessions, profiles OwnProfiles, opts LanguageOptions) *Language {
	return &Language{sessions: sessions, profiles: profiles, opts: opts}
}

// Locale returns the language and time zone for r (see the top of this file).
func (l *Language) Locale(r *http.Request) *i18n.Locale {
	var prof *Prefs
	v, signedIn := ViewerFrom(r.Context())
	if signedIn {
		prof = &v.Prefs
		if l.profiles != nil {
			if u, ok := l.profiles.CachedProfile(v); ok {
				p := prefsOf(u.Profile)
				prof = &p
			}
		}
	}
	return i18n.New(l.language(r, v, signedIn, prof), l.zone(r, prof))
}

func (l *Language) language(r *http.Request, v Viewer, signedIn bool, prof *Prefs) string {
	var prefs []string
	if signedIn {
		prefs = append(prefs, v.Lang, prof.PreferredLanguage, prof.Locale)
	} else if c, err := r.Cookie(LanguageCookie); err == nil {
		prefs = append(prefs, c.Value)
	}
	for _, p := range prefs {
		if tag, ok := i18n.Match(p); ok {
			return tag
		}
	}
	if tag, ok := i18n.MatchAcceptLanguage(r.Header.Get("Accept-Language")); ok {
		return tag
	}
	return "en"
}

// zone returns the person's time zone, or nil (UTC, labelled) when nothing says it.
func (l *Language) zone(r *http.Request, prof *Prefs) *time.Location {
	if prof != nil {
		if z := l.loadZone(prof.Timezone); z != nil {
			return z
		}
	}
	if c, err := r.Cookie(ZoneCookie); err == nil {
		return l.loadZone(c.Value)
	}
	return nil
}

func (l *Language) loadZone(name string) *time.Location {
	if name == "" {
		return nil
	}
	if z, ok := l.zones.Load(name); ok {
		return z.(*time.Location)
	}
	z, ok := i18n.LoadZone(name)
	if !ok {
		return nil
	}
	// Only real zone names are kept, so the map is bounded by the tz database.
	l.zones.Store(name, z)
	return z
}

// Choose handles POST /language: the language menu. It remembers the choice in a cookie (for
// signed-out pages, and across sign-in and sign-out) and, when signed in, in the session, and
// answers with a redirect back to the page the menu was on (post/redirect/get).
func (l *Language) Choose(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	tag, ok := i18n.Supported(field(r, "lang"))
	if !ok {
		return badRequest(msgLanguageUnknown)
	}
	if _, signedIn := ViewerFrom(r.Context()); signedIn {
		if err := l.sessions.SetLanguage(w, r, tag); err != nil {
			return Unavailable(msgSessionCheck, err)
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: LanguageCookie, Value: tag, Path: "/", MaxAge: int(languageCookieAge / time.Second),
		Secure: l.opts.Secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	back := RefererPath(r)
	if ret := field(r, "return"); ret != "" {
		back = localPath(ret)
	}
	redirect(w, r, back)
	return nil
}

// ChosenLanguage is the language the browser's cookie remembers from the menu, or "": sign-in
// copies it into the new session, so that a choice made before signing in survives it.
func ChosenLanguage(r *http.Request) string {
	c, err := r.Cookie(LanguageCookie)
	if err != nil {
		return ""
	}
	tag, _ := i18n.Supported(c.Value)
	return tag
}

// CachedProfile is the person's own Okta user when the cache holds it (OwnProfiles).
func (s *SelfService) CachedProfile(v Viewer) (client.User, bool) {
	return peek[client.User](s.cache, v.UserID, kindMe)
}

// Localized returns r carrying a Locale that l resolves on first use (views.WithLocale).
func (l *Language) Localized(r *http.Request) *http.Request {
	return r.WithContext(views.WithLocale(r.Context(), sync.OnceValue(func() *i18n.Locale {
		return l.Locale(r)
	})))
}

// Prefs are what a person's Okta profile says about their language and time zone: the
// attributes preferredLanguage (RFC 7231), locale (en_US) and timezone (IANA).
type Prefs struct {
	PreferredLanguage, Locale, Timezone string
}

// prefsOf reads Prefs from an Okta profile.
func prefsOf(p client.Profile) Prefs {
	return Prefs{PreferredLanguage: p.PreferredLanguage, Locale: p.Locale, Timezone: p.Timezone}
}

// tr returns the catalog message id in the request's language, for the words a handler puts
// into a view model (an alert, a field's error). Templates say their own words through
// views.T; an Error carries its id to the error adaptor instead.
func tr(ctx context.Context, id string) string { return views.LocaleFrom(ctx).T(id) }

// trf is tr with the message's placeholders filled from args.
func trf(ctx context.Context, id string, args map[string]any) string {
	return views.LocaleFrom(ctx).Tf(id, args)
}

// trn is tr for a message that counts (CLDR plural forms, {{.Count}} is n).
func trn(ctx context.Context, id string, n int) string { return views.LocaleFrom(ctx).Tn(id, n) }

package views

import (
	"context"

	"github.com/a-h/templ"

	"gatehouse/i18n"
)

// The language and time zone of a page come from the request's context, like its assets: web
// puts a Locale there for every request (handlers/language.go decides which), and components
// read it through T, Tf and Tn. Without one (component tests, benchmarks) a page is English
// in UTC.

type localeKey struct{}

// WithLocale returns a context whose pages speak the Locale resolve returns. resolve runs at
// most once, when something first needs the Locale (a page that only redirects never asks),
// and must be safe to call from any goroutine.
func WithLocale(ctx context.Context, resolve func() *i18n.Locale) context.Context {
	return context.WithValue(ctx, localeKey{}, resolve)
}

// HasLocale reports whether ctx carries a Locale (WithLocale).
func HasLocale(ctx context.Context) bool {
	_, ok := ctx.Value(localeKey{}).(func() *i18n.Locale)
	return ok
}

// LocaleFrom returns the request's Locale: English in UTC when the context has none.
func LocaleFrom(ctx context.Context) *i18n.Locale {
	if resolve, ok := ctx.Value(localeKey{}).(func() *i18n.Locale); ok {
		if l := resolve(); l != nil {
			return l
		}
	}
	return i18n.English()
}

// T returns the catalog message id in the request's language (English when the language lacks
// it, the id itself when no catalog has it: never a blank).
func T(ctx context.Context, id string) string { return LocaleFrom(ctx).T(id) }

// Tf is T with the message's placeholders filled from data ({{.Name}} ← data["Name"]).
func Tf(ctx context.Context, id string, data map[string]any) string {
	return LocaleFrom(ctx).Tf(id, data)
}

// Tn is T for a message that counts: the plural form CLDR gives n in the request's language.
func Tn(ctx context.Context, id string, n int) string { return LocaleFrom(ctx).Tn(id, n) }

// lang is the request's language tag, for <html lang>.
func lang(ctx context.Context) string { return LocaleFrom(ctx).Lang() }

// pluralAttrs carries the plural message id to a page's script as data-count-<category>
// attributes, one per CLDR category of the language, "#" for the count: for a count the
// script writes itself (static/js/app.js picks the form with Intl.PluralRules).
func pluralAttrs(ctx context.Context, id string) templ.Attributes {
	attrs := templ.Attributes{}
	for cat, text := range LocaleFrom(ctx).PluralForms(id) {
		attrs["data-count-"+cat] = text
	}
	return attrs
}

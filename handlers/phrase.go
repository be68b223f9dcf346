package handlers

import (
	"context"
	"net/http"
	"strings"

	"gatehouse/i18n"
	"gatehouse/views"
)

// A message is a catalog sentence with its placeholders, not yet in any language: the admin
// console's explanations ("Alice is not locked out, so there is nothing to unlock.") are built
// as messages, so that one explanation can go into a view model in the request's language
// (text) or into an Error, which the log reads in English and the error page shows in the
// person's language (newError resolves the placeholders in each).
//
// A placeholder's value may itself be words that depend on the language — a status, an
// action's name, a list of statuses — given as a phrase: it is said in the language of the
// sentence around it. Never a sentence glued from pieces: each message is whole, and a phrase
// fills one placeholder of it.
type message struct {
	id   string
	args map[string]any
}

// phrase is a placeholder's value said in a language.
type phrase interface {
	in(loc *i18n.Locale) string
}

// msg returns the catalog message id with args.
func msg(id string, args map[string]any) message { return message{id: id, args: args} }

func (m message) in(loc *i18n.Locale) string { return loc.Tf(m.id, resolveArgs(loc, m.args)) }

// text is the message in the request's language, for a view model.
func (m message) text(ctx context.Context) string { return m.in(views.LocaleFrom(ctx)) }

// errorOf is the Error of status titled titleID whose message is m.
func (m message) errorOf(status int, titleID string) *Error {
	return newError(status, titleID, m.id, m.args)
}

// conflictError is the 409 of an action that does not apply now, explained by m.
func (m message) conflictError() *Error {
	return m.errorOf(http.StatusConflict, "error.conflict.title")
}

// verbatim is a placeholder's value that is the same in every language: what Okta said (an
// unknown status, a directory's name).
type verbatim string

func (v verbatim) in(*i18n.Locale) string { return string(v) }

// orList is alternatives in the language's words: "active, locked out or password expired".
type orList []phrase

func (l orList) in(loc *i18n.Locale) string {
	words := make([]string, len(l))
	for i, p := range l {
		words[i] = p.in(loc)
	}
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	head := strings.Join(words[:len(words)-1], loc.T("lifecycle.list_separator"))
	return loc.Tf("lifecycle.list_or", map[string]any{"Head": head, "Last": words[len(words)-1]})
}

// resolveArgs returns args with every phrase said in loc's language (args itself when it holds
// none).
func resolveArgs(loc *i18n.Locale, args map[string]any) map[string]any {
	var out map[string]any
	for k, v := range args {
		p, ok := v.(phrase)
		if !ok {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(args))
			for k2, v2 := range args {
				out[k2] = v2
			}
		}
		out[k] = p.in(loc)
	}
	if out == nil {
		return args
	}
	return out
}

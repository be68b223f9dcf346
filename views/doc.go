// Package views renders Gatehouse's HTML with templ. Components are pure functions of the view
// models declared here: they do no I/O and never see Okta client types (handlers map those to
// view models). Cross-cutting values that every page needs — the CSP nonce and the asset URLs —
// travel in the context, as templ recommends.
//
// views imports only templ and the standard library.
package views

package views

// The template half of the catalogs' completeness (i18n/catalog_test.go is the other): no
// template says anything in words of its own. Every text node and every attribute
// people read (title, aria-label, placeholder, alt, a button's value) must come from the
// catalog through T, Tf or Tn, so that a new sentence cannot reach a page in English only.

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	parser "github.com/a-h/templ/parser/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTemplatesUseTheCatalog(t *testing.T) {
	t.Parallel()
	names, err := filepath.Glob("*.templ")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(name)
			require.NoError(t, err)
			found, err := literalWords(string(src))
			require.NoError(t, err)
			assert.Empty(t, found, "%s has words that are not from the catalog: use T(ctx, id) and add the id to the same file in every i18n/catalog/<tag>/", name)
		})
	}
}

// TestLiteralWordsCatches feeds the checker what it must catch and what it must let through,
// so that TestTemplatesUseTheCatalog cannot pass by checking nothing.
func TestLiteralWordsCatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       []string
	}{
		{name: "text", body: `<p>Hello</p>`, want: []string{`text "Hello"`}},
		{name: "text beside an expression", body: `<p>{ T(ctx, "a.b") } more</p>`, want: []string{`text "more"`}},
		{name: "text in an if", body: "if x {\n<span>Yes</span>\n} else {\n<span>No</span>\n}", want: []string{`text "Yes"`, `text "No"`}},
		{name: "text in a loop", body: "for _, x := range xs {\n<li>Item</li>\n}", want: []string{`text "Item"`}},
		{name: "text in a switch", body: "switch x {\ncase 1:\n<b>One</b>\n}", want: []string{`text "One"`}},
		{name: "text as children of a component", body: `@box() { Inside }`, want: []string{`text "Inside"`}},
		{name: "an entity spelling a letter", body: `<p>&#72;i</p>`, want: []string{`text "&#72;i"`}},
		{name: "aria-label", body: `<nav aria-label="Main"></nav>`, want: []string{`nav aria-label="Main"`}},
		{name: "title", body: `<abbr title="Coordinated Universal Time">UTC</abbr>`, want: []string{`abbr title="Coordinated Universal Time"`, `text "UTC"`}},
		{name: "placeholder", body: `<input placeholder="Search"/>`, want: []string{`input placeholder="Search"`}},
		{name: "alt", body: `<img alt="Logo" src="/x.png"/>`, want: []string{`img alt="Logo"`}},
		{name: "a submit button's value", body: `<input type="submit" value="Save"/>`, want: []string{`input value="Save"`}},
		{name: "a conditional attribute", body: `<a if x { title="Open" }></a>`, want: []string{`a title="Open"`}},
		{name: "from the catalog", body: `<nav aria-label={ T(ctx, "layout.nav_label") }>{ T(ctx, "nav.home") }</nav>`},
		{name: "punctuation and numbers", body: `<small>{ a } · { b } (2) —</small>`},
		{name: "a hidden input's value is not read", body: `<input type="hidden" name="return" value="home"/>`},
		{name: "class names and ids are not read", body: `<div class="alerts" id="main" data-testid="x"></div>`},
		{name: "scripts are not read", body: `<script src="/a.js"></script>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := literalWords("package views\n\ntempl x() {\n" + tt.body + "\n}\n")
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// readAttributes are the attributes people read or hear; value only on buttons (below).
var readAttributes = map[string]bool{
	"title": true, "aria-label": true, "aria-description": true, "aria-roledescription": true,
	"aria-placeholder": true, "aria-valuetext": true, "placeholder": true, "alt": true, "label": true,
}

// literalWords parses a templ file with templ's own parser and lists every literal with a letter
// in a place people read.
func literalWords(src string) ([]string, error) {
	tf, err := parser.ParseString(src)
	if err != nil {
		return nil, err
	}
	var found []string
	var walk func(nodes []parser.Node)
	attrs := func(el string, elAttrs []parser.Attribute) {
		var visit func(as []parser.Attribute)
		visit = func(as []parser.Attribute) {
			for _, a := range as {
				switch a := a.(type) {
				case *parser.ConstantAttribute:
					key := a.Key.String()
					if (readAttributes[key] || key == "value" && isButton(el, elAttrs)) && hasLetter(html.UnescapeString(a.Value)) {
						found = append(found, fmt.Sprintf("%s %s=%q", el, key, a.Value))
					}
				case *parser.ConditionalAttribute:
					visit(a.Then)
					visit(a.Else)
				}
			}
		}
		visit(elAttrs)
	}
	walk = func(nodes []parser.Node) {
		for _, n := range nodes {
			switch n := n.(type) {
			case *parser.Text:
				if hasLetter(html.UnescapeString(n.Value)) {
					found = append(found, fmt.Sprintf("text %q", strings.TrimSpace(n.Value)))
				}
			case *parser.Element:
				attrs(n.Name, n.Attributes)
				walk(n.Children)
			case *parser.IfExpression:
				walk(n.Then)
				for _, e := range n.ElseIfs {
					walk(e.Then)
				}
				walk(n.Else)
			case *parser.SwitchExpression:
				for _, c := range n.Cases {
					walk(c.Children)
				}
			case *parser.ForExpression:
				walk(n.Children)
			case *parser.TemplElementExpression:
				walk(n.Children)
			}
		}
	}
	for _, n := range tf.Nodes {
		if t, ok := n.(*parser.HTMLTemplate); ok {
			walk(t.Children)
		}
	}
	return found, nil
}

// isButton reports whether an element's value is the label people read: a button, or an input
// of type submit, reset or button.
func isButton(el string, attrs []parser.Attribute) bool {
	if el == "button" {
		return true
	}
	if el != "input" {
		return false
	}
	for _, a := range attrs {
		if ca, ok := a.(*parser.ConstantAttribute); ok && ca.Key.String() == "type" {
			switch strings.ToLower(ca.Value) {
			case "submit", "reset", "button":
				return true
			}
		}
	}
	return false
}

func hasLetter(s string) bool { return strings.IndexFunc(s, unicode.IsLetter) >= 0 }

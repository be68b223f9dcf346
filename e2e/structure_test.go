package e2e

import (
	"crypto/sha256"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pageStructureJS describes the document as axe-core sees it, without its words: every element
// with the attributes that decide roles, names, states, styles and layout, each text node as
// "T" (there is text) and nothing otherwise, and for every reference between elements
// (label for, aria-labelledby, aria-describedby, aria-controls, aria-owns, list) whether it
// resolves, and for every id whether it is unique. Two documents with the same description
// differ only in their words and in where their links lead: names stay names, the elements
// and their styles are the same, and so is what axe finds on them in the same mode.
const pageStructureJS = `(function () {
  var keep = {"class": 1, role: 1, type: 1, lang: 1, dir: 1, tabindex: 1, hidden: 1, disabled: 1, open: 1,
    style: 1, rel: 1, target: 1, scope: 1, colspan: 1, rowspan: 1, autocomplete: 1, required: 1, readonly: 1,
    multiple: 1, checked: 1, selected: 1, inert: 1, popover: 1, contenteditable: 1, accesskey: 1};
  var refs = ["for", "aria-labelledby", "aria-describedby", "aria-controls", "aria-owns", "aria-activedescendant", "aria-errormessage", "list", "headers"];
  var ids = {};
  document.querySelectorAll("[id]").forEach(function (e) { ids[e.id] = (ids[e.id] || 0) + 1; });
  var out = [];
  (function walk(n) {
    if (n.nodeType === 3) { if (/\S/.test(n.nodeValue)) out.push("T"); return; }
    if (n.nodeType !== 1) return;
    var s = "<" + n.tagName;
    for (var i = 0; i < n.attributes.length; i++) {
      var a = n.attributes[i], name = a.name;
      if (keep[name] || (name.indexOf("aria-") === 0 && refs.indexOf(name) < 0 && name !== "aria-label")) {
        s += " " + name + "=" + a.value;
      } else if (name === "href" && n.tagName === "LINK") {
        s += " href=" + a.value;
      } else if (name === "id") {
        s += " id" + (ids[a.value] > 1 ? "=dup" : "");
      } else if (refs.indexOf(name) >= 0) {
        var ok = a.value.split(/\s+/).every(function (id) { return id === "" || ids[id] === 1; });
        s += " " + name + (ok ? "" : "=broken");
      } else if (name === "alt" || name === "aria-label" || name === "title" || name === "placeholder" || name === "value") {
        s += " " + name + (/\S/.test(a.value) ? "=T" : "=");
      } else {
        s += " " + name;
      }
    }
    out.push(s + ">");
    for (var c = n.firstChild; c; c = c.nextSibling) walk(c);
    out.push("</>");
  })(document.documentElement);
  return out.join("");
})()`

// structure returns the digest of the document's structure (pageStructureJS).
func (b *browser) structure() [32]byte {
	b.t.Helper()
	return sha256.Sum256([]byte(eval[string](b, pageStructureJS)))
}

// TestStructureIsThePageWithoutItsWords: documents that differ only in their words and link
// targets have one structure; anything axe could judge differently makes another.
func TestStructureIsThePageWithoutItsWords(t *testing.T) {
	t.Parallel()
	b := newBrowser(t, nil, browserOptions{})
	const base = `<!doctype html><html lang="en"><head><title>Alice</title></head><body><main>` +
		`<h1 class="title">Alice Anderson</h1><a href="/admin/users/00u1">Open</a>` +
		`<label for="reason">Reason</label><input id="reason" type="text" value="x">` +
		`<ul id="groups"><li>Engineering</li></ul></main></body></html>`
	structureOf := func(doc string) [32]byte {
		b.do(chromedp.Navigate("data:text/html;charset=utf-8," + url.PathEscape(doc)))
		return b.structure()
	}
	want := structureOf(base)
	tests := []struct {
		name string
		from string // replaced in base
		to   string
		same bool
	}{
		{name: "other words", from: "Alice Anderson", to: "Bob Brown", same: true},
		{name: "another link target", from: "/admin/users/00u1", to: "/admin/users/00u2", same: true},
		{name: "another field value", from: `value="x"`, to: `value="yz"`, same: true},
		{name: "a heading without words", from: "Alice Anderson", to: " "},
		{name: "another class", from: `class="title"`, to: `class="muted"`},
		{name: "a label for no field", from: `for="reason"`, to: `for="other"`},
		{name: "a duplicate id", from: `id="groups"`, to: `id="reason"`},
		{name: "another language", from: `lang="en"`, to: `lang="de"`},
		{name: "one more element", from: "<li>Engineering</li>", to: "<li>Engineering</li><li>Sales</li>"},
		{name: "a field without a value", from: `value="x"`, to: `value=""`},
	}
	for _, tt := range tests {
		require.Contains(t, base, tt.from, tt.name)
		got := structureOf(strings.Replace(base, tt.from, tt.to, 1))
		if tt.same {
			assert.Equal(t, want, got, tt.name)
		} else {
			assert.NotEqual(t, want, got, tt.name)
		}
	}
}

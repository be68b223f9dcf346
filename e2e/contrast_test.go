package e2e

import (
	"slices"
	"strings"

	"github.com/stretchr/testify/assert"
)

// controlContrastJS lists the form controls on the page whose boundary does not reach 3:1
// against what surrounds them (WCAG 2.2 1.4.11 non-text contrast, which axe does not test):
// for each visible, enabled input, select and textarea, the better of its border colour and its
// own background against the background behind it, both composited over what lies beneath.
const controlContrastJS = `(function () {
  function parse(c) {
    var m = /rgba?\(([^)]+)\)/.exec(c || "");
    if (!m) return null;
    var p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  }
  function over(top, under) {
    var a = top.a;
    return {r: top.r * a + under.r * (1 - a), g: top.g * a + under.g * (1 - a), b: top.b * a + under.b * (1 - a), a: 1};
  }
  function lum(c) {
    var w = [0.2126, 0.7152, 0.0722];
    return [c.r, c.g, c.b].reduce(function (s, v, i) {
      v /= 255;
      return s + w[i] * (v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    }, 0);
  }
  function ratio(a, b) { var x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); }
  function canvas() {
    var c = parse(getComputedStyle(document.documentElement).backgroundColor);
    if (!c || c.a === 0) c = parse(getComputedStyle(document.body).backgroundColor);
    if (!c || c.a === 0) c = matchMedia("(prefers-color-scheme: dark)").matches ? {r: 18, g: 18, b: 18, a: 1} : {r: 255, g: 255, b: 255, a: 1};
    return c;
  }
  function behind(el) {
    var layers = [];
    for (var n = el.parentElement; n && n !== document.documentElement; n = n.parentElement) {
      var c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    var bg = canvas();
    for (var i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  }
  var bad = [];
  var sel = "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]):not([type=image]), select, textarea";
  document.querySelectorAll(sel).forEach(function (el) {
    if (el.disabled || el.getClientRects().length === 0) return;
    var st = getComputedStyle(el);
    if (st.visibility === "hidden" || el.closest("dialog:not([open])")) return;
    var around = behind(el);
    var own = parse(st.backgroundColor);
    var fill = own ? over(own, around) : around;
    var best = ratio(fill, around);
    if (parseFloat(st.borderTopWidth) > 0 && st.borderTopStyle !== "none") {
      var border = parse(st.borderTopColor);
      if (border) best = Math.max(best, ratio(over(border, fill), around));
    }
    if (best < 3) {
      var name = el.tagName.toLowerCase() + (el.type ? "[type=" + el.type + "]" : "") + (el.name ? "[name=" + el.name + "]" : "") + (el.id ? "#" + el.id : "");
      bad.push(name + ": " + best.toFixed(2) + ":1 (border " + st.borderTopColor + ", background " + st.backgroundColor + ")");
    }
  });
  return bad;
})()`

// checkControlContrast fails when a form control's boundary is under 3:1 (WCAG 1.4.11); it
// reports whether every control passed.
func (b *browser) checkControlContrast(where, mode string) bool {
	b.t.Helper()
	bad := slices.Compact(eval[[]string](b, controlContrastJS)) // rows of checkboxes say it once
	if len(bad) == 0 {
		return true
	}
	return assert.Fail(b.t, "non-text contrast", "form controls under 3:1 (WCAG 1.4.11) on %s [%s]:\n  %s", where, mode, strings.Join(bad, "\n  "))
}

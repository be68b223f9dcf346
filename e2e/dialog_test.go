package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"gatehouse/views"
	"gatehouse/web/webtest"
)

// TestBrowserDialogReopenedBeforeCloseEvent: a dialog's close event is queued, not immediate.
// When the next confirmation opens the dialog before the previous close event fires (Escape,
// then at once another action, on a busy machine), the late event must not empty the open
// dialog, leaving an empty modal with nothing in focus. The test closes and reopens the
// dialog in one script, so the close event always comes after the reopening.
func TestBrowserDialogReopenedBeforeCloseEvent(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("ada@example.com")
	b.open(views.PersonURL(env.Okta.UserID("bob@example.com")))

	eval[bool](b, `(function () {
		var d = document.getElementById("dialog");
		d.innerHTML = "<p>first</p>";
		d.showModal();
		d.addEventListener("close", function () { window.closeSeen = true; }, {once: true});
		d.close();
		d.innerHTML = '<p data-testid="second">second</p>';
		d.showModal();
		return true;
	})()`)
	// The dialog's own listener runs after app.js's (which listens on the document, capturing).
	b.waitJS(`window.closeSeen === true`)
	assert.True(t, eval[bool](b, `document.getElementById("dialog").open`), "the dialog stays open")
	assert.Equal(t, "second", eval[string](b, `(function () { var p = document.querySelector('#dialog [data-testid="second"]'); return p ? p.textContent : ""; })()`),
		"the late close event of the first confirmation left the second one in place")
}

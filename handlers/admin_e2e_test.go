package handlers_test

import (
	"net/http"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// adminClickAction does what an admin does in a browser without JavaScript: open the person's
// page, follow the action's button to the confirmation page, fill it in and submit it. It
// returns the page the browser ends on.
func adminClickAction(t *testing.T, env *webtest.Env, c *http.Client, id, action string, values map[string]string) *goquery.Document {
	t.Helper()
	return adminClickActionAfter(t, env, c, id, action, values, nil)
}

// adminClickActionAfter is adminClickAction with a hook that runs while the confirmation page
// is on screen, just before it is submitted.
func adminClickActionAfter(t *testing.T, env *webtest.Env, c *http.Client, id, action string, values map[string]string, beforeSubmit func()) *goquery.Document {
	t.Helper()
	res, doc := env.Page(t, c, personPath(id))
	require.Equal(t, http.StatusOK, res.StatusCode)
	href, ok := doc.Find("[data-testid=action-" + action + "]").Attr("href")
	require.True(t, ok, "the person page offers %s", action)
	res, doc = env.Page(t, c, href)
	require.Equal(t, http.StatusOK, res.StatusCode)
	form := doc.Find("form[data-testid=confirm-form]")
	require.Equal(t, 1, form.Length(), "the confirmation has a form")
	if beforeSubmit != nil {
		beforeSubmit()
	}
	res = webtest.SubmitForm(t, c, res.Request.URL, form, values)
	require.Equal(t, http.StatusOK, res.StatusCode)
	return webtest.Parse(t, res)
}

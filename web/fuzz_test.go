package web_test

import (
	"net/http"
	"strings"
	"testing"

	"gatehouse/web/webtest"
)

// FuzzFormDecoding posts arbitrary bodies to every form Gatehouse reads, signed in as an admin,
// and requires a handled answer: never a 5xx, never a panic.
func FuzzFormDecoding(f *testing.F) {
	for _, seed := range []string{
		"current_password=a&new_password=b&confirm_password=b",
		"question=%ZZ&answer=x",
		"identifier=%00%ff",
		"first_name=" + strings.Repeat("%C3%A9", 40) + "&group=00g&group=&activation=later",
		"confirm=yes&reason=%0d%0aINJECT&delivery=link&temp_password=yes",
		"id=00u1&id=00u2&action=unlock",
		"a=1&a=2&a=3;b=4",
		"\x00\x01\x02",
		"%",
	} {
		f.Add(seed)
	}
	env := webtest.New(f, webtest.Options{})
	ada := env.SignInAs(f, "ada@example.com")
	bob := env.Okta.UserID("bob@example.com")
	paths := []string{
		"/password/check", "/forgot-password", "/admin/users/new", "/admin/bulk/preview",
		"/admin/users/" + bob + "/recovery-question", "/admin/users/" + bob + "/forgot-password",
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, p := range paths {
			req, err := http.NewRequest(http.MethodPost, env.URL+p, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := ada.Do(req)
			if err != nil {
				t.Fatalf("POST %s: %v", p, err)
			}
			res.Body.Close()
			if res.StatusCode >= 500 && res.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("POST %s with %q: status %d", p, body, res.StatusCode)
			}
		}
	})
}

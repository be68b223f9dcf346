package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web"
	"gatehouse/web/audit"
	"gatehouse/web/webtest"
)

// attrs builds a posted profile form from attribute names and values.
func attrs(kv ...string) url.Values {
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(views.FieldName(kv[i]), kv[i+1])
	}
	return f
}

// profileModes are the two self-service credentials: the service credential on the person's
// id (where Gatehouse alone stands between a person and their read-only attributes), and the
// person's own token on /users/me.
var profileModes = []struct {
	name      string
	delegated bool
}{{"service", false}, {"delegated", true}}

func newProfileHandlers(t *testing.T, delegated bool) *webtest.Handlers {
	return webtest.NewHandlers(t, webtest.Options{Configure: func(c *web.Config) { c.Delegated = delegated }})
}

// TestEditProfileForm is handler-level: the form shows what the schema lets SELF see, editable
// where it lets SELF write, in the schema's order, with enum display names.
func TestEditProfileForm(t *testing.T) {
	t.Parallel()
	h := newProfileHandlers(t, false)
	w, err := webtest.Call(h.App.Self.EditProfileForm, h.As(t, webtest.Request(http.MethodGet, "/profile/edit", nil, nil), "alice@example.com"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, w.Code)
	doc := parseHTML(t, w.Body.String())

	tests := []struct {
		name, attr string
		editable   bool
		present    bool
	}{
		{"mobile phone is editable", "mobilePhone", true, true},
		{"time zone is editable", "timezone", true, true},
		{"preferred language is editable", "preferredLanguage", true, true},
		{"office (custom enum) is editable", "officeLocation", true, true},
		{"pronouns (custom) are editable", "pronouns", true, true},
		{"job title is read-only", "title", false, true},
		{"badge number (custom) is read-only", "badgeNumber", false, true},
		{"primary email is read-only (the demo's choice)", "email", false, true},
		{"primary phone is hidden", "primaryPhone", false, false},
		{"street address is hidden", "streetAddress", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := doc.Find("[name='" + views.FieldName(tt.attr) + "']")
			readonly := doc.Find("[data-testid=readonly-" + tt.attr + "]")
			switch {
			case !tt.present:
				assert.Zero(t, input.Length()+readonly.Length())
			case tt.editable:
				assert.Equal(t, 1, input.Length())
				assert.Zero(t, readonly.Length())
			default:
				assert.Zero(t, input.Length(), "no input for a read-only attribute")
				assert.Equal(t, 1, readonly.Length())
			}
		})
	}
	assert.Contains(t, doc.Find("[data-testid=readonly-title]").Text(), "Senior Software Engineer")
	assert.Contains(t, doc.Find("[data-testid=readonly-title]").Text(), "Title", "the schema's title")
	office := doc.Find("select[name='" + views.FieldName("officeLocation") + "']")
	assert.Equal(t, "PDX", office.Find("option[selected]").AttrOr("value", ""))
	assert.Equal(t, "Portland", office.Find("option[selected]").Text(), "the enum's display name")
	assert.Equal(t, "tel", doc.Find("input[name='"+views.FieldName("mobilePhone")+"']").AttrOr("type", ""))

	// The schema's order: base attributes first, then the custom ones.
	var order []string
	doc.Find("[data-testid^=field-],[data-testid^=readonly-]").Each(func(_ int, s *goquery.Selection) {
		id := s.AttrOr("data-testid", "")
		order = append(order, id[strings.Index(id, "-")+1:])
	})
	assert.Less(t, indexOf(order, "mobilePhone"), indexOf(order, "officeLocation"))
	assert.Less(t, indexOf(order, "officeLocation"), indexOf(order, "badgeNumber"))
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// TestSaveProfile is handler-level, in both modes: alice changes her mobile phone and the
// emulator holds it; only the changed attributes are sent; a crafted job title changes nothing
// and says so; an invalid value gets its field's message and keeps the input.
func TestSaveProfile(t *testing.T) {
	t.Parallel()
	for _, mode := range profileModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			h := newProfileHandlers(t, mode.delegated)
			alice := h.Okta.UserID("alice@example.com")
			post := func(t *testing.T, form url.Values) (int, string, *goquery.Document) {
				r := h.As(t, webtest.Request(http.MethodPost, "/profile/edit", form, nil), "alice@example.com")
				w, err := webtest.Call(h.App.Self.SaveProfile, r)
				require.NoError(t, err)
				return w.Code, w.Header().Get("Location"), parseHTML(t, w.Body.String())
			}

			t.Run("mobile phone saved, only it sent", func(t *testing.T) {
				h.Okta.ResetRequests()
				status, loc, _ := post(t, attrs("mobilePhone", "+1 503 555 0142", "timezone", "America/Los_Angeles", "officeLocation", "PDX", "pronouns", "she/her"))
				assert.Equal(t, http.StatusSeeOther, status, "post/redirect/get")
				assert.Equal(t, "/profile/edit", loc)
				v, _ := h.Okta.ProfileValue(alice, "mobilePhone")
				assert.Equal(t, "+1 503 555 0142", v)
				var body []string
				for _, r := range h.Okta.Requests() {
					if r.Method == http.MethodPost {
						body = append(body, r.Path)
					}
				}
				assert.Len(t, body, 1, "one partial update")
				entries, err := h.App.Audit.Recent(t.Context(), audit.Filter{Action: "self.update-profile", Target: alice})
				require.NoError(t, err)
				require.NotEmpty(t, entries)
				assert.Equal(t, audit.ResultSuccess, entries[0].Result)
				assert.Contains(t, entries[0].Detail, `mobilePhone:`)
				assert.Contains(t, entries[0].Detail, `"+1 503 555 0142"`)
				assert.NotContains(t, entries[0].Detail, "timezone", "unchanged attributes are not recorded")
			})

			t.Run("a crafted job title changes nothing", func(t *testing.T) {
				h.Okta.ResetRequests()
				status, _, doc := post(t, attrs("mobilePhone", "+1 503 555 0111", "title", "Chief Executive Officer"))
				assert.Equal(t, http.StatusForbidden, status)
				assert.Contains(t, doc.Find("[data-testid=alert-error]").Text(), "Nothing was saved")
				assert.Contains(t, doc.Find("[data-testid=alert-error]").Text(), "You cannot change Title")
				title, _ := h.Okta.ProfileValue(alice, "title")
				assert.Equal(t, "Senior Software Engineer", title)
				phone, _ := h.Okta.ProfileValue(alice, "mobilePhone")
				assert.Equal(t, "+1 503 555 0142", phone, "nothing else was saved either")
				assert.Zero(t, h.Okta.CountRequests(func(r oktatest.Request) bool { return r.Method == http.MethodPost }), "Okta is not asked")
				assert.Equal(t, "+1 503 555 0111", doc.Find("input[name='"+views.FieldName("mobilePhone")+"']").AttrOr("value", ""), "the input is kept")
			})

			t.Run("a hidden or unknown attribute changes nothing", func(t *testing.T) {
				status, _, _ := post(t, attrs("primaryPhone", "+1 555 0100", "costCentre", "x"))
				assert.Equal(t, http.StatusForbidden, status)
				v, _ := h.Okta.ProfileValue(alice, "primaryPhone")
				assert.NotEqual(t, "+1 555 0100", v)
			})

			invalid := []struct {
				name, attr, value, message string
			}{
				{"pronouns too long", "pronouns", strings.Repeat("x", 31), "at most 30 characters"},
				{"not a time zone", "timezone", "Mars/Olympus", "time zone"},
				{"not an office", "officeLocation", "MARS", "one of the options"},
				{"not a language", "preferredLanguage", "english please", "language"},
			}
			for _, tt := range invalid {
				t.Run("invalid: "+tt.name, func(t *testing.T) {
					h.Okta.ResetRequests()
					status, _, doc := post(t, attrs(tt.attr, tt.value, "mobilePhone", "+1 503 555 0122"))
					assert.Equal(t, http.StatusUnprocessableEntity, status)
					assert.Contains(t, doc.Find("[data-testid=error-"+tt.attr+"]").Text(), tt.message)
					if tt.attr != "officeLocation" {
						assert.Equal(t, tt.value, doc.Find("[name='"+views.FieldName(tt.attr)+"']").AttrOr("value", ""), "the input is kept")
					}
					assert.Equal(t, "+1 503 555 0122", doc.Find("input[name='"+views.FieldName("mobilePhone")+"']").AttrOr("value", ""), "other input is kept")
					assert.Zero(t, h.Okta.CountRequests(func(r oktatest.Request) bool { return r.Method == http.MethodPost }))
				})
			}

			t.Run("nothing changed", func(t *testing.T) {
				h.Okta.ResetRequests()
				status, loc, _ := post(t, attrs("mobilePhone", "+1 503 555 0142"))
				assert.Equal(t, http.StatusSeeOther, status)
				assert.Equal(t, "/profile/edit", loc)
				assert.Zero(t, h.Okta.CountRequests(func(r oktatest.Request) bool { return r.Method == http.MethodPost }))
			})
		})
	}
}

// TestSaveProfileDirectoryMastered: judy's profile is mastered by Active Directory. Her
// first name is shown read-only with the directory's name, and Okta's refusal of a change to
// it (E0000023) is explained in words naming the directory.
func TestSaveProfileDirectoryMastered(t *testing.T) {
	t.Parallel()
	for _, mode := range profileModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			h := newProfileHandlers(t, mode.delegated)
			judy := h.Okta.UserID("judy@example.com")
			w, err := webtest.Call(h.App.Self.EditProfileForm, h.As(t, webtest.Request(http.MethodGet, "/profile/edit", nil, nil), "judy@example.com"))
			require.NoError(t, err)
			doc := parseHTML(t, w.Body.String())
			assert.Contains(t, doc.Find("[data-testid=readonly-firstName]").Text(), "Active Directory (corp.example.com)")
			assert.Equal(t, 1, doc.Find("input[name='"+views.FieldName("mobilePhone")+"']").Length(), "Okta-sourced attributes stay editable")

			r := h.As(t, webtest.Request(http.MethodPost, "/profile/edit", attrs("firstName", "Judith"), nil), "judy@example.com")
			w, err = webtest.Call(h.App.Self.SaveProfile, r)
			require.NoError(t, err)
			assert.Equal(t, http.StatusForbidden, w.Code)
			alert := parseHTML(t, w.Body.String()).Find("[data-testid=alert-error]").Text()
			assert.Contains(t, alert, "Active Directory (corp.example.com)")
			assert.Contains(t, alert, "First name")
			v, _ := h.Okta.ProfileValue(judy, "firstName")
			assert.Equal(t, "Judy", v)

			r = h.As(t, webtest.Request(http.MethodPost, "/profile/edit", attrs("mobilePhone", "+1 415 555 0100"), nil), "judy@example.com")
			w, err = webtest.Call(h.App.Self.SaveProfile, r)
			require.NoError(t, err)
			assert.Equal(t, http.StatusSeeOther, w.Code)
			v, _ = h.Okta.ProfileValue(judy, "mobilePhone")
			assert.Equal(t, "+1 415 555 0100", v)
		})
	}
}

// TestProfileEditJourney is over real HTTP with the per-person cache on: the profile page
// shows a saved value at once; a change of secondary email in delegated mode is held by Okta until
// verified, and the page says where to look.
func TestProfileEditJourney(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) {
		c.Delegated = true
		c.CacheTTL = time.Minute
	}})
	alice := env.SignInAs(t, "alice@example.com")
	id := env.Okta.UserID("alice@example.com")
	_, doc := env.Page(t, alice, "/profile") // the person's own data, now cached
	require.Contains(t, doc.Find("[data-testid=profile-fields]").Text(), "+1 503 555 0199")

	base, _ := url.Parse(env.URL + "/profile/edit")
	_, doc = env.Page(t, alice, "/profile/edit")
	res := webtest.SubmitForm(t, alice, base, doc.Find("[data-testid=profile-form]"), map[string]string{views.FieldName("mobilePhone"): "+1 503 555 0177"})
	doc = webtest.Parse(t, res)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "/profile/edit", res.Request.URL.Path, "post/redirect/get")
	assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "Your details have been saved")
	assert.Equal(t, "+1 503 555 0177", doc.Find("input[name='"+views.FieldName("mobilePhone")+"']").AttrOr("value", ""))

	_, doc = env.Page(t, alice, "/profile")
	assert.Contains(t, doc.Find("[data-testid=profile-fields]").Text(), "+1 503 555 0177", "the cache was dropped")

	_, doc = env.Page(t, alice, "/profile/edit")
	res = webtest.SubmitForm(t, alice, base, doc.Find("[data-testid=profile-form]"), map[string]string{views.FieldName("secondEmail"): "alice.new@example.org"})
	doc = webtest.Parse(t, res)
	assert.Contains(t, doc.Find("[data-testid=alert-info]").Text(), "Check your inbox at alice.new@example.org")
	v, _ := env.Okta.ProfileValue(id, "secondEmail")
	assert.NotEqual(t, "alice.new@example.org", v, "Okta holds the change until it is verified")
	var sent bool
	for _, e := range env.Okta.Emails() {
		sent = sent || strings.Contains(strings.ToLower(e.To), "alice.new@example.org")
	}
	assert.True(t, sent, "Okta emailed the new address")
}

// TestSaveProfileOktaRefusals: whatever Okta answers to the update, the form comes back with
// the input kept and the refusal in words.
func TestSaveProfileOktaRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      oktatest.Fault
		wantStatus int
		wantText   string
	}{
		{name: "read-only to Okta (E0000077)", fault: oktatest.Fault{Status: http.StatusForbidden, ErrorCode: "E0000077"}, wantStatus: http.StatusForbidden, wantText: "Okta says you may not change Mobile phone"},
		{name: "mastered elsewhere (E0000023)", fault: oktatest.Fault{Status: http.StatusForbidden, ErrorCode: "E0000023"}, wantStatus: http.StatusForbidden, wantText: "managed in another system"},
		{name: "Okta down", fault: oktatest.Fault{Status: http.StatusServiceUnavailable}, wantStatus: http.StatusServiceUnavailable, wantText: "Okta"},
		{name: "Okta busy", fault: oktatest.Fault{Status: http.StatusTooManyRequests}, wantStatus: http.StatusServiceUnavailable, wantText: "busy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newProfileHandlers(t, true)
			r := h.As(t, webtest.Request(http.MethodPost, "/profile/edit", attrs("mobilePhone", "+1 503 555 0100"), nil), "alice@example.com")
			f := tt.fault
			f.Method, f.Path, f.Times = http.MethodPost, "/api/v1/users/me", 1
			h.Okta.Inject(f)
			w, err := webtest.Call(h.App.Self.SaveProfile, r)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, w.Code)
			doc := parseHTML(t, w.Body.String())
			assert.Contains(t, doc.Find("[data-testid=alert-error]").Text(), tt.wantText)
			assert.Equal(t, "+1 503 555 0100", doc.Find("input[name='"+views.FieldName("mobilePhone")+"']").AttrOr("value", ""), "the input is kept")
		})
	}
}

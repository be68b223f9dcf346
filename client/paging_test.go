package client_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

func miniUser(id string) string {
	return `{"id":"` + id + `","status":"ACTIVE","profile":{"login":"` + id + `@example.com"},` +
		`"_links":{"self":{"href":"https://acme.okta.com/api/v1/users/` + id + `"}}}`
}

func TestListUsersPagesToTheEnd(t *testing.T) {
	var f *fakeOkta
	f = newFake(t, func(w http.ResponseWriter, r *http.Request) {
		base := f.URL() + "/api/v1/users?limit=2&filter=status+eq+%22ACTIVE%22"
		self := "<" + base + `>; rel="self"`
		switch r.URL.Query().Get("after") {
		case "":
			// Separate Link header lines, as recorded from Okta.
			reply(w, http.StatusOK, "["+miniUser("00ua")+","+miniUser("00ub")+"]",
				"Link", self, "Link", "<"+base+`&after=00ub>; rel="next"`)
		case "00ub":
			// Comma-joined in one line, next first.
			reply(w, http.StatusOK, "["+miniUser("00uc")+","+miniUser("00ud")+"]",
				"Link", "<"+base+`&after=00ud>; rel="next", `+self)
		case "00ud":
			reply(w, http.StatusOK, "["+miniUser("00ue")+"]", "Link", self)
		default:
			reply(w, http.StatusBadRequest, errorJSON("E0000029", "Invalid paging request."))
		}
	})
	c := newClient(t, f, nil)

	var ids []string
	p := client.ListUsersParams{Status: "ACTIVE", Limit: 2}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10, "paging must end")
		page, err := c.ListUsers(t.Context(), p)
		require.NoError(t, err)
		for _, u := range page.Users {
			ids = append(ids, u.ID)
		}
		if page.NextAfter == "" {
			break
		}
		p.After = page.NextAfter
	}

	assert.Equal(t, []string{"00ua", "00ub", "00uc", "00ud", "00ue"}, ids)
	reqs := f.requests()
	require.Len(t, reqs, 3)
	for _, r := range reqs {
		assert.Equal(t, `status eq "ACTIVE"`, r.Query["filter"][0])
		assert.Equal(t, "2", r.Query["limit"][0])
	}
}

// TestNextCursorFromLinkHeaders checks the Link parser on the forms Okta and
// proxies produce, and that links off the org's scheme and host are ignored.
func TestNextCursorFromLinkHeaders(t *testing.T) {
	tests := []struct {
		name  string
		links func(base string) []string // Link header values
		want  string
	}{
		{name: "no Link header", links: func(string) []string { return nil }},
		{name: "only self", links: func(b string) []string { return []string{"<" + b + `/api/v1/users?limit=200>; rel="self"`} }},
		{
			name: "separate lines",
			links: func(b string) []string {
				return []string{"<" + b + `/api/v1/users?limit=200>; rel="self"`, "<" + b + `/api/v1/users?after=00ud4tVDDXYVKPXKVLCO&limit=200>; rel="next"`}
			},
			want: "00ud4tVDDXYVKPXKVLCO",
		},
		{
			name: "comma-joined",
			links: func(b string) []string {
				return []string{"<" + b + `/api/v1/users?limit=200>; rel="self", <` + b + `/api/v1/users?after=c2&limit=200>; rel="next"`}
			},
			want: "c2",
		},
		{name: "unquoted rel", links: func(b string) []string { return []string{"<" + b + "/api/v1/users?after=c3>;rel=next"} }, want: "c3"},
		{
			name: "quoted parameter containing a comma and semicolon",
			links: func(b string) []string {
				return []string{"<" + b + `/api/v1/users?after=c4>; title="a, b; c"; rel="next"`}
			},
			want: "c4",
		},
		{name: "several rel values", links: func(b string) []string { return []string{"<" + b + `/api/v1/users?after=c5>; rel="prefetch next"`} }, want: "c5"},
		{name: "case-insensitive rel", links: func(b string) []string { return []string{"<" + b + `/api/v1/users?after=c6>; REL="Next"`} }, want: "c6"},
		{name: "relative link stays on our host", links: func(string) []string { return []string{`</api/v1/users?after=c7>; rel="next"`} }, want: "c7"},
		{name: "another host is ignored", links: func(string) []string { return []string{`<https://evil.example/api/v1/users?after=x>; rel="next"`} }},
		{
			name: "another port is ignored",
			links: func(b string) []string {
				return []string{"<" + strings.TrimSuffix(b, b[strings.LastIndex(b, ":"):]) + `:1/api/v1/users?after=x>; rel="next"`}
			},
		},
		{name: "another scheme is ignored", links: func(b string) []string {
			return []string{"<" + strings.Replace(b, "http:", "https:", 1) + `/api/v1/users?after=x>; rel="next"`}
		}},
		{name: "protocol-relative to another host is ignored", links: func(string) []string { return []string{`<//evil.example/api/v1/users?after=x>; rel="next"`} }},
		{name: "userinfo is ignored", links: func(b string) []string {
			return []string{"<" + strings.Replace(b, "://", "://evil@", 1) + `/api/v1/users?after=x>; rel="next"`}
		}},
		{
			name: "a foreign next before ours is skipped",
			links: func(b string) []string {
				return []string{`<https://evil.example/api/v1/users?after=x>; rel="next"`, "<" + b + `/api/v1/users?after=c8>; rel="next"`}
			},
			want: "c8",
		},
		{name: "garbage", links: func(string) []string {
			return []string{`garbage; rel="next", <unterminated; rel="next"`, `<>; rel=`, `;;;,,,<`}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f *fakeOkta
			f = newFake(t, func(w http.ResponseWriter, _ *http.Request) {
				var extra []string
				for _, l := range tt.links(f.URL()) {
					extra = append(extra, "Link", l)
				}
				reply(w, http.StatusOK, "[]", extra...)
			})
			c := newClient(t, f, nil)
			page, err := c.ListUsers(t.Context(), client.ListUsersParams{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, page.NextAfter)
		})
	}
}

func groupJSON(id string) string {
	return `{"id":"` + id + `","type":"OKTA_GROUP","objectClass":["okta:user_group"],"profile":{"name":"` + id + `","description":null}}`
}

func TestListUserGroupsFollowsNextLinks(t *testing.T) {
	var f *fakeOkta
	f = newFake(t, func(w http.ResponseWriter, r *http.Request) {
		next := func(after string) string {
			return "<" + f.URL() + "/api/v1/users/" + userID + `/groups?after=` + after + `&limit=2>; rel="next"`
		}
		switch r.URL.Query().Get("after") {
		case "":
			reply(w, http.StatusOK, "["+groupJSON("00g1")+","+groupJSON("00g2")+"]", "Link", next("00g2"))
		case "00g2":
			reply(w, http.StatusOK, "["+groupJSON("00g3")+","+groupJSON("00g4")+"]", "Link", next("00g4"))
		default:
			reply(w, http.StatusOK, "["+groupJSON("00g5")+"]")
		}
	})
	c := newClient(t, f, nil)

	groups, err := c.ListUserGroups(t.Context(), userID)

	require.NoError(t, err)
	var ids []string
	for _, g := range groups {
		ids = append(ids, g.ID)
	}
	assert.Equal(t, []string{"00g1", "00g2", "00g3", "00g4", "00g5"}, ids)
	reqs := f.requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "/api/v1/users/"+userID+"/groups", reqs[0].RequestURI)
	assert.Equal(t, "/api/v1/users/"+userID+"/groups?after=00g2&limit=2", reqs[1].RequestURI, "the next link is followed verbatim")
	for _, r := range reqs {
		assert.Equal(t, "SSWS "+testToken, r.Header.Get("Authorization"))
	}
}

func TestListUserGroupsIgnoresForeignNextLink(t *testing.T) {
	evil := newFake(t, always(http.StatusOK, "["+groupJSON("00gEvil")+"]"))
	f := newFake(t, always(http.StatusOK, "["+groupJSON("00g1")+"]", "Link", "<"+evil.URL()+`/api/v1/users/x/groups?after=1>; rel="next"`))
	c := newClient(t, f, nil)

	groups, err := c.ListUserGroups(t.Context(), userID)

	require.NoError(t, err)
	require.Len(t, groups, 1)
	assert.Equal(t, "00g1", groups[0].ID)
	assert.Equal(t, 1, f.count())
	assert.Zero(t, evil.count(), "the credential never goes to another host")
}

func TestListUserGroupsStopsAfterTwentyPages(t *testing.T) {
	var f *fakeOkta
	f = newFake(t, func(w http.ResponseWriter, r *http.Request) {
		n := f.count()
		reply(w, http.StatusOK, "["+groupJSON(fmt.Sprintf("00g%d", n))+"]",
			"Link", "<"+f.URL()+fmt.Sprintf("/api/v1/users/x/groups?after=%d", n)+`>; rel="next"`)
	})
	c := newClient(t, f, nil)

	groups, err := c.ListUserGroups(t.Context(), userID)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "more than 20 pages")
	assert.Nil(t, groups, "no silently truncated list")
	assert.Equal(t, 20, f.count())
}

// TestListUserGroupsHasOneDeadline: the call timeout bounds the whole walk, not
// each page. Every page takes 40 % of it, so the third page cannot finish. (A
// slow machine only makes the expected failure more certain.)
func TestListUserGroupsHasOneDeadline(t *testing.T) {
	const timeout = 300 * time.Millisecond
	var f *fakeOkta
	f = newFake(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(timeout * 4 / 10):
		case <-r.Context().Done():
			return
		}
		reply(w, http.StatusOK, "["+groupJSON("00g")+"]", "Link", "<"+f.URL()+`/api/v1/users/x/groups?after=1>; rel="next"`)
	})
	c := newClient(t, f, nil, client.WithCallTimeout(timeout))

	_, err := c.ListUserGroups(t.Context(), userID)

	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.LessOrEqual(t, f.count(), 3)
}

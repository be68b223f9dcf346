package oktatest_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

func newProfile(login string) map[string]any {
	return map[string]any{"firstName": "Quinn", "lastName": "Ada", "email": login, "login": login}
}

func TestCreateUser(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	eng := s.GroupID(oktatest.GroupEngineering)
	n := 0
	fresh := func() string { n++; return fmt.Sprintf("created%d@example.org", n) }
	pw := map[string]any{"password": map[string]string{"value": "Tr1cky-Pa55"}}
	tests := []struct {
		name          string
		query         string
		body          func(login string) map[string]any
		wantStatus    string
		wantActivated bool
		wantPassword  bool
		wantEmail     bool
	}{
		{name: "no password, activate=false", query: "?activate=false", wantStatus: "STAGED",
			body: func(l string) map[string]any { return map[string]any{"profile": newProfile(l)} }},
		{name: "no password, activate default true", wantStatus: "PROVISIONED", wantActivated: true, wantEmail: true,
			body: func(l string) map[string]any { return map[string]any{"profile": newProfile(l)} }},
		{name: "password, activate=false", query: "?activate=false", wantStatus: "STAGED", wantPassword: true,
			body: func(l string) map[string]any { return map[string]any{"profile": newProfile(l), "credentials": pw} }},
		{name: "password, activate=true", query: "?activate=true", wantStatus: "ACTIVE", wantActivated: true, wantPassword: true,
			body: func(l string) map[string]any { return map[string]any{"profile": newProfile(l), "credentials": pw} }},
		{name: "nextLogin=changePassword", query: "?activate=true&nextLogin=changePassword", wantStatus: "PASSWORD_EXPIRED", wantActivated: true, wantPassword: true,
			body: func(l string) map[string]any { return map[string]any{"profile": newProfile(l), "credentials": pw} }},
		{name: "in a group with a recovery question", wantStatus: "ACTIVE", wantActivated: true, wantPassword: true,
			body: func(l string) map[string]any {
				return map[string]any{"profile": newProfile(l), "groupIds": []string{eng}, "credentials": map[string]any{
					"password":          map[string]string{"value": "Tr1cky-Pa55"},
					"recovery_question": map[string]string{"question": "Name of your first pet?", "answer": "Biscuit"}}}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Add(time.Minute)
			login := fresh()
			emails := len(s.Emails())
			r := call(t, s, http.MethodPost, "/api/v1/users"+tt.query, ssws(s), tt.body(login))
			require.Equal(t, http.StatusOK, r.status, "create answers 200, not 201: %s", r.body)
			assertAPIHeaders(t, r, true)
			u := r.object(t)
			assert.Regexp(t, userIDRe, u["id"])
			assert.Equal(t, tt.wantStatus, u["status"])
			now := clock.Now().UTC().Format("2006-01-02T15:04:05.000Z")
			assert.Equal(t, now, u["created"])
			if tt.wantActivated {
				assert.Equal(t, now, u["activated"])
				assert.Equal(t, now, u["statusChanged"])
			} else {
				assert.Nil(t, u["activated"])
				assert.Nil(t, u["statusChanged"])
			}
			creds := u["credentials"].(map[string]any)
			if tt.wantPassword {
				assert.Equal(t, now, u["passwordChanged"])
				assert.Contains(t, creds, "password")
			} else {
				assert.Nil(t, u["passwordChanged"])
				assert.NotContains(t, creds, "password")
			}
			assert.Equal(t, tt.wantEmail, len(s.Emails()) == emails+1, "activation email sent")
			assert.Equal(t, u["id"], s.UserID(login))
		})
	}
	t.Run("group membership", func(t *testing.T) {
		r := call(t, s, http.MethodGet, "/api/v1/users/"+fmt.Sprintf("created%d@example.org", n)+"/groups", ssws(s), nil)
		var groups []map[string]any
		r.json(t, &groups)
		require.Len(t, groups, 2)
		assert.Equal(t, eng, groups[1]["id"])
	})
}

func TestCreateUserErrors(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	eng := s.GroupID(oktatest.GroupEngineering)
	var many []string
	for range 21 {
		many = append(many, eng)
	}
	tests := []struct {
		name    string
		query   string
		body    map[string]any
		status  int
		code    string
		summary string
		causes  []string
	}{
		{name: "duplicate login", body: map[string]any{"profile": newProfile("ALICE@example.com")}, status: 400, code: "E0000001",
			summary: "Api validation failed: login",
			causes:  []string{"login: An object with this field already exists in the current organization"}},
		{name: "missing fields", body: map[string]any{"profile": map[string]any{"email": "x@example.org"}}, status: 400, code: "E0000001",
			summary: "Api validation failed: login",
			causes: []string{"login: The field cannot be left blank", "firstName: The field cannot be left blank",
				"lastName: The field cannot be left blank"}},
		{name: "no profile", body: map[string]any{}, status: 400, code: "E0000001"},
		{name: "bad email", body: map[string]any{"profile": map[string]any{"login": "ok@example.org", "email": "not-an-email",
			"firstName": "A", "lastName": "B"}}, status: 400, code: "E0000001", causes: []string{"email: Does not match required pattern"}},
		{name: "weak password", body: map[string]any{"profile": newProfile("weak@example.org"),
			"credentials": map[string]any{"password": map[string]string{"value": "password"}}}, status: 400, code: "E0000001",
			summary: "Api validation failed: password",
			causes:  []string{"password: Password requirements were not met. Password requirements: at least 8 characters, a lowercase letter, an uppercase letter, a number, no parts of your username. Your password cannot be any of your last 4 passwords."}},
		{name: "short answer", body: map[string]any{"profile": newProfile("ans@example.org"), "credentials": map[string]any{
			"recovery_question": map[string]string{"question": "Pet?", "answer": "Bo"}}}, status: 400, code: "E0000001",
			causes: []string{"The security question answer must be at least 4 characters in length"}},
		{name: "too many groups", body: map[string]any{"profile": newProfile("many@example.org"), "groupIds": many}, status: 400, code: "E0000093",
			causes: []string{"The number of group targets is too large"}},
		{name: "unknown group", body: map[string]any{"profile": newProfile("nog@example.org"), "groupIds": []string{"00gDoesNotExist000000"}}, status: 400, code: "E0000001"},
		{name: "expire without password", query: "?nextLogin=changePassword", body: map[string]any{"profile": newProfile("np@example.org")}, status: 400, code: "E0000124"},
		{name: "expire without activation", query: "?activate=false&nextLogin=changePassword", body: map[string]any{"profile": newProfile("na@example.org"),
			"credentials": map[string]any{"password": map[string]string{"value": "Tr1cky-Pa55"}}}, status: 400, code: "E0000125"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, http.MethodPost, "/api/v1/users"+tt.query, ssws(s), tt.body)
			e := assertOktaError(t, r, tt.status, tt.code)
			if tt.summary != "" {
				assert.Equal(t, tt.summary, e.ErrorSummary)
			}
			if tt.causes != nil {
				assert.Equal(t, tt.causes, e.causes())
			}
		})
	}
}

func TestUpdateUser(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})

	t.Run("PUT with only a recovery question keeps the profile", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		before := call(t, s, http.MethodGet, "/api/v1/users/"+id, ssws(s), nil).object(t)
		r := call(t, s, http.MethodPut, "/api/v1/users/"+id, ssws(s), map[string]any{"credentials": map[string]any{
			"recovery_question": map[string]string{"question": "Favourite colour?", "answer": "Turquoise"}}})
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		u := r.object(t)
		assert.Equal(t, before["profile"], u["profile"])
		assert.Equal(t, "Favourite colour?", u["credentials"].(map[string]any)["recovery_question"].(map[string]any)["question"])
	})
	t.Run("credentials-only update of a sparse profile", func(t *testing.T) {
		id := s.AddUser(oktatest.SeedUser{Password: demoPassword, Profile: map[string]any{"login": "sparse@example.net"}})
		r := call(t, s, http.MethodPost, "/api/v1/users/"+id, ssws(s), map[string]any{"credentials": map[string]any{
			"recovery_question": map[string]string{"question": "Favourite colour?", "answer": "Turquoise"}}})
		require.Equal(t, http.StatusOK, r.status, "the untouched profile is not re-validated: %s", r.body)
	})
	t.Run("PUT with a profile replaces it", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		login := call(t, s, http.MethodGet, "/api/v1/users/"+id, ssws(s), nil).object(t)["profile"].(map[string]any)["login"].(string)
		p := newProfile(login)
		r := call(t, s, http.MethodPut, "/api/v1/users/"+id, ssws(s), map[string]any{"profile": p})
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, map[string]any{"firstName": "Quinn", "lastName": "Ada", "email": login, "login": login,
			"mobilePhone": nil, "secondEmail": nil}, r.object(t)["profile"])
	})
	t.Run("PUT validates the profile", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		r := call(t, s, http.MethodPut, "/api/v1/users/"+id, ssws(s), map[string]any{"profile": map[string]any{"firstName": "Only"}})
		assertOktaError(t, r, 400, "E0000001")
	})
	t.Run("POST is partial and null removes", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		r := call(t, s, http.MethodPost, "/api/v1/users/"+id, ssws(s), map[string]any{"profile": map[string]any{"title": "Chief", "city": "Oslo"}})
		require.Equal(t, http.StatusOK, r.status)
		r = call(t, s, http.MethodPost, "/api/v1/users/"+id, ssws(s), map[string]any{"profile": map[string]any{"city": nil}})
		require.Equal(t, http.StatusOK, r.status)
		p := r.object(t)["profile"].(map[string]any)
		assert.Equal(t, "Chief", p["title"])
		assert.Equal(t, "Test", p["firstName"])
		assert.NotContains(t, p, "city")
	})
	t.Run("login change is visible to lookups", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		r := call(t, s, http.MethodPost, "/api/v1/users/"+id, ssws(s), map[string]any{"profile": map[string]any{"login": "renamed@example.org"}})
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, id, s.UserID("renamed@example.org"))
		dup := call(t, s, http.MethodPost, "/api/v1/users/"+id, ssws(s), map[string]any{"profile": map[string]any{"login": "alice@example.com"}})
		assertOktaError(t, dup, 400, "E0000001")
	})
	t.Run("admin set password checks the policy", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		r := call(t, s, http.MethodPost, "/api/v1/users/"+id, ssws(s), map[string]any{"credentials": map[string]any{"password": map[string]string{"value": "short"}}})
		e := assertOktaError(t, r, 400, "E0000001")
		assert.Contains(t, e.causes()[0], "password: Password requirements were not met.")
		r = call(t, s, http.MethodPost, "/api/v1/users/"+id, ssws(s), map[string]any{"credentials": map[string]any{"password": map[string]string{"value": demoPassword}}})
		require.Equal(t, http.StatusOK, r.status, "history is ignored without strict: %s", r.body)
		r = call(t, s, http.MethodPost, "/api/v1/users/"+id+"?strict=true", ssws(s), map[string]any{"credentials": map[string]any{"password": map[string]string{"value": demoPassword}}})
		e = assertOktaError(t, r, 400, "E0000001")
		assert.Equal(t, []string{"password: Password cannot be your current password"}, e.causes())
	})
	t.Run("answer rules on update", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		r := call(t, s, http.MethodPost, "/api/v1/users/"+id, ssws(s), map[string]any{"credentials": map[string]any{
			"recovery_question": map[string]string{"question": "What is your favourite city?", "answer": "city"}}})
		e := assertOktaError(t, r, 400, "E0000001")
		assert.Equal(t, []string{"The security question answer must not be part of the question"}, e.causes())
	})
	t.Run("deactivated users keep their profile", func(t *testing.T) {
		r := call(t, s, http.MethodPost, "/api/v1/users/frank@example.com", ssws(s), map[string]any{"profile": map[string]any{"title": "x"}})
		assertOktaError(t, r, 403, "E0000038")
	})
}

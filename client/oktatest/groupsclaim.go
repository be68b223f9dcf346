package oktatest

import (
	"fmt"
	"regexp"
	"slices"
)

// The groups claim of the org authorization server (docs/OKTA.md "Groups claim"). An OIDC app
// can be given a groups claim in its Sign On settings ("OpenID Connect ID Token": Groups claim
// type Filter, a claim name, and a filter such as "Matches regex .*"). The org authorization
// server then puts the names of the person's groups that pass the filter into the ID token —
// never the access token — when the app asks for the groups scope. The Filter type is for
// Okta-sourced groups (Okta's guide points groups from other sources to an Expression claim),
// and Okta's own example shows Everyone beside the person's OKTA_GROUPs. A claim holds at most
// groupsClaimMax groups: Okta truncates the list there without saying so.

// scopeGroups asks the org authorization server for the groups claim.
const scopeGroups = "groups"

// groupsClaimMax is the most groups Okta puts in one groups claim.
const groupsClaimMax = 100

// groupsClaim is the app's groups claim: its name and compiled "Matches regex" filter. A nil
// *groupsClaim means the app has none.
type groupsClaim struct {
	name   string
	filter *regexp.Regexp
}

// newGroupsClaim compiles Config.GroupsClaimFilter. Okta's "Matches regex" must match the whole
// group name, as Java's String.matches does, so the expression is anchored.
func newGroupsClaim(name, filter string) (*groupsClaim, error) {
	if filter == "" {
		return nil, nil
	}
	if name == "" {
		name = "groups"
	}
	re, err := regexp.Compile(`^(?:` + filter + `)$`)
	if err != nil {
		return nil, fmt.Errorf("groups claim filter: %w", err)
	}
	return &groupsClaim{name: name, filter: re}, nil
}

// value is the claim for u: the names of u's Okta-sourced groups (Everyone first, then by
// name, as userGroups orders them) that pass the filter, at most groupsClaimMax. Called with
// s.mu held.
func (gc *groupsClaim) value(st *store, u *user) []string {
	names := []string{}
	for _, g := range st.userGroups(u) {
		if g.typ == "APP_GROUP" || !gc.filter.MatchString(g.name) {
			continue
		}
		if len(names) == groupsClaimMax {
			break
		}
		names = append(names, g.name)
	}
	return names
}

// addGroupsClaim puts the app's groups claim into an ID token's claims when the grant has the
// groups scope. Called with s.mu held.
func (s *Server) addGroupsClaim(claims map[string]any, u *user, scopes []string) {
	if s.groupsClaim == nil || !slices.Contains(scopes, scopeGroups) {
		return
	}
	claims[s.groupsClaim.name] = s.groupsClaim.value(s.st, u)
}

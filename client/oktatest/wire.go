package oktatest

import (
	"net/url"
	"strings"
)

// Wire structs: declared here, not shared with gatehouse/client, so that each
// side's JSON tags are checked against USERS-API.md independently.

type linkJSON struct {
	Href   string `json:"href"`
	Method string `json:"method,omitempty"`
}

type idJSON struct {
	ID string `json:"id"`
}

type passwordJSON struct{}

type recoveryQuestionJSON struct {
	Question string `json:"question"`
}

type providerJSON struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

type credentialsJSON struct {
	Password         *passwordJSON         `json:"password,omitempty"`
	RecoveryQuestion *recoveryQuestionJSON `json:"recovery_question,omitempty"`
	Provider         providerJSON          `json:"provider"`
}

type userJSON struct {
	ID              string  `json:"id"`
	Status          string  `json:"status"`
	Created         string  `json:"created"`
	Activated       *string `json:"activated"`
	StatusChanged   *string `json:"statusChanged"`
	LastLogin       *string `json:"lastLogin"`
	LastUpdated     string  `json:"lastUpdated"`
	PasswordChanged *string `json:"passwordChanged"`
	// TransitioningToStatus is present only while a transition runs.
	TransitioningToStatus string              `json:"transitioningToStatus,omitempty"`
	Type                  idJSON              `json:"type"`
	Profile               map[string]any      `json:"profile"`
	Credentials           credentialsJSON     `json:"credentials"`
	Links                 map[string]linkJSON `json:"_links"`
}

type logoJSON struct {
	Name string `json:"name"`
	Href string `json:"href"`
	Type string `json:"type"`
}

type groupLinksJSON struct {
	Logo   []logoJSON `json:"logo"`
	Users  linkJSON   `json:"users"`
	Apps   linkJSON   `json:"apps"`
	Source *linkJSON  `json:"source,omitempty"`
}

type groupJSON struct {
	ID                    string         `json:"id"`
	Created               string         `json:"created"`
	LastUpdated           string         `json:"lastUpdated"`
	LastMembershipUpdated string         `json:"lastMembershipUpdated"`
	ObjectClass           []string       `json:"objectClass"`
	Type                  string         `json:"type"`
	Profile               map[string]any `json:"profile"`
	Links                 groupLinksJSON `json:"_links"`
}

type appLinkJSON struct {
	ID               string `json:"id"`
	Label            string `json:"label"`
	LinkURL          string `json:"linkUrl"`
	LogoURL          string `json:"logoUrl"`
	AppName          string `json:"appName"`
	AppInstanceID    string `json:"appInstanceId"`
	AppAssignmentID  string `json:"appAssignmentId"`
	CredentialsSetup bool   `json:"credentialsSetup"`
	Hidden           bool   `json:"hidden"`
	SortOrder        int    `json:"sortOrder"`
}

// credentialsOf renders UserCredentials (USERS-API.md §3.2) with the user's
// provider.
func credentialsOf(u *user) credentialsJSON {
	c := credentialsJSON{Provider: u.provider()}
	if u.hasPassword {
		c.Password = &passwordJSON{}
	}
	if u.question != "" {
		c.RecoveryQuestion = &recoveryQuestionJSON{Question: u.question}
	}
	return c
}

// profileOut copies the profile for output: mobilePhone and secondEmail are
// always present (null when unset, as recorded), other unset keys are omitted.
func profileOut(p map[string]any) map[string]any {
	out := make(map[string]any, len(p)+2)
	for k, v := range p {
		if v != nil {
			out[k] = v
		}
	}
	for _, k := range []string{"mobilePhone", "secondEmail"} {
		if _, ok := out[k]; !ok {
			out[k] = nil
		}
	}
	return out
}

// userOut renders a user; full adds the action links of the single-user form
// (links.go), collections carry only "self". s.mu must be held.
func (s *Server) userOut(u *user, full bool) userJSON {
	now := s.now()
	s.applyTimedRules(u, now)
	self := s.abs("/api/v1/users/" + url.PathEscape(u.id))
	links := map[string]linkJSON{"self": {Href: self}}
	if full {
		for _, rel := range s.actionLinks(u, now) {
			links[rel] = linkJSON{Href: self + actionPath(rel), Method: "POST"}
		}
	}
	out := userJSON{
		ID:              u.id,
		Status:          u.status,
		Created:         formatTime(u.created),
		Activated:       formatTimePtr(u.activated),
		StatusChanged:   formatTimePtr(u.statusChanged),
		LastLogin:       formatTimePtr(u.lastLogin),
		LastUpdated:     formatTime(u.lastUpdated),
		PasswordChanged: formatTimePtr(u.passwordChanged),
		Type:            idJSON{ID: s.st.userTypeID},
		Profile:         profileOut(u.profile),
		Credentials:     credentialsOf(u),
		Links:           links,
	}
	if u.transition != nil {
		out.TransitioningToStatus = u.transition.to
	}
	return out
}

// actionPath maps a link relation to its path below the user's URL.
func actionPath(rel string) string {
	switch rel {
	case "changePassword", "changeRecoveryQuestion", "forgotPassword":
		return "/credentials/" + snake(rel)
	default:
		return "/lifecycle/" + snake(rel)
	}
}

// snake turns a relation name into Okta's path segment: resetPassword → reset_password.
func snake(rel string) string {
	var b strings.Builder
	for _, r := range rel {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Server) groupOut(g *group) groupJSON {
	self := s.abs("/api/v1/groups/" + url.PathEscape(g.id))
	out := groupJSON{
		ID:                    g.id,
		Created:               formatTime(g.created),
		LastUpdated:           formatTime(g.lastUpdated),
		LastMembershipUpdated: formatTime(g.lastMembershipUpdated),
		ObjectClass:           []string{"okta:user_group"},
		Type:                  g.typ,
		Profile:               groupProfile(g),
		Links: groupLinksJSON{
			Logo: []logoJSON{
				{Name: "medium", Href: s.abs("/logos/groups/okta-medium.svg"), Type: "image/svg+xml"},
				{Name: "large", Href: s.abs("/logos/groups/okta-large.svg"), Type: "image/svg+xml"},
			},
			Users: linkJSON{Href: self + "/users"},
			Apps:  linkJSON{Href: self + "/apps"},
		},
	}
	if g.typ == GroupApp {
		// Unconfirmed (USERS-API.md §3.4): app-sourced groups are commonly
		// AD-imported, whose objectClass is okta:windows_security_principal.
		out.ObjectClass = []string{"okta:windows_security_principal"}
		out.Links.Source = &linkJSON{Href: s.abs("/api/v1/apps/" + g.sourceAppID)}
	}
	return out
}

func (s *Server) appLinkOut(u *user, a *app) appLinkJSON {
	link := a.linkURL
	if link == "" {
		link = "/home/" + url.PathEscape(a.name) + "/" + a.id + "/" + a.linkID
	}
	return appLinkJSON{
		ID:               u.id,
		Label:            a.label,
		LinkURL:          s.absIfPath(link),
		LogoURL:          s.absIfPath(a.logoURL),
		AppName:          a.name,
		AppInstanceID:    a.id,
		AppAssignmentID:  derivedID(prefixAssignment, u.id+"/"+a.id),
		CredentialsSetup: a.credentialsSetup,
		Hidden:           a.hidden,
		SortOrder:        a.sortOrder,
	}
}

// absIfPath resolves seed URLs that are paths ("/logos/x.svg") against the
// public URL, which the seed cannot know.
func (s *Server) absIfPath(u string) string {
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return s.abs(u)
	}
	return u
}

// groupProfile renders a group's profile: name, description (null when
// unset, as recorded) and any further attributes.
func groupProfile(g *group) map[string]any {
	p := make(map[string]any, len(g.extra)+2)
	for k, v := range g.extra {
		p[k] = v
	}
	p["name"] = g.name
	p["description"] = nil
	if g.description != "" {
		p["description"] = g.description
	}
	return p
}

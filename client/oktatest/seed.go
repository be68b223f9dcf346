package oktatest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Seed is an org's initial content. Its JSON form (field names in lower camel
// case) is what LoadSeed reads and cmd/okta-emulator -seed takes.
type Seed struct {
	Groups []SeedGroup `json:"groups"`
	Apps   []SeedApp   `json:"apps"`
	Users  []SeedUser  `json:"users"`
	// GeneratedUsers adds that many ACTIVE users with realistic names (see DemoOrg).
	GeneratedUsers int `json:"generatedUsers"`
	// PasswordPolicies are the org's PASSWORD policies; without one marked
	// Default the org also gets OktaDefaultPolicy().
	PasswordPolicies []SeedPolicy `json:"passwordPolicies"`
	// Schema changes Okta's default user schema: SELF permissions, source priorities and
	// custom attributes (schema.go).
	Schema *SeedSchema `json:"schema"`
}

// SeedGroup describes a group. Type is OKTA_GROUP (default), APP_GROUP or BUILT_IN.
type SeedGroup struct {
	ID          string `json:"id"` // "" = derived from the name
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	// Profile holds further profile attributes, such as the dn and
	// samAccountName of a group imported from Active Directory.
	Profile map[string]any `json:"profile"`
	// Roles are standard admin role types (SUPER_ADMIN, HELP_DESK_ADMIN, …)
	// assigned to the group: every member holds them.
	Roles []string `json:"roles"`
}

// SeedApp describes an app assigned to groups and users. LogoURL and LinkURL may
// be paths on the emulator ("/logos/slack.svg"); they are made absolute on the
// public URL. An empty LinkURL means Okta's /home/{appName}/{appId}/{linkId} form.
type SeedApp struct {
	ID               string   `json:"id"` // "" = derived from the name
	Name             string   `json:"name"`
	Label            string   `json:"label"`
	LogoURL          string   `json:"logoUrl"`
	LinkURL          string   `json:"linkUrl"`
	SortOrder        int      `json:"sortOrder"`
	Hidden           bool     `json:"hidden"`
	CredentialsSetup bool     `json:"credentialsSetup"`
	Groups           []string `json:"groups"` // group names
	Users            []string `json:"users"`  // logins
}

// SeedUser describes a user. Profile must hold login; firstName, lastName and
// email are expected too, plus any other attributes.
type SeedUser struct {
	ID               string         `json:"id"`     // "" = derived from the login
	Status           string         `json:"status"` // default ACTIVE
	Profile          map[string]any `json:"profile"`
	Password         string         `json:"password"`
	RecoveryQuestion string         `json:"recoveryQuestion"`
	RecoveryAnswer   string         `json:"recoveryAnswer"`
	Groups           []string       `json:"groups"` // group names (or ids); Everyone is implicit
	// Factors gives the person an Okta Verify push factor on an iPhone when
	// EnrolledFactors is empty.
	Factors bool `json:"factors"`
	// EnrolledFactors are the person's MFA factors (factors.go).
	EnrolledFactors []SeedFactor `json:"enrolledFactors"`
	LastLogin       time.Time    `json:"lastLogin"`
	// Provider is credentials.provider: "" or OKTA, ACTIVE_DIRECTORY, LDAP,
	// FEDERATION, SOCIAL or IMPORT. FEDERATION and SOCIAL people have no
	// password or recovery question.
	Provider SeedProvider `json:"provider"`
	// AsyncLifecycle makes the person's activation and deactivation
	// asynchronous (transitions.go).
	AsyncLifecycle bool `json:"asyncLifecycle"`
	// Roles are standard admin role types assigned to the user directly.
	Roles []string `json:"roles"`
}

// SeedProvider is a credentials.provider; Name defaults to Type (a directory's
// name is its instance, e.g. "corp.example.com").
type SeedProvider struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// LoadSeed reads a Seed in its JSON form. Unknown fields are an error, so a
// typo in a seed file does not pass silently.
func LoadSeed(r io.Reader) (Seed, error) {
	var seed Seed
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seed); err != nil {
		return Seed{}, fmt.Errorf("decode seed: %w", err)
	}
	var errs []error
	for i, u := range seed.Users {
		if profileString(u.Profile, "login") == "" {
			errs = append(errs, fmt.Errorf("users[%d]: profile.login is required", i))
		}
		if u.Status != "" && !validStatus(u.Status) {
			errs = append(errs, fmt.Errorf("users[%d]: unknown status %q", i, u.Status))
		}
		if u.Provider.Type != "" && !validProvider(u.Provider.Type) {
			errs = append(errs, fmt.Errorf("users[%d]: unknown provider type %q", i, u.Provider.Type))
		}
	}
	for i, g := range seed.Groups {
		if g.Name == "" {
			errs = append(errs, fmt.Errorf("groups[%d]: name is required", i))
		}
		for _, r := range g.Roles {
			if _, ok := roleLabel(r); !ok {
				errs = append(errs, fmt.Errorf("groups[%d]: unknown admin role %q", i, r))
			}
		}
	}
	for i, u := range seed.Users {
		for _, r := range u.Roles {
			if _, ok := roleLabel(r); !ok {
				errs = append(errs, fmt.Errorf("users[%d]: unknown admin role %q", i, r))
			}
		}
	}
	for i, a := range seed.Apps {
		if a.Name == "" {
			errs = append(errs, fmt.Errorf("apps[%d]: name is required", i))
		}
	}
	defaults := 0
	for i, p := range seed.PasswordPolicies {
		if p.Name == "" {
			errs = append(errs, fmt.Errorf("passwordPolicies[%d]: name is required", i))
		}
		if p.Default {
			defaults++
		}
	}
	if defaults > 1 {
		errs = append(errs, errors.New("passwordPolicies: at most one policy can be the default"))
	}
	if err := errors.Join(errs...); err != nil {
		return Seed{}, fmt.Errorf("invalid seed: %w", err)
	}
	return seed, nil
}

func validStatus(s string) bool {
	switch s {
	case StatusStaged, StatusProvisioned, StatusActive, StatusRecovery, StatusLockedOut,
		StatusPasswordExpired, StatusSuspended, StatusDeprovisioned:
		return true
	}
	return false
}

// seedEpoch is when seeded objects claim to have been created: a fixed date, so
// timestamps are stable too, unless the clock is earlier.
func seedEpoch(now time.Time) time.Time {
	epoch := time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)
	if !epoch.Before(now.Add(-24 * time.Hour)) {
		epoch = now.Add(-365 * 24 * time.Hour)
	}
	return epoch
}

const apiAdminLogin = "okta-admin@example.com"

func (s *Server) applySeed(seed Seed) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	epoch := seedEpoch(now)
	s.st.schema = defaultUserSchema(epoch)
	if err := s.st.schema.applySeed(seed.Schema); err != nil {
		return err
	}
	everyone := s.addGroupLocked(SeedGroup{Name: everyoneName, Description: "All users in your organization", Type: GroupBuiltIn}, epoch)
	s.st.everyoneID = everyone.id
	for _, g := range seed.Groups {
		if strings.EqualFold(g.Name, everyoneName) {
			continue
		}
		ng := s.addGroupLocked(g, epoch)
		for _, r := range g.Roles {
			if _, ok := roleLabel(r); !ok {
				return fmt.Errorf("seed group %q: unknown admin role %q", g.Name, r)
			}
			assignRole(s.st.roles.groups, prefixGroupRole, ng.id, r, epoch)
		}
	}
	if err := s.seedPolicies(seed.PasswordPolicies, epoch); err != nil {
		return err
	}
	users := append([]SeedUser(nil), seed.Users...)
	users = append(users, generatedUsers(seed.GeneratedUsers)...)
	hasAdmin := false
	for _, u := range users {
		if strings.EqualFold(profileString(u.Profile, "login"), apiAdminLogin) {
			hasAdmin = true
		}
	}
	if !hasAdmin {
		// The SSWS token's owner: /users/me with the API token returns this user.
		// Okta API tokens are created by administrators and act with their
		// rights; this one's owner is a super administrator.
		users = append(users, SeedUser{
			Profile: map[string]any{"login": apiAdminLogin, "email": apiAdminLogin,
				"firstName": "Emulator API", "lastName": "Admin", "title": "API token owner"},
			Password: randomString(12) + "aA1",
			Roles:    []string{RoleSuperAdmin},
		})
	}
	for i, su := range users {
		if profileString(su.Profile, "login") == "" {
			return fmt.Errorf("seed user %d has no profile.login", i)
		}
		created := epoch.Add(time.Duration(i) * time.Minute)
		nu, err := s.addUserLocked(su, created)
		if err != nil {
			return err
		}
		for _, r := range su.Roles {
			if _, ok := roleLabel(r); !ok {
				return fmt.Errorf("seed user %q: unknown admin role %q", profileString(su.Profile, "login"), r)
			}
			assignRole(s.st.roles.users, prefixUserRole, nu.id, r, created)
		}
	}
	s.st.adminID = s.st.byLogin[apiAdminLogin]
	for _, a := range seed.Apps {
		s.addAppLocked(a)
	}
	return nil
}

func (s *Server) addGroupLocked(sg SeedGroup, created time.Time) *group {
	typ := sg.Type
	if typ == "" {
		typ = GroupOkta
	}
	if g := s.st.groupByNameType(sg.Name, typ); g != nil {
		return g
	}
	id := sg.ID
	switch {
	case id != "":
	case typ == GroupApp:
		// An APP_GROUP may share its name with an OKTA_GROUP; their ids differ.
		id = derivedID(prefixGroup, "app:"+sg.Name)
	default:
		id = derivedID(prefixGroup, sg.Name)
	}
	g := &group{id: id, name: sg.Name, description: sg.Description, typ: typ,
		created: created, lastUpdated: created, lastMembershipUpdated: created, extra: sg.Profile}
	if typ == GroupApp {
		g.sourceAppID = derivedID(prefixApp, "source:"+sg.Name)
	}
	s.st.insertGroup(g)
	return g
}

// groupForMember finds a group for a membership by id, else by name (see
// groupByName), creating an OKTA_GROUP when the name is new (convenient for
// tests and seeds). An id reaches an APP_GROUP that shares a name.
func (s *Server) groupForMember(ref string) *group {
	if g := s.st.groups[ref]; g != nil {
		return g
	}
	if g := s.st.groupByName(ref); g != nil {
		return g
	}
	return s.addGroupLocked(SeedGroup{Name: ref}, s.now())
}

func (s *Server) addUserLocked(su SeedUser, created time.Time) (*user, error) {
	login := profileString(su.Profile, "login")
	if _, taken := s.st.byLogin[strings.ToLower(login)]; taken {
		return nil, fmt.Errorf("duplicate seed login %q", login)
	}
	id := su.ID
	if id == "" {
		id = derivedID(prefixUser, login)
	}
	if _, taken := s.st.users[id]; taken {
		return nil, fmt.Errorf("duplicate seed user id %q", id)
	}
	status := su.Status
	if status == "" {
		status = StatusActive
	}
	if !validStatus(status) {
		return nil, fmt.Errorf("seed user %q: unknown status %q", login, status)
	}
	u := &user{
		id: id, status: status, profile: copyProfile(su.Profile), salt: newSalt(),
		created: created, lastUpdated: created, lastLogin: su.LastLogin.UTC(),
		groups: map[string]bool{}, apps: map[string]bool{},
		async: su.AsyncLifecycle,
	}
	if t := su.Provider.Type; t != "" && t != providerOkta {
		if !validProvider(t) {
			return nil, fmt.Errorf("seed user %q: unknown provider type %q", login, t)
		}
		name := su.Provider.Name
		if name == "" {
			name = t
		}
		u.cred = providerJSON{Type: t, Name: name}
		if passwordless(t) && (su.Password != "" || su.RecoveryQuestion != "") {
			return nil, fmt.Errorf("seed user %q: a %s user cannot have a password or recovery question", login, t)
		}
	}
	if _, ok := u.profile["email"]; !ok {
		u.profile["email"] = login
	}
	if status != StatusStaged {
		u.statusChanged = created
		u.activated = created
	}
	if su.Password != "" {
		u.setPassword(su.Password, created)
	}
	if su.RecoveryQuestion != "" {
		u.setRecovery(su.RecoveryQuestion, su.RecoveryAnswer, created)
	}
	if status == StatusLockedOut {
		u.lockedAt = created
	}
	factors := su.EnrolledFactors
	if len(factors) == 0 && su.Factors {
		factors = []SeedFactor{{Type: FactorPush}}
	}
	for i, sf := range factors {
		f, err := seedFactor(u, sf, fmt.Sprint(i), created)
		if err != nil {
			return nil, fmt.Errorf("seed user %q: %w", login, err)
		}
		u.factors = append(u.factors, f)
	}
	u.lastUpdated = created
	for _, name := range su.Groups {
		if strings.EqualFold(name, everyoneName) {
			continue
		}
		u.groups[s.groupForMember(name).id] = true
	}
	s.st.insertUser(u)
	return u, nil
}

func (s *Server) addAppLocked(sa SeedApp) *app {
	id := sa.ID
	if id == "" {
		id = derivedID(prefixApp, sa.Name)
	}
	label := sa.Label
	if label == "" {
		label = sa.Name
	}
	a := &app{id: id, name: sa.Name, label: label, logoURL: sa.LogoURL, linkURL: sa.LinkURL,
		linkID: derivedID(prefixAppLink, sa.Name), sortOrder: sa.SortOrder, hidden: sa.Hidden,
		credentialsSetup: sa.CredentialsSetup, groups: map[string]bool{}}
	for _, name := range sa.Groups {
		a.groups[s.groupForMember(name).id] = true
	}
	for _, login := range sa.Users {
		if id, ok := s.st.byLogin[strings.ToLower(login)]; ok {
			s.st.users[id].apps[a.id] = true
		}
	}
	s.st.apps[a.id] = a
	return a
}

// seedPolicies installs the seed's password policies, adding Okta's default
// policy when the seed has none; Config.PasswordMinAge, when set, becomes the
// default policy's minimum age. s.mu must be held.
func (s *Server) seedPolicies(policies []SeedPolicy, created time.Time) error {
	hasDefault := false
	for _, p := range policies {
		hasDefault = hasDefault || p.Default
	}
	if !hasDefault {
		policies = append(append([]SeedPolicy(nil), policies...), OktaDefaultPolicy())
	}
	for _, sp := range policies {
		if sp.Default && s.cfg.PasswordMinAge > 0 {
			sp.Age.MinAgeMinutes = int((s.cfg.PasswordMinAge + time.Minute - 1) / time.Minute)
		}
		if err := s.addPolicyLocked(sp, created); err != nil {
			return err
		}
	}
	return nil
}

package oktatest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// DemoPassword is the password of every demo account.
const DemoPassword = "Demo-Passw0rd-1"

// Demo group names.
const (
	GroupEngineering = "Engineering"
	GroupSales       = "Sales"
	GroupAdmins      = "Gatehouse Admins"
	GroupHelpdesk    = "Gatehouse Helpdesk"
	GroupSlackUsers  = "Slack Users"
	GroupFinance     = "Finance"
	// GroupOktaHelpDesk holds Okta's Help Desk Administrator role: its members
	// are Okta administrators through the group (assignmentType GROUP).
	GroupOktaHelpDesk = "Okta Help Desk"
)

// Demo logins of the Okta-side cases: the API token's owner (an Okta super
// administrator in no Gatehouse group), a member of an APP_GROUP that shares
// the helpdesk group's name (imported from a directory: it grants no role),
// and an Okta administrator through a group.
const (
	DemoOktaAdmin    = "okta-admin@example.com"
	DemoImported     = "nina@example.com"
	DemoGroupAdmin   = "oscar@example.com"
	appGroupHelpdesk = "app:" + GroupHelpdesk
)

// Demo directories and policies.
const (
	// DemoDirectory is the Active Directory domain of the demo org's
	// directory-mastered people and imported groups.
	DemoDirectory = "corp.example.com"
	// FinancePolicyName is the stricter password policy of the Finance group.
	FinancePolicyName = "Finance Password Policy"
	// DirectoryPolicyName is the password policy of Active Directory people.
	DirectoryPolicyName = "Active Directory Policy"
	// DemoDirectoryGroups is how many Active Directory groups the demo's
	// directory-heavy person is in.
	DemoDirectoryGroups = 300
)

// DemoOrg returns the demo org of DESIGN.md §5: named people in every status,
// the portal's admin and helpdesk groups, a handful of apps (one hidden, one
// without a logo, one needing credentials set up) and 1,000 generated ACTIVE
// users; and the variations of real orgs (docs/OKTA.md): a federated person
// (ivan), a person mastered by Active Directory (judy), a Finance group with a
// stricter password policy (kate), a person in 300 Active Directory groups
// (leo) and one whose lifecycle changes asynchronously (mia); the API token's
// owner, an Okta super administrator (okta-admin), a member of an APP_GROUP that
// shares the helpdesk group's name (nina) and an Okta administrator through a
// group (oscar). Every password
// is DemoPassword.
func DemoOrg() Seed {
	pet := "What was the name of your first pet?"
	person := func(first, last, status string, groups []string, extra map[string]any) SeedUser {
		login := strings.ToLower(first) + "@example.com"
		p := map[string]any{"firstName": first, "lastName": last, "email": login, "login": login,
			"displayName": first + " " + last, "organization": "Gatehouse Demo"}
		for k, v := range extra {
			p[k] = v
		}
		return SeedUser{Status: status, Profile: p, Password: DemoPassword, Groups: groups}
	}
	alice := person("Alice", "Anderson", StatusActive, []string{GroupEngineering}, map[string]any{
		"title": "Senior Software Engineer", "department": "Engineering", "division": "Platform",
		"employeeNumber": "1001", "costCenter": "ENG-100", "manager": "Ada Lovelace",
		"managerId": derivedID(prefixUser, "ada@example.com"),
		"city":      "Portland", "state": "OR", "countryCode": "US", "zipCode": "97205",
		"streetAddress": "100 SW Main St", "primaryPhone": "+1 503 555 0101", "mobilePhone": "+1 503 555 0199",
		"preferredLanguage": "en", "locale": "en_US", "timezone": "America/Los_Angeles", "nickName": "Al",
	})
	alice.RecoveryQuestion, alice.RecoveryAnswer = pet, "Biscuit"
	alice.Profile["officeLocation"] = "PDX"
	alice.Profile["badgeNumber"] = "A-1001"
	alice.Profile["pronouns"] = "she/her"
	// Okta Verify on her phone, no authenticator app yet (she sets one up in Gatehouse).
	alice.EnrolledFactors = []SeedFactor{{Type: FactorPush, DeviceName: "Alice's iPhone", DeviceType: "SmartPhone_IPhone", Platform: "IOS"}}
	alice.LastLogin = time.Date(2024, 5, 20, 8, 15, 0, 0, time.UTC)

	ada := person("Ada", "Lovelace", StatusActive, []string{GroupAdmins}, map[string]any{
		"title": "IT Director", "department": "IT", "employeeNumber": "1002", "city": "London", "countryCode": "GB",
		"locale": "en_GB", "timezone": "Europe/London",
	})
	ada.RecoveryQuestion, ada.RecoveryAnswer = "What is the name of your favorite teacher?", "Babbage"
	ada.Profile["officeLocation"] = "LON"
	// An active authenticator app (Google Authenticator) besides Okta Verify.
	ada.EnrolledFactors = []SeedFactor{
		{Type: FactorPush, DeviceName: "Ada's Pixel", DeviceType: "SmartPhone_Android", Platform: "ANDROID"},
		{Type: FactorTOTP, Provider: FactorProviderGoogle},
	}
	hal := person("Hal", "Jordan", StatusActive, []string{GroupHelpdesk}, map[string]any{
		"title": "Helpdesk Analyst", "department": "IT Support", "employeeNumber": "1003", "city": "Austin", "state": "TX", "countryCode": "US",
	})
	hal.RecoveryQuestion, hal.RecoveryAnswer = pet, "Rocket"
	hal.EnrolledFactors = []SeedFactor{{Type: FactorSMS, PhoneNumber: "+15125550143"}}
	bob := person("Bob", "Brown", StatusLockedOut, []string{GroupSales}, map[string]any{"title": "Account Executive", "department": "Sales"})
	carol := person("Carol", "Chen", StatusSuspended, []string{GroupSales}, map[string]any{"title": "Sales Manager", "department": "Sales"})
	dave := person("Dave", "Davis", StatusStaged, nil, map[string]any{"title": "Contractor"})
	erin := person("Erin", "Evans", StatusPasswordExpired, []string{GroupEngineering}, map[string]any{"title": "Software Engineer", "department": "Engineering"})
	erin.RecoveryQuestion, erin.RecoveryAnswer = pet, "Whiskers"
	// An authenticator app she started to set up and never finished.
	erin.EnrolledFactors = []SeedFactor{{Type: FactorTOTP, Provider: FactorProviderGoogle, Status: FactorStatusPendingActivation}}
	frank := person("Frank", "Fischer", StatusDeprovisioned, nil, map[string]any{"title": "Former Analyst"})
	grace := person("Grace", "Green", StatusProvisioned, nil, map[string]any{"title": "New Hire", "department": "Marketing"})
	grace.Password = ""
	heidi := person("Heidi", "Hill", StatusRecovery, nil, map[string]any{"title": "Designer", "department": "Design"})
	heidi.RecoveryQuestion, heidi.RecoveryAnswer = pet, "Pebbles"
	oktaAdmin := SeedUser{Profile: map[string]any{"login": DemoOktaAdmin, "email": DemoOktaAdmin,
		"firstName": "Olga", "lastName": "Admin", "displayName": "Olga Admin", "title": "Okta super administrator (API token owner)",
		"department": "IT", "organization": "Gatehouse Demo"},
		Password: DemoPassword, Roles: []string{RoleSuperAdmin}, EnrolledFactors: []SeedFactor{
			{Type: FactorPush, DeviceName: "Olga's iPhone"},
			{Type: FactorWebAuthn, DeviceName: "YubiKey 5C NFC"},
		}}
	nina := person("Nina", "Imported", StatusActive, []string{appGroupHelpdeskID()}, map[string]any{
		"title": "Support Contractor", "department": "Support"})
	oscar := person("Oscar", "Ortiz", StatusActive, []string{GroupOktaHelpDesk}, map[string]any{
		"title": "IT Operations", "department": "IT"})

	// The variations of real orgs.
	ivan := person("Ivan", "Ivanova", StatusActive, []string{GroupEngineering}, map[string]any{"title": "Contract Engineer", "department": "Engineering"})
	ivan.Password = ""
	ivan.Provider = SeedProvider{Type: ProviderFederation, Name: ProviderFederation}
	judy := person("Judy", "Jensen", StatusActive, []string{GroupSales}, map[string]any{"title": "Sales Operations", "department": "Sales"})
	judy.Provider = SeedProvider{Type: ProviderActiveDirectory, Name: DemoDirectory}
	judy.RecoveryQuestion, judy.RecoveryAnswer = pet, "Marble"
	kate := person("Kate", "Kowalski", StatusActive, []string{GroupFinance}, map[string]any{"title": "Controller", "department": "Finance"})
	kate.RecoveryQuestion, kate.RecoveryAnswer = pet, "Juniper"
	adGroups := directoryGroups(DemoDirectoryGroups)
	leo := person("Leo", "Larsen", StatusActive, []string{GroupHelpdesk}, map[string]any{"title": "Service Desk Lead", "department": "IT Support"})
	leo.Provider = SeedProvider{Type: ProviderActiveDirectory, Name: DemoDirectory}
	for _, g := range adGroups {
		leo.Groups = append(leo.Groups, g.Name)
	}
	mia := person("Mia", "Moreau", StatusActive, []string{GroupSales}, map[string]any{"title": "Account Executive", "department": "Sales"})
	mia.AsyncLifecycle = true
	mia.RecoveryQuestion, mia.RecoveryAnswer = pet, "Domino"

	// People whose profiles ask for another language and time zone (issue 20).
	lena := person("Lena", "Schäfer", StatusActive, []string{GroupEngineering}, map[string]any{
		"title": "Softwareentwicklerin", "department": "Engineering", "city": "Berlin", "countryCode": "DE",
		"preferredLanguage": "de", "locale": "de_DE", "timezone": "Europe/Berlin", "officeLocation": "BER",
		"mobilePhone": "+49 30 5550 1234",
	})
	lena.RecoveryQuestion, lena.RecoveryAnswer = "Wie hieß Ihr erstes Haustier?", "Bello"
	lena.EnrolledFactors = []SeedFactor{{Type: FactorPush, DeviceName: "Lenas Galaxy", DeviceType: "SmartPhone_Android", Platform: "ANDROID"}}
	yuki := person("Yuki", "Tanaka", StatusActive, []string{GroupSales}, map[string]any{
		"displayName": "田中 由紀", "title": "営業担当", "department": "Sales", "city": "Tokyo", "countryCode": "JP",
		"preferredLanguage": "ja", "locale": "ja_JP", "timezone": "Asia/Tokyo", "officeLocation": "TYO",
	})
	yuki.RecoveryQuestion, yuki.RecoveryAnswer = pet, "Mochi"

	// The org's default policy is Okta's, except that it locks a person out
	// after five failed sign-ins (DESIGN.md §5) and says so on the sign-in page.
	defaultPolicy := OktaDefaultPolicy()
	defaultPolicy.Lockout = PasswordLockout{MaxAttempts: 5, ShowLockoutFailures: true}

	return Seed{
		Groups: append([]SeedGroup{
			{Name: GroupEngineering, Description: "Engineers and engineering managers"},
			{Name: GroupSales, Description: "Sales team"},
			{Name: GroupAdmins, Description: "Full administrators of the Gatehouse portal"},
			{Name: GroupHelpdesk, Description: "Helpdesk staff of the Gatehouse portal"},
			{Name: GroupSlackUsers, Description: "Imported from Slack", Type: GroupApp},
			// Imported from a directory with the same name as the helpdesk role
			// group: an APP_GROUP never grants a Gatehouse role.
			{ID: appGroupHelpdeskID(), Name: GroupHelpdesk, Description: "Imported from the corporate directory", Type: GroupApp},
			{Name: GroupOktaHelpDesk, Description: "Okta help desk administrators", Roles: []string{RoleHelpDeskAdmin}},
			{Name: GroupFinance, Description: "Finance team (stricter password policy)"},
		}, adGroups...),
		Apps: []SeedApp{
			{Name: "slack", Label: "Slack", LogoURL: "/logos/slack.svg", SortOrder: 0, Groups: []string{everyoneName}},
			{Name: "github", Label: "GitHub", LogoURL: "/logos/github.svg", SortOrder: 1, Groups: []string{GroupEngineering}},
			{Name: "google_workspace", Label: "Google Workspace", LogoURL: "/logos/google_workspace.svg", SortOrder: 2, Groups: []string{everyoneName}},
			{Name: "zoom", Label: "Zoom", LogoURL: "/logos/zoom.svg", SortOrder: 3, CredentialsSetup: true, Groups: []string{everyoneName}},
			// Jira has no logo, so the portal's initials fallback shows.
			{Name: "jira", Label: "Jira", SortOrder: 4, Groups: []string{GroupEngineering}},
			{Name: "legacy_vpn", Label: "Legacy VPN", LogoURL: "/logos/legacy_vpn.svg", SortOrder: 5, Hidden: true, Users: []string{"alice@example.com"}},
			{Name: "salesforce", Label: "Salesforce", LogoURL: "/logos/salesforce.svg", SortOrder: 6, Groups: []string{GroupSales}},
			{Name: "okta_admin_console", Label: "Okta Admin Console", LogoURL: "/logos/okta_admin_console.svg", SortOrder: 7, Groups: []string{GroupAdmins}},
			{Name: "servicenow", Label: "ServiceNow", LogoURL: "/logos/servicenow.svg", SortOrder: 8, Groups: []string{GroupHelpdesk, GroupAdmins}},
		},
		Users:          []SeedUser{alice, ada, hal, bob, carol, dave, erin, frank, grace, heidi, ivan, judy, kate, leo, mia, nina, oktaAdmin, oscar, lena, yuki},
		Schema:         demoSchema(),
		GeneratedUsers: 1000,
		PasswordPolicies: []SeedPolicy{
			{
				Name: FinancePolicyName, Description: "Finance handles payments: longer passwords, a symbol, a longer history.",
				Priority: 1, Groups: []string{GroupFinance}, AuthProvider: ProviderOkta,
				Complexity: PasswordComplexity{MinLength: 14, MinLowerCase: 1, MinUpperCase: 1, MinNumber: 1, MinSymbol: 1,
					ExcludeUsername: true, ExcludeAttributes: []string{"firstName", "lastName"}, ExcludeCommon: true},
				Age:      PasswordAge{HistoryCount: 10},
				Lockout:  PasswordLockout{MaxAttempts: 5, ShowLockoutFailures: true},
				Recovery: PasswordRecovery{QuestionActive: true, QuestionMinLength: 6, EmailActive: true, EmailTokenMinutes: 60},
			},
			{
				// Okta mirrors the directory's rules for directory-mastered
				// people; the directory enforces them.
				Name: DirectoryPolicyName, Description: "Mirrors the corp.example.com domain password policy.",
				Priority: 2, Groups: []string{everyoneName}, AuthProvider: ProviderActiveDirectory,
				Complexity: PasswordComplexity{MinLength: 8, MinLowerCase: 1, MinUpperCase: 1, MinNumber: 1, ExcludeUsername: true},
				Age:        PasswordAge{HistoryCount: 24},
				Lockout:    PasswordLockout{MaxAttempts: 5, ShowLockoutFailures: true},
				Recovery:   PasswordRecovery{QuestionActive: true, QuestionMinLength: answerMinLength, EmailActive: true, EmailTokenMinutes: 60},
			},
			defaultPolicy,
		},
	}
}

// demoSchema is the demo org's user schema: Okta's default, except that a person may edit
// their mobile phone, preferred language and time zone (and these come from Okta even for
// people a directory masters), may not change their primary email, and three custom
// attributes: an office (an enum with display names), a badge number (a pattern, read-only)
// and pronouns (a length).
func demoSchema() *SeedSchema {
	return &SeedSchema{
		Permissions: map[string]string{
			"preferredLanguage": PermissionReadWrite,
			"timezone":          PermissionReadWrite,
			"email":             PermissionReadOnly,
		},
		OktaMastered: []string{"mobilePhone", "preferredLanguage", "timezone"},
		Custom: []SchemaProperty{
			{Name: "officeLocation", Title: "Office", Description: "The office the person works from",
				Enum:       []string{"BER", "LON", "PDX", "TYO", "AUS", "REMOTE"},
				EnumTitles: []string{"Berlin", "London", "Portland", "Tokyo", "Austin", "Remote"},
				Permission: PermissionReadWrite, Master: MasterOkta},
			{Name: "badgeNumber", Title: "Badge number", Description: "Building access badge, set by Facilities",
				Pattern: `[A-Z]-[0-9]{4}`, MinLength: intPtr(6), MaxLength: intPtr(6), Permission: PermissionReadOnly},
			{Name: "pronouns", Title: "Pronouns", MaxLength: intPtr(30), Permission: PermissionReadWrite, Master: MasterOkta},
		},
	}
}

// directoryGroups returns n groups imported from the demo's Active Directory,
// with the profile attributes Okta gives such groups (OktaActiveDirectoryGroupProfile).
func directoryGroups(n int) []SeedGroup {
	areas := []string{"Finance", "Engineering", "Sales", "HR", "Legal", "Facilities", "IT", "Marketing", "Support", "Research"}
	kinds := []string{"Share Readers", "Share Editors", "Printers", "VPN", "Distribution", "Project"}
	out := make([]SeedGroup, 0, n)
	for i := 1; i <= n; i++ {
		area, kind := areas[i%len(areas)], kinds[(i/len(areas))%len(kinds)]
		name := fmt.Sprintf("SG %s %s %03d", area, kind, i)
		sam := strings.ReplaceAll(name, " ", "-")
		out = append(out, SeedGroup{
			Name: name, Type: GroupApp,
			Description: fmt.Sprintf("%s %s group %03d, synchronised from %s", area, strings.ToLower(kind), i, DemoDirectory),
			Profile: map[string]any{
				"dn":                         fmt.Sprintf("CN=%s,OU=%s,OU=Groups,DC=corp,DC=example,DC=com", name, area),
				"externalId":                 derivedString("ad-group:"+name, 22) + "==",
				"samAccountName":             sam,
				"windowsDomainQualifiedName": `CORP\` + sam,
			},
		})
	}
	return out
}

// appGroupHelpdeskID is the id of the demo's APP_GROUP named like the helpdesk
// group; seeds name it by id because its name is not unique.
func appGroupHelpdeskID() string { return derivedID(prefixGroup, appGroupHelpdesk) }

func loginPart(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// generatedUsers returns n ACTIVE users with deterministic pseudo-random names,
// logins firstname.lastname<n>@example.com, departments and titles; some are
// in Engineering, Sales or Slack Users.
func generatedUsers(n int) []SeedUser {
	// The name lists live here, not at package level, so nothing can change them.
	var (
		firstNames = []string{
			"Aaliyah", "Aaron", "Abigail", "Adrian", "Aisha", "Alejandro", "Amara", "Amelia", "Andre", "Anika",
			"Arjun", "Astrid", "Beatriz", "Benjamin", "Bianca", "Caleb", "Camila", "Chidi", "Chloe", "Daniel",
			"Dmitri", "Elena", "Elijah", "Emeka", "Emma", "Fatima", "Felix", "Freya", "Gabriel", "Hana",
			"Hamza", "Ines", "Isaac", "Isabella", "Jamal", "Javier", "Jin", "Kaito", "Kavya", "Keanu",
			"Lars", "Layla", "Leila", "Liam", "Lucia", "Malik", "Mateo", "Maya", "Mei", "Mohammed",
			"Nadia", "Naveen", "Noah", "Nora", "Olivia", "Omar", "Priya", "Rafael", "Ravi", "Rosa",
			"Sakura", "Samuel", "Sara", "Sofia", "Tariq", "Thandiwe", "Tomas", "Valentina", "Wei", "Yara",
			"Yusuf", "Zainab", "Zoe", "Ethan", "Grace", "Hugo", "Ivy", "Jonah", "Kira", "Leo",
		}
		lastNames = []string{
			"Abebe", "Adeyemi", "Alvarez", "Andersson", "Bauer", "Bergstrom", "Castillo", "Chen", "Costa", "Dubois",
			"Dvorak", "Eriksen", "Fernandes", "Fischer", "Garcia", "Gonzalez", "Gupta", "Haddad", "Hansen", "Hernandez",
			"Ibrahim", "Ito", "Jansen", "Johnson", "Kim", "Kowalski", "Kumar", "Larsen", "Lee", "Lopez",
			"Martin", "Mensah", "Moreau", "Muller", "Nakamura", "Nguyen", "Novak", "Obi", "Okafor", "Olsen",
			"Park", "Patel", "Petrov", "Quinn", "Rahman", "Reyes", "Rossi", "Santos", "Schmidt", "Shah",
			"Silva", "Singh", "Smith", "Sato", "Tanaka", "Torres", "Van Dijk", "Wagner", "Walker", "Wang",
			"Williams", "Wong", "Yamamoto", "Yilmaz", "Zhang", "Ziegler", "O'Brien", "MacLeod", "Ahmed", "Berg",
		}
		departments = []struct {
			name   string
			titles []string
		}{
			{"Engineering", []string{"Software Engineer", "Senior Software Engineer", "Staff Engineer", "Engineering Manager", "SRE"}},
			{"Sales", []string{"Account Executive", "Sales Development Rep", "Sales Manager", "Solutions Engineer"}},
			{"Marketing", []string{"Marketing Manager", "Content Strategist", "Designer", "Growth Analyst"}},
			{"Finance", []string{"Accountant", "Financial Analyst", "Controller"}},
			{"People", []string{"Recruiter", "HR Business Partner", "People Ops Specialist"}},
			{"Support", []string{"Support Engineer", "Customer Success Manager", "Support Lead"}},
			{"Legal", []string{"Counsel", "Paralegal"}},
		}
		cities = []struct{ city, state, country, tz string }{
			{"San Francisco", "CA", "US", "America/Los_Angeles"}, {"New York", "NY", "US", "America/New_York"},
			{"Chicago", "IL", "US", "America/Chicago"}, {"Toronto", "ON", "CA", "America/Toronto"},
			{"London", "", "GB", "Europe/London"}, {"Berlin", "", "DE", "Europe/Berlin"},
			{"Lisbon", "", "PT", "Europe/Lisbon"}, {"Bangalore", "KA", "IN", "Asia/Kolkata"},
			{"Singapore", "", "SG", "Asia/Singapore"}, {"Sydney", "NSW", "AU", "Australia/Sydney"},
			{"Lagos", "", "NG", "Africa/Lagos"}, {"Mexico City", "", "MX", "America/Mexico_City"},
		}
	)
	rng := rand.New(rand.NewPCG(20240115, 5))
	out := make([]SeedUser, 0, n)
	for i := 1; i <= n; i++ {
		first := firstNames[rng.IntN(len(firstNames))]
		last := lastNames[rng.IntN(len(lastNames))]
		dept := departments[rng.IntN(len(departments))]
		city := cities[rng.IntN(len(cities))]
		login := fmt.Sprintf("%s.%s%d@example.com", loginPart(first), loginPart(last), i)
		p := map[string]any{
			"firstName": first, "lastName": last, "email": login, "login": login,
			"displayName": first + " " + last, "title": dept.titles[rng.IntN(len(dept.titles))],
			"department": dept.name, "city": city.city, "countryCode": city.country, "timezone": city.tz,
			"employeeNumber": fmt.Sprintf("%d", 2000+i), "organization": "Gatehouse Demo",
		}
		if city.state != "" {
			p["state"] = city.state
		}
		var groups []string
		switch dept.name {
		case "Engineering":
			groups = append(groups, GroupEngineering)
		case "Sales":
			groups = append(groups, GroupSales)
		}
		if i%5 == 0 {
			groups = append(groups, GroupSlackUsers)
		}
		out = append(out, SeedUser{Profile: p, Password: DemoPassword, Groups: groups, Factors: i%3 == 0})
	}
	return out
}

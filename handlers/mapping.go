package handlers

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"gatehouse/client"
	"gatehouse/i18n"
	"gatehouse/views"
)

// formatTime renders an Okta timestamp for people in their language and time zone, absolute and
// relative ("2 Jan 2026, 09:15 PST (3 days ago)"; UTC, labelled, when their zone is unknown),
// or "" when there is none. loc is the request's (views.LocaleFrom).
func formatTime(loc *i18n.Locale, t *time.Time, now time.Time) string {
	return loc.Stamp(t, now)
}

func userName(u client.User) string {
	return displayName(u.Profile.FirstName, u.Profile.LastName, u.Profile.DisplayName, u.Profile.Login)
}

func profileSummary(u client.User, now time.Time, loc *i18n.Locale) *views.ProfileSummary {
	return &views.ProfileSummary{
		Name:            userName(u),
		Login:           u.Profile.Login,
		Email:           u.Profile.Email,
		Status:          string(u.Status),
		Title:           u.Profile.Title,
		Department:      u.Profile.Department,
		LastLogin:       formatTime(loc, u.LastLogin, now),
		PasswordChanged: formatTime(loc, u.PasswordChanged, now),
	}
}

// visibleApps drops hidden links and orders the rest by sortOrder, then label. A logo from a
// host images may not come from is dropped, so the tile shows the app's initials.
func visibleApps(links []client.AppLink, images ImageSources) []views.AppTile {
	kept := make([]client.AppLink, 0, len(links))
	for _, l := range links {
		if !l.Hidden {
			kept = append(kept, l)
		}
	}
	slices.SortStableFunc(kept, func(a, b client.AppLink) int {
		return cmp.Or(cmp.Compare(a.SortOrder, b.SortOrder), cmp.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)))
	})
	tiles := make([]views.AppTile, len(kept))
	for i, l := range kept {
		key := l.AppAssignmentID
		if key == "" {
			key = l.AppInstanceID
		}
		logo := l.LogoURL
		if !images.Allows(logo) {
			logo = ""
		}
		tiles[i] = views.AppTile{Key: key, Label: l.Label, URL: l.LinkURL, LogoURL: logo, NeedsSetup: l.CredentialsSetup}
	}
	return tiles
}

// filterApps keeps tiles whose label contains every word of q, ignoring case.
func filterApps(tiles []views.AppTile, q string) []views.AppTile {
	words := strings.Fields(strings.ToLower(q))
	if len(words) == 0 {
		return tiles
	}
	var out []views.AppTile
	for _, t := range tiles {
		label := strings.ToLower(t.Label)
		match := true
		for _, w := range words {
			if !strings.Contains(label, w) {
				match = false
				break
			}
		}
		if match {
			out = append(out, t)
		}
	}
	return out
}

// groupItems lists groups: built-in first (Everyone), then by name.
func groupItems(groups []client.Group) []views.GroupItem {
	items := make([]views.GroupItem, len(groups))
	for i, g := range groups {
		items[i] = views.GroupItem{Name: g.Profile.Name, Description: g.Profile.Description, Type: g.Type}
	}
	sort.SliceStable(items, func(i, j int) bool {
		bi, bj := items[i].Type == "BUILT_IN", items[j].Type == "BUILT_IN"
		if bi != bj {
			return bi
		}
		return strings.ToLower(items[i].Name) < strings.ToLower(items[j].Name)
	})
	return items
}

// profileLabels names the standard Okta profile attributes, in display order: each with the
// catalog message of its label.
func profileLabels() []struct{ key, label string } {
	return []struct{ key, label string }{
		{"honorificPrefix", "dash.attr.honorific_prefix"}, {"firstName", "dash.attr.first_name"}, {"middleName", "dash.attr.middle_name"},
		{"lastName", "dash.attr.last_name"}, {"honorificSuffix", "dash.attr.honorific_suffix"}, {"displayName", "dash.attr.display_name"},
		{"nickName", "dash.attr.nick_name"}, {"login", "dash.attr.login"}, {"email", "dash.attr.email"}, {"secondEmail", "dash.attr.second_email"},
		{"title", "dash.attr.title"}, {"department", "dash.attr.department"}, {"division", "dash.attr.division"},
		{"organization", "dash.attr.organization"}, {"costCenter", "dash.attr.cost_center"}, {"employeeNumber", "dash.attr.employee_number"},
		{"userType", "dash.attr.user_type"}, {"manager", "dash.attr.manager"}, {"managerId", "dash.attr.manager_id"},
		{"mobilePhone", "dash.attr.mobile_phone"}, {"primaryPhone", "dash.attr.primary_phone"}, {"streetAddress", "dash.attr.street_address"},
		{"city", "dash.attr.city"}, {"state", "dash.attr.state"}, {"zipCode", "dash.attr.zip_code"}, {"countryCode", "dash.attr.country_code"},
		{"postalAddress", "dash.attr.postal_address"}, {"preferredLanguage", "dash.attr.preferred_language"}, {"locale", "dash.attr.locale"},
		{"timezone", "dash.attr.timezone"}, {"profileUrl", "dash.attr.profile_url"},
	}
}

func standardProfile(p client.Profile) map[string]string {
	return map[string]string{
		"login": p.Login, "email": p.Email, "firstName": p.FirstName, "lastName": p.LastName,
		"middleName": p.MiddleName, "honorificPrefix": p.HonorificPrefix, "honorificSuffix": p.HonorificSuffix,
		"title": p.Title, "displayName": p.DisplayName, "nickName": p.NickName, "profileUrl": p.ProfileURL,
		"secondEmail": p.SecondEmail, "mobilePhone": p.MobilePhone, "primaryPhone": p.PrimaryPhone,
		"streetAddress": p.StreetAddress, "city": p.City, "state": p.State, "zipCode": p.ZipCode,
		"countryCode": p.CountryCode, "postalAddress": p.PostalAddress, "preferredLanguage": p.PreferredLanguage,
		"locale": p.Locale, "timezone": p.Timezone, "userType": p.UserType, "employeeNumber": p.EmployeeNumber,
		"costCenter": p.CostCenter, "organization": p.Organization, "division": p.Division,
		"department": p.Department, "managerId": p.ManagerID, "manager": p.Manager,
	}
}

// profileFields lists every set attribute with a readable label: the standard ones in a
// sensible order, labelled in loc's language, then custom ones (from Okta's profile schema
// extensions) alphabetically, labelled from their names (the org's words, not translated).
func profileFields(loc *i18n.Locale, p client.Profile) []views.ProfileField {
	std := standardProfile(p)
	var out []views.ProfileField
	for _, l := range profileLabels() {
		if v := std[l.key]; v != "" {
			out = append(out, views.ProfileField{Label: loc.T(l.label), Value: v})
		}
	}
	keys := make([]string, 0, len(p.Extra))
	for k := range p.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := customValue(loc, p.Extra[k])
		if v != "" {
			out = append(out, views.ProfileField{Label: humanize(k), Value: v})
		}
	}
	return out
}

func customValue(loc *i18n.Locale, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return loc.T("dash.yes")
		}
		return loc.T("dash.no")
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if s := customValue(loc, e); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		return "" // nested objects are not meaningful to show as text
	}
	return fmt.Sprint(v)
}

// humanize turns a camelCase or snake_case attribute name into words: "costCenterCode" →
// "Cost center code".
func humanize(key string) string {
	var b strings.Builder
	prevLower := false
	for i, r := range key {
		switch {
		case r == '_' || r == '-':
			b.WriteRune(' ')
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			b.WriteRune(' ')
		}
		if i == 0 {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	return b.String()
}

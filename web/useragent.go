package web

import (
	"strings"

	"gatehouse/web/session"
)

// deviceOf names the browser and the system of a User-Agent header, as a person recognises
// their own browser on the list of their sessions (Chrome, macOS). Only the names are kept in
// the session record: the whole header says more about the machine than the list needs, and
// the words around the names ("Chrome on macOS") are the page's, in its reader's language.
// Order matters: Edge and Opera carry "Chrome", Chrome carries "Safari", iPadOS and Android
// carry "Linux"/"Mac OS X".
func deviceOf(ua string) session.Device {
	if ua == "" {
		return session.Device{}
	}
	var d session.Device
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
		{"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"},
		{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"HeadlessChrome/", "Chrome"}, {"Chromium/", "Chromium"}, {"Chrome/", "Chrome"},
		{"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			d.Browser = b.name
			break
		}
	}
	for _, s := range []struct{ token, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			d.System = s.name
			break
		}
	}
	d.Other = d.Browser == "" && d.System == ""
	return d
}

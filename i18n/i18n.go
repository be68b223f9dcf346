// Package i18n holds Gatehouse's message catalogs and what the pages need to speak a person's
// language and show times in their time zone: the supported languages, matching a preference
// against them (golang.org/x/text/language), and a Locale per request that looks messages up
// with plural rules from CLDR (github.com/nicksnyder/go-i18n/v2) and formats times.
//
// The catalogs are TOML files embedded from catalog/<tag>/, a directory per language with one
// file per area of the product (common.toml, and others as pages are added), so that people
// working on different pages never edit the same file. English (catalog/en/) is the source,
// and every other language has exactly its keys in files of the same names
// (TestCatalogsMatchEnglish). A
// message id is a dotted path ("nav.home"); a message that counts has CLDR plural forms
// (one, many, other…) and is used through Tn. docs/I18N.md describes the workflow.
//
// The package imports nothing from the application: views reads the Locale from the request's
// context, handlers and web build it (handlers/language.go).
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed catalog
var catalogFiles embed.FS

// Language is one language Gatehouse speaks: its BCP 47 tag and its name in itself, which is
// how the language menu offers it (a person who cannot read the current language still finds
// their own).
type Language struct {
	Tag  string
	Name string
}

// languages are the supported languages, English (the source and the fallback) first. The
// order is the language menu's.
var languages = []Language{
	{Tag: "en", Name: "English"},
	{Tag: "de", Name: "Deutsch"},
	{Tag: "fr", Name: "Français"},
	{Tag: "es", Name: "Español"},
	{Tag: "ja", Name: "日本語"},
}

// Languages returns the supported languages, English first.
func Languages() []Language { return append([]Language(nil), languages...) }

// dateLayouts format an absolute time per language (Go layouts; the zone's abbreviation
// follows). They are a table here rather than catalog messages: a Go layout is code, not words
// a translator should touch. Only English spells a month, because Go knows English month
// names only; the others write dates as their readers do with numbers.
var dateLayouts = map[string]string{
	"en": "2 Jan 2006, 15:04",
	"de": "02.01.2006, 15:04",
	"fr": "02/01/2006 15:04",
	"es": "02/01/2006, 15:04",
	"ja": "2006年1月2日 15:04",
}

// catalog is the loaded bundle with one localizer per supported language. It is built once
// from the embedded files and never changes, like a compiled regular expression; a broken
// catalog is a build defect that TestCatalogsLoad reports.
type catalog struct {
	bundle     *goi18n.Bundle
	localizers map[string]*goi18n.Localizer
	printers   map[string]*message.Printer // number formatting per language (safe to share)
	ids        map[string]bool             // the English message ids
	matcher    language.Matcher
	tags       []language.Tag // languages' tags, in order, for the matcher's index
	english    *Locale        // English in UTC, shared: a Locale never changes
}

var loadCatalog = sync.OnceValue(func() *catalog {
	c, err := load(catalogFiles)
	if err != nil {
		panic(err)
	}
	return c
})

// load reads catalog/<tag>/*.toml for every supported language from files. An id defined in
// two files of one language is an error: go-i18n would keep whichever came last.
func load(files fs.FS) (*catalog, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &catalog{bundle: b, localizers: map[string]*goi18n.Localizer{}, printers: map[string]*message.Printer{}, ids: map[string]bool{}}
	for _, l := range languages {
		msgs, err := readLanguage(files, l.Tag)
		if err != nil {
			return nil, err
		}
		if err := b.AddMessages(language.MustParse(l.Tag), msgs...); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", l.Tag, err)
		}
		if l.Tag == "en" {
			for _, m := range msgs {
				c.ids[m.ID] = true
			}
		}
		c.localizers[l.Tag] = goi18n.NewLocalizer(b, l.Tag)
		c.printers[l.Tag] = message.NewPrinter(language.MustParse(l.Tag))
		c.tags = append(c.tags, language.MustParse(l.Tag))
	}
	c.matcher = language.NewMatcher(c.tags)
	c.english = c.locale("en", nil)
	return c, nil
}

// readLanguage parses every catalog/<tag>/*.toml of one language, in name order.
func readLanguage(files fs.FS, tag string) ([]*goi18n.Message, error) {
	names, err := fs.Glob(files, path.Join("catalog", tag, "*.toml"))
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("i18n: no catalog/%s/*.toml", tag)
	}
	var out []*goi18n.Message
	seen := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		// go-i18n reads the language from the file name ("common.de.toml"); the
		// directory says it here, so the name it is given carries the tag.
		base := strings.TrimSuffix(path.Base(name), ".toml")
		f, err := goi18n.ParseMessageFileBytes(data, base+"."+tag+".toml", map[string]goi18n.UnmarshalFunc{"toml": toml.Unmarshal})
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		for _, m := range f.Messages {
			if other, dup := seen[m.ID]; dup {
				return nil, fmt.Errorf("i18n: %s is defined in both %s and %s", m.ID, other, name)
			}
			seen[m.ID] = name
			out = append(out, m)
		}
	}
	return out, nil
}

// Has reports whether id is a message of the English catalog.
func Has(id string) bool { return loadCatalog().ids[id] }

// Supported returns the supported language tag that tag names exactly ("de", "ja"), and false
// for anything else: the language menu's values.
func Supported(tag string) (string, bool) {
	for _, l := range languages {
		if l.Tag == tag {
			return tag, true
		}
	}
	return "", false
}

// Match returns the supported language a person's preference names, or false when none is
// close enough. pref is a BCP 47 / RFC 7231 tag ("de", "fr-CA") or an Okta locale ("de_DE").
// Only a confident match counts (x/text's High or Exact: "de-CH" is German, "pt" is not
// Spanish), so that a preference Gatehouse cannot serve falls through to the next source.
func Match(pref string) (string, bool) {
	pref = strings.TrimSpace(strings.ReplaceAll(pref, "_", "-"))
	if pref == "" || len(pref) > 64 {
		return "", false
	}
	t, err := language.Parse(pref)
	if err != nil {
		return "", false
	}
	c := loadCatalog()
	_, i, conf := c.matcher.Match(t)
	if conf < language.High {
		return "", false
	}
	return languages[i].Tag, true
}

// MatchAcceptLanguage returns the supported language an Accept-Language header prefers, and
// false when it names none of them.
func MatchAcceptLanguage(header string) (string, bool) {
	if header == "" || len(header) > 512 {
		return "", false
	}
	prefs, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(prefs) == 0 {
		return "", false
	}
	c := loadCatalog()
	_, i, conf := c.matcher.Match(prefs...)
	if conf < language.High {
		return "", false
	}
	return languages[i].Tag, true
}

// Locale is how one request speaks: a language and a time zone. Its methods never fail: a
// message missing from the language's catalog comes in English, and one missing everywhere
// shows its id, never a blank or a panic.
type Locale struct {
	lang    string
	loc     *goi18n.Localizer
	printer *message.Printer
	zone    *time.Location
	// zoneKnown is false when nothing said where the person is: times are then in UTC.
	zoneKnown bool
}

// New returns the Locale for lang (a supported tag; anything else is English) in zone (nil:
// UTC, the person's zone unknown).
func New(lang string, zone *time.Location) *Locale { return loadCatalog().locale(lang, zone) }

func (c *catalog) locale(lang string, zone *time.Location) *Locale {
	l, ok := c.localizers[lang]
	if !ok {
		lang, l = "en", c.localizers["en"]
	}
	known := zone != nil
	if zone == nil {
		zone = time.UTC
	}
	return &Locale{lang: lang, loc: l, printer: c.printers[lang], zone: zone, zoneKnown: known}
}

// English is the Locale of a request nobody localized: English, UTC.
func English() *Locale { return loadCatalog().english }

// Lang is the language's BCP 47 tag, for <html lang>.
func (l *Locale) Lang() string { return l.lang }

// Zone is the time zone times are shown in, and whether it is the person's (false: UTC
// because nothing said otherwise).
func (l *Locale) Zone() (*time.Location, bool) { return l.zone, l.zoneKnown }

// T returns the message id.
func (l *Locale) T(id string) string { return l.localize(id, nil, nil) }

// Tf returns the message id with its placeholders ({{.Name}}) filled from data.
func (l *Locale) Tf(id string, data map[string]any) string { return l.localize(id, data, nil) }

// Tn returns the plural message id in the form CLDR gives n in this language; {{.Count}} is n.
func (l *Locale) Tn(id string, n int) string {
	return l.localize(id, map[string]any{"Count": l.Number(n)}, n)
}

// Number writes n as the language groups digits: 1,234 in English and Japanese, 1.234 in
// German and Spanish, 1 234 in French (a no-break space), through golang.org/x/text/message.
func (l *Locale) Number(n int) string {
	return l.printer.Sprint(n)
}

// Tnf is Tn with more placeholders; data's Count is set to n.
func (l *Locale) Tnf(id string, n int, data map[string]any) string {
	d := make(map[string]any, len(data)+1)
	for k, v := range data {
		d[k] = v
	}
	d["Count"] = l.Number(n)
	return l.localize(id, d, n)
}

func (l *Locale) localize(id string, data map[string]any, count any) string {
	msg, _ := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	// go-i18n falls back to English by itself when the language lacks id (and reports it as
	// an error we do not need: the completeness tests catch missing keys before a release).
	if msg == "" {
		return id
	}
	return msg
}

// EnglishText is the English of a message: what logs and not yet localized callers read.
func EnglishText(id string, data map[string]any) string { return English().Tf(id, data) }

// PluralForms returns the plural message id once per CLDR plural category the language uses
// for whole numbers written without an exponent ("one", "other"), with "#" where the count
// goes: for the few counts a page's script writes itself (the bulk bar's "3 people
// selected"), which it picks with the browser's Intl.PluralRules for the page's language,
// falling back to "other" (French and Spanish "many" is for round millions, which x/text's
// rules reach only through the exponent operand).
func (l *Locale) PluralForms(id string) map[string]string {
	tag := language.MustParse(l.lang)
	out := map[string]string{}
	for _, n := range pluralSamples {
		cat, ok := pluralCategories[plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)]
		if !ok || out[cat] != "" {
			continue
		}
		out[cat] = l.localize(id, map[string]any{"Count": "#"}, n)
	}
	return out
}

// pluralSamples reach every integer plural category of the supported languages.
var pluralSamples = []int{0, 1, 2, 3, 5, 11, 21, 101}

var pluralCategories = map[plural.Form]string{
	plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many", plural.Other: "other",
}

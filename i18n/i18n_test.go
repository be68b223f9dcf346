package i18n

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCatalogsLoad(t *testing.T) {
	t.Parallel()
	c, err := load(catalogFiles)
	require.NoError(t, err)
	assert.Len(t, c.localizers, len(languages))
	assert.True(t, Has("nav.home"), "nested tables become dotted ids")
	assert.True(t, Has("time.minutes_ago"), "a table of plural forms is one message")
	assert.False(t, Has("time"), "a table of messages is not a message")
}

// TestMissingKeyFallsBackToEnglish: a message a language lacks comes in English, one missing
// everywhere shows its id; never a blank, never a panic. The shipped catalogs are complete
// (TestCatalogsMatchEnglish), so this runs on catalogs of its own.
func TestMissingKeyFallsBackToEnglish(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{}
	for _, l := range languages {
		files["catalog/"+l.Tag+"/common.toml"] = &fstest.MapFile{Data: []byte("[nav]\nhome = \"home in " + l.Tag + "\"\n")}
	}
	files["catalog/en/common.toml"] = &fstest.MapFile{Data: []byte(`
[nav]
home = "Home"
only_english = "Only in English"

[time.days_ago]
one = "{{.Count}} day ago"
other = "{{.Count}} days ago"
`)}
	c, err := load(files)
	require.NoError(t, err)
	tests := []struct {
		name, lang, id, want string
		n                    int
	}{
		{name: "present in German", lang: "de", id: "nav.home", want: "home in de"},
		{name: "missing in German is English", lang: "de", id: "nav.only_english", want: "Only in English"},
		{name: "missing in Japanese is English", lang: "ja", id: "nav.only_english", want: "Only in English"},
		{name: "missing plural is English with English plural rules", lang: "fr", id: "time.days_ago", n: 2, want: "2 days ago"},
		{name: "missing everywhere shows the id", lang: "de", id: "nav.no_such_message", want: "nav.no_such_message"},
		{name: "an unsupported language is English", lang: "pt", id: "nav.home", want: "Home"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := c.locale(tt.lang, nil)
			assert.NotPanics(t, func() {
				if tt.n != 0 {
					assert.Equal(t, tt.want, loc.Tn(tt.id, tt.n))
					return
				}
				assert.Equal(t, tt.want, loc.T(tt.id))
			})
		})
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, pref, want string
		ok               bool
	}{
		{name: "a language", pref: "de", want: "de", ok: true},
		{name: "a regional variant", pref: "fr-CA", want: "fr", ok: true},
		{name: "an Okta locale", pref: "ja_JP", want: "ja", ok: true},
		{name: "English of the US", pref: "en_US", want: "en", ok: true},
		{name: "Latin American Spanish", pref: "es-419", want: "es", ok: true},
		{name: "Swiss German", pref: "de-CH", want: "de", ok: true},
		{name: "a language Gatehouse does not speak", pref: "pt-BR"},
		{name: "Chinese is not Japanese", pref: "zh"},
		{name: "empty", pref: ""},
		{name: "garbage", pref: "not a tag!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Match(tt.pref)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestMatchAcceptLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, header, want string
		ok                 bool
	}{
		{name: "French first", header: "fr-FR,fr;q=0.9,en;q=0.5", want: "fr", ok: true},
		{name: "weights decide", header: "en;q=0.2, ja;q=0.8", want: "ja", ok: true},
		{name: "first supported one", header: "pt-BR, es;q=0.7", want: "es", ok: true},
		{name: "none supported", header: "pt-BR, zh;q=0.7"},
		{name: "absent", header: ""},
		{name: "garbage", header: ";;;q=x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MatchAcceptLanguage(tt.header)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// BenchmarkT is the cost of one message lookup: a page's layout makes about twenty.
func BenchmarkT(b *testing.B) {
	loc := New("de", nil)
	b.ReportAllocs()
	for b.Loop() {
		_ = loc.T("nav.home")
	}
}

// TestDuplicateIDIsAnError: two files of one language defining the same id would leave which
// text wins to the order go-i18n reads them in.
func TestDuplicateIDIsAnError(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{}
	for _, l := range languages {
		files["catalog/"+l.Tag+"/common.toml"] = &fstest.MapFile{Data: []byte("[nav]\nhome = \"Home\"\n")}
	}
	files["catalog/de/admin.toml"] = &fstest.MapFile{Data: []byte("[nav]\nhome = \"Start\"\n")}
	_, err := load(files)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nav.home is defined in both")
}

// TestPluralForms: the forms a page's script chooses from, one per category the language uses,
// "#" for the count.
func TestPluralForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lang string
		want map[string]string
	}{
		{"en", map[string]string{"one": "# minute ago", "other": "# minutes ago"}},
		{"de", map[string]string{"one": "vor # Minute", "other": "vor # Minuten"}},
		{"fr", map[string]string{"one": "il y a # minute", "other": "il y a # minutes"}},
		{"ja", map[string]string{"other": "#分前"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			assert.Equal(t, tt.want, New(tt.lang, nil).PluralForms("time.minutes_ago"))
		})
	}
}

// TestNumbersInTheLanguage: counts are written as each language groups digits.
func TestNumbersInTheLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct{ lang, want string }{
		{"en", "12,345 minutes ago"},
		{"de", "vor 12.345 Minuten"},
		{"fr", "il y a 12\u00a0345 minutes"},
		{"es", "hace 12.345 minutos"},
		{"ja", "12,345分前"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			assert.Equal(t, tt.want, New(tt.lang, nil).Tn("time.minutes_ago", 12345))
		})
	}
}

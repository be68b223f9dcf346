package i18n

// The catalogs stay complete: every language has exactly the English keys, with the plural
// forms CLDR needs for it, and every key is used somewhere in the code. Together with
// views' TestTemplatesUseTheCatalog (no literal words in converted templates) these are what
// keep a new string from reaching a page in English only (docs/I18N.md).

import (
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"
)

// parsed returns one language's messages by id, as go-i18n reads them from all its files.
func parsed(t *testing.T, tag string) map[string]*goi18n.Message {
	t.Helper()
	msgs, err := readLanguage(catalogFiles, tag)
	require.NoError(t, err)
	out := map[string]*goi18n.Message{}
	for _, m := range msgs {
		out[m.ID] = m
	}
	return out
}

// files lists the names of a language's catalog files (common.toml, …).
func files(t *testing.T, tag string) []string {
	t.Helper()
	names, err := fs.Glob(catalogFiles, path.Join("catalog", tag, "*.toml"))
	require.NoError(t, err)
	for i, n := range names {
		names[i] = path.Base(n)
	}
	return names
}

// forms lists the plural forms a message defines.
func forms(m *goi18n.Message) []string {
	var out []string
	for _, f := range []struct{ name, text string }{
		{"zero", m.Zero}, {"one", m.One}, {"two", m.Two}, {"few", m.Few}, {"many", m.Many}, {"other", m.Other},
	} {
		if f.text != "" {
			out = append(out, f.name)
		}
	}
	return out
}

// cldrForms returns the plural forms CLDR gives numbers in the language, as go-i18n applies
// them: it localizes a probe message that has every form over counts that reach each rule
// (integers, round millions, a decimal).
func cldrForms(t *testing.T, tag string) []string {
	t.Helper()
	b := goi18n.NewBundle(language.MustParse(tag))
	b.MustAddMessages(language.MustParse(tag), &goi18n.Message{ID: "probe",
		Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"})
	l := goi18n.NewLocalizer(b, tag)
	seen := map[string]bool{}
	counts := []any{"1.5", "0.5", 1_000_000, 2_000_000, "1e6"}
	for n := range 1001 {
		counts = append(counts, n)
	}
	for _, n := range counts {
		f, err := l.Localize(&goi18n.LocalizeConfig{MessageID: "probe", PluralCount: n})
		require.NoError(t, err)
		seen[f] = true
	}
	var out []string
	for _, f := range []string{"zero", "one", "two", "few", "many", "other"} {
		if seen[f] {
			out = append(out, f)
		}
	}
	return out
}

func TestCatalogsMatchEnglish(t *testing.T) {
	t.Parallel()
	en := parsed(t, "en")
	require.NotEmpty(t, en)
	for _, l := range languages {
		t.Run(l.Tag, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, files(t, "en"), files(t, l.Tag), "catalog/%s/ must have the files catalog/en/ has, so that a translator finds each area where English keeps it", l.Tag)
			msgs := parsed(t, l.Tag)
			need := cldrForms(t, l.Tag)
			for id, src := range en {
				m, ok := msgs[id]
				if !assert.True(t, ok, "catalog/%s lacks %s", l.Tag, id) {
					continue
				}
				if len(forms(src)) > 1 {
					assert.Equal(t, need, forms(m), "catalog/%s: %s needs the plural forms CLDR has for %s", l.Tag, id, l.Tag)
				} else {
					assert.Equal(t, []string{"other"}, forms(m), "catalog/%s: %s is not a plural message in English", l.Tag, id)
					assert.NotEmpty(t, strings.TrimSpace(m.Other), "catalog/%s: %s is blank", l.Tag, id)
				}
				assert.Equal(t, placeholders(src), placeholders(m), "catalog/%s: %s must use the placeholders English uses", l.Tag, id)
			}
			for id := range msgs {
				assert.Contains(t, en, id, "catalog/%s has %s, which English does not", l.Tag, id)
			}
		})
	}
}

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// placeholders lists the distinct {{.Name}} of a message's forms.
func placeholders(m *goi18n.Message) []string {
	var out []string
	for _, text := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		for _, sm := range placeholder.FindAllStringSubmatch(text, -1) {
			out = append(out, sm[1])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestEveryKeyIsUsed: a key no code names is dead weight translators keep paying for. A key
// counts as used when a string literal in a .go or .templ file of the module (tests aside)
// is exactly that id; ids are never built from parts, so that this scan can see them. The
// other way round, every id handed to T, Tf, Tn or Tnf as a literal must be in the catalog.
func TestEveryKeyIsUsed(t *testing.T) {
	t.Parallel()
	literals, calls := scanModule(t)
	for id := range parsed(t, "en") {
		assert.True(t, literals[id], "no .go or .templ file names the message %s: remove it from every catalog", id)
	}
	for _, c := range calls {
		assert.True(t, Has(c.id), "%s names %s, which catalog/en/ does not have", c.where, c.id)
	}
}

type idCall struct{ where, id string }

// tCall finds literal ids handed to the catalog: T(ctx, "id"), loc.Tn("id", n) and so on.
var tCall = regexp.MustCompile(`\bT(?:f|n|nf)?\((?:ctx,\s*)?"([a-z_.]+)"`)

// scanModule returns the string literals of the module's .go and .templ files (tests and
// generated templ code aside) and the literal ids passed to T and its kin.
func scanModule(t *testing.T) (map[string]bool, []idCall) {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	literals := map[string]bool{}
	var calls []idCall
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") && p != root {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		isGo := strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") && !strings.HasSuffix(name, "_templ.go")
		isTempl := strings.HasSuffix(name, ".templ")
		if !isGo && !isTempl {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		for _, m := range tCall.FindAllSubmatch(src, -1) {
			calls = append(calls, idCall{where: rel, id: string(m[1])})
		}
		if isTempl {
			for _, m := range templString.FindAll(src, -1) {
				if s, err := strconv.Unquote(string(m)); err == nil {
					literals[s] = true
				}
			}
			return nil
		}
		var s scanner.Scanner
		fset := token.NewFileSet()
		s.Init(fset.AddFile(p, -1, len(src)), src, nil, 0)
		for {
			_, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if tok == token.STRING {
				if v, err := strconv.Unquote(lit); err == nil {
					literals[v] = true
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	return literals, calls
}

// templString is a double-quoted Go string inside a .templ file (its Go expressions and
// attribute values).
var templString = regexp.MustCompile(`"(?:[^"\\\n]|\\.)*"`)

package main

// The house rules that no single package can check for itself: which way imports run, and
// what the repository may hold. They live here because this is the package that assembles
// the others; both tests take well under a second beside the process tests.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "gatehouse"

// leafLayer is the bottom layer: packages that import nothing from the application, so each
// can be understood, tested and replaced on its own.
const leafLayer = 1

// layers places every package of the module; imports run from a higher layer to a lower one
// only (DESIGN.md §1: cmd → web → handlers → client, handlers → views, web → static). A new
// package must be placed here, which is the moment to decide where it belongs.
var layers = map[string]int{
	// Programs and the harnesses that assemble a whole Gatehouse, as a program does.
	"cmd/gatehouse":       5,
	"cmd/okta-emulator":   5,
	"cmd/gatehouse-bench": 5,
	"cmd/gatehouse-keys":  5,
	"web/webtest":         5,
	"e2e":                 5,
	// The server: route table, middleware, the error adaptor, NewApp.
	"web": 4,
	// The handlers, which map Okta's answers onto view models.
	"handlers": 3,
	// The templates, which speak through the message catalogs. views never imports client
	// (handlers map client types to view models).
	"views": 2,
	// Leaves. The emulator never imports the client it stands in front of (DESIGN.md §10:
	// one assumption must not be encoded on both sides). i18n holds the message catalogs
	// and the language and time-zone rules that views, handlers and web share.
	"i18n":            leafLayer,
	"client":          leafLayer,
	"client/oktatest": leafLayer,
	"static":          leafLayer,
	"web/session":     leafLayer,
	"web/ratelimit":   leafLayer,
	"web/audit":       leafLayer,
	"web/redistest":   leafLayer,
	"web/pgtest":      leafLayer,
}

// narrow lists packages above the leaves that may import only the application packages named:
// views speaks through the catalogs (i18n) and knows nothing else of the application; in
// particular it never imports client (handlers map client types to view models).
var narrow = map[string][]string{"views": {"i18n"}}

// testsToo lists packages whose tests obey the leaf rule as well: the emulator's tests speak
// Okta's wire protocol themselves, so a client bug cannot hide an emulator bug.
var testsToo = []string{"client/oktatest"}

// listedPackage is the part of `go list -json` the rules need.
type listedPackage struct {
	ImportPath   string
	Imports      []string
	Deps         []string
	TestImports  []string
	XTestImports []string
}

// importViolations returns one line per broken rule, sorted.
func importViolations(pkgs []listedPackage) []string {
	var out []string
	local := func(path string) (string, bool) {
		if path == module {
			return "", true
		}
		rel, ok := strings.CutPrefix(path, module+"/")
		return rel, ok
	}
	for _, p := range pkgs {
		name, ok := local(p.ImportPath)
		if !ok {
			continue
		}
		layer, placed := layers[name]
		if !placed {
			out = append(out, fmt.Sprintf("%s is not placed in a layer (cmd/gatehouse/house_test.go)", name))
			continue
		}
		for _, imp := range p.Imports {
			dep, ok := local(imp)
			if !ok {
				continue
			}
			if layer == leafLayer {
				out = append(out, fmt.Sprintf("%s is a leaf but imports %s", name, dep))
				continue
			}
			if allowed, ok := narrow[name]; ok && !slices.Contains(allowed, dep) {
				out = append(out, fmt.Sprintf("%s may import only %s from the application, but imports %s", name, strings.Join(allowed, ", "), dep))
				continue
			}
			if depLayer, placed := layers[dep]; placed && depLayer >= layer {
				out = append(out, fmt.Sprintf("%s (layer %d) imports %s (layer %d): imports run downwards only", name, layer, dep, depLayer))
			}
		}
		if layer == leafLayer {
			for _, dep := range p.Deps {
				if d, ok := local(dep); ok && !slices.Contains(p.Imports, dep) {
					out = append(out, fmt.Sprintf("%s is a leaf but depends on %s", name, d))
				}
			}
		}
		if slices.Contains(testsToo, name) {
			for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
				if dep, ok := local(imp); ok && dep != name {
					out = append(out, fmt.Sprintf("%s's tests import %s", name, dep))
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// goBinary is the go command that runs these tests.
func goBinary() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(build.Default.GOROOT, "bin", "go")
}

// listModule runs `go list -json` over the whole module and returns its packages with their
// direct imports (test imports apart) and their transitive dependencies.
func listModule(t *testing.T) []listedPackage {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), goBinary(), "list", "-json=ImportPath,Imports,Deps,TestImports,XTestImports,Module", "./...")
	cmd.Dir = repoRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list:\n%s", stderr.String())
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			listedPackage
			Module *struct{ Path string }
		}
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if p.Module != nil && p.Module.Path == module {
			pkgs = append(pkgs, p.listedPackage)
		}
	}
	return pkgs
}

func TestImportRules(t *testing.T) {
	t.Parallel()
	pkgs := listModule(t)
	require.NotEmpty(t, pkgs)
	var listed []string
	for _, p := range pkgs {
		listed = append(listed, strings.TrimPrefix(p.ImportPath, module+"/"))
	}
	for name := range layers {
		assert.Contains(t, listed, name, "layers places %s, which no longer exists", name)
	}
	assert.Empty(t, importViolations(pkgs), "the import rules of DESIGN.md §1")
}

// TestImportRulesCatch feeds the checker graphs that break each rule, so TestImportRules
// cannot pass by checking nothing.
func TestImportRulesCatch(t *testing.T) {
	// pkg lists a package of the module; its imports are the module's packages by their short
	// names, other packages by their full paths.
	pkg := func(name string, imports ...string) listedPackage {
		p := listedPackage{ImportPath: module + "/" + name}
		for _, i := range imports {
			if _, placed := layers[i]; placed {
				i = module + "/" + i
			}
			p.Imports = append(p.Imports, i)
			p.Deps = append(p.Deps, i)
		}
		return p
	}
	tests := []struct {
		name string
		pkgs []listedPackage
		want []string
	}{
		{
			name: "the layers as designed",
			pkgs: []listedPackage{
				pkg("cmd/gatehouse", "web", "handlers", "client/oktatest", "web/session", "github.com/redis/go-redis/v9"),
				pkg("web", "handlers", "client", "views", "static", "web/session", "web/ratelimit", "web/audit"),
				pkg("handlers", "client", "views", "i18n", "web/session", "web/audit"),
				pkg("client", "net/http"), pkg("views", "i18n", "github.com/a-h/templ"), pkg("static"),
				pkg("i18n", "github.com/nicksnyder/go-i18n/v2/i18n"),
			},
		},
		{
			name: "views imports client",
			pkgs: []listedPackage{pkg("views", "client")},
			want: []string{"views may import only i18n from the application, but imports client"},
		},
		{
			name: "the catalogs import the templates",
			pkgs: []listedPackage{pkg("i18n", "views")},
			want: []string{"i18n is a leaf but imports views"},
		},
		{
			name: "the emulator imports the client",
			pkgs: []listedPackage{pkg("client/oktatest", "client")},
			want: []string{"client/oktatest is a leaf but imports client"},
		},
		{
			name: "the emulator's tests import the client",
			pkgs: []listedPackage{{ImportPath: module + "/client/oktatest", XTestImports: []string{module + "/client/oktatest", module + "/client"}}},
			want: []string{"client/oktatest's tests import client"},
		},
		{
			name: "a leaf depends on the application through a third-party package",
			pkgs: []listedPackage{{ImportPath: module + "/web/session", Imports: []string{"example.com/x"}, Deps: []string{"example.com/x", module + "/web/audit"}}},
			want: []string{"web/session is a leaf but depends on web/audit"},
		},
		{
			name: "handlers import web",
			pkgs: []listedPackage{pkg("handlers", "web")},
			want: []string{"handlers (layer 3) imports web (layer 4): imports run downwards only"},
		},
		{
			name: "web imports a program",
			pkgs: []listedPackage{pkg("web", "web/webtest")},
			want: []string{"web (layer 4) imports web/webtest (layer 5): imports run downwards only"},
		},
		{
			name: "session imports ratelimit",
			pkgs: []listedPackage{pkg("web/session", "web/ratelimit")},
			want: []string{"web/session is a leaf but imports web/ratelimit"},
		},
		{
			name: "a package nobody placed",
			pkgs: []listedPackage{pkg("web/config", "web/session")},
			want: []string{"web/config is not placed in a layer (cmd/gatehouse/house_test.go)"},
		},
		{
			name: "tests of a handler may use the harness",
			pkgs: []listedPackage{{ImportPath: module + "/handlers", TestImports: []string{module + "/web/webtest"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := importViolations(tt.pkgs)
			if len(tt.want) == 0 {
				assert.Empty(t, got)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// maxTrackedFile is the largest file the repository may hold. The biggest today are axe-core
// (0.65 MB) and Okta's gzipped OpenAPI file (0.5 MB).
const maxTrackedFile = 1 << 20

// executableKind names the executable format whose magic number head starts with, or "".
func executableKind(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return "ELF"
	case len(head) >= 4 && slices.Contains([]uint32{0xfeedface, 0xfeedfacf, 0xcafebabe}, binary.BigEndian.Uint32(head)),
		len(head) >= 4 && slices.Contains([]uint32{0xfeedface, 0xfeedfacf}, binary.LittleEndian.Uint32(head)):
		return "Mach-O" // 0xcafebabe is also a universal binary (and a Java class: no better)
	case bytes.HasPrefix(head, []byte("MZ")) && len(head) >= 0x40:
		off := int(binary.LittleEndian.Uint32(head[0x3c:]))
		if off+4 <= len(head) && string(head[off:off+4]) == "PE\x00\x00" {
			return "PE"
		}
	}
	return ""
}

// treeProblems checks files (paths relative to root) for size and executable magic.
func treeProblems(root string, files []string) ([]string, error) {
	var out []string
	head := make([]byte, 4096) // enough for a PE header's offset in any real binary
	for _, name := range files {
		f, err := os.Open(filepath.Join(root, name))
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the work tree, not yet in the index
		}
		if err != nil {
			return nil, err
		}
		fi, err := f.Stat()
		if err == nil && fi.Mode().IsRegular() {
			if fi.Size() > maxTrackedFile {
				out = append(out, fmt.Sprintf("%s is %.1f MiB (the limit is 1 MiB)", name, float64(fi.Size())/(1<<20)))
			}
			var n int
			n, err = io.ReadFull(f, head)
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				err = nil
			}
			if kind := executableKind(head[:n]); kind != "" {
				out = append(out, fmt.Sprintf("%s is an executable (%s): build outputs do not belong in the repository", name, kind))
			}
		}
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TestTreeHoldsNoBuildOutputs: the repository holds sources, not binaries (issue 16: a 34 MB
// binary was once committed) and no file over 1 MiB.
func TestTreeHoldsNoBuildOutputs(t *testing.T) {
	t.Parallel()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed; the tree check needs `git ls-files`")
	}
	cmd := exec.CommandContext(t.Context(), git, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): the tree check needs `git ls-files`", err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	require.Greater(t, len(files), 50, "git ls-files lists the repository")
	problems, err := treeProblems(repoRoot, files)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestTreeProblemsCatch gives the tree check files of each kind it must refuse.
func TestTreeProblemsCatch(t *testing.T) {
	pe := make([]byte, 0x200)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x80)
	copy(pe[0x80:], "PE\x00\x00")
	macho := binary.LittleEndian.AppendUint32(nil, 0xfeedfacf)
	tests := []struct {
		name    string
		content []byte
		want    string
	}{
		{name: "Go source", content: []byte("package main\n")},
		{name: "PNG", content: []byte("\x89PNG\r\n\x1a\n....")},
		{name: "gzip", content: []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0}},
		{name: "text starting with MZ", content: []byte("MZ is a postcode area, not a binary\n")},
		{name: "empty", content: nil},
		{name: "ELF", content: []byte("\x7fELF\x02\x01\x01\x00"), want: "executable (ELF)"},
		{name: "Mach-O 64-bit", content: append(macho, 0, 0, 0, 0), want: "executable (Mach-O)"},
		{name: "Windows PE", content: pe, want: "executable (PE)"},
		{name: "over 1 MiB", content: bytes.Repeat([]byte("a"), maxTrackedFile+1), want: "1.0 MiB (the limit is 1 MiB)"},
		{name: "exactly 1 MiB", content: bytes.Repeat([]byte("a"), maxTrackedFile)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), tt.content, 0o644))
			got, err := treeProblems(dir, []string{"f", "deleted-in-the-work-tree"})
			require.NoError(t, err)
			if tt.want == "" {
				assert.Empty(t, got)
				return
			}
			require.Len(t, got, 1)
			assert.Contains(t, got[0], tt.want)
		})
	}
}

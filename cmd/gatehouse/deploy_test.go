package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// repoRoot is where the Dockerfile, README and deploy/ live, seen from this package.
const repoRoot = "../.."

// envNames lists every GATEHOUSE_* variable config.go reads, from its source, so the README
// and the manifests are checked against the code rather than against a copy.
func envNames(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "config.go", nil, 0)
	require.NoError(t, err)
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		if v, err := strconv.Unquote(lit.Value); err == nil && regexp.MustCompile(`^GATEHOUSE_[A-Z_]+$`).MatchString(v) {
			names = append(names, v)
		}
		return true
	})
	sort.Strings(names)
	return slices.Compact(names)
}

// TestReadmeConfigurationTable keeps the README's table true: one row per variable config.go
// reads, and none it does not.
func TestReadmeConfigurationTable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	require.NoError(t, err)
	var rows []string
	for line := range strings.SplitSeq(string(readme), "\n") {
		if m := regexp.MustCompile("^\\| `(GATEHOUSE_[A-Z_]+)`").FindStringSubmatch(line); m != nil {
			rows = append(rows, m[1])
		}
	}
	sort.Strings(rows)
	assert.Equal(t, envNames(t), rows, "README's configuration table must list exactly the variables config.go reads")
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct{ cmd, args string }

func readDockerfile(t *testing.T) []instruction {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	require.NoError(t, err)
	var out []instruction
	var cur string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if s, ok := strings.CutSuffix(line, "\\"); ok {
			cur += s + " "
			continue
		}
		cur += line
		cmd, args, _ := strings.Cut(cur, " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur = ""
	}
	return out
}

// shellFields splits a RUN line like a shell would, for the simple quoting the Dockerfile uses.
func shellFields(s string) []string {
	var out []string
	var cur strings.Builder
	quote, in := rune(0), false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote, in = r, true
		case quote == 0 && r == ' ':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// TestDockerfile checks what can be checked without a Docker engine: the stages and the
// hardening, that every path it copies or builds exists, and that its go build line produces a
// static binary with CGO_ENABLED=0.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	ins := readDockerfile(t)
	var froms, users, exposes []string
	var build []string
	env := map[string]string{}
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			froms = append(froms, in.args)
		case "USER":
			users = append(users, in.args)
		case "EXPOSE":
			exposes = append(exposes, strings.Fields(in.args)...)
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		case "COPY":
			if strings.HasPrefix(in.args, "--from=") {
				continue
			}
			f := strings.Fields(in.args)
			for _, src := range f[:len(f)-1] {
				_, err := os.Stat(filepath.Join(repoRoot, src))
				assert.NoError(t, err, "COPY source %s must exist", src)
			}
		case "RUN":
			if strings.HasPrefix(in.args, "go build") {
				build = shellFields(in.args)
			}
		}
	}
	require.Len(t, froms, 2, "a two-stage build")
	assert.True(t, strings.HasPrefix(froms[0], "golang:1.26 "), "build on Go 1.26, got %q", froms[0])
	assert.Regexp(t, `^(gcr\.io/distroless/static\S*|scratch)$`, froms[1], "a static base without a shell")
	assert.Equal(t, []string{"65532:65532"}, users, "runs as non-root 65532")
	assert.ElementsMatch(t, []string{"8080", "9090"}, exposes)
	assert.Equal(t, "0", env["CGO_ENABLED"])
	require.NotEmpty(t, build, "a RUN go build line")
	assert.Contains(t, build, "-trimpath")
	pkg := build[len(build)-1]
	_, err := os.Stat(filepath.Join(repoRoot, pkg, "main.go"))
	require.NoError(t, err, "the built package %s must exist", pkg)

	// Run the Dockerfile's own go build line, with the output redirected here.
	out := filepath.Join(t.TempDir(), "gatehouse")
	args := slices.Clone(build[1:])
	i := slices.Index(args, "-o")
	require.GreaterOrEqual(t, i, 0, "go build -o")
	args[i+1] = out
	gobin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command")
	cmd := exec.CommandContext(t.Context(), gobin, args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), msg)

	f, err := elf.Open(out)
	require.NoError(t, err)
	defer f.Close()
	for _, p := range f.Progs {
		assert.NotEqual(t, elf.PT_INTERP, p.Type, "the binary must be static (no dynamic loader) to run on distroless/static")
	}
}

// manifest is one Kubernetes object, loosely typed.
type manifest map[string]any

func (m manifest) get(path ...string) any {
	var cur any = map[string]any(m)
	for _, p := range path {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

func loadManifests(t *testing.T) map[string]manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "deploy", "kubernetes", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string]manifest{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			// Into a plain map: decoding into manifest would make nested maps manifests too.
			var raw map[string]any
			err := dec.Decode(&raw)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, "%s must be valid YAML", file)
			if raw == nil {
				continue
			}
			m := manifest(raw)
			kind, _ := m["kind"].(string)
			name, _ := m.get("metadata", "name").(string)
			require.NotEmpty(t, m["apiVersion"], "%s: every object has apiVersion", file)
			require.NotEmpty(t, kind, "%s: every object has a kind", file)
			if kind != "Kustomization" {
				require.NotEmpty(t, name, "%s: every %s has a name", file, kind)
			}
			out[kind+"/"+name] = m
		}
	}
	return out
}

// TestKubernetesManifests checks the example deployment against what Gatehouse needs: two
// replicas, the right probes, hardening, configuration from a ConfigMap and a Secret with
// names config.go knows, a PodDisruptionBudget and Redis.
func TestKubernetesManifests(t *testing.T) {
	t.Parallel()
	ms := loadManifests(t)
	for _, want := range []string{
		"Deployment/gatehouse", "Service/gatehouse", "Service/gatehouse-metrics", "ConfigMap/gatehouse",
		"Secret/gatehouse", "PodDisruptionBudget/gatehouse", "Deployment/gatehouse-redis", "Service/gatehouse-redis",
	} {
		require.Contains(t, ms, want)
	}
	d := ms["Deployment/gatehouse"]
	c := manifest(d.get("spec", "template", "spec", "containers", "0").(map[string]any))
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"two replicas", d.get("spec", "replicas"), 2},
		{"readiness probe", c.get("readinessProbe", "httpGet", "path"), "/readyz"},
		{"liveness probe", c.get("livenessProbe", "httpGet", "path"), "/healthz"},
		{"portal port", c.get("ports", "0", "containerPort"), 8080},
		{"metrics port", c.get("ports", "1", "containerPort"), 9090},
		{"non-root pod", d.get("spec", "template", "spec", "securityContext", "runAsNonRoot"), true},
		{"non-root uid", d.get("spec", "template", "spec", "securityContext", "runAsUser"), 65532},
		{"read-only root filesystem", c.get("securityContext", "readOnlyRootFilesystem"), true},
		{"no privilege escalation", c.get("securityContext", "allowPrivilegeEscalation"), false},
		{"settings from the ConfigMap", c.get("envFrom", "0", "configMapRef", "name"), "gatehouse"},
		{"secrets from the Secret", c.get("envFrom", "1", "secretRef", "name"), "gatehouse"},
		{"PDB keeps one", ms["PodDisruptionBudget/gatehouse"].get("spec", "minAvailable"), 1},
		{"public Service has no metrics port", len(ms["Service/gatehouse"].get("spec", "ports").([]any)), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got)
		})
	}
	t.Run("resources are set", func(t *testing.T) {
		assert.NotNil(t, c.get("resources", "requests", "cpu"))
		assert.NotNil(t, c.get("resources", "limits", "memory"))
	})
	t.Run("metrics listener is enabled", func(t *testing.T) {
		assert.Contains(t, c.get("args"), "-metrics-addr=:9090")
	})
	t.Run("grace period covers drain and shutdown", func(t *testing.T) {
		grace, _ := d.get("spec", "template", "spec", "terminationGracePeriodSeconds").(int)
		cm := ms["ConfigMap/gatehouse"]
		cfg, err := loadConfig(nil, envOf(map[string]string{
			envOrgURL: "https://acme.okta.com", envClientID: "x", envClientSecret: "x", envAPIToken: "x",
			envPublicURL: "https://portal.example.com", envSessionKeys: strings.Repeat("ab", 32),
			envDrainDelay: cm.get("data", envDrainDelay).(string), envShutdown: cm.get("data", envShutdown).(string),
		}), io.Discard)
		require.NoError(t, err)
		assert.Greater(t, float64(grace), (cfg.DrainDelay + cfg.ShutdownTimeout).Seconds())
	})
	t.Run("every GATEHOUSE_ name is one config.go reads", func(t *testing.T) {
		known := envNames(t)
		for _, key := range []string{"ConfigMap/gatehouse", "Secret/gatehouse"} {
			section := "data"
			if strings.HasPrefix(key, "Secret") {
				section = "stringData"
			}
			data, ok := ms[key].get(section).(map[string]any)
			require.True(t, ok, "%s has %s", key, section)
			for name := range data {
				assert.Contains(t, known, name, "%s sets %s, which Gatehouse does not read", key, name)
			}
		}
		secret := ms["Secret/gatehouse"].get("stringData").(map[string]any)
		// Two replicas share one audit trail: PostgreSQL, whose URL holds its password.
		for _, name := range []string{envClientSecret, envSessionKeys, envRedisURL, envDatabaseURL} {
			assert.Contains(t, secret, name, "%s belongs in the Secret", name)
		}
		assert.NotContains(t, secret, envAPIToken, "the example uses the service app, not an API token")
	})
	t.Run("the service app's key is a file mounted from its own Secret", func(t *testing.T) {
		cm := ms["ConfigMap/gatehouse"]
		assert.NotEmpty(t, cm.get("data", envServiceID), "the ConfigMap names the service app")
		keyFile, _ := cm.get("data", envKeyFile).(string)
		require.NotEmpty(t, keyFile, "the ConfigMap says where the key file is")
		require.Contains(t, ms, "Secret/gatehouse-okta-service-key")
		mount := manifest(c.get("volumeMounts", "0").(map[string]any))
		assert.Equal(t, path.Dir(keyFile), mount.get("mountPath"), "the key's directory is the mount")
		assert.Equal(t, true, mount.get("readOnly"))
		vol := manifest(d.get("spec", "template", "spec", "volumes", "0").(map[string]any))
		assert.Equal(t, mount.get("name"), vol.get("name"))
		assert.Equal(t, "gatehouse-okta-service-key", vol.get("secret", "secretName"))
		keys := ms["Secret/gatehouse-okta-service-key"].get("stringData").(map[string]any)
		assert.Contains(t, keys, path.Base(keyFile), "the Secret holds the file the ConfigMap names")
		assert.Equal(t, 65532, d.get("spec", "template", "spec", "securityContext", "fsGroup"), "the non-root user can read the key")
	})
}

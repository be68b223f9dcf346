package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHelp: `gatehouse -h` is a request, not an error. It exits 0 (run returns nil) and prints
// every flag and every environment variable with its default to stdout. A flag that does not
// exist is an error, with the usage on stderr.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		t.Run(arg, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), []string{arg}, envOf(nil), &stdout, &stderr)
			require.NoError(t, err, "help is not an error")
			assert.Empty(t, stderr.String())
			out := stdout.String()
			for _, flag := range []string{"-dev", "-addr", "-metrics-addr", "-okta-addr", "-okta-api-token"} {
				assert.Regexp(t, `(?m)^  `+flag+`\b`, out, "the usage lists %s", flag)
			}
			assert.Contains(t, out, defaultConfig(false).Addr, "-addr shows its default")
			assert.Contains(t, out, defaultConfig(true).Addr, "and its default with -dev")
			for _, name := range envNames(t) {
				v := lookupEnvVar(name)
				require.NotEmpty(t, v.help, "envVars describes %s", name)
				want := name + ` (default "` + v.def() + `"`
				switch {
				case v.required:
					want = name + " (required)"
				case v.def() == "":
					want = name + " (default: empty)"
				}
				assert.Contains(t, out, want)
				assert.Contains(t, out, v.help)
			}
		})
	}
	t.Run("an unknown flag", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), []string{"-port", "80"}, envOf(nil), &stdout, &stderr)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "-port")
		assert.Contains(t, stderr.String(), "GATEHOUSE_OKTA_ORG_URL (required)", "the usage goes to stderr")
		assert.Empty(t, stdout.String())
	})
}

// TestConfigDefaults: with nothing but the required settings, the configuration holds the
// defaults of envVars; setting each variable to its own default changes nothing, so every
// default is a valid value of its variable.
func TestConfigDefaults(t *testing.T) {
	base := prodEnv()
	delete(base, envRedisURL)
	// Not envOf: its GATEHOUSE_DATA_DIR is the tests' own. Nothing here opens the database.
	plain := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	want, err := loadConfig(nil, plain(base), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "./data", want.DataDir)
	assert.Empty(t, want.DatabaseURL)
	assert.Equal(t, 400*24*time.Hour, want.AuditRetention)
	assert.Equal(t, []string{"Gatehouse Admins"}, want.AdminGroups)
	assert.Equal(t, []string{"Gatehouse Helpdesk"}, want.HelpdeskGroups)
	assert.False(t, want.Delegated)
	assert.Equal(t, "json", want.LogFormat)
	assert.Equal(t, 30*time.Second, want.CacheTTL)
	assert.False(t, want.SequentialReads)
	assert.Equal(t, 30*time.Minute, want.SessionIdle)
	assert.Equal(t, 10*time.Hour, want.SessionMax)
	assert.Equal(t, 15*time.Minute, want.StepUpAge)
	assert.Equal(t, 5*time.Minute, want.RoleTTL)
	assert.Equal(t, 8*time.Second, want.OktaTimeout)
	assert.Equal(t, 20, want.OktaMaxInFlight)
	assert.Zero(t, want.ForgotMinDuration)
	assert.Equal(t, 25*time.Second, want.ShutdownTimeout)
	assert.Zero(t, want.DrainDelay)
	assert.Equal(t, ":8080", want.Addr)

	for _, v := range envVars {
		if v.def() == "" {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			env := prodEnv()
			delete(env, envRedisURL)
			env[v.name] = v.def()
			got, err := loadConfig(nil, plain(env), io.Discard)
			require.NoError(t, err, "the default %q must be a valid value", v.def())
			assert.Equal(t, want.String(), got.String())
		})
	}
}

// TestConfigDurationErrors: each duration variable's error names its bounds as people write
// them (1m, not 1m0s) and gives an example that is itself accepted, so the message never
// contradicts itself.
func TestConfigDurationErrors(t *testing.T) {
	example := regexp.MustCompile(`such as (\S+?),`)
	for _, v := range envVars {
		if _, err := time.ParseDuration(v.def()); err != nil || !strings.ContainsAny(v.def(), "smh") {
			continue // not a duration
		}
		for _, value := range []string{"soon", "-1s", "1000h"} {
			env := prodEnv()
			env[v.name] = value
			_, err := loadConfig(nil, envOf(env), io.Discard)
			if value == "1000h" && v.max == 0 {
				assert.NoError(t, err, "%s has no upper bound", v.name)
				continue
			}
			require.Error(t, err, "%s=%s", v.name, value)
			msg := err.Error()
			assert.Contains(t, msg, v.name)
			assert.NotRegexp(t, `\d+m0s|h0m`, msg, "durations as people write them")
			m := example.FindStringSubmatch(msg)
			require.NotNil(t, m, "the message gives an example: %s", msg)
			env[v.name] = m[1]
			_, err = loadConfig(nil, envOf(env), io.Discard)
			assert.NoError(t, err, "the example in %q must be accepted", msg)
		}
	}
}

// TestReadmeConfigurationDefaults: the README's table lists the variables in the order of
// envVars (which `gatehouse -h` follows) with the same defaults.
func TestReadmeConfigurationDefaults(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	require.NoError(t, err)
	row := regexp.MustCompile("^\\| `(GATEHOUSE_[A-Z_]+)` \\| ([^|]+) \\|")
	var names []string
	for line := range strings.SplitSeq(string(readme), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		names = append(names, m[1])
		v, cell := lookupEnvVar(m[1]), m[2]
		switch {
		case v.required:
			assert.Contains(t, cell, "required", m[1])
		case v.def() == "":
			assert.Contains(t, cell, "empty", m[1])
		default:
			assert.Contains(t, cell, "`"+v.def()+"`", "README default of %s", m[1])
		}
	}
	var order []string
	for _, v := range envVars {
		order = append(order, v.name)
	}
	assert.Equal(t, order, names)
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envOf returns a getenv backed by m. GATEHOUSE_DATA_DIR, unless m sets it, is testDataDir:
// run() opens its audit database there, never in the source tree.
func envOf(m map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := m[k]; ok || k != envDataDir {
			return v
		}
		return testDataDir
	}
}

// prodEnv is a complete, valid production configuration with recognisable secrets.
func prodEnv() map[string]string {
	return map[string]string{
		envOrgURL:       "https://acme.okta.com",
		envClientID:     "0oaclientid",
		envClientSecret: "client-secret-VALUE",
		envAPIToken:     "00api-token-VALUE",
		envPublicURL:    "https://portal.example.com",
		envSessionKeys:  strings.Repeat("ab", 32),
		envRedisURL:     "rediss://gatehouse:redis-PASSWORD-1@redis.example.com:6380/2",
	}
}

const redisPassword = "redis-PASSWORD-1"

func TestConfigReportsEveryProblemAtOnce(t *testing.T) {
	env := map[string]string{
		envSelfService:  "sideways",
		envLogFormat:    "xml",
		envTrusted:      "not-an-ip",
		envCacheTTL:     "soon",
		envRoleTTL:      "1h",
		envOktaInFlight: "-3",
		envRedisURL:     "http://cache:6379",
		envDrainDelay:   "5m",
	}
	_, err := loadConfig([]string{"-metrics-addr", "nine-thousand"}, envOf(env), io.Discard)
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		envSelfService, envLogFormat, envTrusted, envCacheTTL, envRoleTTL, envOktaInFlight,
		envRedisURL, envDrainDelay, "-metrics-addr",
		// every missing required setting, in one line
		envOrgURL, envClientID, envClientSecret, envAPIToken, envPublicURL, envSessionKeys,
	} {
		assert.Contains(t, msg, want, "the error should mention %s", want)
	}
}

func TestConfigRedisURL(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		check   func(t *testing.T, o *redis.Options)
		wantErr bool
	}{
		{
			name: "plain, with fail-fast defaults",
			url:  "redis://localhost:6379/0",
			check: func(t *testing.T, o *redis.Options) {
				assert.Equal(t, "localhost:6379", o.Addr)
				assert.Nil(t, o.TLSConfig)
				assert.Equal(t, time.Second, o.DialTimeout)
				assert.Equal(t, time.Second, o.ReadTimeout)
				assert.Equal(t, time.Second, o.WriteTimeout)
				assert.Equal(t, time.Second, o.PoolTimeout)
				assert.Equal(t, 1, o.MaxRetries)
				assert.Equal(t, 1, o.DialerRetries)
				assert.True(t, o.ContextTimeoutEnabled)
			},
		},
		{
			name: "TLS with user and password",
			url:  "rediss://gatehouse:" + redisPassword + "@redis.example.com:6380/2",
			check: func(t *testing.T, o *redis.Options) {
				require.NotNil(t, o.TLSConfig, "rediss means TLS")
				assert.Equal(t, "redis.example.com", o.TLSConfig.ServerName)
				assert.Equal(t, "gatehouse", o.Username)
				assert.Equal(t, redisPassword, o.Password)
				assert.Equal(t, 2, o.DB)
			},
		},
		{
			name: "password only (requirepass)",
			url:  "redis://:" + redisPassword + "@10.0.0.5:6379",
			check: func(t *testing.T, o *redis.Options) {
				assert.Empty(t, o.Username)
				assert.Equal(t, redisPassword, o.Password)
			},
		},
		{
			name: "options in the URL win over the defaults",
			url:  "redis://localhost:6379/0?dial_timeout=3s&max_retries=-1",
			check: func(t *testing.T, o *redis.Options) {
				assert.Equal(t, 3*time.Second, o.DialTimeout)
				assert.Equal(t, -1, o.MaxRetries)
			},
		},
		{name: "bad database number", url: "redis://u:" + redisPassword + "@h:6379/zero", wantErr: true},
		{name: "bad port", url: "redis://u:" + redisPassword + "@h:port/0", wantErr: true},
		{name: "unparseable", url: "redis://u:" + redisPassword + "@[::1/0", wantErr: true},
		{name: "bad option value", url: "redis://u:" + redisPassword + "@h:6379/0?max_retries=" + redisPassword, wantErr: true},
		{name: "unknown option", url: "redis://u:" + redisPassword + "@h:6379/0?" + redisPassword + "=1", wantErr: true},
		{name: "wrong scheme", url: "https://u:" + redisPassword + "@h:6379/0", wantErr: true},
		{name: "no host", url: "redis://", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := prodEnv()
			env[envRedisURL] = tt.url
			var stderr bytes.Buffer
			cfg, err := loadConfig(nil, envOf(env), &stderr)
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), envRedisURL)
				assert.NotContains(t, err.Error(), redisPassword, "the Redis password must never be in an error")
				assert.NotContains(t, stderr.String(), redisPassword)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, cfg.RedisOptions)
			tt.check(t, cfg.RedisOptions)
		})
	}
}

// TestConfigNeverShowsSecrets covers SECURITY.md 37: however the configuration is printed or
// logged, no secret shows.
func TestConfigNeverShowsSecrets(t *testing.T) {
	env := prodEnv()
	cfg, err := loadConfig(nil, envOf(env), io.Discard)
	require.NoError(t, err)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("starting gatehouse", "config", cfg)
	outputs := map[string]string{"log": logged.String()}
	// Through fmt's verbs rather than cfg.String(): each verb takes its own path in fmt.
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		outputs[verb] = fmt.Sprintf(verb, cfg)
	}
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			for _, secret := range []string{env[envClientSecret], env[envAPIToken], env[envSessionKeys], redisPassword, "gatehouse:"} {
				assert.NotContains(t, out, secret)
			}
			assert.Contains(t, out, "rediss://redis.example.com:6380/2", "the Redis target is shown without credentials")
		})
	}
}

func TestConfigDevRefusesRealOkta(t *testing.T) {
	for _, name := range []string{envOrgURL, envClientID, envClientSecret, envAPIToken} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig([]string{"-dev"}, envOf(map[string]string{name: "real-VALUE-xyz"}), io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), name)
			assert.NotContains(t, err.Error(), "real-VALUE-xyz", "the value itself is not echoed")
		})
	}
}

func TestConfigListenersAndShutdown(t *testing.T) {
	with := func(k, v string) map[string]string {
		env := prodEnv()
		env[k] = v
		return env
	}
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		wantErr   string
		wantDrain time.Duration
	}{
		{name: "metrics on its own port", args: []string{"-metrics-addr", ":9090"}, env: prodEnv()},
		{name: "metrics on the public listener", args: []string{"-addr", ":8080", "-metrics-addr", ":8080"}, env: prodEnv(), wantErr: "must differ"},
		{name: "dev metrics on loopback", args: []string{"-dev", "-metrics-addr", "127.0.0.1:9090"}, env: map[string]string{}},
		{name: "dev metrics off loopback", args: []string{"-dev", "-metrics-addr", ":9090"}, env: map[string]string{}, wantErr: "-metrics-addr"},
		{name: "no drain delay by default", env: prodEnv()},
		{name: "drain delay", env: with(envDrainDelay, "5s"), wantDrain: 5 * time.Second},
		{name: "drain delay that is not a duration", env: with(envDrainDelay, "5"), wantErr: envDrainDelay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(tt.args, envOf(tt.env), io.Discard)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantDrain, cfg.DrainDelay)
			assert.Equal(t, 25*time.Second, cfg.ShutdownTimeout)
		})
	}
}

// TestRedisFailsFast: with the production options a Redis that accepts connections but never
// answers costs about two read timeouts, not go-redis's default of 5 s per try with 3 retries.
func TestRedisFailsFast(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() }) // hold it open, say nothing
		}
	}()
	opts, err := redisOptions("redis://" + ln.Addr().String() + "/0")
	require.NoError(t, err)
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })

	start := time.Now()
	err = rdb.Ping(context.Background()).Err()
	took := time.Since(start)
	require.Error(t, err, "a silent Redis must not answer PING")
	// 1 s read timeout, one retry: about 2 s. The default options take over 20 s.
	assert.Less(t, took, 10*time.Second, "a hung Redis must fail in seconds, took %s", took)
}

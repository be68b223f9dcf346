package web

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"gatehouse/web/session"
)

func TestDeviceOf(t *testing.T) {
	t.Parallel()
	type dev = session.Device
	tests := []struct {
		name, ua string
		want     dev
	}{
		{"chrome on macos", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", dev{Browser: "Chrome", System: "macOS"}},
		{"edge on windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", dev{Browser: "Edge", System: "Windows"}},
		{"safari on iphone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", dev{Browser: "Safari", System: "iPhone"}},
		{"chrome on iphone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1", dev{Browser: "Chrome", System: "iPhone"}},
		{"firefox on linux", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", dev{Browser: "Firefox", System: "Linux"}},
		{"chrome on android", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", dev{Browser: "Chrome", System: "Android"}},
		{"headless chrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", dev{Browser: "Chrome", System: "Linux"}},
		{"a script", "Go-http-client/1.1", dev{Other: true}},
		{"a browser Gatehouse does not know", "Mozilla/5.0 (Linux; Android 14) Gecko/20100101", dev{System: "Android"}},
		{"a browser on no system Gatehouse knows", "Mozilla/5.0 (FreeBSD) Firefox/133.0", dev{Browser: "Firefox"}},
		{"nothing", "", dev{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, deviceOf(tt.ua))
		})
	}
}

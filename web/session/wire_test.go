package session

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDeviceOnTheWire: a record keeps the device's names (never words), and a record written
// before issue 20, whose device was an English summary, still reads as the same names, so the
// list of sessions can say it in any language.
func TestDeviceOnTheWire(t *testing.T) {
	t.Parallel()
	t.Run("round trip", func(t *testing.T) {
		t.Parallel()
		for _, d := range []Device{{Browser: "Chrome", System: "macOS"}, {System: "Android"}, {Browser: "Firefox"}, {Other: true}, {}} {
			b, err := marshalRecord(&Record{UserID: "00ualice", Device: d})
			require.NoError(t, err)
			assert.NotContains(t, string(b), " on ", "no words are stored")
			got, err := unmarshalRecord(b, "id")
			require.NoError(t, err)
			assert.Equal(t, d, got.Device)
		}
	})
	tests := []struct {
		name, stored string
		want         Device
	}{
		{"a browser on a system", "Chrome on macOS", Device{Browser: "Chrome", System: "macOS"}},
		{"a browser of two words", "Samsung Internet on Android", Device{Browser: "Samsung Internet", System: "Android"}},
		{"an unknown browser on a system", "A browser on Android", Device{System: "Android"}},
		{"a browser on an unknown system", "Firefox", Device{Browser: "Firefox"}},
		{"another program", "Another program", Device{Other: true}},
		{"nothing recorded", "", Device{}},
	}
	for _, tt := range tests {
		t.Run("before issue 20: "+tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(map[string]any{"v": wireVersion, "u": "00ualice", "c": 1, "ls": 1, "d": tt.stored})
			require.NoError(t, err)
			got, err := unmarshalRecord(b, "id")
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Device)
		})
	}
}

package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfigSequentialReads covers the benchmarking knob GATEHOUSE_SEQUENTIAL_READS: off
// unless set, the usual spellings of a boolean, and a clear error for anything else.
func TestConfigSequentialReads(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		want    bool
		wantErr bool
	}{
		{name: "unset is off", value: "", want: false},
		{name: "1 is on", value: "1", want: true},
		{name: "true is on", value: "true", want: true},
		{name: "0 is off", value: "0", want: false},
		{name: "anything else is refused", value: "yes please", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := prodEnv()
			env[envSequential] = tt.value
			c, err := loadConfig(nil, envOf(env), io.Discard)
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), envSequential)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.SequentialReads)
		})
	}
}

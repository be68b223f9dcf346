//go:build race

package main

// raceEnabled reports that this test binary runs under the race detector, so a binary built
// for a test is built the same way and reuses the same build cache.
const raceEnabled = true

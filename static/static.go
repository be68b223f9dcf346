// Package static holds the portal's embedded front-end files (vendored htmx and Pico CSS, the
// portal's own CSS and JavaScript, icons) and serves them with content-hashed URLs,
// precompressed variants and immutable caching.
//
// It imports nothing from the application; views ask it for URLs and web mounts its handler.
package static

import (
	"embed"
)

// FS holds every file the browser may load. Test-only assets (axe-core) live beside the
// browser tests in e2e/testdata/, outside this package, so they cannot be embedded by mistake.
//
//go:embed css js vendor img
var FS embed.FS

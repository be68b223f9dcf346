package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"

	"gatehouse/static"
)

// compressMinSize is the smallest body worth compressing: below about one packet the gzip
// header and the CPU buy nothing (redirects, 204s, tiny htmx fragments stay plain).
const compressMinSize = 1024

// compressLevel is klauspost's stateless mode: each write is compressed on its own with
// tables on the stack, so a response costs ~14 KB of compressor instead of the ~1 MB a
// stateful gzip writer holds at any level. Under load the pool of stateful writers is emptied
// at every GC and refilled, which on the 2-core bench machine halved throughput and tripled
// resident memory; stateless pages are 10–15% larger (the dashboard: 2.4 KB instead of 2.1 KB)
// and cost less CPU. Handlers render into a buffer and write a page in one call, which gzhttp
// splits into its first KiB and the rest: two blocks, each with its own matches (see
// docs/PERFORMANCE.md).
const compressLevel = gzip.StatelessCompression

// compressResponses gzip-compresses the portal's own responses (pages, htmx fragments, error
// pages) for clients that accept gzip. Every response it passes gets "Vary: Accept-Encoding",
// compressed or not, so no cache can hand a gzip body to a client that did not ask for one.
//
// Assets under /static/ bypass it: they are precompressed once (brotli and gzip) with their
// own Content-Encoding, ETag and Vary, and compressing them again per request would waste CPU.
// gzhttp would also leave a response alone once it carries a Content-Encoding, but skipping
// the wrapper keeps their headers exactly as static sets them.
//
// zstd is off: at its fastest level it is no smaller than gzip on these pages (2.4 KB for the
// dashboard), and every browser that sends zstd also sends gzip.
//
// BREACH: pages reflect some input (search boxes) next to personal data, but they carry no
// long-lived secret such as a CSRF token (cross-origin protection uses Fetch metadata), the
// session cookie is SameSite=Lax so a cross-site subresource request is not signed in, and
// one-time secrets (temporary passwords) are fresh on every response.
//
// It panics if gzhttp rejects the options: they are constants, so that is a programming
// error, and TestCompressResponses (which builds a server) catches it, as TestRoutes catches a
// route conflict.
func compressResponses(next http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.MinSize(compressMinSize),
		gzhttp.CompressionLevel(compressLevel),
		gzhttp.EnableZstd(false),
	)
	if err != nil {
		panic(fmt.Sprintf("gzip middleware: %v", err))
	}
	compressed := wrap(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, static.Prefix) {
			next.ServeHTTP(w, r)
			return
		}
		compressed.ServeHTTP(w, r)
	})
}

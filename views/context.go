package views

import "context"

// Assets holds the content-hashed URLs of the files every page loads.
type Assets struct {
	PicoCSS, AppCSS, HTMX, AppJS, Favicon string
}

type assetsKey struct{}

// WithAssets returns a context carrying the asset URLs for the layout.
func WithAssets(ctx context.Context, a Assets) context.Context {
	return context.WithValue(ctx, assetsKey{}, a)
}

// assetsFrom returns the asset URLs set by WithAssets. Without them (component tests) it falls
// back to the unhashed paths, which the static handler also serves.
func assetsFrom(ctx context.Context) Assets {
	if a, ok := ctx.Value(assetsKey{}).(Assets); ok {
		return a
	}
	return Assets{
		PicoCSS: "/static/vendor/pico-2.1.1.min.css",
		AppCSS:  "/static/css/app.css",
		HTMX:    "/static/vendor/htmx-2.0.11.min.js",
		AppJS:   "/static/js/app.js",
		Favicon: "/static/img/favicon.svg",
	}
}

// Package static embeds the stylesheets, fonts, scripts and the favicon the pages use.
// Everything is served by the app itself; pages make no third-party requests.
package static

import "embed"

// FS holds the static files, served under /static/.
//
//go:embed css vendor favicon.svg
var FS embed.FS

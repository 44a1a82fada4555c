// Package static embeds the stylesheets, fonts and scripts the pages use.
// Everything is served by the app itself; pages make no third-party requests.
package static

import "embed"

// FS holds the static files, served under /static/.
//
//go:embed css vendor
var FS embed.FS

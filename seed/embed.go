// Package seed embeds the real reference data the register starts with:
// Länder, Kreise and Gemeinden (© Statistisches Bundesamt (Destatis),
// dl-de/by-2-0), the OZG catalogue with LeiKa, the known EfA solutions and
// their adoptions as the sources name them, and the state outlines. See
// SOURCES.md for origin, licence and caveats of every file.
package seed

import "embed"

// FS holds the seed files.
//
//go:embed *.csv *.geojson *.svg SOURCES.md
var FS embed.FS

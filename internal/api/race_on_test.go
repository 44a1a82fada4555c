//go:build race

package api_test

// raceEnabled: the race detector is on. It multiplies memory and slows the
// XLSX compression about twentyfold, so the flat-memory test runs in the
// separate run without it (make test).
const raceEnabled = true

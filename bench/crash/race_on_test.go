//go:build race

package main

// raceEnabled tells the test to build efa with -race too, which reuses the
// packages the test binary was compiled from.
const raceEnabled = true

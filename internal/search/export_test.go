package search

// SetLockTimeout shortens how long Open waits for a held index, so tests
// of the refusal do not wait seconds; it returns a function that restores it.
func SetLockTimeout(d string) (restore func()) {
	old := lockTimeout
	lockTimeout = d
	return func() { lockTimeout = old }
}

package store

import "testing"

func TestSQLiteVersionCheckIncludesThePatchLevel(t *testing.T) {
	for v, want := range map[string]bool{
		"3.51.3": true, "3.51.4": true, "3.52.0": true, "3.54.1": true, "4.0.0": true, "3.100.0": true,
		"3.51.2": false, "3.51": false, "3.50.9": false, "3.7.17": false, "2.99.99": false,
		"": false, "3": false, "x.y.z": false, "3.51.-1": false,
	} {
		if got := sqliteAtLeast(v, MinSQLiteVersion); got != want {
			t.Errorf("sqliteAtLeast(%q, %s) = %v, want %v", v, MinSQLiteVersion, got, want)
		}
	}
}

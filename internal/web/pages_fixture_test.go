package web_test

import (
	"efa-register/internal/server/servertest"
	"os"
	"testing"
)

// benchClosers close what benchmarks opened for the whole run.
var benchClosers []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for _, c := range benchClosers {
		c()
	}
	servertest.CloseShared()
	os.Exit(code)
}

package api_test

import (
	"os"
	"testing"

	"efa-register/internal/server/servertest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	servertest.CloseShared()
	os.Exit(code)
}

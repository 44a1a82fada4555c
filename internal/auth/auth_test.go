package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("richtig-langes-passwort")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash format %q", h)
	}
	if err := CheckPassword(h, "richtig-langes-passwort"); err != nil {
		t.Errorf("right password: %v", err)
	}
	if err := CheckPassword(h, "falsches-passwort"); !errors.Is(err, ErrMismatch) {
		t.Errorf("wrong password: %v", err)
	}
	h2, _ := HashPassword("richtig-langes-passwort")
	if h2 == h {
		t.Error("two hashes of the same password are equal: salt missing")
	}
	for _, bad := range []string{"", "$bcrypt$x", "$argon2id$v=19$m=0,t=2,p=1$AAAA$AAAA"} {
		if err := CheckPassword(bad, "x"); err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("malformed hash %q: %v", bad, err)
		}
	}
}

func TestSecret(t *testing.T) {
	s, h, err := NewSecret("efa_")
	if err != nil || !strings.HasPrefix(s, "efa_") || len(s) < 40 || HashSecret(s) != h || len(h) != 64 {
		t.Fatalf("secret %q hash %q err %v", s, h, err)
	}
	s2, _, _ := NewSecret("efa_")
	if s2 == s {
		t.Error("secrets repeat")
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("richtig-langes-passwort"); err != nil {
			b.Fatal(err)
		}
	}
}

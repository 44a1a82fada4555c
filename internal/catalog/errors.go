// Package catalog holds the domain types of the EfA-Register, their
// validation with German messages, and the sentinel errors every layer uses.
// It imports only the standard library.
package catalog

import (
	"errors"
	"sort"
	"strings"
)

// Sentinel errors. Other packages wrap them with context; the web layer maps
// them to HTTP status codes with errors.Is.
var (
	// ErrNotFound means the requested entity does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the write clashes with existing data (a duplicate key).
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the input failed validation.
	ErrInvalid = errors.New("invalid input")
	// ErrForbidden means the actor may not perform the action.
	ErrForbidden = errors.New("forbidden")
)

// ValidationError collects German messages per field. It matches ErrInvalid
// with errors.Is.
type ValidationError struct {
	Fields map[string]string
}

// Add records a message for a field; the first message per field wins.
func (v *ValidationError) Add(field, message string) {
	if v.Fields == nil {
		v.Fields = map[string]string{}
	}
	if _, ok := v.Fields[field]; !ok {
		v.Fields[field] = message
	}
}

// Err returns v when it holds messages and nil otherwise.
func (v *ValidationError) Err() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}

// Error lists the messages sorted by field so the text is stable.
func (v *ValidationError) Error() string {
	keys := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+v.Fields[k])
	}
	return "Ungültige Eingabe: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true for validation errors.
func (v *ValidationError) Is(target error) bool { return target == ErrInvalid }

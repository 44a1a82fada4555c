// Package catalog holds the domain types of the EfA-Register, their
// validation with German messages, and the sentinel errors every layer uses.
// It imports only the standard library.
package catalog

import (
	"context"
	"errors"
	"sort"
	"strings"

	"efa-register/internal/i18n"
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

// ValidationError collects messages per field: Fields in German, Msgs the
// same messages for other languages (In). It matches ErrInvalid with errors.Is.
type ValidationError struct {
	Fields map[string]string
	Msgs   map[string]i18n.Message
}

// Add records a German text for a field; the first message per field wins.
func (v *ValidationError) Add(field, message string) {
	if v.Fields == nil {
		v.Fields = map[string]string{}
	}
	if _, ok := v.Fields[field]; !ok {
		v.Fields[field] = message
	}
}

// AddM records a catalogue message for a field; the first message per field wins.
func (v *ValidationError) AddM(field string, m i18n.Message) {
	if _, ok := v.Fields[field]; ok {
		return
	}
	v.Add(field, m.String())
	if v.Msgs == nil {
		v.Msgs = map[string]i18n.Message{}
	}
	v.Msgs[field] = m
}

// In returns the messages per field in the language of ctx.
func (v *ValidationError) In(ctx context.Context) map[string]string {
	if v == nil || len(v.Fields) == 0 {
		return v.fieldsOrNil()
	}
	out := make(map[string]string, len(v.Fields))
	for k, text := range v.Fields {
		if m, ok := v.Msgs[k]; ok {
			text = i18n.Localize(ctx, m)
		}
		out[k] = text
	}
	return out
}

func (v *ValidationError) fieldsOrNil() map[string]string {
	if v == nil {
		return nil
	}
	return v.Fields
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

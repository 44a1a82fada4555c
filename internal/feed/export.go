package feed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// ExportFormat names the export document; ExportVersion changes only with
// incompatible changes to it.
const (
	ExportFormat  = "efa-register-export"
	ExportVersion = 1
)

// Export is everything a mirror needs: every solution and adoption and the
// OZG catalogue, consistent with Cursor. Following the change feed from
// Cursor brings a copy of it up to date.
type Export struct {
	Cursor uint64
	// LastChange is the time of the newest change the export contains.
	LastChange     time.Time
	TopicFields    []TopicField
	LifeSituations []LifeSituation
	Services       []Service
	Solutions      []Solution
	Adoptions      []Adoption
	// Catalogue, when set, is the catalogue part already encoded by
	// EncodeCatalogue; TopicFields, LifeSituations and Services are then ignored.
	// It lets a server encode the rarely changing bulk once per catalogue change.
	Catalogue []byte
}

// Cursor formats a change cursor. Cursors are opaque to clients; today they
// are the decimal sequence number of the last change included.
func Cursor(seq uint64) string { return strconv.FormatUint(seq, 10) }

// ParseCursor reads a cursor written by Cursor.
func ParseCursor(s string) (uint64, error) {
	if s == "" || len(s) > 20 {
		return 0, fmt.Errorf("feed: bad cursor %q", s)
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("feed: bad cursor %q", s)
		}
	}
	return strconv.ParseUint(s, 10, 64)
}

// EncodeExport writes the export as one JSON object whose arrays hold one
// element per line: compact, yet diffable and streamable line by line.
func EncodeExport(x Export) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(64 + len(x.Catalogue) + 1200*len(x.Solutions) + 700*len(x.Adoptions) + 2500*len(x.Services))
	last := "null"
	if !x.LastChange.IsZero() {
		raw, err := json.Marshal(x.LastChange.UTC())
		if err != nil {
			return nil, err
		}
		last = string(raw)
	}
	fmt.Fprintf(&b, `{"format":%q,"version":%d,"cursor":%q,"lastChange":%s,`, ExportFormat, ExportVersion, Cursor(x.Cursor), last)
	b.WriteString("\n")
	cat := x.Catalogue
	if cat == nil {
		var err error
		if cat, err = EncodeCatalogue(x.TopicFields, x.LifeSituations, x.Services); err != nil {
			return nil, err
		}
	}
	b.Write(cat)
	if err := writeArray(&b, "solutions", x.Solutions, true); err != nil {
		return nil, err
	}
	if err := writeArray(&b, "adoptions", x.Adoptions, false); err != nil {
		return nil, err
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// EncodeCatalogue encodes the catalogue part of the export: the
// Themenfelder, Lebenslagen and OZG-Leistungen arrays, as EncodeExport writes them.
func EncodeCatalogue(topics []TopicField, lifes []LifeSituation, services []Service) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(64 + 2500*len(services))
	if err := writeArray(&b, "topicFields", topics, true); err != nil {
		return nil, err
	}
	if err := writeArray(&b, "lifeSituations", lifes, true); err != nil {
		return nil, err
	}
	if err := writeArray(&b, "services", services, true); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeArray writes "name":[ then one element per line and ].
func writeArray[T any](b *bytes.Buffer, name string, items []T, comma bool) error {
	fmt.Fprintf(b, "%q:[", name)
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	for i := range items {
		if i == 0 {
			b.WriteString("\n")
		} else {
			// The encoder ended the previous element with a newline; put the comma before it.
			b.Truncate(b.Len() - 1)
			b.WriteString(",\n")
		}
		if err := enc.Encode(&items[i]); err != nil {
			return fmt.Errorf("feed: encode %s[%d]: %w", name, i, err)
		}
	}
	b.WriteString("]")
	if comma {
		b.WriteString(",")
	}
	b.WriteString("\n")
	return nil
}

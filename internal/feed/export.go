package feed

import (
	"bytes"
	"fmt"
	"github.com/segmentio/encoding/json"
	"io"
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
	cat := x.Catalogue
	if cat == nil {
		var err error
		if cat, err = EncodeCatalogue(x.TopicFields, x.LifeSituations, x.Services); err != nil {
			return nil, err
		}
	}
	w := NewExportWriter(&b)
	if err := w.Begin(x.Cursor, x.LastChange, cat); err != nil {
		return nil, err
	}
	if err := w.Solutions(x.Solutions); err != nil {
		return nil, err
	}
	if err := w.Adoptions(x.Adoptions); err != nil {
		return nil, err
	}
	if err := w.End(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ExportWriter writes the export document piece by piece, byte for byte as
// EncodeExport does, so a server can stream it from a database cursor: call
// Begin, then Solutions for each batch of solutions, then Adoptions for each
// batch of adoptions, then End. Each element is written as soon as it is
// encoded; w should be buffered.
type ExportWriter struct {
	w       io.Writer
	scratch bytes.Buffer
	enc     *json.Encoder
	// section is 0 before Begin, 1 in solutions, 2 in adoptions, 3 after End.
	section int
	n       int
}

// NewExportWriter returns a writer of one export document to w.
func NewExportWriter(w io.Writer) *ExportWriter {
	x := &ExportWriter{w: w}
	x.enc = json.NewEncoder(&x.scratch)
	x.enc.SetEscapeHTML(false)
	return x
}

// Begin writes the head of the document and the catalogue part (as
// EncodeCatalogue encoded it), and opens the solutions array.
func (x *ExportWriter) Begin(cursor uint64, lastChange time.Time, catalogue []byte) error {
	last := "null"
	if !lastChange.IsZero() {
		raw, err := json.Marshal(lastChange.UTC())
		if err != nil {
			return err
		}
		last = string(raw)
	}
	if _, err := fmt.Fprintf(x.w, `{"format":%q,"version":%d,"cursor":%q,"lastChange":%s,`+"\n", ExportFormat, ExportVersion, Cursor(cursor), last); err != nil {
		return err
	}
	if _, err := x.w.Write(catalogue); err != nil {
		return err
	}
	x.section, x.n = 1, 0
	_, err := io.WriteString(x.w, `"solutions":[`)
	return err
}

// Solutions writes solutions into the solutions array.
func (x *ExportWriter) Solutions(items []Solution) error {
	if x.section != 1 {
		return fmt.Errorf("feed: export: solutions out of order")
	}
	return writeElements(x, "solutions", items)
}

// Adoptions writes adoptions into the adoptions array (closing the solutions array first).
func (x *ExportWriter) Adoptions(items []Adoption) error {
	if err := x.toAdoptions(); err != nil {
		return err
	}
	return writeElements(x, "adoptions", items)
}

func (x *ExportWriter) toAdoptions() error {
	switch x.section {
	case 2:
		return nil
	case 1:
		if err := x.closeArray(",\n"); err != nil {
			return err
		}
		x.section, x.n = 2, 0
		_, err := io.WriteString(x.w, `"adoptions":[`)
		return err
	}
	return fmt.Errorf("feed: export: adoptions out of order")
}

// End closes the document.
func (x *ExportWriter) End() error {
	if err := x.toAdoptions(); err != nil {
		return err
	}
	if err := x.closeArray("\n"); err != nil {
		return err
	}
	x.section = 3
	_, err := io.WriteString(x.w, "}\n")
	return err
}

// closeArray ends the open array as writeArray does, then writes after.
func (x *ExportWriter) closeArray(after string) error {
	end := "]"
	if x.n > 0 {
		end = "\n]"
	}
	_, err := io.WriteString(x.w, end+after)
	return err
}

// writeElements writes items into the open array: one per line, separated by ",\n".
func writeElements[T any](x *ExportWriter, name string, items []T) error {
	for i := range items {
		x.scratch.Reset()
		if x.n == 0 {
			x.scratch.WriteString("\n")
		} else {
			x.scratch.WriteString(",\n")
		}
		if err := x.enc.Encode(&items[i]); err != nil {
			return fmt.Errorf("feed: encode %s[%d]: %w", name, x.n, err)
		}
		// The encoder ends the element with a newline; the next separator or the closing bracket brings its own.
		x.scratch.Truncate(x.scratch.Len() - 1)
		if _, err := x.w.Write(x.scratch.Bytes()); err != nil {
			return err
		}
		x.n++
	}
	return nil
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

package httpx

import "errors"

// DefaultExportSlots is how many exports stream at the same time unless
// the operator says otherwise (EFA_EXPORT_SLOTS).
const DefaultExportSlots = 2

// ExportRetryAfter is the Retry-After (seconds) of a refused export.
const ExportRetryAfter = "30"

// Refusals of ExportGate.Acquire.
var (
	// ErrExportsBusy: every export slot is taken.
	ErrExportsBusy = errors.New("httpx: every export slot is taken")
	// ErrXLSXBusy: an XLSX file is being made.
	ErrXLSXBusy = errors.New("httpx: an XLSX export is running")
)

// ExportGate bounds the exports streamed at the same time, those of the API
// and the downloads of the pages together. Each holds a database cursor and
// its buffers, so the slots bound their memory. An XLSX file holds more:
// excelize's stream buffer grows to 32 MB before it spills to a temporary
// file, so only one is made at a time.
type ExportGate struct {
	all, xlsx chan struct{}
}

// NewExportGate returns a gate with the given number of slots
// (DefaultExportSlots when it is not positive).
func NewExportGate(slots int) *ExportGate {
	if slots <= 0 {
		slots = DefaultExportSlots
	}
	return &ExportGate{all: make(chan struct{}, slots), xlsx: make(chan struct{}, 1)}
}

// Slots is how many exports may stream at the same time.
func (g *ExportGate) Slots() int { return cap(g.all) }

// Acquire takes a slot for an export in format ("csv", "xlsx", "json")
// without waiting. It returns ErrExportsBusy or ErrXLSXBusy when the export
// has to wait (answer 429 with Retry-After); release gives the slot back.
func (g *ExportGate) Acquire(format string) (release func(), err error) {
	select {
	case g.all <- struct{}{}:
	default:
		return nil, ErrExportsBusy
	}
	if format != "xlsx" {
		return func() { <-g.all }, nil
	}
	select {
	case g.xlsx <- struct{}{}:
		return func() { <-g.xlsx; <-g.all }, nil
	default:
		<-g.all
		return nil, ErrXLSXBusy
	}
}

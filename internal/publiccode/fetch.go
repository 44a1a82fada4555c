package publiccode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"efa-register/internal/netguard"
)

// ErrForbiddenAddress is returned when a fetch would connect to a private,
// loopback, link-local or otherwise internal address; it is
// netguard.ErrForbiddenAddress.
var ErrForbiddenAddress = netguard.ErrForbiddenAddress

// fetchGuard is the policy of publiccode.yml downloads: public addresses on
// the web ports only.
var fetchGuard = netguard.Guard{Ports: []uint16{80, 443}}

const msgForbidden = "Die Adresse zeigt auf ein internes Netz oder einen nicht erlaubten Port; abgerufen werden nur öffentliche Adressen (Port 80 oder 443)."

// Fetcher downloads publiccode.yml files from public web addresses, with a
// timeout and a size limit, and never from internal addresses.
type Fetcher struct {
	client   *http.Client
	maxBytes int64
}

// NewFetcher returns a fetcher with the given timeout for the whole request
// and size limit for the body (MaxFileBytes when maxBytes <= 0). It follows
// up to two redirects, each to a public address only.
func NewFetcher(timeout time.Duration, maxBytes int64) *Fetcher {
	if maxBytes <= 0 {
		maxBytes = MaxFileBytes
	}
	return &Fetcher{client: fetchGuard.Client(timeout, 2), maxBytes: maxBytes}
}

// FetchError is a failed download with a German message for the user.
type FetchError struct {
	Message string
	Err     error
}

func (e *FetchError) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *FetchError) Unwrap() error { return e.Err }

// Fetch downloads the file at rawURL.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.Hostname() == "" {
		return nil, &FetchError{Message: "Bitte geben Sie eine vollständige Adresse mit https:// an.", Err: ErrForbiddenAddress}
	}
	if err := fetchGuard.CheckURL(u.String()); err != nil {
		return nil, &FetchError{Message: msgForbidden, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &FetchError{Message: "Die Adresse ist ungültig.", Err: err}
	}
	req.Header.Set("Accept", "application/yaml, text/yaml, text/plain;q=0.9, */*;q=0.1")
	req.Header.Set("User-Agent", "EfA-Register publiccode.yml import")
	resp, err := f.client.Do(req)
	if err != nil {
		if errors.Is(err, netguard.ErrTooManyRedirects) {
			return nil, &FetchError{Message: "Die Adresse leitet zu oft weiter.", Err: err}
		}
		if errors.Is(err, ErrForbiddenAddress) {
			return nil, &FetchError{Message: msgForbidden, Err: err}
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, &FetchError{Message: "Der Abruf hat zu lange gedauert.", Err: err}
		}
		return nil, &FetchError{Message: "Die Datei konnte nicht abgerufen werden.", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &FetchError{Message: fmt.Sprintf("Der Server antwortete mit Status %d.", resp.StatusCode)}
	}
	if resp.ContentLength > f.maxBytes {
		return nil, &FetchError{Message: fmt.Sprintf("Die Datei ist größer als %d KiB.", f.maxBytes>>10)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBytes+1))
	if err != nil {
		return nil, &FetchError{Message: "Die Datei konnte nicht vollständig gelesen werden.", Err: err}
	}
	if int64(len(body)) > f.maxBytes {
		return nil, &FetchError{Message: fmt.Sprintf("Die Datei ist größer als %d KiB.", f.maxBytes>>10)}
	}
	return body, nil
}

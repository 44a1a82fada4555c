package publiccode

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"efa-register/internal/i18n"
	"efa-register/internal/netguard"
)

// ErrForbiddenAddress is returned when a fetch would connect to a private,
// loopback, link-local or otherwise internal address; it is
// netguard.ErrForbiddenAddress.
var ErrForbiddenAddress = netguard.ErrForbiddenAddress

// fetchGuard is the policy of publiccode.yml downloads: public addresses on
// the web ports only.
var fetchGuard = netguard.Guard{Ports: []uint16{80, 443}}

var msgForbidden = i18n.M("pcode.fetch_forbidden")

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
	// Msg is Message as a catalogue message (Text).
	Msg i18n.Message
	Err error
}

func (e *FetchError) Error() string { return e.Message }

// Text is the message in the language of ctx.
func (e *FetchError) Text(ctx context.Context) string {
	if e.Msg.ID == "" {
		return e.Message
	}
	return i18n.Localize(ctx, e.Msg)
}

func newFetchError(m i18n.Message, err error) *FetchError {
	return &FetchError{Message: m.String(), Msg: m, Err: err}
}

// Unwrap returns the cause.
func (e *FetchError) Unwrap() error { return e.Err }

// Fetch downloads the file at rawURL.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.Hostname() == "" {
		return nil, newFetchError(i18n.M("pcode.fetch_need_https"), ErrForbiddenAddress)
	}
	if err := fetchGuard.CheckURL(u.String()); err != nil {
		return nil, newFetchError(msgForbidden, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, newFetchError(i18n.M("pcode.fetch_invalid"), err)
	}
	req.Header.Set("Accept", "application/yaml, text/yaml, text/plain;q=0.9, */*;q=0.1")
	req.Header.Set("User-Agent", "EfA-Register publiccode.yml import")
	resp, err := f.client.Do(req)
	if err != nil {
		if errors.Is(err, netguard.ErrTooManyRedirects) {
			return nil, newFetchError(i18n.M("pcode.fetch_redirects"), err)
		}
		if errors.Is(err, ErrForbiddenAddress) {
			return nil, newFetchError(msgForbidden, err)
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, newFetchError(i18n.M("pcode.fetch_timeout"), err)
		}
		return nil, newFetchError(i18n.M("pcode.fetch_failed"), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, newFetchError(i18n.M("pcode.fetch_status", "Status", strconv.Itoa(resp.StatusCode)), nil)
	}
	if resp.ContentLength > f.maxBytes {
		return nil, newFetchError(i18n.M("pcode.file_too_large", "KiB", f.maxBytes>>10), nil)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBytes+1))
	if err != nil {
		return nil, newFetchError(i18n.M("pcode.fetch_incomplete"), err)
	}
	if int64(len(body)) > f.maxBytes {
		return nil, newFetchError(i18n.M("pcode.file_too_large", "KiB", f.maxBytes>>10), nil)
	}
	return body, nil
}

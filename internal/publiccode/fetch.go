package publiccode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned when a fetch would connect to a private,
// loopback, link-local or otherwise internal address.
var ErrForbiddenAddress = errors.New("publiccode: address not allowed")

// blockedPrefixes are the networks a fetch must never reach besides what
// netip reports as private, loopback, link-local, multicast or unspecified.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64: may embed an internal IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2002::/16"),      // 6to4: may embed an internal IPv4 address
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
	netip.MustParsePrefix("2001::/32"),      // Teredo: may embed an internal IPv4 address
	netip.MustParsePrefix("ff00::/8"),       // multicast
	netip.MustParsePrefix("169.254.0.0/16"), // link-local, cloud metadata
	netip.MustParsePrefix("fe80::/10"),      // link-local
	netip.MustParsePrefix("fc00::/7"),       // unique local
	netip.MustParsePrefix("127.0.0.0/8"),    // loopback
	netip.MustParsePrefix("::1/128"),        // loopback
	netip.MustParsePrefix("10.0.0.0/8"),     // private
	netip.MustParsePrefix("172.16.0.0/12"),  // private
	netip.MustParsePrefix("192.168.0.0/16"), // private
	netip.MustParsePrefix("255.255.255.255/32"),
}

// ForbiddenIP reports whether a fetch must not connect to ip.
func ForbiddenIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// CheckDial is a net.Dialer Control function: it runs after name resolution
// for every address actually dialled (including each redirect and each
// address of a name with several), so a name that resolves to an internal
// address, or changes its answer between check and connect, is refused.
func CheckDial(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return fmt.Errorf("%w: network %s", ErrForbiddenAddress, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	if ForbiddenIP(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	if p := ap.Port(); p != 443 && p != 80 {
		return fmt.Errorf("%w: port %d", ErrForbiddenAddress, p)
	}
	return nil
}

// Fetcher downloads publiccode.yml files from public web addresses, with a
// timeout and a size limit, and never from internal addresses.
type Fetcher struct {
	client   *http.Client
	maxBytes int64
}

// NewFetcher returns a fetcher with the given timeout for the whole request
// and size limit for the body (MaxFileBytes when maxBytes <= 0).
func NewFetcher(timeout time.Duration, maxBytes int64) *Fetcher {
	if maxBytes <= 0 {
		maxBytes = MaxFileBytes
	}
	dialer := &net.Dialer{Timeout: timeout, Control: CheckDial}
	transport := &http.Transport{
		// No proxy from the environment: the dial check must see the real target.
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
		DisableKeepAlives:      true,
	}
	client := &http.Client{Timeout: timeout, Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("zu viele Weiterleitungen")
			}
			return checkURL(req.URL)
		}}
	return &Fetcher{client: client, maxBytes: maxBytes}
}

// checkURL allows plain http and https addresses without credentials.
func checkURL(u *url.URL) error {
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%w: scheme %q", ErrForbiddenAddress, u.Scheme)
	}
	if u.User != nil || u.Hostname() == "" {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, u.Redacted())
	}
	return nil
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
	if err != nil || checkURL(u) != nil {
		return nil, &FetchError{Message: "Bitte geben Sie eine vollständige Adresse mit https:// an.", Err: ErrForbiddenAddress}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &FetchError{Message: "Die Adresse ist ungültig.", Err: err}
	}
	req.Header.Set("Accept", "application/yaml, text/yaml, text/plain;q=0.9, */*;q=0.1")
	req.Header.Set("User-Agent", "EfA-Register publiccode.yml import")
	resp, err := f.client.Do(req)
	if err != nil {
		if errors.Is(err, ErrForbiddenAddress) {
			return nil, &FetchError{Message: "Die Adresse zeigt auf ein internes Netz oder einen nicht erlaubten Port; abgerufen werden nur öffentliche Adressen (Port 80 oder 443).", Err: err}
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

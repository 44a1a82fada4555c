//go:build linux

package web

import (
	"context"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// bodyFile holds a large cached body in an anonymous in-memory file
// (memfd), so answers can be sent with sendfile(2): the kernel moves the
// pages to the socket without copying them through the program first, as a
// static file server does. Each answer opens its own description of the
// file through /proc/self/fd (sendfile uses the file offset, which must not
// be shared between concurrent answers).
//
// The descriptor is closed only when the document was replaced and no
// answer is between "I will open it" and "I have opened it": otherwise the
// number could be reused by another file before the open.
type bodyFile struct {
	f         *os.File
	path      string
	size      int64
	refs      atomic.Int64
	closed    atomic.Bool
	closeOnce sync.Once
}

// sendfileMinSize is the smallest body worth a file.
const sendfileMinSize = 256 << 10

// newBodyFile copies body into a memfd; nil when that is not possible
// (the answers then come from memory, which is only slower).
func newBodyFile(body []byte) *bodyFile {
	if len(body) < sendfileMinSize {
		return nil
	}
	fd, err := unix.MemfdCreate("efa-api-document", unix.MFD_CLOEXEC)
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), "efa-api-document")
	if _, err := f.Write(body); err != nil {
		f.Close()
		return nil
	}
	return &bodyFile{f: f, path: "/proc/self/fd/" + strconv.Itoa(fd), size: int64(len(body))}
}

// open returns a new description of the file, or nil once it is retired.
func (b *bodyFile) open() *os.File {
	if b == nil {
		return nil
	}
	b.refs.Add(1)
	defer b.release()
	if b.closed.Load() {
		return nil
	}
	f, err := os.Open(b.path)
	if err != nil {
		return nil
	}
	return f
}

func (b *bodyFile) release() {
	if b.refs.Add(-1) == 0 && b.closed.Load() {
		b.closeOnce.Do(func() { b.f.Close() })
	}
}

// retire closes the file as soon as no answer is about to open it.
func (b *bodyFile) retire() {
	if b == nil {
		return
	}
	b.closed.Store(true)
	if b.refs.Load() == 0 {
		b.closeOnce.Do(func() { b.f.Close() })
	}
}

// cork holds back partial TCP segments while a large body is sent
// (TCP_CORK, what nginx calls tcp_nopush), so sendfile's pieces leave in
// full segments; it returns the function that lets the rest go. Without the
// connection in ctx (see ConnContext) it does nothing.
func cork(ctx context.Context) func() {
	tc, ok := ctx.Value(connKey{}).(*net.TCPConn)
	if !ok {
		return func() {}
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return func() {}
	}
	set := func(v int) {
		_ = raw.Control(func(fd uintptr) { _ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK, v) })
	}
	set(1)
	return func() { set(0) }
}

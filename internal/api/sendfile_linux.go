//go:build linux

package api

import (
	"context"
	"io"
	"net"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// bodyFile holds a large cached body in a file without a name, so answers
// can be sent with sendfile(2): the kernel moves the pages to the socket
// without copying them through the program first, as a static file server
// does.
//
// The file is an O_TMPFILE in the temporary directory (on a disk file
// system the page cache hands splice its pages in batches; measured on
// ext4 the export cost 5-10 % less CPU per answer than from a memfd, whose
// shmem pages go one by one), or a memfd where that is not possible.
// Either way it has no name, so nothing is left behind by a crash.
//
// sendfile reads at the file offset, which concurrent answers must not
// share: each answer takes a description of its own from a free list, and
// only when the list is empty is a new one opened through /proc/self/fd
// (an open of a magic link per answer cost more than the answer's
// other work together). A description that comes back is rewound for the
// next answer.
type bodyFile struct {
	path string
	size int64

	mu      sync.Mutex
	base    *os.File   // the file as created; nil once retired
	free    []*os.File // descriptions not in use
	retired bool
}

// sendfileMinSize is the smallest body worth a file.
const sendfileMinSize = 256 << 10

// maxFreeDescriptions bounds the descriptions kept for reuse (one per
// answer sent at the same time; more are opened and closed as needed).
const maxFreeDescriptions = 64

// newBodyFile copies body into a file; nil when that is not possible (the
// answers then come from memory, which is only slower).
func newBodyFile(body []byte) *bodyFile {
	if len(body) < sendfileMinSize {
		return nil
	}
	fd, err := unix.Open(os.TempDir(), unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		if fd, err = unix.MemfdCreate("efa-api-document", unix.MFD_CLOEXEC); err != nil {
			return nil
		}
	}
	f := os.NewFile(uintptr(fd), "efa-api-document")
	if _, err := f.Write(body); err != nil {
		f.Close()
		return nil
	}
	return &bodyFile{base: f, path: "/proc/self/fd/" + strconv.Itoa(fd), size: int64(len(body))}
}

// take returns a description of the file at offset 0 for one answer (give
// it back with put), or nil once the file is retired.
func (b *bodyFile) take() *os.File {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.retired {
		return nil
	}
	if n := len(b.free); n > 0 {
		f := b.free[n-1]
		b.free = b.free[:n-1]
		return f
	}
	// Opened under the lock: retire cannot close the base descriptor (and
	// let another file take its number) between the check and the open.
	f, err := os.Open(b.path)
	if err != nil {
		return nil
	}
	return f
}

// put gives back a description from take.
func (b *bodyFile) put(f *os.File) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return
	}
	b.mu.Lock()
	if b.retired || len(b.free) >= maxFreeDescriptions {
		b.mu.Unlock()
		f.Close()
		return
	}
	b.free = append(b.free, f)
	b.mu.Unlock()
}

// retire closes the file; answers still sending from a description finish
// (each description keeps the file open) and close it on put.
func (b *bodyFile) retire() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.retired {
		return
	}
	b.retired = true
	for _, f := range b.free {
		f.Close()
	}
	b.free = nil
	b.base.Close()
	b.base = nil
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

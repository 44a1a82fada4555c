//go:build !linux

package api

import (
	"context"
	"os"
)

// bodyFile is only used on Linux (sendfile from a file without a name);
// elsewhere large documents are answered from memory.
type bodyFile struct{}

func newBodyFile([]byte) *bodyFile { return nil }

func (b *bodyFile) take() *os.File { return nil }

func (b *bodyFile) put(*os.File) {}

func (b *bodyFile) retire() {}

func cork(context.Context) func() { return func() {} }

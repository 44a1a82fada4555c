//go:build !linux

package web

import (
	"context"
	"os"
)

// bodyFile is only used on Linux (memfd and sendfile); elsewhere large
// documents are answered from memory.
type bodyFile struct{}

func newBodyFile([]byte) *bodyFile { return nil }

func (b *bodyFile) open() *os.File { return nil }

func (b *bodyFile) retire() {}

func cork(context.Context) func() { return func() {} }

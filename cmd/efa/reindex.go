package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"efa-register/internal/search"
)

// indexDir is the folder of the search index inside the data folder.
func indexDir(cfg config) string { return filepath.Join(cfg.DataDir, "index") }

// cmdReindex rebuilds the search index from the database.
func cmdReindex(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("reindex", "Baut den Suchindex (<Datenordner>/index) aus der Datenbank neu auf und zeigt den Fortschritt.\n"+
		"Im Betrieb nicht nötig: efa serve baut einen fehlenden oder beschädigten Index selbst auf und\n"+
		"folgt jeder Änderung. efa serve muss währenddessen beendet sein.", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "`Ordner` der Datenbank und des Suchindex (EFA_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.fail("erwartet keine Argumente")
	}
	if _, err := os.Stat(cfg.dbPath()); err != nil && !cfg.postgres() {
		return fmt.Errorf("keine Datenbank unter %s: %w", cfg.dbPath(), err)
	}
	release, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	defer release()
	log := newLogger(cfg, stderr)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	p := newProgress(stdout, "Suchindex")
	if err := search.Reindex(ctx, indexDir(cfg), st, log, p.update); err != nil {
		p.done()
		return err
	}
	p.done()
	size, files := dirSize(indexDir(cfg))
	fmt.Fprintf(stdout, "Suchindex neu aufgebaut: %d Dokumente in %.2f s, %.1f MB in %d Dateien (%s)\n",
		p.last, time.Since(start).Seconds(), float64(size)/1e6, files, indexDir(cfg))
	return nil
}

// progress prints "label: done/total (pct %)". On a terminal it rewrites one
// line; otherwise (a log file, CI) it prints a line at every tenth.
type progress struct {
	w        io.Writer
	label    string
	tty      bool
	lastTick int
	last     int
	start    time.Time
	printed  bool
}

func newProgress(w io.Writer, label string) *progress {
	p := &progress{w: w, label: label, lastTick: -1, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) update(done, total int) {
	p.last = done
	if total <= 0 {
		return
	}
	pct := done * 100 / total
	if p.tty {
		fmt.Fprintf(p.w, "\r%s: %d/%d (%d %%), %.1f s", p.label, done, total, pct, time.Since(p.start).Seconds())
		p.printed = true
		return
	}
	if tick := pct / 10; tick != p.lastTick {
		p.lastTick = tick
		fmt.Fprintf(p.w, "%s: %d/%d (%d %%), %.1f s\n", p.label, done, total, pct, time.Since(p.start).Seconds())
	}
}

// done ends the rewritten line on a terminal.
func (p *progress) done() {
	if p.tty && p.printed {
		fmt.Fprintln(p.w)
	}
}

// dirSize returns the bytes and number of files under dir.
func dirSize(dir string) (int64, int) {
	var size int64
	n := 0
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				size += fi.Size()
				n++
			}
		}
		return nil
	})
	return size, n
}

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"efa-register/internal/catalog"
	"efa-register/internal/publiccode"
	"efa-register/internal/store"
)

// isDir reports whether path names a folder.
func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

func isURL(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") }

// publiccodeSources expands the operands and the lines of the list file
// (blank lines and lines starting with # left out) into the files and URLs
// to import: a folder gives its .yml and .yaml files, in name order.
func publiccodeSources(operands []string, listFile string) ([]string, error) {
	all := append([]string(nil), operands...)
	if listFile != "" {
		f, err := os.Open(listFile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
				all = append(all, line)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", listFile, err)
		}
	}
	var out []string
	for _, src := range all {
		if isURL(src) || !isDir(src) {
			out = append(out, src)
			continue
		}
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ext := strings.ToLower(filepath.Ext(p)); !d.IsDir() && (ext == ".yml" || ext == ".yaml") {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// importPubliccodeBulk imports many publiccode.yml files, one report line
// each, and fails when any file was not imported.
func importPubliccodeBulk(ctx context.Context, cfg config, operands []string, listFile string, kind catalog.OrgKind, key string,
	dryRun bool, stdout, stderr io.Writer) error {
	sources, err := publiccodeSources(operands, listFile)
	if err != nil {
		return fmt.Errorf("import publiccode: %w", err)
	}
	if len(sources) == 0 {
		return fmt.Errorf("import publiccode: keine publiccode.yml gefunden (Ordner ohne .yml/.yaml oder leere Liste): %w", errUsage)
	}
	for _, src := range sources {
		if isURL(src) && !cfg.PubliccodeFetch {
			return fmt.Errorf("import publiccode: %s: Laden von einer URL ist ausgeschaltet; EFA_PUBLICCODE_FETCH=true setzen: %w", src, errUsage)
		}
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	im := publiccode.NewImporter(st)
	fetcher := publiccode.NewFetcher(cfg.PubliccodeFetchTimeout, publiccode.MaxFileBytes)
	failed := 0
	for _, src := range sources {
		msg, err := importOnePubliccode(ctx, st, im, fetcher, src, kind, key, dryRun)
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "FEHLER  %s: %s\n", src, err)
			continue
		}
		fmt.Fprintf(stdout, "OK      %s: %s\n", src, msg)
	}
	done := "übernommen"
	if dryRun {
		done = "übernehmbar (Probelauf, nichts gespeichert)"
	}
	fmt.Fprintf(stdout, "\n%d Dateien: %d %s, %d fehlerhaft.\n", len(sources), len(sources)-failed, done, failed)
	if failed > 0 {
		return fmt.Errorf("import publiccode: %d von %d Dateien nicht übernommen", failed, len(sources))
	}
	return nil
}

// importOnePubliccode imports one file or URL of a bulk import and returns
// its report line, or an error whose text is the line.
func importOnePubliccode(ctx context.Context, st *store.Store, im *publiccode.Importer, fetcher *publiccode.Fetcher, src string,
	kind catalog.OrgKind, key string, dryRun bool) (string, error) {
	var data []byte
	var err error
	if isURL(src) {
		data, err = fetcher.Fetch(ctx, src)
	} else {
		data, err = readLimited(src, publiccode.MaxFileBytes)
	}
	if err != nil {
		return "", err
	}
	d, err := im.Import(ctx, data)
	var pe *publiccode.Error
	if errors.As(err, &pe) {
		msg := pe.Issues[0].String()
		if n := len(pe.Issues) - 1; n > 0 {
			msg += fmt.Sprintf(" (und %d weitere Fehler)", n)
		}
		return "", errors.New(msg)
	}
	if err != nil {
		return "", err
	}
	if key == "" {
		org, _, why, err := providerFromFile(ctx, st, data)
		if err != nil {
			return "", err
		}
		if org == nil {
			return "", fmt.Errorf("Anbieter unklar (%s); bitte --provider ART:SCHLÜSSEL angeben", why)
		}
		kind, key = org.Kind, org.Key
	}
	notes := fmt.Sprintf("%d Hinweise", len(d.Warnings))
	if dryRun {
		return fmt.Sprintf("„%s“ übernehmbar als /loesungen/%s, Anbieter %s:%s, %s", d.Solution.Name, d.Solution.Slug, kind, key, notes), nil
	}
	res, err := publiccode.Save(ctx, st, catalog.SystemPrincipal(importActor), d, kind, key, d.MatchedAdopters())
	if err != nil {
		var ve *catalog.ValidationError
		if errors.As(err, &ve) {
			return "", errors.New(ve.Error())
		}
		return "", err
	}
	line := fmt.Sprintf("gespeichert als /loesungen/%s, %s, %d unbestätigte Nachnutzungen", res.Solution.Slug, notes, len(res.Adopted))
	if res.Release != "" {
		line += ", Version " + res.Release
	}
	if len(res.Rejected) > 0 {
		line += fmt.Sprintf(", %d usedBy-Einträge abgelehnt", len(res.Rejected))
	}
	return line, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/publiccode"
	"efa-register/internal/store"
)

// importActor is the actor of every record an import from the command line writes.
const importActor = catalog.ActorSystem + ":import"

const importUsage = `Usage:
  efa import publiccode FILE|URL [--provider KIND:KEY] [--dry-run]
      read a publiccode.yml, print what the register would take from it, and
      (with --provider, without --dry-run) register it as a new solution with
      its usedBy entries as unconfirmed adoptions. A URL is fetched only when
      EFA_PUBLICCODE_FETCH=true.
  efa import gemeinden FILE [--nachfolger FILE] [--dry-run] [--force]
      refresh the Gemeinden from a newer Destatis Gemeindeverzeichnis extract
      (columns as in seed/gemeinden.csv; see the README).
  efa import ozg FILE [--dry-run]
      refresh the OZG-Leistungen from a newer catalogue (columns as in
      seed/ozg_leistungen.csv).
`

// cmdImport runs "efa import publiccode|gemeinden|ozg".
func cmdImport(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, importUsage)
		return fmt.Errorf("import: want publiccode, gemeinden or ozg: %w", errUsage)
	}
	switch args[0] {
	case "publiccode":
		return cmdImportPubliccode(ctx, cfg, args[1:], stdout, stderr)
	case "gemeinden":
		return cmdImportGemeinden(ctx, cfg, args[1:], stdout, stderr)
	case "ozg":
		return cmdImportOZG(ctx, cfg, args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, importUsage)
	return fmt.Errorf("import: unknown kind %q: %w", args[0], errUsage)
}

// fileArg splits "FILE --flags" so the file may come before or after the flags.
func fileArg(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

func requireFile(name, file string, fs interface{ Args() []string }) (string, error) {
	if file == "" && len(fs.Args()) > 0 {
		file = fs.Args()[0]
	}
	if file == "" {
		return "", fmt.Errorf("import %s: FILE is missing: %w", name, errUsage)
	}
	return file, nil
}

func cmdImportPubliccode(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	file, args := fileArg(args)
	fs := newFlags("import publiccode", "Reads a publiccode.yml (file, or URL when EFA_PUBLICCODE_FETCH=true) and registers it as a solution.", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "folder of the database (EFA_DATA_DIR)")
	provider := fs.String("provider", "", "provider of the new solution as KIND:KEY (e.g. land:01); without it nothing is saved")
	dryRun := fs.Bool("dry-run", false, "only print the report")
	if err := fs.Parse(args); err != nil {
		return err
	}
	file, err := requireFile("publiccode", file, fs)
	if err != nil {
		return err
	}
	var kind catalog.OrgKind
	var key string
	if *provider != "" {
		k, v, ok := strings.Cut(*provider, ":")
		if !ok || !catalog.OrgKind(k).Valid() || v == "" {
			return fmt.Errorf("import publiccode: --provider %q is not KIND:KEY: %w", *provider, errUsage)
		}
		kind, key = catalog.OrgKind(k), v
	}
	var data []byte
	if strings.HasPrefix(file, "https://") || strings.HasPrefix(file, "http://") {
		if !cfg.PubliccodeFetch {
			return fmt.Errorf("import publiccode: fetching from a URL is off; set EFA_PUBLICCODE_FETCH=true or give a file: %w", errUsage)
		}
		data, err = publiccode.NewFetcher(cfg.PubliccodeFetchTimeout, publiccode.MaxFileBytes).Fetch(ctx, file)
	} else {
		data, err = readLimited(file, publiccode.MaxFileBytes)
	}
	if err != nil {
		return fmt.Errorf("import publiccode: %w", err)
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := publiccode.Import(ctx, data, st)
	var pe *publiccode.Error
	if errors.As(err, &pe) {
		fmt.Fprintf(stdout, "%s kann nicht übernommen werden.\n", file)
		pe.WriteReport(stdout)
		return fmt.Errorf("import publiccode: %d Fehler", len(pe.Issues))
	}
	if err != nil {
		return err
	}
	d.WriteReport(stdout)
	if sims, err := st.FindSolutions(ctx, store.SolutionFilter{Query: d.Solution.Name, PerPage: 5}); err == nil && sims.Total > 0 {
		fmt.Fprintf(stdout, "\nGibt es schon? Lösungen mit ähnlichem Namen:\n")
		for _, s := range sims.Items {
			fmt.Fprintf(stdout, "  %s (%s)\n", s.Name, s.Slug)
		}
	}
	if *dryRun || key == "" {
		if key == "" && !*dryRun {
			fmt.Fprintln(stdout, "\nNichts gespeichert: zum Speichern --provider KIND:KEY angeben.")
		} else {
			fmt.Fprintln(stdout, "\nProbelauf: nichts gespeichert.")
		}
		return nil
	}
	res, err := publiccode.Save(ctx, st, catalog.SystemPrincipal(importActor), d, kind, key, d.MatchedAdopters())
	if err != nil {
		return fmt.Errorf("import publiccode: %w", err)
	}
	fmt.Fprintf(stdout, "\nGespeichert als /loesungen/%s mit %d unbestätigten Nachnutzungen aus usedBy.\n", res.Solution.Slug, len(res.Adopted))
	for _, r := range res.Rejected {
		fmt.Fprintf(stdout, "  nicht eingetragen: %s\n", r)
	}
	return nil
}

// readLimited reads a file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d KiB", path, limit>>10)
	}
	return data, nil
}

// progressPrinter prints "n von m" lines to w at most every second.
func progressPrinter(w io.Writer, what string) func(done, total int) {
	last := time.Time{}
	return func(done, total int) {
		if done == total || time.Since(last) >= time.Second {
			last = time.Now()
			fmt.Fprintf(w, "%s: %d von %d verarbeitet\n", what, done, total)
		}
	}
}

func cmdImportGemeinden(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	file, args := fileArg(args)
	fs := newFlags("import gemeinden", "Refreshes the Gemeinden from a newer Gemeindeverzeichnis extract (CSV as seed/gemeinden.csv).", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "folder of the database (EFA_DATA_DIR)")
	mappingFile := fs.String("nachfolger", "", "CSV with columns ars;nachfolger_ars naming where retired Gemeinden went")
	dryRun := fs.Bool("dry-run", false, "print the report and write nothing")
	force := fs.Bool("force", false, fmt.Sprintf("retire more than %.0f %% of a Land's Gemeinden", store.MaxRetireShare*100))
	if err := fs.Parse(args); err != nil {
		return err
	}
	file, err := requireFile("gemeinden", file, fs)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import gemeinden: %w", err)
	}
	defer f.Close()
	rows, err := store.ReadGemeindenCSV(f)
	if err != nil {
		return fmt.Errorf("import gemeinden: %s: %w", file, err)
	}
	var successors map[string]string
	if *mappingFile != "" {
		mf, err := os.Open(*mappingFile)
		if err != nil {
			return fmt.Errorf("import gemeinden: %w", err)
		}
		defer mf.Close()
		if successors, err = store.ReadSuccessorsCSV(mf); err != nil {
			return fmt.Errorf("import gemeinden: %s: %w", *mappingFile, err)
		}
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	rep, err := st.RefreshGemeinden(ctx, importActor, rows, successors, store.RefreshOptions{DryRun: *dryRun, Force: *force,
		Progress: progressPrinter(stderr, "Gemeinden")})
	if err != nil {
		return fmt.Errorf("import gemeinden: %s: %w", file, err)
	}
	writeGemeindenReport(stdout, rep)
	fmt.Fprintf(stdout, "(%.2f s)\n", time.Since(start).Seconds())
	return nil
}

func writeEntries(w io.Writer, title string, list []store.RefreshEntry) {
	fmt.Fprintf(w, "%s: %d\n", title, len(list))
	for _, e := range list {
		if e.Detail != "" {
			fmt.Fprintf(w, "  %s %s (%s)\n", e.Key, e.Name, e.Detail)
		} else {
			fmt.Fprintf(w, "  %s %s\n", e.Key, e.Name)
		}
	}
}

func writeGemeindenReport(w io.Writer, rep store.GemeindenReport) {
	if rep.DryRun {
		fmt.Fprintln(w, "Probelauf: nichts gespeichert.")
	}
	fmt.Fprintf(w, "Länder in der Datei: %s\n", strings.Join(rep.Laender, ", "))
	writeEntries(w, "Neu", rep.Added)
	writeEntries(w, "Geändert", rep.Changed)
	writeEntries(w, "Wieder aufgenommen", rep.Reactivated)
	writeEntries(w, "Stillgelegt", rep.Retired)
	writeEntries(w, "Kreise neu", rep.KreiseAdded)
	fmt.Fprintf(w, "Unverändert: %d\n", rep.Unchanged)
	fmt.Fprintf(w, "Zugeordnet (Nachnutzungen zum Nachfolger verschoben): %d\n", len(rep.Mapped))
	for _, m := range rep.Mapped {
		fmt.Fprintf(w, "  %s %s -> %s %s: %d verschoben, %d zusammengeführt\n", m.From.Key, m.From.Name, m.To.Key, m.To.Name, m.Moved, m.Merged)
	}
	fmt.Fprintf(w, "Nicht zuordenbar (Nachnutzungen bleiben bei der stillgelegten Gemeinde): %d\n", len(rep.Unmappable))
	for _, u := range rep.Unmappable {
		fmt.Fprintf(w, "  %s %s: %d Nachnutzungen", u.Org.Key, u.Org.Name, u.Adoptions)
		if len(u.Candidates) > 0 {
			names := make([]string, len(u.Candidates))
			for i, c := range u.Candidates {
				names[i] = c.Key + " " + c.Name
			}
			fmt.Fprintf(w, "; möglicher Nachfolger im selben Kreis: %s (mit --nachfolger zuordnen)", strings.Join(names, "; "))
		}
		fmt.Fprintln(w)
	}
}

func cmdImportOZG(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	file, args := fileArg(args)
	fs := newFlags("import ozg", "Refreshes the OZG-Leistungen from a newer catalogue (CSV as seed/ozg_leistungen.csv).", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "folder of the database (EFA_DATA_DIR)")
	dryRun := fs.Bool("dry-run", false, "print the report and write nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	file, err := requireFile("ozg", file, fs)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import ozg: %w", err)
	}
	defer f.Close()
	rows, err := store.ReadServicesCSV(f)
	if err != nil {
		return fmt.Errorf("import ozg: %s: %w", file, err)
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := st.RefreshServices(ctx, importActor, rows, store.RefreshOptions{DryRun: *dryRun, Progress: progressPrinter(stderr, "OZG-Leistungen")})
	if err != nil {
		return fmt.Errorf("import ozg: %s: %w", file, err)
	}
	if rep.DryRun {
		fmt.Fprintln(stdout, "Probelauf: nichts gespeichert.")
	}
	writeEntries(stdout, "Neu", rep.Added)
	writeEntries(stdout, "Geändert", rep.Changed)
	writeEntries(stdout, "Lebenslagen neu", rep.LifeSituationsAdded)
	fmt.Fprintf(stdout, "Unverändert: %d\n", rep.Unchanged)
	writeEntries(stdout, "Nicht mehr im Katalog (behalten, Lösungen verweisen ggf. darauf)", rep.Missing)
	return nil
}

// loadPubliccodeFetch reads EFA_PUBLICCODE_FETCH (true or false, default
// false) and EFA_PUBLICCODE_FETCH_TIMEOUT (default 10s): whether a
// publiccode.yml may be fetched from a URL, and how long a fetch may take.
func loadPubliccodeFetch(getenv func(string) string) (bool, time.Duration, error) {
	on := false
	switch v := strings.ToLower(strings.TrimSpace(getenv("EFA_PUBLICCODE_FETCH"))); v {
	case "", "false", "0", "no":
	case "true", "1", "yes":
		on = true
	default:
		return false, 0, fmt.Errorf("EFA_PUBLICCODE_FETCH=%q: want true or false: %w", v, errUsage)
	}
	timeout := 10 * time.Second
	if v := getenv("EFA_PUBLICCODE_FETCH_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > 2*time.Minute {
			return false, 0, fmt.Errorf("EFA_PUBLICCODE_FETCH_TIMEOUT=%q: want a duration up to 2m such as 10s: %w", v, errUsage)
		}
		timeout = d
	}
	return on, timeout, nil
}

// publiccodeFetcher is the web layer's fetcher, nil when fetching is off.
func publiccodeFetcher(cfg config) *publiccode.Fetcher {
	if !cfg.PubliccodeFetch {
		return nil
	}
	return publiccode.NewFetcher(cfg.PubliccodeFetchTimeout, publiccode.MaxFileBytes)
}

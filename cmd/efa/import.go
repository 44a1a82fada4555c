package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/feed"
	"efa-register/internal/publiccode"
	"efa-register/internal/store"
)

// importActor is the actor of every record an import from the command line writes.
const importActor = catalog.ActorSystem + ":import"

const importUsage = `Aufruf:
  efa import publiccode DATEI|URL [--provider ART:SCHLÜSSEL] [--dry-run]
      liest eine publiccode.yml, zeigt, was das Register daraus übernimmt, und
      trägt sie (ohne --dry-run) als neue Lösung ein, ihre usedBy-Einträge als
      unbestätigte Nachnutzungen. Den Anbieter nennt --provider oder, wenn sie
      genau eine Organisation des Registers meinen, legal.repoOwner und
      legal.mainCopyrightOwner der Datei. Von einer URL nur mit
      EFA_PUBLICCODE_FETCH=true.
  efa import publiccode ORDNER|DATEI… [--liste DATEI] [--provider …] [--dry-run]
      Sammelimport: alle .yml/.yaml eines Ordners, mehrere Dateien oder URLs,
      oder die Zeilen einer Liste; eine Berichtszeile je Datei, Exit-Status 1,
      wenn eine Datei nicht übernommen wurde.
  efa import gemeinden DATEI [--nachfolger DATEI] [--dry-run] [--force]
      aktualisiert die Gemeinden aus einem neueren Auszug des Destatis-
      Gemeindeverzeichnisses (Spalten wie seed/gemeinden.csv; siehe README).
  efa import ozg DATEI [--dry-run]
      aktualisiert die OZG-Leistungen aus einem neueren Katalog (Spalten wie
      seed/ozg_leistungen.csv).
  efa import csaf DATEI --solution KURZBEZEICHNUNG
      legt aus einem CSAF-2.0-Dokument (etwa dem Hinweis eines Herstellers
      zu einer Komponente) einen Entwurf eines Sicherheitshinweises der
      Lösung an; der Anbieter prüft und veröffentlicht ihn im Register.

„efa import publiccode --help“ usw. zeigt die Optionen einer Importart.
`

// cmdImport runs "efa import publiccode|gemeinden|ozg".
func cmdImport(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &usageError{msg: "import: was soll importiert werden? publiccode, gemeinden, ozg oder csaf", usage: "\n" + importUsage}
	}
	if isHelpFlag(args[0]) {
		fmt.Fprint(stderr, importUsage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "publiccode":
		return cmdImportPubliccode(ctx, cfg, args[1:], stdout, stderr)
	case "gemeinden":
		return cmdImportGemeinden(ctx, cfg, args[1:], stdout, stderr)
	case "ozg":
		return cmdImportOZG(ctx, cfg, args[1:], stdout, stderr)
	case "csaf":
		return cmdImportCSAF(ctx, cfg, args[1:], stdout, stderr)
	}
	return &usageError{msg: fmt.Sprintf("import: unbekannte Importart „%s“", args[0]), usage: "\n" + importUsage}
}

// fileArg splits "FILE --flags" so the file may come before or after the flags.
func fileArg(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

// requireFile returns the file named before or after the flags.
func requireFile(file string, fs *flagSet) (string, error) {
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" {
		return "", fs.fail("DATEI fehlt: welche Datei soll importiert werden?")
	}
	return file, nil
}

func cmdImportPubliccode(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	file, args := fileArg(args)
	fs := newFlags("import publiccode", "Liest eine publiccode.yml (Datei, oder URL mit EFA_PUBLICCODE_FETCH=true), zeigt, was das\n"+
		"Register daraus übernimmt, und trägt sie als neue Lösung ein; ihre usedBy-Einträge werden\n"+
		"unbestätigte Nachnutzungen. Ohne --provider gilt als Anbieter die Organisation, die\n"+
		"legal.repoOwner oder legal.mainCopyrightOwner der Datei eindeutig meinen; sonst wird nichts gespeichert.", stderr)
	fs.Operands = "DATEI|URL|ORDNER…"
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "`Ordner` der Datenbank (EFA_DATA_DIR)")
	provider := fs.String("provider", "", "Anbieter der neuen Lösung als `ART:SCHLÜSSEL` (z. B. land:01, gemeinde:010020000000)")
	dryRun := fs.Bool("dry-run", false, "nur den Bericht ausgeben, nichts speichern")
	list := fs.String("liste", "", "Text`datei` mit je einer Datei, einem Ordner oder einer URL pro Zeile (Sammelimport)")
	// Operands and options may come in any order ("a.yml b.yml --provider land:01").
	var operands []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		operands, rest = append(operands, fs.Arg(0)), fs.Args()[1:]
	}
	var kind catalog.OrgKind
	var key string
	if *provider != "" {
		k, v, ok := strings.Cut(*provider, ":")
		if !ok || !catalog.OrgKind(k).Valid() || v == "" {
			return fs.fail("--provider „%s“ hat nicht die Form ART:SCHLÜSSEL (z. B. land:01)", *provider)
		}
		kind, key = catalog.OrgKind(k), v
	}
	// Several files, a folder or a list is a bulk import: one line per file.
	if file != "" {
		operands = append([]string{file}, operands...)
	}
	if *list != "" || len(operands) > 1 || len(operands) == 1 && isDir(operands[0]) {
		return importPubliccodeBulk(ctx, cfg, operands, *list, kind, key, *dryRun, stdout, stderr)
	}
	if len(operands) == 0 {
		return fs.fail("DATEI fehlt: welche Datei soll importiert werden?")
	}
	file = operands[0]
	var err error
	var data []byte
	if strings.HasPrefix(file, "https://") || strings.HasPrefix(file, "http://") {
		if !cfg.PubliccodeFetch {
			return fmt.Errorf("import publiccode: Laden von einer URL ist ausgeschaltet; EFA_PUBLICCODE_FETCH=true setzen oder eine Datei angeben: %w", errUsage)
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
	if key == "" {
		org, from, why, err := providerFromFile(ctx, st, data)
		if err != nil {
			return err
		}
		switch {
		case org != nil:
			kind, key = org.Kind, org.Key
			fmt.Fprintf(stdout, "\nAnbieter aus der Datei (%s): %s (%s:%s)\n", from, org.Name, org.Kind, org.Key)
		case *dryRun:
			fmt.Fprintf(stdout, "\nAnbieter: %s; zum Speichern --provider ART:SCHLÜSSEL angeben.\n", why)
		default:
			return fmt.Errorf("import publiccode: nichts gespeichert, der Anbieter ist unklar: %s. Bitte mit --provider ART:SCHLÜSSEL angeben (z. B. --provider land:01): %w", why, errUsage)
		}
	}
	if *dryRun {
		fmt.Fprintln(stdout, "\nProbelauf: nichts gespeichert.")
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

// providerFromFile finds the provider a publiccode.yml names: the one
// organisation of the register that legal.repoOwner and
// legal.mainCopyrightOwner mean (names that mean none or several are left
// aside; two names meaning different organisations are ambiguous). from says
// which field named it; without a provider, why says in German why not.
func providerFromFile(ctx context.Context, st *store.Store, data []byte) (org *catalog.Organisation, from, why string, err error) {
	f, _, err := publiccode.Parse(data)
	if err != nil {
		return nil, "", "", err
	}
	owners := []struct{ field, name string }{{"legal.repoOwner", f.RepoOwner}, {"legal.mainCopyrightOwner", f.MainCopyrightOwner}}
	var matcher *publiccode.Matcher
	var unclear []string
	for _, o := range owners {
		name := strings.TrimSpace(o.name)
		if name == "" {
			continue
		}
		if matcher == nil {
			orgs, err := st.AllOrganisations(ctx)
			if err != nil {
				return nil, "", "", err
			}
			matcher = publiccode.NewMatcher(orgs)
		}
		match, candidates := matcher.Match(name)
		switch {
		case match == nil && len(candidates) == 0:
			unclear = append(unclear, fmt.Sprintf("%s „%s“ passt zu keiner Organisation im Register", o.field, name))
		case match == nil:
			unclear = append(unclear, fmt.Sprintf("%s „%s“ passt zu mehreren Organisationen", o.field, name))
		case org == nil:
			org, from = match, fmt.Sprintf("%s „%s“", o.field, name)
		case org.Kind != match.Kind || org.Key != match.Key:
			return nil, "", fmt.Sprintf("%s und %s „%s“ meinen verschiedene Organisationen (%s:%s, %s:%s)",
				from, o.field, name, org.Kind, org.Key, match.Kind, match.Key), nil
		}
	}
	if org != nil {
		return org, from, "", nil
	}
	if len(unclear) == 0 {
		return nil, "", "die Datei nennt weder legal.repoOwner noch legal.mainCopyrightOwner", nil
	}
	return nil, "", strings.Join(unclear, "; "), nil
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
		return nil, fmt.Errorf("%s ist größer als %d KiB", path, limit>>10)
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
	fs := newFlags("import gemeinden", "Aktualisiert die Gemeinden aus einem neueren Auszug des Gemeindeverzeichnisses (CSV wie\n"+
		"seed/gemeinden.csv). Nachnutzungen stillgelegter Gemeinden gehen an den Nachfolger aus --nachfolger.", stderr)
	fs.Operands = "DATEI"
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "`Ordner` der Datenbank (EFA_DATA_DIR)")
	mappingFile := fs.String("nachfolger", "", "CSV-`Datei` mit den Spalten ars;nachfolger_ars: wohin stillgelegte Gemeinden gingen")
	dryRun := fs.Bool("dry-run", false, "nur den Bericht ausgeben, nichts speichern")
	force := fs.Bool("force", false, fmt.Sprintf("auch mehr als %.0f %% der Gemeinden eines Landes stilllegen", store.MaxRetireShare*100))
	if err := fs.Parse(args); err != nil {
		return err
	}
	file, err := requireFile(file, fs)
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
	fs := newFlags("import ozg", "Aktualisiert die OZG-Leistungen aus einem neueren Katalog (CSV wie seed/ozg_leistungen.csv).\n"+
		"Leistungen, die im neuen Katalog fehlen, bleiben erhalten und werden genannt.", stderr)
	fs.Operands = "DATEI"
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "`Ordner` der Datenbank (EFA_DATA_DIR)")
	dryRun := fs.Bool("dry-run", false, "nur den Bericht ausgeben, nichts speichern")
	if err := fs.Parse(args); err != nil {
		return err
	}
	file, err := requireFile(file, fs)
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
		return false, 0, fmt.Errorf("EFA_PUBLICCODE_FETCH=%q: erwartet true oder false: %w", v, errUsage)
	}
	timeout := 10 * time.Second
	if v := getenv("EFA_PUBLICCODE_FETCH_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > 2*time.Minute {
			return false, 0, fmt.Errorf("EFA_PUBLICCODE_FETCH_TIMEOUT=%q: erwartet eine Dauer bis 2m wie 10s: %w", v, errUsage)
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

// cmdImportCSAF runs "efa import csaf FILE --solution SLUG": a draft
// advisory of the solution from a CSAF 2.0 document.
func cmdImportCSAF(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	file, args := fileArg(args)
	fs := newFlags("import csaf", "Legt aus einem CSAF-2.0-Dokument einen Entwurf eines Sicherheitshinweises der Lösung an.", stderr)
	fs.Operands = "DATEI"
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "`Ordner` der Datenbank (EFA_DATA_DIR)")
	slug := fs.String("solution", "", "`Kurzbezeichnung` der Lösung, zu der der Hinweis gehört (Pflicht)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	file, err := requireFile(file, fs)
	if err != nil {
		return err
	}
	if *slug == "" {
		return fs.fail("--solution fehlt: zu welcher Lösung gehört der Hinweis?")
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import csaf: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, feed.MaxCSAFBytes+1))
	if err != nil {
		return fmt.Errorf("import csaf: %w", err)
	}
	in, err := feed.ReadCSAF(raw)
	if err != nil {
		return fmt.Errorf("import csaf: %s: %w", file, err)
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := st.CreateAdvisory(ctx, catalog.SystemPrincipal(importActor), *slug, store.AdvisoryFromCSAF(in))
	if err != nil {
		var ve *catalog.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("import csaf: %s: %s", file, ve.Error())
		}
		if errors.Is(err, catalog.ErrNotFound) {
			return fmt.Errorf("import csaf: keine Lösung „%s“ im Register", *slug)
		}
		return fmt.Errorf("import csaf: %w", err)
	}
	fmt.Fprintf(stdout, "Entwurf Nr. %d angelegt: %s (%s, %s)\nPrüfen und veröffentlichen: /sicherheitshinweise/%d/bearbeiten\n",
		a.ID, a.Title, a.SeverityLabel(), a.Distribution.Label(), a.ID)
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"efa-register/internal/catalog"
	"efa-register/internal/search"
	"efa-register/internal/store"
	"efa-register/seed"
)

// syntheticActor is the actor of every generated record in the event log.
const syntheticActor = "system:gen-synthetic"

// syntheticMarker is the file that labels a data folder as synthetic.
const syntheticMarker = "SYNTHETISCH.txt"

// cmdGenSynthetic writes a synthetic catalogue into a separate data folder for benchmarks.
func cmdGenSynthetic(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gen-synthetic", "Erzeugt ein SYNTHETISCHES Register für Lasttests in einem eigenen Datenordner: die echten\n"+
		"Referenzdaten (Länder, Kreise, Gemeinden, OZG-Katalog) und dazu erzeugte Lösungen und Nachnutzungen\n"+
		"mit deutschem Text aus dem echten Katalog. Jede erzeugte Lösung heißt „[Synthetisch] …“, ist als\n"+
		"nicht geprüft markiert und nennt diesen Befehl als Quelle; der Ordner erhält "+syntheticMarker+".\n"+
		"EFA_DATA_DIR bleibt unberührt: im Zielordner darf noch keine Datenbank liegen.", stderr)
	dir := fs.String("data-dir", "./data-synthetic", "`Ordner`, in dem die synthetische Datenbank und ihr Suchindex entstehen")
	nSol := fs.Int("solutions", 50000, "`Anzahl` synthetischer Lösungen (1 bis 1000000)")
	nAdo := fs.Int("adoptions", 1000000, "`Anzahl` synthetischer Nachnutzungen (0 bis 20000000)")
	seedN := fs.Uint64("seed", 1, "`Startwert` des Zufalls (derselbe Startwert ergibt dieselben Daten)")
	noIndex := fs.Bool("no-index", false, "den Suchindex danach nicht aufbauen")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fs.fail("erwartet keine Argumente")
	case *nSol < 1 || *nSol > 1000000:
		return fs.fail("--solutions %d: erlaubt sind 1 bis 1000000", *nSol)
	case *nAdo < 0 || *nAdo > 20000000:
		return fs.fail("--adoptions %d: erlaubt sind 0 bis 20000000", *nAdo)
	}
	target := *dir
	if abs, err := filepath.Abs(target); err == nil {
		if real, err2 := filepath.Abs(cfg.DataDir); err2 == nil && abs == real {
			return fmt.Errorf("gen-synthetic: %s ist der Datenordner des Registers (EFA_DATA_DIR); bitte einen anderen wählen: %w", target, errUsage)
		}
	}
	dbPath := filepath.Join(target, "efa.db")
	if _, err := os.Stat(dbPath); err == nil {
		return fmt.Errorf("gen-synthetic: %s gibt es schon; erst den Ordner %s löschen", dbPath, target)
	}
	if err := os.MkdirAll(target, 0o750); err != nil {
		return err
	}
	release, err := lockDataDir(target)
	if err != nil {
		return err
	}
	defer release()
	marker := fmt.Sprintf("SYNTHETISCHE DATEN – keine echten Lösungen oder Nachnutzungen.\n"+
		"Erzeugt von efa gen-synthetic am %s: %d Lösungen, %d Nachnutzungen, Zufallsstartwert %d.\n"+
		"Die Referenzdaten (Länder, Kreise, Gemeinden, OZG-Katalog) sind die echten Seed-Daten.\n"+
		"Nur für Last- und Leistungstests; niemals als Register betreiben.\n",
		time.Now().UTC().Format(time.RFC3339), *nSol, *nAdo, *seedN)
	if err := os.WriteFile(filepath.Join(target, syntheticMarker), []byte(marker), 0o640); err != nil {
		return err
	}
	log := newLogger(config{LogLevel: cfg.LogLevel}, stderr)
	st, err := store.Open(ctx, dbPath, log)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	fmt.Fprintf(stdout, "Synthetischer Datensatz in %s\n", target)
	if _, err := st.Seed(ctx, seed.FS); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Referenzdaten geladen (%.1f s)\n", time.Since(start).Seconds())

	g, err := newGenerator(ctx, st, *seedN)
	if err != nil {
		return err
	}
	p := newProgress(stdout, "Lösungen")
	const solChunk = 5000
	var sols []catalog.Solution
	for done := 0; done < *nSol; done += solChunk {
		n := min(solChunk, *nSol-done)
		batch := make([]store.BulkSolution, n)
		for i := range batch {
			batch[i] = g.solution(done + i + 1)
		}
		made, err := st.InsertSolutionsBulk(ctx, syntheticActor, batch)
		if err != nil {
			return err
		}
		sols = append(sols, made...)
		p.update(done+n, *nSol)
	}
	p.done()

	p = newProgress(stdout, "Nachnutzungen")
	const adoChunk = 50000
	seen := make(map[uint64]struct{}, *nAdo)
	for done := 0; done < *nAdo; done += adoChunk {
		n := min(adoChunk, *nAdo-done)
		batch := make([]store.BulkAdoption, 0, n)
		for len(batch) < n {
			a, ok := g.adoption(sols, seen)
			if !ok {
				return errors.New("gen-synthetic: zu viele Nachnutzungen für die Zahl der Lösungen und Organisationen")
			}
			batch = append(batch, a)
		}
		if err := st.InsertAdoptionsBulk(ctx, catalog.SystemPrincipal(syntheticActor), batch); err != nil {
			return err
		}
		p.update(done+n, *nAdo)
	}
	p.done()
	size, _ := dirSize(target)
	fmt.Fprintf(stdout, "Datenbank: %d Lösungen, %d Nachnutzungen in %.1f s, %.0f MB\n", *nSol, *nAdo, time.Since(start).Seconds(), float64(size)/1e6)
	if *noIndex {
		return nil
	}
	idxStart := time.Now()
	p = newProgress(stdout, "Suchindex")
	if err := search.Reindex(ctx, filepath.Join(target, "index"), st, log, p.update); err != nil {
		p.done()
		return err
	}
	p.done()
	isize, files := dirSize(filepath.Join(target, "index"))
	fmt.Fprintf(stdout, "Suchindex: %d Dokumente in %.1f s, %.1f MB in %d Dateien\n", p.last, time.Since(idxStart).Seconds(), float64(isize)/1e6, files)
	return nil
}

// generator makes synthetic solutions and adoptions from the real catalogue.
type generator struct {
	r        *rand.Rand
	services []catalog.Service
	laender  []catalog.Organisation
	bund     catalog.Organisation
	adopters []catalog.Organisation // Gemeinden, Kreise and Länder
}

func newGenerator(ctx context.Context, st *store.Store, seedN uint64) (*generator, error) {
	g := &generator{r: rand.New(rand.NewPCG(seedN, 0x5eed))}
	var err error
	if g.services, err = st.Services(ctx, true); err != nil {
		return nil, err
	}
	orgs, err := st.AllOrganisations(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		switch o.Kind {
		case catalog.KindLand:
			g.laender = append(g.laender, o)
			g.adopters = append(g.adopters, o)
		case catalog.KindBund:
			g.bund = o
		case catalog.KindKreis, catalog.KindGemeinde:
			g.adopters = append(g.adopters, o)
		}
	}
	if len(g.services) == 0 || len(g.laender) == 0 || g.bund.ID == 0 {
		return nil, errors.New("gen-synthetic: die Referenzdaten fehlen")
	}
	return g, nil
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

var (
	synPrefixes  = []string{"", "", "", "Digitaler ", "Online-", "E-", "Landesportal "}
	synSuffixes  = []string{" Online", " digital", " – Antragsassistent", " (Onlinedienst)", " – Portal", " Plus", " – EfA-Lösung", " kompakt"}
	synOperators = []string{"Dataport", "AKDB", "ekom21", "IT.NRW", "KDN", "regio iT", "Komm.ONE", "ITEOS", "krz", "Zweckverband eGo-MV"}
	synStandards = []string{"FIT-Connect", "XÖV", "Nutzerkonto Bund", "BundID", "XZuFi", "OZG-Reifegradmodell"}
	synChannels  = []string{"fit-store", "marktplatz", "vertrag", "open-source", ""}
	synLicences  = []string{"", "", "", "", "EUPL-1.2", "EUPL-1.2", "MIT", "Apache-2.0", "proprietär"}
	synStatuses  = []catalog.SolutionStatus{catalog.SolutionLive, catalog.SolutionLive, catalog.SolutionLive, catalog.SolutionPilot,
		catalog.SolutionPilot, catalog.SolutionPlanned, catalog.SolutionPlanned, catalog.SolutionRetired, catalog.SolutionUnknown}
	synAdoption = []catalog.AdoptionStatus{catalog.AdoptionInterested, catalog.AdoptionContracted, catalog.AdoptionOnboarding,
		catalog.AdoptionLive, catalog.AdoptionLive, catalog.AdoptionLive, catalog.AdoptionEnded}
	synSentences = []string{
		"Der Onlinedienst deckt %s ab.",
		"Antragstellende erledigen %s vollständig digital, ohne Medienbruch.",
		"Die Anbindung an das Fachverfahren erfolgt über %s.",
		"Nachnutzende Kommunen binden den Dienst in ihr Serviceportal ein und erhalten die Anträge als strukturierte Daten.",
		"Der Dienst unterstützt die Anmeldung mit dem Nutzerkonto und die elektronische Bezahlung von Gebühren.",
		"Betrieben wird der Dienst von %s im Auftrag des Landes.",
		"Für %s stehen Ausfüllhilfen und eine barrierefreie Oberfläche bereit.",
	}
)

// solution generates the n-th synthetic solution.
func (g *generator) solution(n int) store.BulkSolution {
	r := g.r
	svcs := []catalog.Service{pick(r, g.services)}
	for r.IntN(3) == 0 {
		svcs = append(svcs, pick(r, g.services))
	}
	main := svcs[0]
	name := pick(r, synPrefixes) + main.Name + pick(r, synSuffixes)
	var ids []string
	seen := map[string]bool{}
	var leika []string
	for _, s := range svcs {
		if !seen[s.ID] {
			seen[s.ID] = true
			ids = append(ids, s.ID)
		}
		for _, l := range s.Leika {
			if len(leika) < 6 {
				leika = append(leika, l.Name)
			}
		}
	}
	if len(leika) == 0 {
		leika = []string{main.Name}
	}
	operator := pick(r, synOperators)
	var desc []string
	for i := 0; i < 2+r.IntN(3); i++ {
		s := pick(r, synSentences)
		switch {
		case strings.Contains(s, "Fachverfahren"):
			s = fmt.Sprintf(s, pick(r, synStandards))
		case strings.Contains(s, "Betrieben"):
			s = fmt.Sprintf(s, operator)
		case strings.Contains(s, "%s"):
			s = fmt.Sprintf(s, strings.Join(sample(r, leika, 1+r.IntN(3)), ", "))
		}
		desc = append(desc, s)
	}
	provider := pick(r, g.laender)
	if r.IntN(20) == 0 {
		provider = g.bund
	}
	tf := main.TopicFieldID
	sol := catalog.Solution{
		Slug:          fmt.Sprintf("synth-%06d-%s", n, catalog.Slugify(main.Name, 50)),
		Name:          name,
		Summary:       "[Synthetisch] " + name + ": erzeugter Testdatensatz, keine echte Lösung.",
		Description:   strings.Join(desc, " "),
		Provider:      &provider,
		ProviderID:    &provider.ID,
		Operator:      operator,
		TopicFieldID:  &tf,
		Status:        pick(r, synStatuses),
		AccessChannel: pick(r, synChannels),
		Licence:       pick(r, synLicences),
		Standards:     strings.Join(sample(r, synStandards, 1+r.IntN(2)), ", "),
		Verified:      catalog.VerifiedNo,
		VerifiedNote:  "synthetisch erzeugt",
		Source:        "efa gen-synthetic (synthetische Testdaten)",
	}
	if r.IntN(5) != 0 {
		m := r.IntN(5)
		sol.Maturity = &m
	}
	return store.BulkSolution{Solution: sol, OZGIDs: ids}
}

// adoption generates one adoption of a random solution by a random
// organisation that has not adopted it yet.
func (g *generator) adoption(sols []catalog.Solution, seen map[uint64]struct{}) (store.BulkAdoption, bool) {
	for range 100 {
		si := g.r.IntN(len(sols))
		oi := g.r.IntN(len(g.adopters))
		key := uint64(si)<<32 | uint64(oi)
		if _, dup := seen[key]; dup {
			continue
		}
		seen[key] = struct{}{}
		s, o := sols[si], g.adopters[oi]
		a := catalog.Adoption{SolutionID: s.ID, OrganisationID: o.ID, Status: pick(g.r, synAdoption),
			Since: fmt.Sprintf("%d-%02d", 2019+g.r.IntN(7), 1+g.r.IntN(12)), Source: "synthetisch", Note: "synthetische Nachnutzung"}
		return store.BulkAdoption{Adoption: a, SolutionSlug: s.Slug, AdopterKey: string(o.Kind) + ":" + o.Key}, true
	}
	return store.BulkAdoption{}, false
}

// sample returns up to n distinct elements of xs in random order.
func sample(r *rand.Rand, xs []string, n int) []string {
	idx := r.Perm(len(xs))
	out := make([]string, 0, n)
	for _, i := range idx {
		if len(out) == n {
			break
		}
		out = append(out, xs[i])
	}
	return out
}

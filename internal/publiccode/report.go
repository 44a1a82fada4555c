package publiccode

import (
	"fmt"
	"io"
	"strings"
)

// FieldLabels are the German names of the mapped solution fields, in the
// order the preview and the report show them.
var FieldLabels = []struct{ Field, Label string }{
	{"name", "Name"}, {"slug", "Kurzbezeichnung"}, {"summary", "Kurzbeschreibung"}, {"description", "Beschreibung"},
	{"status", "Status"}, {"licence", "Lizenz"}, {"repositoryUrl", "Quellcode"}, {"accessUrl", "Bezugsadresse"},
	{"contactEmail", "Kontakt (Funktionspostfach)"}, {"verified", "Prüfstand"},
}

// Value returns the text of a mapped field of the draft, by JSON name.
func (d *Draft) Value(field string) string {
	s := d.Solution
	switch field {
	case "name":
		return s.Name
	case "slug":
		return s.Slug
	case "summary":
		return s.Summary
	case "description":
		return s.Description
	case "status":
		return s.Status.Label()
	case "licence":
		return s.Licence
	case "repositoryUrl":
		return s.RepositoryURL
	case "accessUrl":
		return s.AccessURL
	case "contactEmail":
		return s.ContactEmail
	case "verified":
		return s.Verified.Label() + " (" + s.VerifiedNote + ")"
	}
	return ""
}

// WriteReport prints the draft as the command line shows it.
func (d *Draft) WriteReport(w io.Writer) {
	fmt.Fprintf(w, "publiccode.yml (Version %s) gelesen.\n\nÜbernommene Angaben:\n", d.Version)
	for _, f := range FieldLabels {
		v := d.Value(f.Field)
		if v == "" {
			continue
		}
		if r := []rune(v); len(r) > 100 {
			v = string(r[:100]) + " …"
		}
		v = strings.ReplaceAll(v, "\n", " ")
		src := d.Sources[f.Field]
		if src != "" {
			src = "  [" + src + "]"
		}
		fmt.Fprintf(w, "  %-28s %s%s\n", f.Label+":", v, src)
	}
	if meta := d.Solution.Publiccode; meta != nil && len(meta.Descriptions) > 0 {
		langs := make([]string, len(meta.Descriptions))
		for i, desc := range meta.Descriptions {
			langs[i] = desc.Lang
		}
		fmt.Fprintf(w, "  %-28s %s (Text der Lösung: %s)\n", "Beschreibung in:", strings.Join(langs, ", "), orDash(meta.TextLang))
	}
	if d.Release != nil {
		fmt.Fprintf(w, "  %-28s %s vom %s  [softwareVersion, releaseDate]\n", "Version:", d.Release.Version, d.Release.Date)
	}
	fmt.Fprintf(w, "\nOZG-Leistungen (%d):\n", len(d.Services))
	for _, sv := range d.Services {
		fmt.Fprintf(w, "  %s %s  [Zeile %d, %s]\n", sv.ID, sv.Name, sv.Line, sv.Via)
	}
	fmt.Fprintf(w, "\nNachnutzende aus usedBy (%d, unbestätigt):\n", len(d.Adopters))
	for _, a := range d.Adopters {
		switch {
		case a.Match != nil:
			fmt.Fprintf(w, "  Zeile %d: %s -> %s (%s %s), Status %s\n", a.Line, a.Name, a.Match.Name, a.Match.Kind.Label(), a.Match.Key, a.Status.Label())
		case len(a.Candidates) > 0:
			names := make([]string, len(a.Candidates))
			for i, c := range a.Candidates {
				names[i] = fmt.Sprintf("%s (%s %s)", c.Name, c.Kind.Label(), c.Key)
			}
			fmt.Fprintf(w, "  Zeile %d: %s -> mehrdeutig: %s\n", a.Line, a.Name, strings.Join(names, "; "))
		default:
			fmt.Fprintf(w, "  Zeile %d: %s -> keine Organisation gefunden\n", a.Line, a.Name)
		}
	}
	writeIssues(w, "Hinweise", d.Warnings)
}

// WriteReport prints the problems of a file that cannot be imported.
func (e *Error) WriteReport(w io.Writer) {
	writeIssues(w, "Fehler", e.Issues)
	writeIssues(w, "Hinweise", e.Warnings)
}

func writeIssues(w io.Writer, title string, list []Issue) {
	if len(list) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s (%d):\n", title, len(list))
	for _, is := range list {
		fmt.Fprintf(w, "  %s\n", is)
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

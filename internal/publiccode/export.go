package publiccode

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"efa-register/internal/catalog"
)

// ExportVersion is the version of the standard the export follows.
const ExportVersion = "0.4"

// ExportInput is what the export of one solution needs.
type ExportInput struct {
	// Solution with Provider and Services loaded.
	Solution catalog.Solution
	// Leika lists the LeiKa keys per OZG-ID of the solution's services.
	Leika map[string][]string
	// TopicFields names the Themenfelder by id, for the leika entries.
	TopicFields map[uint]string
	// UsedBy are the names of the organisations that run the solution live.
	UsedBy []string
	// PageURL is the solution's page in the register, written into the header comment.
	PageURL string
}

type exportFile struct {
	Version           string                       `yaml:"publiccodeYmlVersion"`
	Name              string                       `yaml:"name"`
	URL               string                       `yaml:"url,omitempty"`
	LandingURL        string                       `yaml:"landingURL,omitempty"`
	Platforms         []string                     `yaml:"platforms"`
	Categories        []string                     `yaml:"categories"`
	UsedBy            []string                     `yaml:"usedBy,omitempty"`
	DevelopmentStatus string                       `yaml:"developmentStatus,omitempty"`
	SoftwareType      string                       `yaml:"softwareType"`
	Description       map[string]exportDescription `yaml:"description"`
	Legal             *exportLegal                 `yaml:"legal,omitempty"`
	Maintenance       *exportMaintenance           `yaml:"maintenance,omitempty"`
	Localisation      exportLocalisation           `yaml:"localisation"`
	DE                *exportGerman                `yaml:"DE,omitempty"`
}

type exportDescription struct {
	ShortDescription string   `yaml:"shortDescription,omitempty"`
	LongDescription  string   `yaml:"longDescription,omitempty"`
	Features         []string `yaml:"features,omitempty"`
}

type exportLegal struct {
	License string `yaml:"license"`
}

type exportMaintenance struct {
	Contacts []exportContact `yaml:"contacts"`
}

type exportContact struct {
	Name        string `yaml:"name"`
	Email       string `yaml:"email"`
	Affiliation string `yaml:"affiliation,omitempty"`
}

type exportLocalisation struct {
	AvailableLanguages []string `yaml:"availableLanguages"`
}

type exportGerman struct {
	CountryExtensionVersion string        `yaml:"countryExtensionVersion"`
	Leika                   []exportLeika `yaml:"leika"`
}

type exportLeika struct {
	TopicField string `yaml:"themenfeld,omitempty"`
	OZGID      string `yaml:"ozg-id"`
	LeikaID    string `yaml:"leika-id,omitempty"`
}

// DevelopmentStatusOf maps a solution status to developmentStatus; "" for
// a status the standard cannot say (unknown).
func DevelopmentStatusOf(s catalog.SolutionStatus) string {
	switch s {
	case catalog.SolutionPlanned:
		return "development"
	case catalog.SolutionPilot:
		return "beta"
	case catalog.SolutionLive:
		return "stable"
	case catalog.SolutionRetired:
		return "obsolete"
	}
	return ""
}

// Export writes a solution as publiccode.yml. It writes only what the
// register knows: keys the standard requires but the register does not
// record (maintenance.type, localisation.localisationReady, and url when no
// repository is known) are left out and named in the header comment, so a
// maintainer can complete the file instead of publishing a guess. Importing
// the result gives the same solution.
func Export(in ExportInput) ([]byte, error) {
	sol := in.Solution
	f := exportFile{
		Version: ExportVersion, Name: sol.Name, URL: sol.RepositoryURL, LandingURL: sol.AccessURL,
		// EfA solutions are online services used in the browser.
		Platforms: []string{"web"}, Categories: []string{"digital-citizenship"}, SoftwareType: "standalone/web",
		UsedBy: in.UsedBy, DevelopmentStatus: DevelopmentStatusOf(sol.Status),
		Localisation: exportLocalisation{AvailableLanguages: []string{"de"}},
	}
	desc := exportDescription{ShortDescription: sol.Summary, LongDescription: sol.Description}
	for _, sv := range sol.Services {
		desc.Features = append(desc.Features, fmt.Sprintf("OZG-Leistung %s: %s", sv.ID, sv.Name))
	}
	f.Description = map[string]exportDescription{"de": desc}
	if sol.Licence != "" {
		f.Legal = &exportLegal{License: sol.Licence}
	}
	if sol.ContactEmail != "" {
		c := exportContact{Name: "Funktionspostfach", Email: sol.ContactEmail}
		if sol.Provider != nil {
			c.Affiliation = sol.Provider.Name
		}
		f.Maintenance = &exportMaintenance{Contacts: []exportContact{c}}
	}
	if len(sol.Services) > 0 {
		de := &exportGerman{CountryExtensionVersion: "1.0"}
		for _, sv := range sol.Services {
			tf := in.TopicFields[sv.TopicFieldID]
			keys := in.Leika[sv.ID]
			if len(keys) == 0 {
				de.Leika = append(de.Leika, exportLeika{TopicField: tf, OZGID: sv.ID})
			}
			for _, k := range keys {
				de.Leika = append(de.Leika, exportLeika{TopicField: tf, OZGID: sv.ID, LeikaID: k})
			}
		}
		f.DE = de
	}
	var missing []string
	if sol.RepositoryURL == "" {
		missing = append(missing, "url (kein öffentliches Quellcode-Repository bekannt)")
	}
	if f.DevelopmentStatus == "" {
		missing = append(missing, "developmentStatus (Status im Register: unbekannt)")
	}
	if sol.Licence == "" {
		missing = append(missing, "legal.license")
	}
	missing = append(missing, "maintenance.type", "localisation.localisationReady")

	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# publiccode.yml aus dem EfA-Register\n")
	if in.PageURL != "" {
		fmt.Fprintf(&buf, "# Quelle: %s\n", in.PageURL)
	}
	fmt.Fprintf(&buf, "# Prüfstand der Angaben im Register: %s\n", sol.Verified.Label())
	fmt.Fprintf(&buf, "# Nicht im Register erfasst und daher nicht ausgefüllt: %s\n", strings.Join(missing, ", "))
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("publiccode: encode %q: %w", sol.Slug, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("publiccode: encode %q: %w", sol.Slug, err)
	}
	return buf.Bytes(), nil
}

// Source is what ExportSolution reads from the register; *store.Store has it.
type Source interface {
	SolutionBySlug(ctx context.Context, slug string) (catalog.Solution, error)
	AdoptionsBySolution(ctx context.Context, slug string) ([]catalog.Adoption, error)
	ServiceByID(ctx context.Context, ozgID string) (catalog.Service, error)
	TopicFields(ctx context.Context) ([]catalog.TopicField, error)
}

// UsedByName is how an adopter is named in usedBy: its official name, with
// "Kreis" in front for a Kreis whose name does not say so, so that a
// kreisfreie Stadt as Kreis is told apart from the Gemeinde of the same name.
func UsedByName(o catalog.Organisation) string {
	if o.Kind == catalog.KindKreis && !strings.Contains(strings.ToLower(o.Name), "kreis") {
		return "Kreis " + o.Name
	}
	return o.Name
}

// ExportSolution reads a solution with its services, LeiKa keys and live
// adopters from src and writes it as publiccode.yml.
func ExportSolution(ctx context.Context, src Source, slug, pageURL string) ([]byte, error) {
	sol, err := src.SolutionBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	in := ExportInput{Solution: sol, Leika: map[string][]string{}, TopicFields: map[uint]string{}, PageURL: pageURL}
	for _, sv := range sol.Services {
		full, err := src.ServiceByID(ctx, sv.ID)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, l := range full.Leika {
			if l.Key != "" && !seen[l.Key] {
				seen[l.Key] = true
				in.Leika[sv.ID] = append(in.Leika[sv.ID], l.Key)
			}
		}
	}
	tfs, err := src.TopicFields(ctx)
	if err != nil {
		return nil, err
	}
	for _, tf := range tfs {
		in.TopicFields[tf.ID] = tf.Name
	}
	adoptions, err := src.AdoptionsBySolution(ctx, slug)
	if err != nil {
		return nil, err
	}
	for _, a := range adoptions {
		// usedBy lists who uses the software now; disputed claims stay out.
		if a.Status == catalog.AdoptionLive && a.Organisation != nil && a.Confirmation != catalog.ConfirmationDisputed {
			in.UsedBy = append(in.UsedBy, UsedByName(*a.Organisation))
		}
	}
	return Export(in)
}

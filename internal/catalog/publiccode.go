package catalog

// PubliccodeData is what a provider's publiccode.yml said beyond the
// solution's own fields (name, summary, description, licence, repository,
// landing page, status, contact mailbox, OZG services), kept so that the
// publiccode.yml export gives it back. It is written only by a publiccode.yml
// import; editing the solution in the form or the API keeps it.
type PubliccodeData struct {
	// Name is the file's name key when the solution's name came from the
	// German localisedName; URL is the url key when it is no web address
	// (git://, ssh://) and so not the solution's repository link.
	Name string `json:"name,omitempty"`
	URL  string `json:"url,omitempty"`
	// TextLang is the language the solution's summary and description were
	// written in (the description section they came from).
	TextLang string `json:"textLang,omitempty"`
	// Descriptions holds every language of the description section, the
	// one of TextLang included (its texts are the solution's and win on export).
	Descriptions       []PubliccodeDescription `json:"descriptions,omitempty"`
	ApplicationSuite   string                  `json:"applicationSuite,omitempty"`
	Logo               string                  `json:"logo,omitempty"`
	Platforms          []string                `json:"platforms,omitempty"`
	Categories         []string                `json:"categories,omitempty"`
	SoftwareType       string                  `json:"softwareType,omitempty"`
	MainCopyrightOwner string                  `json:"mainCopyrightOwner,omitempty"`
	RepoOwner          string                  `json:"repoOwner,omitempty"`
	MaintenanceType    string                  `json:"maintenanceType,omitempty"`
	Contractors        []PubliccodeContractor  `json:"contractors,omitempty"`
	// Contacts are the maintenance contacts with a function mailbox, under
	// their name when it names a function and as "Funktionspostfach" else;
	// contacts with a personal address or none are not kept.
	Contacts           []PubliccodeContact `json:"contacts,omitempty"`
	LocalisationReady  *bool               `json:"localisationReady,omitempty"`
	AvailableLanguages []string            `json:"availableLanguages,omitempty"`
	// DependsOn and IT are the dependsOn and it sections as YAML text, verbatim.
	DependsOn string `json:"dependsOn,omitempty"`
	IT        string `json:"it,omitempty"`
}

// PubliccodeDescription is one language of a publiccode.yml description section.
type PubliccodeDescription struct {
	Lang             string   `json:"lang"`
	LocalisedName    string   `json:"localisedName,omitempty"`
	GenericName      string   `json:"genericName,omitempty"`
	ShortDescription string   `json:"shortDescription,omitempty"`
	LongDescription  string   `json:"longDescription,omitempty"`
	Documentation    string   `json:"documentation,omitempty"`
	APIDocumentation string   `json:"apiDocumentation,omitempty"`
	Features         []string `json:"features,omitempty"`
	Screenshots      []string `json:"screenshots,omitempty"`
	Videos           []string `json:"videos,omitempty"`
	Awards           []string `json:"awards,omitempty"`
}

// PubliccodeContact is one maintenance contact.
type PubliccodeContact struct {
	Name        string `json:"name"`
	Email       string `json:"email,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Affiliation string `json:"affiliation,omitempty"`
}

// PubliccodeContractor is one maintenance contractor.
type PubliccodeContractor struct {
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	Website string `json:"website,omitempty"`
	// Until is the end of the contract, YYYY-MM-DD.
	Until string `json:"until"`
}

// Description returns the description of language lang, or nil.
func (d *PubliccodeData) Description(lang string) *PubliccodeDescription {
	if d == nil {
		return nil
	}
	for i := range d.Descriptions {
		if d.Descriptions[i].Lang == lang {
			return &d.Descriptions[i]
		}
	}
	return nil
}

package api_test

import (
	"encoding/json"
	"os"
	"testing"

	"efa-register/internal/catalog"
)

// Issue 15 row 10: the OpenAPI document states the length limit of every
// text field a client can write, and it is the limit the validation applies.
func TestOpenAPIStatesEveryLengthLimit(t *testing.T) {
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					MaxLength *int `json:"maxLength"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{
		// Solution and SolutionWithWarnings take their members from SolutionFields.
		"SolutionFields": {
			"slug": catalog.MaxSlug, "name": catalog.MaxSolutionName, "summary": catalog.MaxSolutionSummary,
			"description": catalog.MaxSolutionDescription, "providerNote": catalog.MaxProviderNote, "partners": catalog.MaxPartners,
			"operator": catalog.MaxOperator, "statusNote": catalog.MaxStatusNote, "accessChannel": catalog.MaxAccessChannel,
			"accessUrl": catalog.MaxSolutionURL, "repositoryUrl": catalog.MaxSolutionURL, "licence": catalog.MaxLicence,
			"standards": catalog.MaxStandards, "costs": catalog.MaxCosts, "costSharing": catalog.MaxCostSharing,
			"contactEmail": catalog.MaxContactEmail, "knownAdoptersText": catalog.MaxKnownAdopters,
			"verifiedNote": catalog.MaxVerifiedNote, "source": catalog.MaxSolutionSource,
		},
		"Adoption": {"solution": catalog.MaxSlug, "contractType": catalog.MaxContractType, "note": catalog.MaxAdoptionNote,
			"source": catalog.MaxAdoptionSource},
		"SolutionWrite": {
			"slug": catalog.MaxSlug, "name": catalog.MaxSolutionName, "summary": catalog.MaxSolutionSummary,
			"description": catalog.MaxSolutionDescription, "providerNote": catalog.MaxProviderNote, "partners": catalog.MaxPartners,
			"operator": catalog.MaxOperator, "statusNote": catalog.MaxStatusNote, "accessChannel": catalog.MaxAccessChannel,
			"accessUrl": catalog.MaxSolutionURL, "repositoryUrl": catalog.MaxSolutionURL, "licence": catalog.MaxLicence,
			"standards": catalog.MaxStandards, "costs": catalog.MaxCosts, "costSharing": catalog.MaxCostSharing,
			"contactEmail": catalog.MaxContactEmail,
		},
		"AdoptionWrite": {"solution": catalog.MaxSlug, "since": catalog.MaxAdoptionSince, "contractType": catalog.MaxContractType,
			"note": catalog.MaxAdoptionNote, "release": catalog.MaxReleaseVersion},
		"ReleaseWrite":  {"version": catalog.MaxReleaseVersion, "notes": catalog.MaxReleaseNotes, "url": catalog.MaxReleaseURL},
		"Release":       {"version": catalog.MaxReleaseVersion, "notes": catalog.MaxReleaseNotes, "url": catalog.MaxReleaseURL},
		"ReleaseUpdate": {"version": catalog.MaxReleaseVersion, "notes": catalog.MaxReleaseNotes, "url": catalog.MaxReleaseURL},
	}
	for schema, props := range want {
		s, ok := doc.Components.Schemas[schema]
		if !ok {
			t.Errorf("schema %s missing", schema)
			continue
		}
		for prop, n := range props {
			got := s.Properties[prop].MaxLength
			if got == nil || *got != n {
				t.Errorf("%s.%s maxLength = %v, want %d", schema, prop, got, n)
			}
		}
	}
}

package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/views"
)

const (
	// landAdoptionLimit caps the adoption tables of a Land page; the
	// synthetic catalogue has tens of thousands per Land.
	landAdoptionLimit = 500
	// landSolutionLimit caps the provided solutions listed on a Land page.
	landSolutionLimit = 20
)

// handleLandList renders the overview of the 16 Länder.
func (s *server) handleLandList(c echo.Context) error {
	perLand, err := s.countsPerLand(c.Request().Context())
	if err != nil {
		return err
	}
	d := views.LandListData{Table: views.Table{Caption: "Die 16 Länder im Register (die Daten der Karte)",
		Head: []string{"Land", "bereitgestellte Lösungen", "Nachnutzungen seiner Lösungen von außerhalb",
			"Nachnutzungen durch Land, Kreise und Gemeinden", "davon in Betrieb", "Gemeinden mit eigener Nachnutzung"},
		NumericCols: map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true}, TestID: "land-table"}}
	counts := map[string]int64{}
	for _, lc := range perLand {
		counts[lc.Land.Key] = lc.AdoptionsMade
		d.Table.Rows = append(d.Table.Rows, []views.Cell{{Text: lc.Land.Name, URL: views.LandURL(lc.Land.Key)},
			{Text: views.FormatInt(lc.Provided)}, {Text: views.FormatInt(lc.AdoptionsReceived)}, {Text: views.FormatInt(lc.AdoptionsMade)},
			{Text: views.FormatInt(lc.LiveAdoptionsMade)}, {Text: views.FormatInt(lc.AdoptingMunicipalities)}})
	}
	d.Map, err = countMap("karte-laender", "Nachnutzungen je Land",
		"Karte der 16 Länder, eingefärbt nach der Zahl der Nachnutzungen durch das Land, seine Kreise und Gemeinden. Die Tabelle daneben enthält dieselben Zahlen und mehr.",
		"Nachnutzungen", counts)
	if err != nil {
		return err
	}
	return renderOK(c, views.LandListPage(page(c, "Länder", "/laender", views.Crumb{Label: "Start", URL: "/"}, views.Crumb{Label: "Länder"}), d))
}

// handleLandShow renders one Land. It accepts the Länderschlüssel ("06")
// and redirects the abbreviation ("he", "HE") to it.
func (s *server) handleLandShow(c echo.Context) error {
	ctx := c.Request().Context()
	code := c.Param("code")
	if !catalog.ValidLandKey(code) {
		laender, err := s.Store.Laender(ctx)
		if err != nil {
			return err
		}
		for _, l := range laender {
			if l.ShortName != "" && strings.EqualFold(l.ShortName, code) {
				return c.Redirect(http.StatusMovedPermanently, views.LandURL(l.Key))
			}
		}
		return catalog.ErrNotFound
	}
	land, err := s.Store.OrganisationByKey(ctx, catalog.KindLand, code)
	if err != nil {
		return err
	}
	d := views.LandData{Land: land}
	perLand, err := s.countsPerLand(ctx)
	if err != nil {
		return err
	}
	for _, lc := range perLand {
		if lc.Land.Key == land.Key {
			d.Provided, d.AdoptionsMade, d.LiveAdoptionsMade = lc.Provided, lc.AdoptionsMade, lc.LiveAdoptionsMade
			d.AdoptionsReceived, d.AdoptingMunicipalities = lc.AdoptionsReceived, lc.AdoptingMunicipalities
		}
	}
	provided, err := storeCached(ctx, s, "provided:"+land.Key, func() (store.SolutionPage, error) {
		return s.Store.FindSolutions(ctx, store.SolutionFilter{ProviderLand: land.Key, Sort: "adoptions", PerPage: landSolutionLimit})
	})
	if err != nil {
		return err
	}
	d.ProvidedTotal = provided.Total
	if d.ProvidedSolutions, err = s.solutionItems(ctx, provided.Items); err != nil {
		return err
	}
	type inLand struct {
		list  []catalog.Adoption
		total int64
	}
	al, err := storeCached(ctx, s, "adoptionsInLand:"+land.Key, func() (inLand, error) {
		list, total, err := s.Store.AdoptionsInLand(ctx, land.Key, landAdoptionLimit)
		return inLand{list, total}, err
	})
	if err != nil {
		return err
	}
	adoptions, total := al.list, al.total
	d.Shown, d.Total = int64(len(adoptions)), total
	for _, a := range adoptions {
		if a.Organisation != nil && a.Organisation.Kind == catalog.KindLand {
			d.Own = append(d.Own, a)
		} else {
			d.Municipal = append(d.Municipal, a)
		}
	}
	if d.Map, err = s.landMap(ctx, land, adoptions); err != nil {
		return err
	}
	kreise, err := s.Store.OrganisationsByKind(ctx, catalog.KindKreis, land.Key)
	if err != nil {
		return err
	}
	perKreis, err := storeCached(ctx, s, "adoptionsPerKreis:"+land.Key, func() (map[string]int64, error) {
		return s.Store.AdoptionCountsByKreis(ctx, land.Key)
	})
	if err != nil {
		return err
	}
	d.Kreise = views.Table{Caption: "Kreise und kreisfreie Städte in " + land.Name, Head: []string{"Kreis", "Art", "Einwohner", "Nachnutzungen (Kreis und Gemeinden)"},
		NumericCols: map[int]bool{2: true, 3: true}, TestID: "land-kreise"}
	for _, k := range kreise {
		d.Kreise.Rows = append(d.Kreise.Rows, []views.Cell{{Text: k.Name, URL: views.OrgURL(&k)}, {Text: k.Type},
			{Text: views.FormatInt(k.Population)}, {Text: views.FormatInt(perKreis[k.Key])}})
	}
	return renderOK(c, views.LandPage(page(c, land.Name, "/laender",
		views.Crumb{Label: "Start", URL: "/"}, views.Crumb{Label: "Länder", URL: "/laender"}, views.Crumb{Label: land.Name}), d))
}

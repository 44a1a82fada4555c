package insights

import (
	"encoding/csv"
	"fmt"
	"io/fs"
	"strconv"

	"efa-register/seed"
)

// EstimateFile is the seed file with the public figures behind the default
// estimate of the Digitalisierungsrendite.
const EstimateFile = "rendite_schaetzung.csv"

// Keys of the figures in EstimateFile.
const (
	figureFunds     = "bundesmittel_efa_laender"
	figureSolutions = "efa_loesungen"
)

// Figure is one public figure with its source.
type Figure struct {
	Key, Unit, Meaning string
	Value              float64
	Source, URL, AsOf  string
}

// Estimate is the default build cost of a solution whose provider has not
// entered its own: the federal funds the Länder received for EfA online
// services divided by the number of EfA solutions, both from the Federal
// Court of Auditors' report on the OZG (2024). It is an average over very
// different services, so every figure computed with it is labelled an estimate.
type Estimate struct {
	BuildCostEUR float64
	Figures      []Figure
}

// LoadEstimate reads the default estimate from the seed files.
func LoadEstimate(fsys fs.FS) (Estimate, error) {
	f, err := fsys.Open(EstimateFile)
	if err != nil {
		return Estimate{}, fmt.Errorf("insights: open %s: %w", EstimateFile, err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return Estimate{}, fmt.Errorf("insights: read %s: %w", EstimateFile, err)
	}
	var out Estimate
	values := map[string]float64{}
	for i, r := range rows {
		if i == 0 {
			continue
		}
		if len(r) != 7 {
			return Estimate{}, fmt.Errorf("insights: %s line %d: %d fields, want 7", EstimateFile, i+1, len(r))
		}
		v, err := strconv.ParseFloat(r[1], 64)
		if err != nil || v <= 0 {
			return Estimate{}, fmt.Errorf("insights: %s line %d: value %q is not a positive number", EstimateFile, i+1, r[1])
		}
		values[r[0]] = v
		out.Figures = append(out.Figures, Figure{Key: r[0], Value: v, Unit: r[2], Meaning: r[3], Source: r[4], URL: r[5], AsOf: r[6]})
	}
	funds, n := values[figureFunds], values[figureSolutions]
	if funds == 0 || n == 0 {
		return Estimate{}, fmt.Errorf("insights: %s lacks %s or %s", EstimateFile, figureFunds, figureSolutions)
	}
	out.BuildCostEUR = funds / n
	return out, nil
}

// DefaultEstimate is the estimate of the embedded seed files.
func DefaultEstimate() (Estimate, error) { return LoadEstimate(seed.FS) }

package store

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"efa-register/internal/catalog"
)

// OrganisationByKey returns the organisation with the natural key kind+key.
func (s *Store) OrganisationByKey(ctx context.Context, kind catalog.OrgKind, key string) (catalog.Organisation, error) {
	var o catalog.Organisation
	err := s.r.WithContext(ctx).Where("kind = ? AND key = ?", kind, key).First(&o).Error
	return o, translate(err, fmt.Sprintf("organisation %s:%s", kind, key))
}

// OrganisationByARS returns the Gemeinde or Kreis with the given ARS.
func (s *Store) OrganisationByARS(ctx context.Context, ars string) (catalog.Organisation, error) {
	var o catalog.Organisation
	err := s.r.WithContext(ctx).Where("ars = ?", ars).Order("kind = 'gemeinde' desc").First(&o).Error
	return o, translate(err, "organisation by ARS "+ars)
}

// OrganisationByAGS returns the Gemeinde with the given AGS.
func (s *Store) OrganisationByAGS(ctx context.Context, ags string) (catalog.Organisation, error) {
	var o catalog.Organisation
	err := s.r.WithContext(ctx).Where("ags = ? AND kind = ?", ags, catalog.KindGemeinde).First(&o).Error
	return o, translate(err, "organisation by AGS "+ags)
}

// OrganisationsByNamePrefix returns up to limit organisations whose name
// starts with prefix (case-insensitive), Länder and Kreise before Gemeinden,
// larger before smaller.
func (s *Store) OrganisationsByNamePrefix(ctx context.Context, prefix string, limit int) ([]catalog.Organisation, error) {
	prefix = strings.TrimSpace(prefix)
	if prefix == "" {
		return nil, nil
	}
	escape := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace
	// SQL lower() folds ASCII only, so a prefix starting with Ä, Ö or Ü is
	// also matched in its capitalised form ("über" finds "Überlingen").
	lower := strings.ToLower(prefix)
	r := []rune(lower)
	title := string(unicode.ToUpper(r[0])) + string(r[1:])
	var out []catalog.Organisation
	err := s.r.WithContext(ctx).Where(`retired_at IS NULL AND (lower(name) LIKE ? ESCAPE '\' OR name LIKE ? ESCAPE '\')`, escape(lower)+"%", escape(title)+"%").
		Order("population desc").Order("name").Limit(limit).Find(&out).Error
	return out, translate(err, "organisations by name")
}

// Länder returns the 16 Länder ordered by key.
func (s *Store) Laender(ctx context.Context) ([]catalog.Organisation, error) {
	var out []catalog.Organisation
	err := s.r.WithContext(ctx).Where("kind = ?", catalog.KindLand).Order("key").Find(&out).Error
	return out, translate(err, "Länder")
}

// OrganisationsByKind returns every organisation of a kind, optionally in one Land, ordered by key.
func (s *Store) OrganisationsByKind(ctx context.Context, kind catalog.OrgKind, landKey string) ([]catalog.Organisation, error) {
	q := s.r.WithContext(ctx).Where("kind = ?", kind)
	if landKey != "" {
		q = q.Where("land_key = ?", landKey)
	}
	var out []catalog.Organisation
	err := q.Order("key").Find(&out).Error
	return out, translate(err, "organisations of kind "+string(kind))
}

// orgEntityID is the identifier of an organisation in the event log.
func orgEntityID(o *catalog.Organisation) string { return string(o.Kind) + ":" + o.Key }

// CreateOrganisation validates and stores an organisation (for example an
// IT service provider) and appends its event.
func (s *Store) CreateOrganisation(ctx context.Context, actor string, o catalog.Organisation) (catalog.Organisation, error) {
	if err := o.Validate(); err != nil {
		return o, err
	}
	o.ID = 0
	err := s.write(ctx, actor, func(t *tx) error {
		if err := t.db.Create(&o).Error; err != nil {
			return err
		}
		_, err := t.event(catalog.EntityOrganisation, orgEntityID(&o), catalog.ActionCreate, nil, &o)
		return err
	})
	return o, translate(err, "create organisation "+orgEntityID(&o))
}

// OrganisationByID returns one organisation.
func (s *Store) OrganisationByID(ctx context.Context, id uint) (catalog.Organisation, error) {
	var o catalog.Organisation
	err := s.r.WithContext(ctx).First(&o, id).Error
	return o, translate(err, "organisation by id")
}

// LookupOrganisations finds organisations by AGS, ARS or postcode (digits)
// or by name prefix, for forms that work without the search index.
func (s *Store) LookupOrganisations(ctx context.Context, q string, n int) ([]catalog.Organisation, error) {
	q = strings.TrimSpace(q)
	var out []catalog.Organisation
	db := s.r.WithContext(ctx).Where("kind <> ? AND retired_at IS NULL", catalog.KindBund)
	var err error
	switch {
	case catalog.ValidAGS(q):
		err = db.Where("ags = ?", q).Limit(n).Find(&out).Error
	case catalog.ValidARS(q):
		err = db.Where("ars = ?", q).Order("kind = 'gemeinde' desc").Limit(n).Find(&out).Error
	case len(q) == 5 && strings.Trim(q, "0123456789") == "":
		err = db.Where("postcode = ? OR key = ?", q, q).Order("population desc").Limit(n).Find(&out).Error
	default:
		return s.OrganisationsByNamePrefix(ctx, q, n)
	}
	return out, translate(err, "lookup organisations")
}

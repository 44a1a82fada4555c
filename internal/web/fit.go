package web

import (
	"context"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
	"efa-register/views"
)

// maxMemberFits bounds the organisations a solution page checks for one user.
const maxMemberFits = 10

// profileRows turns a profile into rows for display, in vocabulary order by
// dimension (named in the language of ctx).
func profileRows(ctx context.Context, p catalog.Profile) []views.ProfileRow {
	v := store.Vocabulary()
	var out []views.ProfileRow
	for _, dim := range catalog.Dimensions {
		for _, st := range v.InDimension(dim.Key) {
			if m := p.Mode(st.Key); m != "" {
				out = append(out, views.ProfileRow{Dimension: dim.L(ctx), Standard: st, Mode: m})
			}
		}
	}
	return out
}

// memberFits checks the solution against each organisation the user is a member of.
func (s *Site) memberFits(ctx context.Context, p catalog.Principal, sol catalog.Solution) ([]views.OrgFit, error) {
	var out []views.OrgFit
	seen := map[uint]bool{}
	for _, g := range p.Grants {
		if seen[g.OrganisationID] || len(out) == maxMemberFits {
			continue
		}
		seen[g.OrganisationID] = true
		org, err := s.Store.OrganisationByID(ctx, g.OrganisationID)
		if err != nil {
			return nil, err
		}
		env, err := s.Store.EffectiveEnvironment(ctx, org)
		if err != nil {
			return nil, err
		}
		out = append(out, views.OrgFit{Org: org, Fit: catalog.CheckFit(store.Vocabulary(), sol.StandardsProfile, env)})
	}
	return out, nil
}

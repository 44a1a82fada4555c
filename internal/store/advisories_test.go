package store_test

import (
	"context"
	"errors"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

const criticalVector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

func advisoryInput(d catalog.Distribution, st catalog.AdvisoryStatus) store.AdvisoryInput {
	return store.AdvisoryInput{Title: "Anmeldung umgehbar im Wohngeldantrag", Summary: "Eine Lücke in der Anmeldung.",
		CVSSVector: criticalVector, CVEs: []string{"cve-2024-3094"}, AffectedVersions: "< 2.4.1", FixedVersion: "2.4.1",
		Action: "Auf 2.4.1 aktualisieren.", Distribution: d, Status: st}
}

// advisoryFixture adds the editor of the provider of wohngeld-online (Land
// Schleswig-Holstein) to the user fixture.
func advisoryFixture(t *testing.T) (*userFixture, catalog.Principal) {
	t.Helper()
	f := newUserFixture(t)
	u, err := f.st.CreateUser(context.Background(), "test", store.NewUser{Name: "Ina Anbieter", Email: "anbieter@example.de", PasswordHash: "x",
		Memberships: []store.NewMembership{{Kind: catalog.KindLand, Key: "01", Role: catalog.RoleEditor}}})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["provider"] = u.ID
	return f, f.principal(t, "provider")
}

// Only the provider's editors and admins write advisories; the CVSS vector is
// scored by the library, bad vectors and CVE ids are refused field by field.
func TestAdvisoryWritesCheckPrincipalAndInput(t *testing.T) {
	ctx := context.Background()
	f, provider := advisoryFixture(t)
	s := f.st
	in := advisoryInput(catalog.DistributionPublic, catalog.AdvisoryDraft)
	for _, who := range []string{"koordSH", "koordNW", "flens", "nobody"} {
		if _, err := s.CreateAdvisory(ctx, f.principal(t, who), "wohngeld-online", in); !errors.Is(err, catalog.ErrForbidden) {
			t.Errorf("%s creates an advisory: %v, want ErrForbidden", who, err)
		}
	}
	if _, err := s.CreateAdvisory(ctx, catalog.Principal{}, "wohngeld-online", in); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("anonymous creates an advisory: %v", err)
	}
	if _, err := s.CreateAdvisory(ctx, provider, "gibt-es-nicht", in); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("unknown solution: %v", err)
	}
	bad := in
	bad.CVSSVector, bad.CVEs = "CVSS:3.1/AV:X/AC:L", []string{"CVE-24-1"}
	_, err := s.CreateAdvisory(ctx, provider, "wohngeld-online", bad)
	var v *catalog.ValidationError
	if !errors.As(err, &v) || v.Fields["cvssVector"] == "" || v.Fields["cves"] == "" {
		t.Fatalf("bad vector and CVE: %v", err)
	}
	a, err := s.CreateAdvisory(ctx, provider, "wohngeld-online", in)
	if err != nil {
		t.Fatal(err)
	}
	if a.CVSSScore != 9.8 || a.Severity != "CRITICAL" || a.CVEs != "CVE-2024-3094" || a.Revision != 0 || a.PublishedAt != nil {
		t.Errorf("created draft: score %v %s, cves %q, revision %d, published %v", a.CVSSScore, a.Severity, a.CVEs, a.Revision, a.PublishedAt)
	}
	// Publishing makes revision 1; a later change of the text an update (revision 2).
	pub := in
	pub.Status = catalog.AdvisoryPublished
	if a, err = s.UpdateAdvisory(ctx, provider, a.ID, pub); err != nil || a.Revision != 1 || a.Status != catalog.AdvisoryPublished || a.PublishedAt == nil {
		t.Fatalf("publish: %+v %v", a, err)
	}
	pub.FixedVersion = "2.4.2"
	if a, err = s.UpdateAdvisory(ctx, provider, a.ID, pub); err != nil || a.Revision != 2 || a.Status != catalog.AdvisoryUpdated {
		t.Fatalf("update: revision %d status %s %v", a.Revision, a.Status, err)
	}
	back := pub
	back.Status = catalog.AdvisoryDraft
	if _, err := s.UpdateAdvisory(ctx, provider, a.ID, back); !errors.As(err, &v) || v.Fields["status"] == "" {
		t.Errorf("published back to draft: %v", err)
	}
	if _, err := s.UpdateAdvisory(ctx, f.principal(t, "koordNW"), a.ID, pub); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("coordinator NW updates: %v", err)
	}
	evs, err := s.EventsFor(ctx, catalog.EntityAdvisory, "1", 10)
	if err != nil || len(evs) != 3 {
		t.Errorf("revision history: %d events, %v; want create, publish, update", len(evs), err)
	}
}

// A restricted advisory exists only for its writers, the members of the
// affected organisations, the coordinators of their Länder and admins; a
// draft only for its writers.
func TestRestrictedAdvisoryVisibility(t *testing.T) {
	ctx := context.Background()
	f, provider := advisoryFixture(t)
	s := f.st
	restricted, err := s.CreateAdvisory(ctx, provider, "wohngeld-online", advisoryInput(catalog.DistributionRestricted, catalog.AdvisoryPublished))
	if err != nil {
		t.Fatal(err)
	}
	draft, err := s.CreateAdvisory(ctx, provider, "wohngeld-online", advisoryInput(catalog.DistributionPublic, catalog.AdvisoryDraft))
	if err != nil {
		t.Fatal(err)
	}
	public, err := s.CreateAdvisory(ctx, provider, "wohngeld-online", advisoryInput(catalog.DistributionPublic, catalog.AdvisoryPublished))
	if err != nil {
		t.Fatal(err)
	}
	// Flensburg runs wohngeld-online (affected); Köln does not; Land NRW
	// runs it, so its coordinator oversees an affected organisation.
	for who, want := range map[string][]uint{
		"anonymous": {public.ID},
		"koeln":     {public.ID},
		"flens":     {public.ID, restricted.ID},
		"koordNW":   {public.ID, restricted.ID},
		"koordSH":   {public.ID, restricted.ID},
		"admin1":    {public.ID, draft.ID, restricted.ID},
		"provider":  {public.ID, draft.ID, restricted.ID},
	} {
		p := catalog.Principal{}
		if who != "anonymous" {
			p = f.principal(t, who)
		}
		list, total, err := s.Advisories(ctx, p, store.AdvisoryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[uint]bool{}
		for _, a := range list {
			got[a.ID] = true
		}
		if int(total) != len(want) || len(got) != len(want) {
			t.Errorf("%s lists %v (total %d), want %v", who, got, total, want)
		}
		for _, id := range want {
			if !got[id] {
				t.Errorf("%s does not list advisory %d", who, id)
			}
			if _, err := s.Advisory(ctx, p, id); err != nil {
				t.Errorf("%s reads advisory %d: %v", who, id, err)
			}
		}
		for _, id := range []uint{restricted.ID, draft.ID} {
			if !got[id] {
				if _, err := s.Advisory(ctx, p, id); !errors.Is(err, catalog.ErrNotFound) {
					t.Errorf("%s reads hidden advisory %d: %v, want ErrNotFound", who, id, err)
				}
			}
		}
	}
}

// Affected organisations answer; the rollout counts them, for the provider
// all of them, for a coordinator those of the Land.
func TestAdvisoryResponsesAndRollout(t *testing.T) {
	ctx := context.Background()
	f, provider := advisoryFixture(t)
	s := f.st
	a, err := s.CreateAdvisory(ctx, provider, "wohngeld-online", advisoryInput(catalog.DistributionRestricted, catalog.AdvisoryPublished))
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.AdvisoryRollout(ctx, provider, a.ID)
	if err != nil || before.Affected < 2 || before.NoAnswer != before.Affected || before.Acted != 0 {
		t.Fatalf("rollout before answers: %+v %v", before, err)
	}
	flens := f.principal(t, "flens")
	done := catalog.AdvisoryResponse{Kind: catalog.ResponseDone, DoneOn: "2026-12-01", Version: "2.4.1"}
	if _, err := s.RespondToAdvisory(ctx, flens, a.ID, catalog.KindGemeinde, arsFlensburg, done); err != nil {
		t.Fatal(err)
	}
	// Köln is not affected; Flensburg's editor does not answer for Kiel.
	var v *catalog.ValidationError
	if _, err := s.RespondToAdvisory(ctx, f.principal(t, "admin1"), a.ID, catalog.KindGemeinde, arsKoeln, done); !errors.As(err, &v) || v.Fields["organisation"] == "" {
		t.Errorf("response of an organisation that is not affected: %v", err)
	}
	if _, err := s.RespondToAdvisory(ctx, flens, a.ID, catalog.KindGemeinde, "010020000000", done); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("Flensburg answers for Kiel: %v", err)
	}
	if _, err := s.RespondToAdvisory(ctx, f.principal(t, "koeln"), a.ID, catalog.KindGemeinde, arsFlensburg, done); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Köln (cannot read the restricted advisory) answers: %v", err)
	}
	if _, err := s.RespondToAdvisory(ctx, flens, a.ID, catalog.KindGemeinde, arsFlensburg, catalog.AdvisoryResponse{Kind: catalog.ResponseDone}); !errors.As(err, &v) ||
		v.Fields["doneOn"] == "" || v.Fields["installedVersion"] == "" {
		t.Errorf("done without date and version: %v", err)
	}
	// The coordinator of NRW answers for the Land NRW that it not affected.
	nw := f.principal(t, "koordNW")
	if _, err := s.RespondToAdvisory(ctx, nw, a.ID, catalog.KindLand, "05", catalog.AdvisoryResponse{Kind: catalog.ResponseNotAffected, Reason: "Eigene Anmeldung"}); err != nil {
		t.Fatal(err)
	}
	after, err := s.AdvisoryRollout(ctx, provider, a.ID)
	if err != nil || after.Affected != before.Affected || after.Acted != 2 || after.NoAnswer != before.Affected-2 {
		t.Fatalf("rollout after two answers: %+v %v", after, err)
	}
	land, err := s.AdvisoryRollout(ctx, nw, a.ID)
	if err != nil || land.Affected != 1 || land.Acted != 1 || land.Rows[0].Organisation.Key != "05" {
		t.Fatalf("NW coordinator's rollout: %+v %v", land, err)
	}
	if _, err := s.AdvisoryRollout(ctx, flens, a.ID); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("Gemeinde editor sees the rollout: %v", err)
	}
	// Answering again replaces the answer.
	if _, err := s.RespondToAdvisory(ctx, flens, a.ID, catalog.KindGemeinde, arsFlensburg, catalog.AdvisoryResponse{Kind: catalog.ResponseRead}); err != nil {
		t.Fatal(err)
	}
	again, _ := s.AdvisoryRollout(ctx, provider, a.ID)
	if again.Acted != 1 || again.Read != 1 {
		t.Errorf("after Flensburg changed to read: %+v", again)
	}
}

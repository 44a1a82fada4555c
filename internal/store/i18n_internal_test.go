package store

import (
	"context"
	"errors"
	"testing"

	"efa-register/internal/catalog"
	"efa-register/internal/i18n"
)

// TestStoreMessagesInEnglish checks the messages the store gives people in
// both languages: German text unchanged, English by i18n.Localize.
func TestStoreMessagesInEnglish(t *testing.T) {
	en := i18n.WithLang(context.Background(), i18n.EN)
	err := forbiddenAdopter(catalog.Organisation{Name: "Kiel"})
	if !errors.Is(err, catalog.ErrForbidden) || err.Error() != "Sie dürfen für „Kiel“ keine Nachnutzung eintragen: forbidden" {
		t.Errorf("forbiddenAdopter = %v", err)
	}
	if m, ok := ForbiddenMsg(err); !ok || i18n.Localize(en, m) != "You may not register an adoption for “Kiel”" {
		t.Errorf("ForbiddenMsg in English = %q %v", i18n.Localize(en, m), ok)
	}
	m := i18n.M("storeerr.release_in_use", "Count", int64(1), "Version", "2.0")
	if got := m.String(); got != "Ein Nachnutzer gibt die Version „2.0“ an; sie bleibt eingetragen." {
		t.Errorf("German one = %q", got)
	}
	m = i18n.M("storeerr.release_in_use", "Count", int64(1200), "Version", "2.0")
	if got := m.In(i18n.EN); got != "1,200 adopters state the version “2.0”; it stays registered." {
		t.Errorf("English other = %q", got)
	}
	d := WebhookDelivery{Outcome: DeliveryFailed, HTTPStatus: 503}
	if got := deliveryErrorText(d); got != "Zustellung fehlgeschlagen (Antwort 503 statt 2xx)" {
		t.Errorf("deliveryErrorText = %q", got)
	}
	if got := i18n.Localize(en, DeliveryErrorMsg(WebhookDelivery{Outcome: DeliveryFailed, Error: DeliveryFailureText})); got != "Delivery failed (connection refused or timed out)" {
		t.Errorf("DeliveryErrorMsg in English = %q", got)
	}
	if deliveryErrorText(WebhookDelivery{Outcome: DeliveryFailed}) != DeliveryFailureText {
		t.Error("DeliveryFailureText differs from the catalogue")
	}
	ev := catalog.Event{Action: catalog.ActionCreate}
	if AdvisoryChangeSummaryIn(i18n.EN, ev) != "created" || AdvisoryChangeSummary(ev) != "angelegt" {
		t.Error("AdvisoryChangeSummary")
	}
}

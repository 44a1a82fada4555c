package views

import (
	"context"
	"time"

	"github.com/a-h/templ"

	"efa-register/internal/i18n"
)

// t returns the message id in the page's language (see internal/i18n).
func t(ctx context.Context, id string, kv ...any) string { return i18n.T(ctx, id, kv...) }

// lang is the page's language code for lang attributes.
func lang(ctx context.Context) string { return string(i18n.From(ctx)) }

// dataLang marks text of the register's data (names, descriptions: written
// in German) as German when the page is in another language.
func dataLang(ctx context.Context) templ.Attributes {
	if i18n.From(ctx) == i18n.DE {
		return nil
	}
	return templ.Attributes{"lang": "de"}
}

// Formatters of numbers and dates in the page's language.
func num(ctx context.Context, n int64) string          { return i18n.Int(ctx, n) }
func date(ctx context.Context, t time.Time) string     { return i18n.Date(ctx, t) }
func dateTime(ctx context.Context, t time.Time) string { return i18n.DateTime(ctx, t) }
func partialDate(ctx context.Context, s string) string { return i18n.PartialDate(ctx, s) }
func pct(ctx context.Context, v float64) string        { return i18n.Percent(ctx, v) }
func euro(ctx context.Context, v int64) string         { return i18n.Euro(ctx, v) }

// dataLangIf is dataLang for text that is register data only when german
// holds (a table cell, a facet value, a changed value of the history).
func dataLangIf(ctx context.Context, german bool) templ.Attributes {
	if !german {
		return nil
	}
	return dataLang(ctx)
}

// Package i18n holds the message catalogues of the UI (German first, English
// beside it) and the language-dependent formatting of numbers and dates.
//
// Every user-facing text has a message id (nav.solutions) in
// locales/de.json and locales/en.json. Code and templates name ids only as
// string literals, in calls of T, M or the views' t, so the catalogue test
// can check that every id used exists in both catalogues and every id in a
// catalogue is used. Template data: numbers passed as values are formatted for
// the language; a value named Count also chooses the plural form.
package i18n

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Lang is a language of the UI.
type Lang string

// The languages of the UI; German is the default.
const (
	DE Lang = "de"
	EN Lang = "en"
)

// Langs are the supported languages, the default first.
var Langs = []Lang{DE, EN}

//go:embed locales/*.json
var files embed.FS

var localizers = map[Lang]*goi18n.Localizer{}

// plain holds the texts without template fields or plural forms per
// language: most lookups of a page, answered without go-i18n's matching.
var plain = map[Lang]map[string]string{}

// Bundle is the loaded catalogue set; the catalogue test reads its files.
var bundle = goi18n.NewBundle(language.German)

func init() {
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	entries, err := files.ReadDir("locales")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		data, err := files.ReadFile(path.Join("locales", e.Name()))
		if err != nil {
			panic(err)
		}
		// One file per language: de.json, en.json.
		lang := strings.TrimSuffix(e.Name(), ".json")
		if _, err := bundle.ParseMessageFileBytes(data, e.Name()); err != nil {
			panic(fmt.Sprintf("i18n: %s: %v", e.Name(), err))
		}
		var texts map[string]any
		if err := json.Unmarshal(data, &texts); err != nil {
			panic(fmt.Sprintf("i18n: %s: %v", e.Name(), err))
		}
		if plain[Lang(lang)] == nil {
			plain[Lang(lang)] = map[string]string{}
		}
		for id, v := range texts {
			if text, ok := v.(string); ok && !strings.Contains(text, "{{") {
				plain[Lang(lang)][id] = text
			}
		}
	}
	for _, l := range Langs {
		localizers[l] = goi18n.NewLocalizer(bundle, string(l))
	}
}

// Parse returns the language named s ("de", "en", "en-GB") and whether it is supported.
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i > 0 {
		s = s[:i]
	}
	for _, l := range Langs {
		if s == string(l) {
			return l, true
		}
	}
	return DE, false
}

var matcher = language.NewMatcher([]language.Tag{language.German, language.English})

// Negotiate picks the language of a request: an explicit choice (query or
// cookie) first, then Accept-Language, then German.
func Negotiate(choice, acceptLanguage string) Lang {
	if l, ok := Parse(choice); ok {
		return l
	}
	if acceptLanguage == "" || len(acceptLanguage) > 512 {
		return DE
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return DE
	}
	_, idx, conf := matcher.Match(tags...)
	if conf == language.No {
		return DE
	}
	return Langs[idx]
}

type ctxKey struct{}

// WithLang returns ctx carrying the language l.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the language of ctx, German when none was set.
func From(ctx context.Context) Lang {
	if ctx != nil {
		if l, ok := ctx.Value(ctxKey{}).(Lang); ok {
			return l
		}
	}
	return DE
}

// T returns the message id in the language of ctx; kv are pairs of template
// field name and value.
func T(ctx context.Context, id string, kv ...any) string { return From(ctx).T(id, kv...) }

// T returns the message id in language l. A missing id is returned as the id
// itself (the catalogue test keeps that from happening).
func (l Lang) T(id string, kv ...any) string {
	if len(kv) == 0 {
		if text, ok := plain[l][id]; ok {
			return text
		}
	}
	loc := localizers[l]
	if loc == nil {
		loc = localizers[DE]
	}
	cfg := goi18n.LocalizeConfig{MessageID: id}
	if len(kv) > 0 {
		data := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			name, _ := kv[i].(string)
			v := kv[i+1]
			if name == "Count" {
				cfg.PluralCount = v
			}
			data[name] = l.value(v)
		}
		cfg.TemplateData = data
	}
	s, err := loc.Localize(&cfg)
	if err != nil {
		return id
	}
	return s
}

// value formats a template value for the language: numbers get the
// language's separators, messages are localised.
func (l Lang) value(v any) any {
	switch x := v.(type) {
	case int:
		return l.Int(int64(x))
	case int64:
		return l.Int(x)
	case uint:
		return l.Int(int64(x))
	case float64:
		return l.Decimal(x, -1)
	case Message:
		return x.In(l)
	}
	return v
}

// Message is a text to be localised later, when the reader's language is
// known: errors and messages made below the layer that knows the request.
type Message struct {
	ID   string
	Args []any
}

// M returns the message id with template data kv (pairs), for later.
func M(id string, kv ...any) Message { return Message{ID: id, Args: kv} }

// In returns the message in language l.
func (m Message) In(l Lang) string { return l.T(m.ID, m.Args...) }

// String returns the message in German, the default language.
func (m Message) String() string { return m.In(DE) }

// Error makes a Message usable as an error whose text is German.
func (m Message) Error() string { return m.String() }

// Localize returns v in the language of ctx when it is a Message (or a
// pointer to one) and its usual text otherwise.
func Localize(ctx context.Context, v any) string {
	switch x := v.(type) {
	case Message:
		return x.In(From(ctx))
	case *Message:
		return x.In(From(ctx))
	case string:
		return x
	case fmt.Stringer:
		return x.String()
	case error:
		return x.Error()
	}
	return fmt.Sprint(v)
}

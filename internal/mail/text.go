package mail

import (
	"strings"
	"unicode/utf8"

	"efa-register/internal/i18n"
)

// Text is the subject and the lines of an e-mail in one language.
type Text struct {
	Subject string
	Lines   []string
}

// EnglishVersion is the line between the German and the English text of a
// bilingual message.
const EnglishVersion = "– English version –"

// In returns the message written by text in language l: for a recipient
// whose language is known (the person acting in the request).
func In(kind string, to []string, l i18n.Lang, text func(i18n.Lang) Text) Message {
	t := text(l)
	return Message{Kind: kind, To: to, Subject: t.Subject, Body: strings.Join(t.Lines, "\n") + footer(l)}
}

// Bilingual returns the message written by text in German and in English,
// German first: for recipients whose language is unknown. The subject is
// "German / English".
func Bilingual(kind string, to []string, text func(i18n.Lang) Text) Message {
	de, en := text(i18n.DE), text(i18n.EN)
	body := strings.Join(de.Lines, "\n") + "\n\n" + EnglishVersion + "\n\n" + strings.Join(en.Lines, "\n") +
		footer(i18n.DE) + "\n" + strings.Join(signature(i18n.EN), "\n")
	return Message{Kind: kind, To: to, Subject: de.Subject + " / " + en.Subject, Body: body}
}

// footer closes a message in language l with the signature separator.
func footer(l i18n.Lang) string { return "\n\n-- \n" + strings.Join(signature(l), "\n") }

func signature(l i18n.Lang) []string {
	return []string{l.T("mail.signature"), l.T("mail.automatic")}
}

// fieldWidth is the width of a field's label with its colon and padding.
const fieldWidth = 14

// Field is an indented "label: value" line of a list of facts, the values
// aligned; the lines of a longer value are indented below each other.
func Field(label, value string) string {
	pad := fieldWidth - utf8.RuneCountInString(label) - 1
	if pad < 1 {
		pad = 1
	}
	indent := "\n" + strings.Repeat(" ", 2+fieldWidth)
	return "  " + label + ":" + strings.Repeat(" ", pad) + strings.ReplaceAll(value, "\n", indent)
}

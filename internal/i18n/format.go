package i18n

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"
)

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// separators returns the thousands and decimal separators of l.
func (l Lang) separators() (thousands, decimal byte) {
	if l == EN {
		return ',', '.'
	}
	return '.', ','
}

// Int formats n with the language's thousands separator (10.794 / 10,794).
func (l Lang) Int(n int64) string {
	th, _ := l.separators()
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := 0; i < len(s); i++ {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, th)
		}
		out = append(out, s[i])
	}
	return string(out)
}

// Decimal formats v with prec decimals (-1: as few as needed) and the
// language's separators (1.234,5 / 1,234.5).
func (l Lang) Decimal(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', prec, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(intPart, 10, 64)
	out := l.Int(n)
	if v < 0 && (n != 0 || strings.Trim(frac, "0") != "") {
		out = "-" + out
	}
	if frac != "" {
		_, dec := l.separators()
		out += string(dec) + frac
	}
	return out
}

// Percent formats a share given in percent with two decimals: 3,39 % / 3.39%.
func (l Lang) Percent(v float64) string {
	if l == EN {
		return l.Decimal(v, 2) + "%"
	}
	return l.Decimal(v, 2) + " %"
}

// Euro formats an amount in whole euros: 1.250.000 € / €1,250,000.
func (l Lang) Euro(v int64) string {
	if l == EN {
		if v < 0 {
			return "-€" + l.Int(-v)
		}
		return "€" + l.Int(v)
	}
	return l.Int(v) + " €"
}

// Date formats a day in Berlin time: 26.11.2025 / 26 Nov 2025.
func (l Lang) Date(t time.Time) string {
	t = t.In(berlin)
	if l == EN {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02.01.2006")
}

// LongDate formats a day with the month's name: 5. Dezember 2026 / 5 December 2026.
func (l Lang) LongDate(t time.Time) string {
	t = t.In(berlin)
	if l == EN {
		return t.Format("2 January 2006")
	}
	return strconv.Itoa(t.Day()) + ". " + germanMonths[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

var germanMonths = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
	"August", "September", "Oktober", "November", "Dezember"}

// DateTime formats a moment in Berlin time: 26.11.2025, 14:05 Uhr / 26 Nov 2025, 14:05.
func (l Lang) DateTime(t time.Time) string {
	t = t.In(berlin)
	if l == EN {
		return t.Format("2 Jan 2006, 15:04")
	}
	return t.Format("02.01.2006, 15:04") + " Uhr"
}

// PartialDate shows a stored date of the form YYYY, YYYY-MM or YYYY-MM-DD:
// 03/2024 or 05.03.2024 in German, Mar 2024 or 5 Mar 2024 in English.
func (l Lang) PartialDate(s string) string {
	switch len(s) {
	case 7:
		if l == EN {
			if t, err := time.Parse("2006-01", s); err == nil {
				return t.Format("Jan 2006")
			}
		}
		return s[5:7] + "/" + s[:4]
	case 10:
		if l == EN {
			if t, err := time.Parse("2006-01-02", s); err == nil {
				return t.Format("2 Jan 2006")
			}
		}
		return s[8:10] + "." + s[5:7] + "." + s[:4]
	}
	return s
}

// Context shorthands of the formatters above.

// Int formats n for the language of ctx.
func Int(ctx context.Context, n int64) string { return From(ctx).Int(n) }

// Decimal formats v for the language of ctx.
func Decimal(ctx context.Context, v float64, prec int) string { return From(ctx).Decimal(v, prec) }

// Percent formats a percentage for the language of ctx.
func Percent(ctx context.Context, v float64) string { return From(ctx).Percent(v) }

// Euro formats an amount for the language of ctx.
func Euro(ctx context.Context, v int64) string { return From(ctx).Euro(v) }

// Date formats a day for the language of ctx.
func Date(ctx context.Context, t time.Time) string { return From(ctx).Date(t) }

// LongDate formats a day with the month's name for the language of ctx.
func LongDate(ctx context.Context, t time.Time) string { return From(ctx).LongDate(t) }

// DateTime formats a moment for the language of ctx.
func DateTime(ctx context.Context, t time.Time) string { return From(ctx).DateTime(t) }

// PartialDate formats a stored partial date for the language of ctx.
func PartialDate(ctx context.Context, s string) string { return From(ctx).PartialDate(s) }

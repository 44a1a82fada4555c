package views

import (
	"net/url"
	"regexp"
	"strings"
)

// SourceRef is one reference of a source field: a link when it names a web
// address, plain text otherwise.
type SourceRef struct {
	Label string
	// URL is the full address; "" when the reference is not a web address.
	URL string
}

// reHostPath matches a reference that is clearly a host with an optional
// path ("anhalt-bitterfeld.de/de/seite.html"): dotted labels ending in a
// top-level domain of letters, no spaces, no shortening.
var reHostPath = regexp.MustCompile(`^(?i)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}(?:[/?#]\S*)?$`)

// reGitHub matches the seed's notation of a repository: "github: owner/name (note)".
var reGitHub = regexp.MustCompile(`^(?i)github:\s*([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)(\s+\(.*\))?$`)

// SourceRefs splits a source field into its references ("; " separates
// them, as in the seed) and makes each a link where it is a web address:
// an http(s) address as it stands, a bare host/path with https:// in front,
// "github: owner/name" as the repository on github.com. A shortened
// reference ("…", "...") or any other text stays text: a guessed link would
// lead nowhere. "—" and similar mean no source.
func SourceRefs(s string) []SourceRef {
	var out []SourceRef
	for _, part := range strings.Split(s, "; ") {
		part = strings.TrimSpace(part)
		if sourceText(part) == "" {
			continue
		}
		out = append(out, parseSourceRef(part))
	}
	return out
}

func parseSourceRef(s string) SourceRef {
	if strings.Contains(s, "...") || strings.Contains(s, "…") || strings.ContainsAny(s, " \t\"<>") && !reGitHub.MatchString(s) {
		return SourceRef{Label: s}
	}
	if m := reGitHub.FindStringSubmatch(s); m != nil {
		return SourceRef{Label: "GitHub: " + m[1] + m[2], URL: "https://github.com/" + m[1]}
	}
	candidate := s
	lower := strings.ToLower(s)
	if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
		if !reHostPath.MatchString(s) {
			return SourceRef{Label: s}
		}
		candidate = "https://" + s
	}
	u, err := url.Parse(candidate)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return SourceRef{Label: s}
	}
	return SourceRef{Label: candidate, URL: candidate}
}

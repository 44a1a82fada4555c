package feed

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"efa-register/internal/catalog"
)

// ItemKind is what a news item of the JSON and Atom feeds reports.
type ItemKind string

// The kinds of news items: new and changed solutions, new adoptions.
const (
	ItemSolutionCreated ItemKind = "solution-created"
	ItemSolutionUpdated ItemKind = "solution-updated"
	ItemAdoptionCreated ItemKind = "adoption-created"
)

// Item is one entry of the news feeds, made from one event of the log.
type Item struct {
	// Seq is the event's sequence number; the item's permanent id derives from it.
	Seq  uint64
	At   time.Time
	Kind ItemKind
	// Solution is the solution concerned, as it is now.
	Solution Solution
	// Adopter and AdoptionStatus are set for new adoptions.
	Adopter        *OrganisationRef
	AdoptionStatus catalog.AdoptionStatus
	// ChangedFields are the JSON field names an update changed.
	ChangedFields []string
}

// Meta describes the feed around the items.
type Meta struct {
	// BaseURL is the absolute address of the register, without a trailing slash.
	BaseURL string
	// Updated is the time of the newest change; the feeds' own timestamp.
	Updated time.Time
}

// itemNamespace is the UUID namespace (RFC 9562, version 5) of the
// register's feed item ids. It never changes: ids derived from it are permanent.
var itemNamespace = [16]byte{0xa8, 0x17, 0xac, 0x01, 0xac, 0x0f, 0x4e, 0xfe, 0x86, 0x43, 0x81, 0x58, 0x13, 0x24, 0x47, 0xf7}

// uuid5 returns the name-based (SHA-1) UUID of name in itemNamespace as a URN.
func uuid5(name string) string {
	h := sha1.New()
	h.Write(itemNamespace[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	s := hex.EncodeToString(u[:])
	return "urn:uuid:" + s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// ItemID is the permanent id of the item made from event seq. It does not
// depend on the host name the feed was fetched under.
func ItemID(seq uint64) string { return uuid5("event:" + strconv.FormatUint(seq, 10)) }

// feedID is the permanent id of the feed itself.
var feedID = uuid5("feed:changes")

// SolutionURL is the address of a solution's page in the UI.
func SolutionURL(base, slug string) string { return base + "/loesungen/" + url.PathEscape(slug) }

// fieldLabels names the changed fields of a solution in German.
var fieldLabels = map[string]string{
	"name": "Name", "summary": "Kurzbeschreibung", "description": "Beschreibung", "provider": "Anbieter",
	"providerNote": "Hinweis zum Anbieter", "partners": "Partner", "operator": "Betreiber",
	"topicFieldId": "Themenfeld", "ozgIds": "OZG-Leistungen", "status": "Status", "statusNote": "Hinweis zum Status",
	"maturity": "Reifegrad", "efaMinimumMet": "EfA-Mindestanforderungen", "accessChannel": "Bezugsweg",
	"accessUrl": "Zugang", "licence": "Lizenz", "repositoryUrl": "Quellcode", "standards": "Standards",
	"costs": "Kosten", "buildCostEur": "Entwicklungskosten", "yearlyCostEur": "jährliche Kosten",
	"costSharing": "Kostenschlüssel", "contactEmail": "Kontakt", "knownAdoptersText": "bekannte Nachnutzer",
	"verified": "Prüfstand", "verifiedNote": "Hinweis zur Prüfung", "source": "Quelle", "publiccode": "Angaben aus publiccode.yml",
}

func changedText(fields []string) string {
	if len(fields) == 0 {
		return ""
	}
	labels := make([]string, 0, len(fields))
	for _, f := range fields {
		if l, ok := fieldLabels[f]; ok {
			labels = append(labels, l)
		} else {
			labels = append(labels, f)
		}
	}
	sort.Strings(labels)
	return "Geänderte Angaben: " + strings.Join(labels, ", ") + "."
}

// kindLabel names an organisation kind in German.
func kindLabel(k string) string { return catalog.OrgKind(k).Label() }

// text returns the title, the plain-text content and the tags of an item.
func (it Item) text() (title, content string, tags []string) {
	s := it.Solution
	switch it.Kind {
	case ItemSolutionCreated:
		title = "Neue Lösung: " + s.Name
		content = s.Summary
		if s.Provider != nil {
			content = strings.TrimSpace(content + " Anbieter: " + s.Provider.Name + ".")
		}
		tags = []string{"Lösung", "neu"}
	case ItemSolutionUpdated:
		title = "Lösung geändert: " + s.Name
		content = changedText(it.ChangedFields)
		tags = []string{"Lösung", "geändert"}
	case ItemAdoptionCreated:
		who := "Eine Organisation"
		if it.Adopter != nil {
			who = it.Adopter.Name + " (" + kindLabel(it.Adopter.Kind) + ")"
			title = "Neue Nachnutzung: " + it.Adopter.Name + " – " + s.Name
		} else {
			title = "Neue Nachnutzung: " + s.Name
		}
		content = who + " nutzt „" + s.Name + "“ nach. Stand: " + it.AdoptionStatus.Label() + "."
		tags = []string{"Nachnutzung", "neu"}
	}
	return title, content, tags
}

// jsonFeed is a JSON Feed 1.1 document (https://jsonfeed.org/version/1.1).
type jsonFeed struct {
	Version     string         `json:"version"`
	Title       string         `json:"title"`
	HomePageURL string         `json:"home_page_url"`
	FeedURL     string         `json:"feed_url"`
	Description string         `json:"description"`
	Language    string         `json:"language"`
	Authors     []jsonAuthor   `json:"authors"`
	Items       []jsonFeedItem `json:"items"`
}

type jsonAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type jsonFeedItem struct {
	ID            string   `json:"id"`
	URL           string   `json:"url"`
	Title         string   `json:"title"`
	ContentText   string   `json:"content_text"`
	DatePublished string   `json:"date_published"`
	Tags          []string `json:"tags,omitempty"`
}

const (
	feedTitle       = "EfA-Register – Änderungen"
	feedDescription = "Neue und geänderte EfA-Lösungen und neue Nachnutzungen im EfA-Register."
)

// JSONFeed encodes items (newest first) as a JSON Feed 1.1 document.
func JSONFeed(m Meta, items []Item) ([]byte, error) {
	f := jsonFeed{Version: "https://jsonfeed.org/version/1.1", Title: feedTitle, HomePageURL: m.BaseURL + "/",
		FeedURL: m.BaseURL + "/feed.json", Description: feedDescription, Language: "de",
		Authors: []jsonAuthor{{Name: "EfA-Register", URL: m.BaseURL + "/"}}, Items: make([]jsonFeedItem, 0, len(items))}
	for _, it := range items {
		title, content, tags := it.text()
		f.Items = append(f.Items, jsonFeedItem{ID: ItemID(it.Seq), URL: SolutionURL(m.BaseURL, it.Solution.Slug),
			Title: title, ContentText: content, DatePublished: it.At.UTC().Format(time.RFC3339), Tags: tags})
	}
	// Indented: the feed is small, and people read it in browsers and diffs.
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("feed: encode JSON feed: %w", err)
	}
	return append(out, '\n'), nil
}

// Atom (RFC 4287) elements.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published"`
	Link       atomLink       `xml:"link"`
	Summary    atomText       `xml:"summary"`
	Categories []atomCategory `xml:"category"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

// Atom encodes items (newest first) as an Atom 1.0 feed.
func Atom(m Meta, items []Item) ([]byte, error) {
	f := atomFeed{Lang: "de", ID: feedID, Title: feedTitle, Updated: m.Updated.UTC().Format(time.RFC3339),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: m.BaseURL + "/feed.atom"},
			{Rel: "alternate", Type: "text/html", Href: m.BaseURL + "/"},
		},
		Author: atomAuthor{Name: "EfA-Register", URI: m.BaseURL + "/"}}
	for _, it := range items {
		title, content, tags := it.text()
		at := it.At.UTC().Format(time.RFC3339)
		e := atomEntry{ID: ItemID(it.Seq), Title: title, Updated: at, Published: at,
			Link:    atomLink{Rel: "alternate", Type: "text/html", Href: SolutionURL(m.BaseURL, it.Solution.Slug)},
			Summary: atomText{Type: "text", Body: content}}
		for _, t := range tags {
			e.Categories = append(e.Categories, atomCategory{Term: t})
		}
		f.Entries = append(f.Entries, e)
	}
	out, err := xml.MarshalIndent(f, "", " ")
	if err != nil {
		return nil, fmt.Errorf("feed: encode atom: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

package feed

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strconv"
	"time"
)

// AdvisoryEntry is one security advisory in an organisation's advisory feed.
type AdvisoryEntry struct {
	ID                 uint
	Revision           int
	Title, Text, URL   string
	Published, Updated time.Time
	Tags               []string
}

// advisoryItemID is permanent per advisory and revision: a feed reader shows
// a new revision as a new item.
func advisoryItemID(e AdvisoryEntry) string {
	return uuid5("advisory:" + strconv.FormatUint(uint64(e.ID), 10) + ":" + strconv.Itoa(e.Revision))
}

// AdvisoryJSONFeed encodes an organisation's advisories (newest first) as JSON Feed 1.1.
func AdvisoryJSONFeed(base, self, title string, entries []AdvisoryEntry) ([]byte, error) {
	f := jsonFeed{Version: "https://jsonfeed.org/version/1.1", Title: title, HomePageURL: base + "/sicherheitshinweise",
		FeedURL: self, Description: "Sicherheitshinweise zu den Lösungen, die die Organisation nutzt.", Language: "de",
		Authors: []jsonAuthor{{Name: "EfA-Register", URL: base + "/"}}, Items: make([]jsonFeedItem, 0, len(entries))}
	for _, e := range entries {
		f.Items = append(f.Items, jsonFeedItem{ID: advisoryItemID(e), URL: e.URL, Title: e.Title, ContentText: e.Text,
			DatePublished: e.Updated.UTC().Format(time.RFC3339), Tags: e.Tags})
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("feed: encode advisory JSON feed: %w", err)
	}
	return append(out, '\n'), nil
}

// AdvisoryAtom encodes an organisation's advisories (newest first) as Atom 1.0.
func AdvisoryAtom(base, self, title string, updated time.Time, entries []AdvisoryEntry) ([]byte, error) {
	f := atomFeed{Lang: "de", ID: uuid5("advisories:" + self), Title: title, Updated: updated.UTC().Format(time.RFC3339),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: self},
			{Rel: "alternate", Type: "text/html", Href: base + "/sicherheitshinweise"},
		},
		Author: atomAuthor{Name: "EfA-Register", URI: base + "/"}}
	for _, e := range entries {
		entry := atomEntry{ID: advisoryItemID(e), Title: e.Title, Updated: e.Updated.UTC().Format(time.RFC3339),
			Published: e.Published.UTC().Format(time.RFC3339), Link: atomLink{Rel: "alternate", Type: "text/html", Href: e.URL},
			Summary: atomText{Type: "text", Body: e.Text}}
		for _, t := range e.Tags {
			entry.Categories = append(entry.Categories, atomCategory{Term: t})
		}
		f.Entries = append(f.Entries, entry)
	}
	out, err := xml.MarshalIndent(f, "", " ")
	if err != nil {
		return nil, fmt.Errorf("feed: encode advisory atom: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

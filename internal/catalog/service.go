package catalog

import "regexp"

// TopicField is one of the 14 OZG Themenfelder.
type TopicField struct {
	ID   uint   `gorm:"primaryKey;autoIncrement:false" json:"id"`
	Name string `gorm:"size:100;not null;uniqueIndex" json:"name"`
	// LeadLand is the lead Land as the source states it (free text), LeadVerified says whether a source confirmed it.
	LeadLand     string `gorm:"size:200" json:"leadLand,omitempty"`
	LeadMinistry string `gorm:"size:200" json:"leadMinistry,omitempty"`
	LeadVerified string `gorm:"size:20" json:"leadVerified,omitempty"`
	LeadSource   string `gorm:"size:500" json:"leadSource,omitempty"`
}

// LifeSituation is a Lebens- or Unternehmenslage of the OZG catalogue.
type LifeSituation struct {
	ID           uint   `gorm:"primaryKey;autoIncrement:false" json:"id"`
	TopicFieldID uint   `gorm:"not null;index" json:"topicFieldId"`
	Name         string `gorm:"size:200;not null" json:"name"`
}

// Service is an OZG-Leistung identified by its five-digit OZG-ID.
type Service struct {
	ID              string         `gorm:"primaryKey;size:5" json:"ozgId"`
	Name            string         `gorm:"size:300;not null" json:"name"`
	TopicFieldID    uint           `gorm:"not null;index" json:"topicFieldId"`
	LifeSituationID *uint          `gorm:"index" json:"lifeSituationId,omitempty"`
	Leika           []LeikaService `gorm:"foreignKey:ServiceID" json:"leika,omitempty"`
}

// LeikaService is a LeiKa-Leistung, usually assigned to an OZG-Leistung. Some
// rows of the source carry no key ("nicht im LeiKa"); they keep an empty Key.
type LeikaService struct {
	ID   uint   `gorm:"primaryKey" json:"-"`
	Key  string `gorm:"size:14;index" json:"key,omitempty"`
	Name string `gorm:"size:400;not null" json:"name"`
	// ServiceID is the OZG-ID; nil for the few LeiKa rows the catalogue assigns to no OZG-Leistung.
	ServiceID  *string `gorm:"size:5;index" json:"ozgId,omitempty"`
	Type       string  `gorm:"size:20" json:"type,omitempty"`
	LawShort   string  `gorm:"size:100" json:"lawShort,omitempty"`
	LegalBasis string  `gorm:"size:2000" json:"legalBasis,omitempty"`
}

// URN returns the official LeiKa identifier, or "" when the row has no key.
func (l LeikaService) URN() string {
	if l.Key == "" {
		return ""
	}
	return LeikaURNPrefix + l.Key
}

var reOZGID = regexp.MustCompile(`^[0-9]{5}$`)

// ValidOZGID reports whether s has the form of an OZG-ID (five digits).
func ValidOZGID(s string) bool { return reOZGID.MatchString(s) }

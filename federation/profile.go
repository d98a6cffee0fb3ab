package federation

import (
	"strings"

	"kring/content"
)

// profileFieldNames are the names of a member's profile fields in the
// member's language: remote servers show them as they are.
var profileFieldNames = map[content.Language][4]string{
	content.LanguageDutch:   {"Organisatie", "Functie", "Regio", "Talen"},
	content.LanguageEnglish: {"Organisation", "Role", "Region", "Languages"},
}

// profileFields are a profile's PropertyValue attachments: organisation,
// role, region and languages when filled in, then the member's links.
func profileFields(p *content.Profile, lang content.Language) []ProfileField {
	names, ok := profileFieldNames[lang]
	if !ok {
		names = profileFieldNames[content.LanguageDutch]
	}
	var out []ProfileField
	for i, v := range []string{p.Organisation, p.JobTitle, p.Region, strings.Join(p.Languages, ", ")} {
		if v != "" {
			out = append(out, ProfileField{Name: names[i], Value: v})
		}
	}
	for _, l := range p.Links {
		out = append(out, ProfileField{Name: l.Name, Value: l.URL, Link: true})
	}
	return out
}

// profileHashtags are a member's topics as hashtags: topics of expertise,
// then a speaker's speaker topics, each topic once. Remote Kring nodes
// match speaker requests on them (speakers_requests.go).
func profileHashtags(p *content.Profile) []string {
	topics := p.Topics
	if p.Speaker {
		topics = append(append([]string(nil), topics...), p.SpeakerTopics...)
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range content.CleanTopics(topics) {
		h := content.TopicHashtag(t)
		if k := strings.ToLower(h); h != "" && !seen[k] {
			seen[k] = true
			out = append(out, h)
		}
	}
	return out
}

package federation

import (
	"fmt"
	"html"
	"strings"
	"time"

	"kring/content"
)

// The words of the Speakers group's direct messages. A message is in one
// language: the one the request asks the talk in when that is Dutch or
// English (the speaker will be speaking it), else the requester's.

func messageLanguage(m *content.Member, r *content.SpeakerRequest) content.Language {
	switch base, _, _ := strings.Cut(r.Language, "-"); content.Language(base) {
	case content.LanguageDutch, content.LanguageEnglish:
		return content.Language(base)
	}
	if m.Language == content.LanguageEnglish {
		return content.LanguageEnglish
	}
	return content.LanguageDutch
}

type speakersWords struct {
	asks, event, date, place, online, audience, topic, language, anyLanguage, ask,
	answerAt, orReply, closed string
	months [12]string
}

var speakersText = map[content.Language]speakersWords{
	content.LanguageDutch: {
		asks: "%s zoekt een spreker over %s en vraagt of jij wilt komen.", event: "Evenement", date: "Datum",
		place: "Plaats", online: "online", audience: "Publiek", topic: "Onderwerp", language: "Taal",
		anyLanguage: "niet opgegeven", ask: "Het verzoek", answerAt: "Antwoord (beschikbaar, niet beschikbaar of een notitie):",
		orReply: "of beantwoord dit bericht.",
		closed:  "%s heeft het verzoek voor een spreker bij %s (%s) gesloten: er zijn geen antwoorden meer nodig. Dank je wel!",
		months:  [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	},
	content.LanguageEnglish: {
		asks: "%s is looking for a speaker on %s and asks whether you would like to come.", event: "Event", date: "Date",
		place: "Place", online: "online", audience: "Audience", topic: "Topic", language: "Language",
		anyLanguage: "not given", ask: "The request", answerAt: "Answer (available, not available or a note):",
		orReply: "or reply to this message.",
		closed:  "%s has closed the request for a speaker at %s (%s): no more answers are needed. Thank you!",
		months:  [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	},
}

func escapeText(s string) string { return html.EscapeString(s) }

func escapeAttr(s string) string { return html.EscapeString(s) }

// longDate writes 2026-12-10 as "10 december 2026".
func (w speakersWords) longDate(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.Format("2") + " " + w.months[t.Month()-1] + " " + t.Format("2006")
}

// requestHTML is a request's message: who asks, the facts, the ask, and
// how to answer.
func requestHTML(lang content.Language, requester string, r *content.SpeakerRequest, answerURL string) string {
	w := speakersText[lang]
	var b strings.Builder
	b.WriteString("<p>" + escapeText(fmt.Sprintf(w.asks, requester, r.Topic)) + "</p><p>")
	place := r.Place
	if r.Online {
		place = strings.TrimPrefix(strings.Join([]string{r.Place, w.online}, ", "), ", ")
	}
	language := r.Language
	if language == "" {
		language = w.anyLanguage
	}
	lines := [][2]string{{w.event, r.EventTitle}, {w.date, w.longDate(r.EventDate)}, {w.place, place},
		{w.audience, r.Audience}, {w.topic, r.Topic}, {w.language, language}}
	first := true
	for _, l := range lines {
		if l[1] == "" {
			continue
		}
		if !first {
			b.WriteString("<br>")
		}
		first = false
		b.WriteString("<strong>" + escapeText(l[0]) + ":</strong> " + escapeText(l[1]))
	}
	b.WriteString("</p><p><strong>" + escapeText(w.ask) + ":</strong></p>")
	b.WriteString(textToHTML(r.Ask))
	b.WriteString("<p>" + escapeText(w.answerAt) + ` <a href="` + escapeAttr(answerURL) + `">` + escapeText(answerURL) + "</a> " +
		escapeText(w.orReply) + "</p>")
	return b.String()
}

// closedHTML is the message that tells a speaker a request is closed.
func closedHTML(lang content.Language, requester string, r *content.SpeakerRequest) string {
	w := speakersText[lang]
	return "<p>" + escapeText(fmt.Sprintf(w.closed, requester, r.EventTitle, w.longDate(r.EventDate))) + "</p>"
}

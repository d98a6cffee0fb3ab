package web

func init() {
	pageNames = append(pageNames, "speakers", "speaker_requests", "speaker_request", "speaker_request_new", "speaker_answer")
}

// speakersRoutes are the speakers network's pages: the local speakers by
// topic (pages_speakers.go), the request form (pages_speakers_form.go),
// a member's requests and one request's page with the bundled answers
// (pages_speakers_requests.go), and the answer page a speaker reaches
// from the link in their notification or direct message, which needs no
// login: its token is the capability (pages_speakers_answer.go). The
// Speakers group actor itself is federation's (federation/speakers_group.go).
func (s *Server) speakersRoutes() []route {
	return []route{
		{pattern: "GET /speakers", handle: s.speakersPage},
		{pattern: "GET /speakers/requests", handle: s.speakerRequestsPage},
		{pattern: "GET /speakers/requests/new", handle: s.needsFederation(s.newSpeakerRequestPage)},
		{pattern: "POST /speakers/requests", handle: s.needsFederation(s.createSpeakerRequest)},
		{pattern: "GET /speakers/requests/{token}", handle: s.speakerRequestPage},
		{pattern: "POST /speakers/requests/{token}/close", handle: s.needsFederation(s.closeSpeakerRequest)},
		{pattern: "GET /speakers/answer/{token}", handle: s.speakerAnswerPage},
		{pattern: "POST /speakers/answer/{token}", handle: s.needsFederation(s.answerSpeakerRequest)},
	}
}

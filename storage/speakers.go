package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kring/content"
)

// SpeakerEntry is a local speaker as the speakers page lists them.
type SpeakerEntry struct {
	Member  content.Member
	Profile content.Profile
}

// TopicCount is a topic with how many speakers (or members) have it.
type TopicCount struct {
	Key, Label string
	Count      int
}

// SpeakerInvitation is a request as one local speaker received it.
type SpeakerInvitation struct {
	Request   content.SpeakerRequest
	Recipient content.SpeakerRecipient
}

// liveSpeaker is the condition on members m and member_profiles p that
// makes a member a speaker whom requests may reach: marked as speaker,
// neither suspended nor deleted.
const liveSpeaker = `p.speaker = 1 AND m.suspended = 0 AND m.deleted_at = 0`

// Speakers lists the local speakers who are not suspended, by name
// (members as the directory reads them: no e-mail, keys or times);
// topicKey (content.TopicKey) narrows them to one speaker topic.
func (db *DB) Speakers(ctx context.Context, topicKey string) ([]SpeakerEntry, error) {
	where, args := liveSpeaker, []any{}
	if topicKey != "" {
		where += ` AND EXISTS (SELECT 1 FROM member_topics t WHERE t.member_id = m.id AND t.list = 'speaker' AND t.key = ?)`
		args = append(args, topicKey)
	}
	entries, err := db.profiledMembers(ctx, where, args...)
	if err != nil {
		return nil, fmt.Errorf("list speakers on %q: %w", topicKey, err)
	}
	out := make([]SpeakerEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, SpeakerEntry(e))
	}
	return out, nil
}

// SpeakerTopics lists the speaker topics of local speakers with how many
// have each, by label. Spellings of one topic count together, shown in
// the first spelling in sort order.
func (db *DB) SpeakerTopics(ctx context.Context) ([]TopicCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT t.key, MIN(t.label), COUNT(*) FROM member_topics t
		JOIN members m ON m.id = t.member_id JOIN member_profiles p ON p.member_id = t.member_id
		WHERE t.list = 'speaker' AND `+liveSpeaker+`
		GROUP BY t.key ORDER BY MIN(t.label) COLLATE NOCASE, t.key`)
	if err != nil {
		return nil, fmt.Errorf("list speaker topics: %w", err)
	}
	defer rows.Close()
	var out []TopicCount
	for rows.Next() {
		var tc TopicCount
		if err := rows.Scan(&tc.Key, &tc.Label, &tc.Count); err != nil {
			return nil, fmt.Errorf("list speaker topics: %w", err)
		}
		out = append(out, tc)
	}
	return out, rows.Err()
}

// CreateSpeakerRequest stores a request and whom it reached, in one
// transaction; it fills IDs.
func (db *DB) CreateSpeakerRequest(ctx context.Context, r *content.SpeakerRequest, recipients []content.SpeakerRecipient) error {
	return db.CreateSpeakerRequestPublishing(ctx, r, recipients, nil)
}

// CreateSpeakerRequestPublishing is CreateSpeakerRequest that also queues
// the direct messages to remote speakers, in the same transaction: either
// the request exists and its messages go out, or neither. An empty Token
// or AnswerToken is filled with a new random one; IDs, State and CreatedAt
// are filled.
func (db *DB) CreateSpeakerRequestPublishing(ctx context.Context, r *content.SpeakerRequest, recipients []content.SpeakerRecipient, pubs []*Publication) error {
	if r.Token == "" {
		r.Token = content.NewToken()
	}
	now := db.now().UTC().Truncate(time.Millisecond)
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		var eventID any
		if r.EventID != 0 {
			eventID = r.EventID
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO speaker_requests (token, requester_id, event_title, event_id, event_date,
				place, online, audience, topic, topic_key, language, ask, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)`,
			r.Token, r.RequesterID, r.EventTitle, eventID, r.EventDate, r.Place, boolInt(r.Online), r.Audience,
			r.Topic, content.TopicKey(r.Topic), r.Language, r.Ask, millis(now))
		if unknownMember(err) {
			return content.Errorf(content.KindNotFound, "", "speaker_request.unknown", "no member %d or event %d", r.RequesterID, r.EventID)
		}
		if err != nil {
			return fmt.Errorf("store speaker request: %w", err)
		}
		if r.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("store speaker request: %w", err)
		}
		r.State, r.CreatedAt, r.ClosedAt = content.RequestOpen, now, time.Time{}
		for i := range recipients {
			if err := insertRecipient(ctx, tx, r.ID, &recipients[i]); err != nil {
				return err
			}
		}
		for _, p := range pubs {
			if err := p.insert(ctx, tx, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func insertRecipient(ctx context.Context, tx *sql.Tx, requestID int64, rc *content.SpeakerRecipient) error {
	if rc.AnswerToken == "" {
		rc.AnswerToken = content.NewToken()
	}
	var memberID any
	if rc.MemberID != 0 {
		memberID = rc.MemberID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO speaker_request_recipients (request_id, actor, member_id, name, url, note_iri, answer_token)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, requestID, rc.Actor, memberID, rc.Name, rc.URL, rc.NoteIRI, rc.AnswerToken)
	if err != nil {
		return fmt.Errorf("store recipient %s of speaker request %d: %w", rc.Actor, requestID, err)
	}
	if rc.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("store recipient %s: %w", rc.Actor, err)
	}
	rc.RequestID = requestID
	return nil
}

const requestColumns = `r.id, r.token, r.requester_id, r.event_title, COALESCE(r.event_id, 0), r.event_date, r.place, r.online,
	r.audience, r.topic, r.language, r.ask, r.state, r.created_at, r.closed_at`

// requestScan holds the raw columns of requestColumns while a row is scanned.
type requestScan struct {
	r               content.SpeakerRequest
	online          int
	state           string
	created, closed int64
}

func (s *requestScan) dest() []any {
	r := &s.r
	return []any{&r.ID, &r.Token, &r.RequesterID, &r.EventTitle, &r.EventID, &r.EventDate, &r.Place, &s.online,
		&r.Audience, &r.Topic, &r.Language, &r.Ask, &s.state, &s.created, &s.closed}
}

func (s *requestScan) request() *content.SpeakerRequest {
	r := s.r
	r.Online, r.State, r.CreatedAt = s.online == 1, content.RequestState(s.state), fromMillis(s.created)
	if s.closed != 0 {
		r.ClosedAt = fromMillis(s.closed)
	}
	return &r
}

const recipientColumns = `c.id, c.request_id, c.actor, COALESCE(c.member_id, 0), c.name, c.url, c.note_iri, c.answer_token,
	c.answer, c.answer_note, c.answered_via, c.answered_at`

// recipientScan holds the raw columns of recipientColumns while a row is scanned.
type recipientScan struct {
	c           content.SpeakerRecipient
	answer, via string
	answered    int64
}

func (s *recipientScan) dest() []any {
	c := &s.c
	return []any{&c.ID, &c.RequestID, &c.Actor, &c.MemberID, &c.Name, &c.URL, &c.NoteIRI, &c.AnswerToken,
		&s.answer, &c.AnswerNote, &s.via, &s.answered}
}

func (s *recipientScan) recipient() *content.SpeakerRecipient {
	c := s.c
	c.Answer, c.AnsweredVia = content.SpeakerAnswer(s.answer), content.AnswerVia(s.via)
	if s.answered != 0 {
		c.AnsweredAt = fromMillis(s.answered)
	}
	return &c
}

func errNoRequest() error {
	return content.Errorf(content.KindNotFound, "", "speaker_request.not_found", "no such speaker request")
}

// SpeakerRequestByToken finds a request by its token (not found: KindNotFound).
func (db *DB) SpeakerRequestByToken(ctx context.Context, token string) (*content.SpeakerRequest, error) {
	var s requestScan
	err := db.queryRow(ctx, "SELECT "+requestColumns+" FROM speaker_requests r WHERE r.token = ?", token).Scan(s.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoRequest()
	}
	if err != nil {
		return nil, fmt.Errorf("read speaker request: %w", err)
	}
	return s.request(), nil
}

// SpeakerRecipients lists whom a request reached, answers included, by name.
func (db *DB) SpeakerRecipients(ctx context.Context, requestID int64) ([]content.SpeakerRecipient, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+recipientColumns+` FROM speaker_request_recipients c
		WHERE c.request_id = ? ORDER BY c.name COLLATE NOCASE, c.id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("list recipients of speaker request %d: %w", requestID, err)
	}
	defer rows.Close()
	var out []content.SpeakerRecipient
	for rows.Next() {
		var s recipientScan
		if err := rows.Scan(s.dest()...); err != nil {
			return nil, fmt.Errorf("list recipients of speaker request %d: %w", requestID, err)
		}
		out = append(out, *s.recipient())
	}
	return out, rows.Err()
}

// SpeakerRecipientByToken finds a recipient by the secret of their answer
// link, with the request.
func (db *DB) SpeakerRecipientByToken(ctx context.Context, answerToken string) (*content.SpeakerRecipient, *content.SpeakerRequest, error) {
	if answerToken == "" {
		return nil, nil, errNoRequest()
	}
	return db.recipientWhere(ctx, "c.answer_token = ?", answerToken)
}

// SpeakerRecipientByNote finds the remote recipient who was sent the
// direct message noteIRI, with the request: a reply to it answers.
func (db *DB) SpeakerRecipientByNote(ctx context.Context, noteIRI string) (*content.SpeakerRecipient, *content.SpeakerRequest, error) {
	if noteIRI == "" {
		return nil, nil, errNoRequest()
	}
	return db.recipientWhere(ctx, "c.note_iri = ?", noteIRI)
}

func (db *DB) recipientWhere(ctx context.Context, where, arg string) (*content.SpeakerRecipient, *content.SpeakerRequest, error) {
	var c recipientScan
	var r requestScan
	err := db.queryRow(ctx, "SELECT "+recipientColumns+", "+requestColumns+` FROM speaker_request_recipients c
		JOIN speaker_requests r ON r.id = c.request_id WHERE `+where, arg).Scan(append(c.dest(), r.dest()...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errNoRequest()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read speaker request recipient: %w", err)
	}
	return c.recipient(), r.request(), nil
}

// SpeakerRequestsBy lists a member's own requests, newest first.
func (db *DB) SpeakerRequestsBy(ctx context.Context, requesterID int64) ([]content.SpeakerRequest, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+requestColumns+` FROM speaker_requests r
		WHERE r.requester_id = ? ORDER BY r.id DESC`, requesterID)
	if err != nil {
		return nil, fmt.Errorf("list speaker requests of member %d: %w", requesterID, err)
	}
	defer rows.Close()
	var out []content.SpeakerRequest
	for rows.Next() {
		var s requestScan
		if err := rows.Scan(s.dest()...); err != nil {
			return nil, fmt.Errorf("list speaker requests of member %d: %w", requesterID, err)
		}
		out = append(out, *s.request())
	}
	return out, rows.Err()
}

// SpeakerRequestsFor lists the requests a local speaker received, newest first.
func (db *DB) SpeakerRequestsFor(ctx context.Context, memberID int64) ([]SpeakerInvitation, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+recipientColumns+", "+requestColumns+` FROM speaker_request_recipients c
		JOIN speaker_requests r ON r.id = c.request_id WHERE c.member_id = ? ORDER BY r.id DESC`, memberID)
	if err != nil {
		return nil, fmt.Errorf("list speaker requests for member %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []SpeakerInvitation
	for rows.Next() {
		var c recipientScan
		var r requestScan
		if err := rows.Scan(append(c.dest(), r.dest()...)...); err != nil {
			return nil, fmt.Errorf("list speaker requests for member %d: %w", memberID, err)
		}
		out = append(out, SpeakerInvitation{Request: *r.request(), Recipient: *c.recipient()})
	}
	return out, rows.Err()
}

// RecordSpeakerAnswer stores a recipient's answer, replacing an earlier
// one, in one short transaction that also checks the request is still
// open (closed: KindConflict). It reports whether anything changed: the
// same answer again (a redelivered reply, a form sent twice) changes
// nothing and keeps the first time.
func (db *DB) RecordSpeakerAnswer(ctx context.Context, recipientID int64, a content.SpeakerAnswer, note string, via content.AnswerVia) (bool, error) {
	changed := false
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		var state, oldAnswer, oldNote, oldVia string
		err := tx.QueryRowContext(ctx, `SELECT r.state, c.answer, c.answer_note, c.answered_via FROM speaker_request_recipients c
			JOIN speaker_requests r ON r.id = c.request_id WHERE c.id = ?`, recipientID).Scan(&state, &oldAnswer, &oldNote, &oldVia)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoRequest()
		}
		if err != nil {
			return fmt.Errorf("read answer of recipient %d: %w", recipientID, err)
		}
		if state != string(content.RequestOpen) {
			return content.Errorf(content.KindConflict, "", "speaker_request.closed", "this speaker request is closed and takes no more answers")
		}
		if oldAnswer == string(a) && oldNote == note && oldVia == string(via) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE speaker_request_recipients SET answer = ?, answer_note = ?, answered_via = ?, answered_at = ?
			WHERE id = ?`, string(a), note, string(via), millis(db.now()), recipientID); err != nil {
			return fmt.Errorf("store answer of recipient %d: %w", recipientID, err)
		}
		changed = true
		return nil
	})
	return changed, err
}

// CloseSpeakerRequestPublishing closes an open request and queues the
// messages that tell its remote recipients, in one transaction. It
// reports false, and queues nothing, when the request was closed already.
func (db *DB) CloseSpeakerRequestPublishing(ctx context.Context, requestID int64, pubs []*Publication) (bool, error) {
	closed := false
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		now := db.now()
		res, err := tx.ExecContext(ctx, "UPDATE speaker_requests SET state = 'closed', closed_at = ? WHERE id = ? AND state = 'open'",
			millis(now), requestID)
		if err != nil {
			return fmt.Errorf("close speaker request %d: %w", requestID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		closed = true
		for _, p := range pubs {
			if err := p.insert(ctx, tx, now); err != nil {
				return err
			}
		}
		return nil
	})
	return closed, err
}

// FollowerActors lists the stored documents of an actor's accepted
// remote followers: the Speakers group matches requests on their tags.
func (db *DB) FollowerActors(ctx context.Context, followee string) ([]content.RemoteActor, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+prefixed("a.", remoteActorColumns)+` FROM follows f
		JOIN remote_actors a ON a.iri = f.follower WHERE f.followee = ? AND f.state = 'accepted' ORDER BY a.iri`, followee)
	if err != nil {
		return nil, fmt.Errorf("list followers of %s: %w", followee, err)
	}
	defer rows.Close()
	var out []content.RemoteActor
	for rows.Next() {
		var a content.RemoteActor
		var fetched int64
		if err := rows.Scan(&a.IRI, &a.Type, &a.Username, &a.Host, &a.Name, &a.Inbox, &a.SharedInbox, &a.Followers, &a.URL,
			&a.KeyID, &a.PublicKeyPEM, &a.Raw, &fetched); err != nil {
			return nil, fmt.Errorf("list followers of %s: %w", followee, err)
		}
		a.FetchedAt = fromMillis(fetched)
		out = append(out, a)
	}
	return out, rows.Err()
}

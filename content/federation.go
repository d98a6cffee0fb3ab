package content

import "time"

// RemoteActor is an actor on another server, as last fetched. Raw keeps
// the whole document: libraries drop fields they do not model.
type RemoteActor struct {
	IRI          string
	Type         string
	Username     string // preferredUsername
	Host         string
	Name         string
	Inbox        string
	SharedInbox  string
	Followers    string
	URL          string
	KeyID        string
	PublicKeyPEM string
	Raw          string
	FetchedAt    time.Time
}

// DeliveryInbox is where activities for this actor go: the shared inbox
// when the server has one, so one POST serves all its followers.
func (a *RemoteActor) DeliveryInbox() string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

// FollowState is where a follow request stands.
type FollowState string

// The follow states.
const (
	FollowPending  FollowState = "pending"
	FollowAccepted FollowState = "accepted"
)

// Follow is one actor following another; one side is always local.
// IRI is the id of the Follow activity, which Accept, Reject and Undo name.
type Follow struct {
	ID        int64
	IRI       string
	Follower  string
	Followee  string
	State     FollowState
	CreatedAt time.Time
}

// Activity is an activity this node published, stored as sent.
type Activity struct {
	ID        int64
	IRI       string
	Actor     string
	Type      string
	ObjectIRI string
	Public    bool
	Body      []byte
	CreatedAt time.Time
}

// Object is a piece of content: a local note or one received from
// another server. Content is sanitised HTML; Raw is the received document.
type Object struct {
	ID           int64
	IRI          string
	Type         string
	AttributedTo string
	Local        bool
	Name         string
	Summary      string
	Content      string
	InReplyTo    string
	URL          string
	Public       bool
	Published    time.Time
	Updated      time.Time
	Raw          string
	Deleted      bool

	// Thread position: Root is the top object of the conversation and
	// Path orders a depth-first walk of it; both empty for a top object.
	Root string
	Path string
	// The author as shown, copied at receive time.
	AuthorName   string
	AuthorHandle string // user@host
	AuthorURL    string
	Language     string
	Attachments  []Attachment
	Tags         []string // hashtags, lower case without '#'
	Mentions     []string // actor IRIs

	LikeCount     int
	AnnounceCount int
	ReplyCount    int
}

// InboxItem is an activity received and verified, stored before the
// sender was answered and processed afterwards.
type InboxItem struct {
	ID          int64
	ActivityIRI string
	Actor       string
	Type        string
	Body        []byte
	ReceivedAt  time.Time
	ProcessedAt time.Time
	Outcome     string
}

// DeliveryState is where a delivery stands.
type DeliveryState string

// The delivery states.
const (
	DeliveryPending DeliveryState = "pending"
	DeliveryDone    DeliveryState = "done"
	DeliveryFailed  DeliveryState = "failed"
)

// Delivery is one POST of one activity to one inbox, retried until it
// succeeds or its time runs out.
type Delivery struct {
	ID            int64
	ActivityID    int64
	Inbox         string
	Host          string
	Signer        string // the local actor whose key signs
	State         DeliveryState
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	LastStatus    int
	CreatedAt     time.Time
}
